/**
 * What every local sandbox object has, whatever API it stands in for: a URL once listening, a
 * close that stops everything it started, injected faults and a request log, and (for those with
 * control routes) the control routes of those two. The API itself, its auth and its store are the
 * sandbox's own (`../hubspot/server.ts`, `../turbotenant/server.ts`, `../stripe/server.ts`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BaseFaultRule, FaultSet } from './faults.js';
import { BoundedLog, SandboxHttpServer, type JsonReply } from './http-server.js';

/** Where to listen: 127.0.0.1 and a free port unless told otherwise. */
export interface ListenOptions {
  host?: string;
  port?: number;
}

/** What every sandbox's request log has per API request (control routes are not logged). */
export interface BaseRecordedRequest {
  /** When it came in (ms since the epoch, by the sandbox's clock). */
  at: number;
  method: string;
  path: string;
  /** 0 when the connection was reset. */
  status: number;
  durationMs: number;
}

/** What every sandbox's handle has; its own interface (HubSpotSandbox, ...) adds its API's methods. */
export interface SandboxHandle<R extends BaseFaultRule, E extends BaseRecordedRequest> {
  /** The base URL, e.g. `http://127.0.0.1:54321`. */
  url: string;
  /** Stops the server and whatever the sandbox sends on its own; a second call does nothing. */
  close(): Promise<void>;
  addFault(rule: R): void;
  clearFaults(): void;
  /** The rules in force, each with how many times it struck. */
  activeFaults(): Array<R & { remaining: number | null; fired: number }>;
  /** API requests (not control routes), oldest first. */
  requests(): E[];
  clearRequests(): void;
}

export abstract class SandboxBase<R extends BaseFaultRule, E extends BaseRecordedRequest, F extends FaultSet<R> = FaultSet<R>> implements SandboxHandle<R, E> {
  url = '';
  protected readonly http = new SandboxHttpServer(
    (req, res) => this.handle(req, res),
    (res, err) => this.fallback(res, err),
  );
  protected readonly log: BoundedLog<E>;
  private closed = false;

  constructor(
    private readonly listenOn: ListenOptions,
    protected readonly faults: F,
    maxLogEntries: number,
  ) {
    this.log = new BoundedLog(maxLogEntries);
  }

  async listen(): Promise<void> {
    this.url = await this.http.listen(this.listenOn.host, this.listenOn.port);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.beforeClose();
    await this.http.close();
  }

  addFault(rule: R): void {
    this.faults.add(rule);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  activeFaults(): Array<R & { remaining: number | null; fired: number }> {
    return this.faults.list();
  }

  requests(): E[] {
    return this.log.copy();
  }

  clearRequests(): void {
    this.log.clear();
  }

  /** Answers one request, its log entry included. */
  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** Answers a request whose `handle` threw before answering: a 500 in the API's error shape. */
  protected abstract fallback(res: ServerResponse, err: unknown): void;

  /** Stops what sends on its own (webhooks, events) before the server closes, so nothing is sent once closed. */
  protected async beforeClose(): Promise<void> {}

  /**
   * GET|POST|DELETE /__sandbox/faults and GET|DELETE /__sandbox/requests, as every sandbox with
   * control routes has them; undefined for any other route. `parseRule` throws the API's error for
   * a body that is not a rule at all; `refuse` makes the API's 400 for a rule the sandbox does not
   * take.
   */
  protected faultAndLogRoute(key: string, value: unknown, parseRule: (value: unknown) => R, refuse: (message: string) => Error): JsonReply | undefined {
    switch (key) {
      case 'GET /__sandbox/faults':
        return { status: 200, body: this.faults.list() };
      case 'POST /__sandbox/faults': {
        const rule = parseRule(value);
        refusedAs(() => this.faults.add(rule), refuse);
        return { status: 201, body: this.faults.list() };
      }
      case 'DELETE /__sandbox/faults':
        this.faults.clear();
        return { status: 204 };
      case 'GET /__sandbox/requests':
        return { status: 200, body: this.log.entries };
      case 'DELETE /__sandbox/requests':
        this.clearRequests();
        return { status: 204 };
      default:
        return undefined;
    }
  }
}

/**
 * Runs `fn`, turning what it throws (a TypeError of the fault set or dispatcher refusing a
 * setting) into the API's own error, so a control route answers a bad setting with a 400.
 */
export function refusedAs<T>(fn: () => T, refuse: (message: string) => Error): T {
  try {
    return fn();
  } catch (err) {
    throw refuse(err instanceof Error ? err.message : String(err));
  }
}

/** Seeds a store without telling its listener: only changes made through a sandbox send webhooks or events. */
export function seedQuietly<C>(store: { onChange: ((change: C) => void) | undefined }, seed: () => void): void {
  const listener = store.onChange;
  store.onChange = undefined;
  try {
    seed();
  } finally {
    store.onChange = listener;
  }
}
