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

/** A simulator's HTTP server on 127.0.0.1: start() builds the app and listens, stop() closes. */
export abstract class LoopbackServer {
  private server: Server | null = null;
  url = '';

  protected abstract buildApp(): Express;

  /** Port 0 = any free port. */
  async start(port = 0): Promise<this> {
    const { server, url } = await listenOnLoopback(this.buildApp(), port);
    this.server = server;
    this.url = url;
    return this;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
    this.server = null;
  }
}
