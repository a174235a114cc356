import { parentPort, workerData } from 'node:worker_threads';
import { createMoesifHttp, postBalanceTransaction, type MoesifBalanceTransaction } from '../src/moesif/moesif-http.js';

/**
 * The floor server's poster thread (floor-server.ts): posts each credit it is sent to Moesif, at
 * most `concurrency` at once, again 100 ms after any failure. Off the thread that acknowledges,
 * like the service's post thread.
 */
const { apiUrl, apiKey, concurrency } = workerData as { apiUrl: string; apiKey: string; concurrency: number };
const moesif = createMoesifHttp({ apiUrl, apiKey, timeoutMs: 10_000 }, concurrency);
const queue: MoesifBalanceTransaction[] = [];
let inFlight = 0;

function pump(): void {
  while (inFlight < concurrency && queue.length > 0) {
    const tx = queue.shift()!;
    inFlight += 1;
    postBalanceTransaction(moesif, tx)
      .catch(() => new Promise((r) => setTimeout(r, 100)).then(() => queue.push(tx)))
      .finally(() => {
        inFlight -= 1;
        pump();
      });
  }
}

parentPort!.on('message', (batch: MoesifBalanceTransaction[]) => {
  queue.push(...batch);
  pump();
});
