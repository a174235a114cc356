import type { Server } from 'node:http';
import type { Express } from 'express';

/** Starts an app on 127.0.0.1 (port 0 = any free port) and returns the server and its base URL. */
export async function listenOnLoopback(app: Express, port = 0): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, '127.0.0.1', () => {
      const address = server.address();
      if (!address || typeof address === 'string') return reject(new Error('no address'));
      resolve({ server, url: `http://127.0.0.1:${address.port}` });
    });
    server.on('error', reject);
  });
}

export async function closeServer(server: Server | null): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
