/**
 * The worker thread that sends deliveries' balance transactions to Moesif (see
 * moesif-post-thread.ts): axios, its sockets and the HTTP parsing run here, so the thread that
 * acknowledges webhooks spends none of its time on them. It keeps no state but its connections.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MoesifDeliveryError } from './moesif-errors.js';
import { createMoesifHttp, postBalanceTransaction } from './moesif-http.js';
import type { PostRequest, PostResult, PostThreadSettings } from './post-thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('post-thread-entry.ts runs only as a worker thread');
const settings = workerData as PostThreadSettings;
const client = createMoesifHttp(settings.moesif, settings.maxSockets);

// Answers that complete in one turn go back in one message.
let answers: PostResult[] = [];
function answer(result: PostResult): void {
  if (answers.length === 0) setImmediate(flush);
  answers.push(result);
}
function flush(): void {
  const batch = answers;
  answers = [];
  port!.postMessage(batch);
}

port.on('message', (requests: PostRequest[]) => {
  for (const { id, tx } of requests) {
    postBalanceTransaction(client, tx).then(
      () => answer({ id, ok: true }),
      (err: unknown) =>
        answer(
          err instanceof MoesifDeliveryError
            ? { id, ok: false, message: err.message, retryable: err.retryable, status: err.status, responseBody: err.responseBody, retryAfterMs: err.retryAfterMs }
            : { id, ok: false, message: err instanceof Error ? err.message : String(err), retryable: true, status: null, responseBody: null, retryAfterMs: null },
        ),
    );
  }
});
