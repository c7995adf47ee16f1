/**
 * The HTTP plumbing the local sandboxes (HubSpot, TurboTenant, Stripe) share: the server's
 * lifecycle, reading and answering JSON bodies, the bounded logs and the key checks.
 *
 * Only what is the same in every sandbox lives here. What an API says (its error bodies, its
 * headers, its auth scheme, its routes) stays in the sandbox's own folder: these helpers take the
 * sandbox's error factories and headers as arguments rather than knowing any API's shapes.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** What HubSpot and the project's own APIs send; Stripe sends plain `application/json`. */
export const JSON_TYPE = 'application/json;charset=utf-8';

/** A sandbox's answer: no body (and never one on a 204), or a JSON body. */
export interface JsonReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A 'reset' fault's "answer": the connection is dropped with an RST, as a crashed upstream would drop it. */
export type Outcome<R> = R | { reset: true };

/**
 * A sandbox's HTTP server: listens on a free port unless told one, and closes without waiting for
 * keep-alive clients (tests and benchmarks start and stop sandboxes by the hundred, and a client's
 * idle connection must not hold `close()` up). The timers of `delay` ('slow' faults) are cleared
 * on close, so a closed sandbox leaves nothing to keep the process alive.
 */
export class SandboxHttpServer {
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  /**
   * `fallback` answers when `handle` throws before it answered itself: a sandbox bug should reach
   * the client as a 500 in the API's own error shape, not as a hung request.
   */
  constructor(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, fallback: (res: ServerResponse, err: unknown) => void) {
    this.server = createServer((req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) fallback(res, err);
      });
    });
    this.server.keepAliveTimeout = 5_000;
  }

  /** Listens (port 0, the default, picks a free one) and returns the base URL, an IPv6 host in brackets. */
  async listen(host = '127.0.0.1', port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port: bound } = this.server.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  }

  /** Waits `ms`; a wait still running at close never ends (its connection is closed under it). */
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/**
 * The latest `max` entries of a log (requests, deliveries). It is trimmed only once it is a tenth
 * over, so that a long benchmark does not pay a splice on every entry.
 */
export class BoundedLog<T extends object> {
  private items: T[] = [];

  constructor(private readonly max: number) {}

  push(entry: T): void {
    this.items.push(entry);
    if (this.items.length > this.max + this.max / 10) this.items.splice(0, this.items.length - this.max);
  }

  /** The entries themselves, for a control route that serialises them at once. */
  get entries(): readonly T[] {
    return this.items;
  }

  /** Copies for a caller to keep: later entries or a clear must not change what it holds. */
  copy(copyEntry: (entry: T) => T = (entry) => ({ ...entry })): T[] {
    return this.items.map(copyEntry);
  }

  clear(): void {
    this.items = [];
  }
}

/** The request's method (upper case) and URL; the host part of the URL means nothing. */
export function requestTarget(req: IncomingMessage): { method: string; url: URL } {
  return { method: (req.method ?? 'GET').toUpperCase(), url: new URL(req.url ?? '/', 'http://sandbox.local') };
}

/** The control routes (`/__sandbox/...`) that tests use to seed, inspect and break a sandbox; no auth. */
export function isControlPath(path: string): boolean {
  return path === '/__sandbox' || path.startsWith('/__sandbox/');
}

/** Milliseconds since `started` (a `performance.now()`), to the microsecond, for the logs. */
export function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

/**
 * The whole body, or `tooLarge()` (the API's 413) once it passes `maxBytes`. The rest of an
 * oversized body is still read, and dropped, so the client sees the 413 rather than a reset.
 */
export function readBody<E>(req: IncomingMessage, maxBytes: number, tooLarge: () => E): Promise<Buffer | E> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > maxBytes ? tooLarge() : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A JSON body as parsed: its value, or the API's error for it (answered only where a route needs the body). */
export interface ParsedBody<E> {
  value?: unknown;
  error?: E;
}

export interface JsonBodyErrors<E> {
  /** 415: a body sent as something other than JSON (a missing Content-Type is taken as JSON). */
  unsupported(contentType: string): E;
  /** 400: JSON.parse's `reason`, with the body's `text` for an API that says where it broke. */
  invalid(reason: string, text: string): E;
}

/** An empty body is no value (not an error): routes without a body must not need a Content-Type. */
export function parseJsonBody<E>(raw: Buffer, contentType: string | undefined, errors: JsonBodyErrors<E>): ParsedBody<E> {
  if (raw.length === 0) return {};
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== undefined && type && type !== 'application/json' && !type.endsWith('+json')) {
    return { error: errors.unsupported(contentType) };
  }
  const text = raw.toString('utf8');
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    return { error: errors.invalid(err instanceof Error ? err.message : String(err), text) };
  }
}

/** Sends `body` as JSON with a Content-Length (no chunked encoding, as the real APIs answer). */
export function sendJson(res: ServerResponse, status: number, headers: Record<string, string> | undefined, body: unknown, contentType = JSON_TYPE): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(payload)) });
  res.end(payload);
}

/** Sends a reply: a bare status when it has no body or is a 204, else its JSON body. */
export function sendReply(res: ServerResponse, reply: JsonReply): void {
  if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status, { ...reply.headers });
    res.end();
    return;
  }
  sendJson(res, reply.status, reply.headers, reply.body);
}

/** Sends the outcome with `send`, or resets the connection; returns the status to log, 0 for a reset. */
export function answer<R extends JsonReply>(req: IncomingMessage, res: ServerResponse, outcome: Outcome<R>, send: (res: ServerResponse, reply: R) => void): number {
  if ('reset' in outcome) {
    req.socket.resetAndDestroy();
    return 0;
  }
  send(res, outcome);
  return outcome.status;
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m?.[1]?.trim();
}

/** Constant-time, as a real API's key check would be. */
export function sameKey(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
