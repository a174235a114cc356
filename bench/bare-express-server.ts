import type { AddressInfo } from 'node:net';
import express from 'express';

/**
 * The baseline: a bare Express 5 server that parses the same JSON webhook body and answers like
 * the service does, with nothing else (no signature check, no store). Forked by the orchestrator,
 * which reads the port from the first IPC message; SIGTERM or a lost parent stops it.
 */
const app = express();
app.post('/webhooks/stripe', express.json({ type: () => true, limit: '1mb' }), (req, res) => {
  const body = req.body as { type?: unknown } | undefined;
  res.status(200).json({ received: true, outcome: typeof body?.type === 'string' ? 'queued' : 'ignored' });
});

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'listening', port });
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
