/**
 * `npm run bench:moesif-http`: what one delivery's HTTP request to Moesif costs this process, for
 * several ways of using axios (the project's HTTP client). A stub Moesif runs in a child process
 * (so its CPU is not counted here) and answers every POST 201 at once; each setup posts the same
 * balance transactions at the same concurrency, in interleaved rounds (the machine may be shared),
 * and the median round is reported: CPU microseconds of this process per request, and requests/s.
 *
 *   npm run bench:moesif-http -- [--requests 20000] [--concurrency 64] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { parseArgs } from 'node:util';
import axios, { type AxiosInstance } from 'axios';
import type { MoesifBalanceTransaction } from '../src/moesif/moesif-http.js';
import { MoesifLedger } from '../src/moesif/moesif-ledger.js';
import { PooledHttpAgent } from './pooled-agents.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const KEY = 'bench-moesif-key';

/** The stub: answers each POST 201 with a small JSON body once the request body is read. */
const STUB = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(201, { 'Content-Type': 'application/json' }); res.end('{}'); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

function startStub(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', STUB], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (chunk: Buffer) => {
      resolve({ url: `http://127.0.0.1:${chunk.toString().trim()}/v1`, stop: () => child.kill('SIGKILL') });
    });
  });
}

type Post = (tx: MoesifBalanceTransaction) => Promise<unknown>;

/** The options every axios setup shares (those of MoesifLedger before this bench). */
function baseOptions(url: string) {
  return {
    baseURL: url,
    timeout: 10_000,
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    validateStatus: () => true,
    maxRedirects: 0,
    responseType: 'text' as const,
    transitional: { clarifyTimeoutError: true },
  };
}

const PATH = '/~/billing/reports/balance_transactions';
const viaAxios = (instance: AxiosInstance): Post => (tx) => instance.post(PATH, tx);

const SETUPS: Record<string, (url: string) => Post> = {
  /** MoesifLedger as it was: the http adapter with a keep-alive agent, JSON body built by axios. */
  'http adapter, keep-alive agent (before)': (url) =>
    viaAxios(axios.create({ ...baseOptions(url), httpAgent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }) })),
  /** The same, the body serialized by us: axios' transformRequest then passes the string through. */
  'http adapter, keep-alive agent, body pre-serialized': (url) => {
    const instance = axios.create({ ...baseOptions(url), httpAgent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }) });
    return (tx) => instance.post(PATH, JSON.stringify(tx));
  },
  /** No proxy lookup: axios otherwise reads HTTP_PROXY/NO_PROXY from the environment on every request. */
  'http adapter, keep-alive agent, proxy: false': (url) =>
    viaAxios(axios.create({ ...baseOptions(url), proxy: false, httpAgent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }) })),
  /** proxy: false, and no request/response transforms: the body is serialized once by us, the answer kept as text. */
  'http adapter, keep-alive agent, proxy: false, no transforms': (url) => {
    const instance = axios.create({
      ...baseOptions(url),
      proxy: false,
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
    });
    return (tx) => instance.post(PATH, JSON.stringify(tx));
  },
  /** A keep-alive agent that does not re-apply SO_KEEPALIVE when a socket returns to the pool (pooled-agents.ts). */
  'http adapter, pooled agent (no setKeepAlive on reuse)': (url) =>
    viaAxios(axios.create({ ...baseOptions(url), httpAgent: new PooledHttpAgent({ keepAlive: true, maxSockets: CONCURRENCY }) })),
  /** axios' fetch adapter: Node's built-in fetch (undici) and its own connection pool. */
  'fetch adapter': (url) => viaAxios(axios.create({ ...baseOptions(url), adapter: 'fetch' })),
  /** What the service ships (src/moesif/moesif-ledger.ts): the setup of the first row. */
  'MoesifLedger as shipped': (url) => {
    const ledger = new MoesifLedger(
      { apiUrl: url, apiKey: KEY, timeoutMs: 10_000 } as ConstructorParameters<typeof MoesifLedger>[0],
      CONCURRENCY,
    );
    return (tx) => ledger.postTransaction(tx);
  },
};

function transaction(i: number): MoesifBalanceTransaction {
  return {
    company_id: 'cus_bench',
    subscription_id: 'sub_bench',
    amount: 10,
    type: 'credit',
    transaction_id: `pi_bench_${i}`,
    description: 'Top-up of 10.00 USD',
  };
}

async function drive(post: Post, count: number): Promise<{ cpuUsPerRequest: number; perSecond: number }> {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) await post(transaction(next++));
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUsPerRequest: (cpu.user + cpu.system) / count, perSecond: count / seconds };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const stub = await startStub();
try {
  const posts = Object.fromEntries(Object.entries(SETUPS).map(([name, make]) => [name, make(stub.url)]));
  for (const post of Object.values(posts)) await drive(post, Math.min(2_000, REQUESTS)); // warm-up: JIT, sockets
  const samples: Record<string, { cpu: number[]; rate: number[] }> = {};
  for (let round = 0; round < ROUNDS; round++) {
    // A different order each round: a setup's place in the round (GC debt, a neighbour's load) is not its cost.
    const order = Object.entries(posts);
    for (let i = 0; i < round % order.length; i++) order.push(order.shift()!);
    for (const [name, post] of order) {
      const r = await drive(post, REQUESTS);
      (samples[name] ??= { cpu: [], rate: [] }).cpu.push(r.cpuUsPerRequest);
      samples[name].rate.push(r.perSecond);
    }
  }
  const rows = Object.keys(posts).map((name) => [name, samples[name]!] as const).map(([name, s]) => ({ name, cpuUsPerRequest: Math.round(median(s.cpu)), perSecond: Math.round(median(s.rate)) }));
  const before = rows[0]!.cpuUsPerRequest;
  process.stdout.write(`Moesif POSTs, ${REQUESTS} per round x ${ROUNDS} rounds, concurrency ${CONCURRENCY} (median round)\n\n`);
  process.stdout.write(`${'setup'.padEnd(62)}${'CPU us / request'.padStart(18)}${'vs before'.padStart(11)}${'requests / s'.padStart(14)}\n`);
  for (const r of rows) {
    const ratio = (r.cpuUsPerRequest / before).toFixed(2);
    process.stdout.write(`${r.name.padEnd(62)}${String(r.cpuUsPerRequest).padStart(18)}${ratio.padStart(11)}${String(r.perSecond).padStart(14)}\n`);
  }
  process.stdout.write(`MOESIF_HTTP_BENCH_JSON ${JSON.stringify({ requests: REQUESTS, concurrency: CONCURRENCY, rounds: ROUNDS, rows })}\n`);
} finally {
  stub.stop();
}
