import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that went through a RecordingProxy. */
export interface ProxiedRequest {
  method: string;
  /** Path and query string exactly as the client sent them. */
  url: string;
  body: string;
  /** Date.now() when the request arrived and when the upstream answer came back (null: upstream failed). */
  receivedAt: number;
  answeredAt: number | null;
  status: number | null;
}

/**
 * A transparent HTTP proxy on 127.0.0.1 in front of a simulator, recording each request (with its
 * query string, which the simulators do not keep) before forwarding it. The upstream request is
 * completed even if the client went away meanwhile (as a real remote server would finish it).
 */
export class RecordingProxy {
  readonly requests: ProxiedRequest[] = [];
  private server: Server | null = null;
  url = '';

  /** Where requests are forwarded (settable, so the proxy can start before its upstream exists). */
  constructor(public upstream: string) {}

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const record: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', body, receivedAt: Date.now(), answeredAt: null, status: null };
        this.requests.push(record);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (v === undefined || ['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(k)) continue;
          headers[k] = Array.isArray(v) ? v.join(', ') : v;
        }
        fetch(`${this.upstream}${record.url}`, {
          method: record.method,
          headers,
          ...(record.method === 'GET' || record.method === 'HEAD' ? {} : { body }),
        })
          .then(async (upstream) => {
            const answer = Buffer.from(await upstream.arrayBuffer());
            record.answeredAt = Date.now();
            record.status = upstream.status;
            const out: Record<string, string> = {};
            upstream.headers.forEach((value, key) => {
              if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'content-encoding'].includes(key)) out[key] = value;
            });
            if (!res.destroyed) res.writeHead(upstream.status, out).end(answer);
          })
          .catch(() => {
            if (!res.destroyed) res.destroy();
          });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
