/**
 * The local SQS server in its own worker thread (see `startSqsLocalThread` in ./sqs.ts). Posts
 * `{endpoint, port}` once listening; on the message 'close' it stops and posts 'closed'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startSqsLocal, type SqsLocalOptions } from './sqs.js';

const server = await startSqsLocal(workerData as SqsLocalOptions);
parentPort!.postMessage({ endpoint: server.endpoint, port: server.port });
parentPort!.on('message', (message: unknown) => {
  if (message !== 'close') return;
  void server.close().then(() => {
    parentPort!.postMessage('closed');
    parentPort!.close();
  });
});
