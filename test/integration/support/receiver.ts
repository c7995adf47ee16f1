/**
 * A loopback HTTP server standing in for our API when a sandbox sends it signed deliveries
 * (HubSpot webhooks, TurboTenant events): it keeps every request as received and answers with the
 * statuses a test queues (`'hang'`: never answer), then with `ok`.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

export interface Receiver<R> {
  url: string;
  requests: (ReceivedRequest & R)[];
  /** Answers in order (a status, or 'hang' to never answer); `ok.status` once they run out. */
  answers: Array<number | 'hang'>;
  close(): Promise<void>;
}

export async function startReceiver<R>(options: {
  /** Path and query of the URL the sandbox is pointed at. */
  path: string;
  ok: { status: number; contentType: string; body: string };
  /** What a test reads from each request's body, beside the raw request. */
  read: (rawBody: Buffer) => R;
}): Promise<Receiver<R>> {
  const receiver: Receiver<R> = { url: '', requests: [], answers: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      receiver.requests.push({ method: req.method ?? '', headers: req.headers, rawBody, ...options.read(rawBody) });
      const answer = receiver.answers.shift() ?? options.ok.status;
      if (answer === 'hang') return;
      res.writeHead(answer, { 'Content-Type': options.ok.contentType });
      res.end(options.ok.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${options.path}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

export async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
