/**
 * The worker thread that checkpoints the store's WAL (see checkpoint-thread.ts) on its own
 * connection, so the copy into the database file and that file's fsync never hold up the thread
 * that acknowledges webhooks.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointThreadSettings } from './checkpoint-thread.js';

const port = parentPort;
if (!port) throw new Error('checkpoint-thread-entry.ts runs only as a worker thread');
const { path, intervalMs } = workerData as CheckpointThreadSettings;

const db = new Database(path, { fileMustExist: true });
// NORMAL, as the service's connection: a checkpoint syncs the WAL before copying it and the
// database file after, before the WAL may be written over.
db.pragma('synchronous = NORMAL');
let timer: NodeJS.Timeout | null = null;
/** Frames of the current WAL already copied (it restarts from frame 1 when started over). */
let copiedBefore = 0;

/**
 * PASSIVE never waits for, nor blocks, the service's writes or reads: it copies what no reader
 * still needs (see checkpoint-thread.ts for how the WAL is then started over). Runs again soon
 * when it could not copy everything.
 */
function checkpoint(): void {
  let behind = false;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    if (result && result.log >= 0) {
      behind = result.checkpointed < result.log;
      if (result.checkpointed < copiedBefore) copiedBefore = 0; // the WAL was started over
      if (result.checkpointed > copiedBefore) port!.postMessage({ copied: result.checkpointed - copiedBefore });
      copiedBefore = result.checkpointed;
    }
  } catch (err) {
    port!.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
  timer = setTimeout(checkpoint, behind ? Math.max(1, Math.floor(intervalMs / 10)) : intervalMs);
}

port.on('message', (message: 'stop') => {
  if (message !== 'stop') return;
  if (timer) clearTimeout(timer);
  db.close();
  port!.close();
});
port.postMessage('ready');
checkpoint();
