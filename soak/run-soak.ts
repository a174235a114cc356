import { parseArgs } from 'node:util';
import { postgresUnavailableReason, SOAK_DATABASE_URL } from './postgres-target.js';
import { formatReports, soakJsonLine } from './report.js';
import { killAllInstances } from './service-instance.js';
import { removeActiveRunData, runSoak, type SoakReport, type SoakStore } from './soak.js';
import { runAutoRechargeSoak } from './auto-recharge/auto-recharge-soak.js';
import { killAllTickInstances } from './auto-recharge/tick-instance.js';

/**
 * npm run soak -- [--top-ups N] [--store sqlite|postgres|both] [--instances N] [--kills N] [--seed N]
 * Prints a table of counts and a SOAK_JSON line; exits 1 on any ledger difference (2 on bad usage).
 */

const USAGE = `usage: npm run soak -- [options]
  --top-ups N        top-ups in the plan (default 20000)
  --store S          sqlite | postgres | both (default: both when PostgreSQL answers, else sqlite)
  --instances N      service processes on PostgreSQL (default 2; SQLite always runs 1)
  --kills N          SIGKILL + restart at least this many times per run (default 3)
  --seed N           the plan's seed (default: random, printed; the same seed gives the same plan)
  --time-limit S     seconds each run may take in all (default max(120, 0.03 × top-ups))
  --keep             keep the database and instance logs of every run (default: only of a run that is not clean)
  --auto-recharge    the auto-recharge soak instead: subscriptions burning their balances on a virtual clock,
                     recharged by the service (two instances on PostgreSQL, one SIGKILLed), random declines
                     and Moesif failures; checks one charge per crossing, caps, every credit once
  --subscriptions N  auto-recharge soak: subscriptions (default 200)
  --days N           auto-recharge soak: virtual days (default 3)
PostgreSQL: SOAK_DATABASE_URL or TEST_DATABASE_URL, else postgres://$USER@127.0.0.1:5432/test`;

function fail(message: string): never {
  process.stderr.write(`run-soak: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function int(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) fail(`--${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) fail(`--${name} must be at least ${min}`);
  return n;
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      'top-ups': { type: 'string' },
      store: { type: 'string' },
      instances: { type: 'string' },
      kills: { type: 'string' },
      seed: { type: 'string' },
      'time-limit': { type: 'string' },
      keep: { type: 'boolean', default: false },
      'auto-recharge': { type: 'boolean', default: false },
      subscriptions: { type: 'string' },
      days: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }));
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const topUps = int('top-ups', values['top-ups'], 20_000, 1);
const kills = int('kills', values.kills, 3, 0);
const seed = int('seed', values.seed, Math.floor(Math.random() * 2 ** 31), 0);
const timeLimitSeconds = values['time-limit'] === undefined ? undefined : int('time-limit', values['time-limit'], 0, 10);
const storeArg = values.store;
if (storeArg !== undefined && !['sqlite', 'postgres', 'both'].includes(storeArg)) fail(`--store must be sqlite, postgres or both, got "${storeArg}"`);

// Children never outlive this process: Ctrl-C kills them (each by its pid) before exiting.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    const n = killAllInstances();
    process.stderr.write(`\nrun-soak: ${signal}: killed ${n} service process(es); removing the run's data\n`);
    void removeActiveRunData().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}
process.on('exit', () => {
  killAllInstances();
});

if (values['auto-recharge']) {
  process.on('exit', () => {
    killAllTickInstances();
  });
  const reason = storeArg === 'sqlite' ? null : await postgresUnavailableReason();
  const store = storeArg === 'sqlite' || (storeArg === undefined && reason) ? 'sqlite' : 'postgres';
  if (store === 'postgres' && reason) {
    process.stderr.write(`run-soak: --store postgres needs PostgreSQL: ${reason}\n`);
    process.exit(2);
  }
  const report = await runAutoRechargeSoak({
    store,
    subscriptions: int('subscriptions', values.subscriptions, 200, 1),
    days: int('days', values.days, 3, 1),
    seed,
    kills: store === 'postgres' ? Math.max(1, kills) : kills,
    instances: store === 'postgres' ? (values.instances === undefined ? 2 : int('instances', values.instances, 2, 1)) : 1,
    postgresUrl: SOAK_DATABASE_URL,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`\nauto-recharge soak (${report.store}, ${report.instances} instance(s), seed ${report.seed}): ${report.charges} charges, ${report.credits} credits, ${report.paymentIntents} PaymentIntents, ${report.suspended} suspended, attempts ${JSON.stringify(report.attempts)}, ${report.chaos.kills} kill(s), ${report.chaos.declinesScripted} scripted declines, ${report.chaos.moesifFailures} Moesif failures; ${report.problems.length === 0 ? 'no problem' : report.problems.join('; ')}\n`);
  process.stdout.write(`SOAK_JSON ${JSON.stringify({ ok: report.ok, autoRecharge: report })}\n`);
  process.exit(report.ok ? 0 : 1);
}

const postgresReason = storeArg === 'sqlite' ? null : await postgresUnavailableReason();
let stores: SoakStore[];
if (storeArg === 'sqlite') stores = ['sqlite'];
else if (storeArg === 'postgres' || storeArg === 'both') {
  if (postgresReason) {
    process.stderr.write(`run-soak: --store ${storeArg} needs PostgreSQL: ${postgresReason}\n`);
    process.exit(2);
  }
  stores = storeArg === 'both' ? ['sqlite', 'postgres'] : ['postgres'];
} else if (postgresReason) {
  process.stdout.write(`PostgreSQL soak skipped: ${postgresReason}. Running SQLite only.\n`);
  stores = ['sqlite'];
} else stores = ['sqlite', 'postgres'];

const instancesArg = values.instances === undefined ? undefined : int('instances', values.instances, 2, 1);
if (instancesArg !== undefined && instancesArg !== 1 && stores.length === 1 && stores[0] === 'sqlite') {
  fail('SQLite runs a single instance; several instances need --store postgres');
}
if (instancesArg !== undefined && instancesArg !== 1 && stores.includes('sqlite')) {
  process.stdout.write(`--instances ${instancesArg} applies to PostgreSQL; SQLite runs 1 instance.\n`);
}

process.stdout.write(`soak: ${topUps} top-ups, seed ${seed}, stores ${stores.join(' + ')}, ${kills} kills per run\n`);
const reports: SoakReport[] = [];
for (const store of stores) {
  const report = await runSoak({
    store,
    topUps,
    seed,
    kills,
    instances: store === 'sqlite' ? 1 : (instancesArg ?? 2),
    postgresUrl: SOAK_DATABASE_URL,
    keepData: values.keep ? 'always' : 'on-failure',
    ...(timeLimitSeconds ? { timeLimitMs: timeLimitSeconds * 1000 } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
    progressEveryMs: 5_000,
  });
  reports.push(report);
}

process.stdout.write(`\n${formatReports(reports)}`);
process.stdout.write(soakJsonLine(reports));
process.exit(reports.every((r) => r.ok) ? 0 : 1);
