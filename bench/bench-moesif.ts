import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { preciseNow } from './percentiles.js';

/**
 * A lean fake of Moesif's balance-transactions endpoint for the benchmark (plain node:http, so the
 * fake costs as little CPU as possible on a machine the service shares). Like src/simulators'
 * FakeMoesif it checks the key and the required fields and dedupes by transaction_id; in addition
 * it records when each transaction first arrived, and can be "down" (503 to everything).
 */

const PATH = '/v1/~/billing/reports/balance_transactions';
const REQUIRED: Record<string, 'string' | 'number'> = {
  company_id: 'string',
  subscription_id: 'string',
  amount: 'number',
  type: 'string',
  transaction_id: 'string',
};

export interface BenchMoesifCounters {
  /** Every request received. */
  requests: number;
  /** Answered 2xx (a transaction id accepted twice counts twice here). */
  accepted: number;
  /** Acceptances of a transaction id that was already accepted. */
  duplicates: number;
  /** Answered 503 because the fake was down. */
  rejectedWhileDown: number;
  /** Answered 4xx (bad key, bad body, wrong path). */
  invalid: number;
  /** Most requests open at once (how many deliveries the service had in flight). */
  maxInFlight: number;
}

export class BenchMoesif {
  private server: http.Server | null = null;
  url = '';
  private latencyMs: number;
  private down = false;
  private inFlight = 0;
  /** transaction_id → epoch ms (sub-ms) when the request that was accepted first arrived. */
  readonly arrivedAt = new Map<string, number>();
  /** transaction_id → epoch ms when that request was answered 2xx (arrival + the simulated latency). */
  readonly acceptedAt = new Map<string, number>();
  counters: BenchMoesifCounters = BenchMoesif.zero();

  constructor(
    private readonly apiKey: string,
    latencyMs: number,
  ) {
    this.latencyMs = latencyMs;
  }

  private static zero(): BenchMoesifCounters {
    return { requests: 0, accepted: 0, duplicates: 0, rejectedWhileDown: 0, invalid: 0, maxInFlight: 0 };
  }

  /** MOESIF_API_URL for the service. */
  get apiUrl(): string {
    return `${this.url}/v1`;
  }

  setDown(down: boolean): void {
    this.down = down;
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Forgets everything received (between phases). */
  reset(): void {
    this.arrivedAt.clear();
    this.acceptedAt.clear();
    this.counters = BenchMoesif.zero();
    this.inFlight = 0;
  }

  /** Distinct transactions accepted so far. */
  get delivered(): number {
    return this.acceptedAt.size;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrived = preciseNow();
      this.counters.requests += 1;
      this.inFlight += 1;
      if (this.inFlight > this.counters.maxInFlight) this.counters.maxInFlight = this.inFlight;
      const answer = (status: number, body?: string) => {
        this.inFlight -= 1;
        if (body === undefined) {
          res.writeHead(status).end();
        } else {
          res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
        }
      };
      if (this.down) {
        this.counters.rejectedWhileDown += 1;
        answer(503, '{"message":"Service Unavailable (benchmark: Moesif is down)"}');
        return;
      }
      if (req.method !== 'POST' || req.url !== PATH || req.headers.authorization !== `Bearer ${this.apiKey}`) {
        this.counters.invalid += 1;
        answer(req.url === PATH ? 401 : 404, '{"message":"not found or unauthorized"}');
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        this.counters.invalid += 1;
        answer(400, '{"message":"invalid JSON"}');
        return;
      }
      for (const [field, type] of Object.entries(REQUIRED)) {
        if (typeof body[field] !== type) {
          this.counters.invalid += 1;
          answer(400, JSON.stringify({ message: `${field} must be a ${type}` }));
          return;
        }
      }
      const id = body.transaction_id as string;
      const accept = () => {
        this.counters.accepted += 1;
        if (this.acceptedAt.has(id)) {
          this.counters.duplicates += 1;
        } else {
          this.arrivedAt.set(id, arrived);
          this.acceptedAt.set(id, preciseNow());
        }
        answer(204);
      };
      if (this.latencyMs > 0) setTimeout(accept, this.latencyMs);
      else accept();
    });
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 65_000;
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
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
