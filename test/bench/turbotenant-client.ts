/**
 * The TurboTenant benchmark's sender, in a worker thread: TurboTenant's side of the wire (signing,
 * sending, timing) must not share the local stack's event loop, as it never shares a Lambda's CPU.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { turboTenantSignatureHeaders } from '../../functions/connectors/turbotenant/signature.js';
import { mapConcurrent } from '../../functions/core/concurrency.js';

interface Job {
  readonly url: string;
  readonly secret: string;
  readonly bodies: readonly string[];
  readonly inFlight: number;
}

const job = workerData as Job;
const latencies: number[] = [];
const statuses: number[] = [];
const started = performance.now();
await mapConcurrent(job.bodies, job.inFlight, async (body) => {
  const t = performance.now();
  const response = await fetch(job.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...turboTenantSignatureHeaders(job.secret, body) },
    body,
  });
  await response.arrayBuffer();
  latencies.push(performance.now() - t);
  statuses.push(response.status);
});
parentPort!.postMessage({ latencies, statuses, seconds: (performance.now() - started) / 1000 });
