/**
 * The webhook benchmark's sender, in a worker thread: HubSpot's side of the wire (signing, sending,
 * timing) must not share the local stack's event loop, as it never shares a Lambda's CPU.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { signV3 } from '../../functions/connectors/hubspot/signature.js';
import { mapConcurrent } from '../../functions/core/concurrency.js';

interface Job {
  readonly url: string;
  readonly clientSecret: string;
  readonly bodies: readonly string[];
  readonly inFlight: number;
}

const job = workerData as Job;
const latencies: number[] = [];
const statuses: number[] = [];
const started = performance.now();
await mapConcurrent(job.bodies, job.inFlight, async (body) => {
  const timestamp = String(Date.now());
  const t = performance.now();
  const response = await fetch(job.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': signV3(job.clientSecret, 'POST', job.url, body, timestamp),
      'x-hubspot-request-timestamp': timestamp,
    },
    body,
  });
  await response.arrayBuffer();
  latencies.push(performance.now() - t);
  statuses.push(response.status);
});
parentPort!.postMessage({ latencies, statuses, seconds: (performance.now() - started) / 1000 });
