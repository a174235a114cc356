import supertest from 'supertest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import type { LedgerEntry } from '../../src/ledger/ledger-entry.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { cleanupServiceProcesses, ServiceProcess } from '../crash/service-process.js';
import { ADMIN_KEY, API_KEY, harnessPerTest, startHarness, WEBHOOK_SECRET, type Harness } from '../support/harness.js';

/**
 * Issue 8, item 4: /metrics was open by default and counted the whole outbox on every scrape
 * (40 scrapes of a 1,000,000-row outbox froze the event loop for 2.7 s). Now the outbox gauge is
 * read from the store at most once per METRICS_OUTBOX_REFRESH_SECONDS whatever the scrape rate,
 * and /metrics is served on the main port only when that is loopback or a token is set; else on
 * METRICS_PORT, or not at all.
 */
const TOKEN = 'metrics-token-0123456789';

function entry(i: number): LedgerEntry {
  return {
    transactionId: `pi_metrics${i}`,
    kind: 'credit',
    customerId: 'cus_alice',
    companyId: 'cus_alice',
    subscriptionId: 'sub_alice',
    amountMinor: 1000,
    credits: null,
    currency: 'usd',
    paymentIntentId: `pi_metrics${i}`,
    description: 'x',
  };
}

describe('issue 8 #4: scrapes do not count the outbox each time', () => {
  let h: Harness;
  let offsetMs = 0;
  let countReads = 0;
  afterAll(async () => {
    await h?.stop();
  });

  it('40 concurrent scrapes and 20 more within the interval read the counts once; the next interval once more', async () => {
    h = await startHarness({ env: { HOST: '127.0.0.1', LOG_LEVEL: 'silent' }, startWorker: false, now: () => Date.now() + offsetMs });
    for (let i = 0; i < 2_000; i++) await h.service.store.outbox.enqueue(entry(i), 'test', Date.now());
    const outbox = h.service.store.outbox;
    const countByState = outbox.countByState.bind(outbox);
    outbox.countByState = () => {
      countReads += 1;
      return countByState();
    };

    const scrapes = await Promise.all(Array.from({ length: 40 }, () => h.http.get('/metrics')));
    for (const s of scrapes) expect(s.text).toMatch(/topup_sync_outbox_entries\{state="pending"\} 2000/);
    for (let i = 0; i < 20; i++) expect((await h.http.get('/metrics')).status).toBe(200);
    expect(countReads).toBe(1);

    offsetMs = 16_000; // METRICS_OUTBOX_REFRESH_SECONDS defaults to 15
    await h.service.store.outbox.enqueue(entry(99_999), 'test', Date.now());
    expect((await h.http.get('/metrics')).text).toMatch(/topup_sync_outbox_entries\{state="pending"\} 2001/);
    expect(countReads).toBe(2);
  });

  it('a failed read answers the last counts; without any, the scrape fails rather than inventing zeros', async () => {
    let now = 0;
    let fail = false;
    const metrics = new Metrics(
      async () => {
        if (fail) throw new Error('store down');
        return { pending: 3, delivered: 1, failed: 0, dead: 0 };
      },
      { outboxRefreshMs: 1_000, now: () => now },
    );
    expect(await metrics.registry.metrics()).toMatch(/outbox_entries\{state="pending"\} 3/);
    fail = true;
    now = 5_000;
    expect(await metrics.registry.metrics()).toMatch(/outbox_entries\{state="pending"\} 3/);
    const cold = new Metrics(() => Promise.reject(new Error('store down')), { outboxRefreshMs: 1_000 });
    await expect(cold.registry.metrics()).rejects.toThrow('store down');
  });
});

describe('issue 8 #4: where /metrics is served', () => {
  const harness = harnessPerTest();

  it('public HOST without a token or METRICS_PORT: no /metrics at all', async () => {
    const h = await harness({ HOST: '0.0.0.0' });
    expect(h.config.metrics.exposure).toEqual({ kind: 'off' });
    expect(h.service.metricsApp).toBeNull();
    expect((await h.http.get('/metrics')).status).toBe(404);
  });

  it('public HOST with METRICS_BEARER_TOKEN: /metrics on the main port, behind the token', async () => {
    const h = await harness({ HOST: '0.0.0.0', METRICS_BEARER_TOKEN: TOKEN });
    expect((await h.http.get('/metrics')).status).toBe(401);
    expect((await h.http.get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(200);
  });

  it('METRICS_PORT: /metrics only on its own listener (the main port answers 404)', async () => {
    const h = await harness({ HOST: '0.0.0.0', METRICS_PORT: '0' });
    expect(h.config.metrics.exposure).toEqual({ kind: 'own_port', port: 0, host: '127.0.0.1' });
    expect((await h.http.get('/metrics')).status).toBe(404);
    const res = await supertest(h.service.metricsApp!).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('topup_sync_webhooks_received_total');
    expect((await supertest(h.service.metricsApp!).post('/webhooks/stripe')).status).toBe(404);
  });

  it('METRICS_PORT with a token: its listener wants the token too', async () => {
    const h = await harness({ METRICS_PORT: '0', METRICS_BEARER_TOKEN: TOKEN });
    expect((await supertest(h.service.metricsApp!).get('/metrics')).status).toBe(401);
    expect((await supertest(h.service.metricsApp!).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(200);
  });
});

describe('issue 8 #4 and "Also": weak configuration is refused at start-up', () => {
  const base = {
    STRIPE_SECRET_KEY: 'sk_test_x',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    MOESIF_MANAGEMENT_API_KEY: 'moesif-key',
    TOP_UP_API_KEYS: API_KEY,
  };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (err) {
      if (err instanceof ConfigError) return err.problems.join('\n');
      throw err;
    }
    return '';
  };

  it.each([
    ['a metrics token under 16 characters', { METRICS_BEARER_TOKEN: 'short-token' }, /METRICS_BEARER_TOKEN: must be at least 16/],
    ['the metrics token equal to a top-up API key', { METRICS_BEARER_TOKEN: API_KEY }, /METRICS_BEARER_TOKEN: must differ/],
    ['the metrics token equal to the admin key', { METRICS_BEARER_TOKEN: ADMIN_KEY, ADMIN_API_KEY: ADMIN_KEY }, /METRICS_BEARER_TOKEN: must differ/],
    ['ADMIN_API_KEY equal to a TOP_UP_API_KEYS entry', { TOP_UP_API_KEYS: `other-key-0123456789abc,${ADMIN_KEY}`, ADMIN_API_KEY: ADMIN_KEY }, /ADMIN_API_KEY: must differ/],
    ['METRICS_PORT equal to PORT', { PORT: '3000', METRICS_PORT: '3000' }, /METRICS_PORT: must differ from PORT/],
    // The later bearer token (issue 11's Moesif cohort hint) is held to the same rules.
    ['an auto-recharge hint token under 16 characters', { AUTO_RECHARGE_HINT_TOKEN: 'short-token' }, /AUTO_RECHARGE_HINT_TOKEN: must be at least 16/],
    ['the hint token equal to a top-up API key', { AUTO_RECHARGE_HINT_TOKEN: API_KEY }, /AUTO_RECHARGE_HINT_TOKEN: must differ/],
    ['the hint token equal to the admin key', { AUTO_RECHARGE_HINT_TOKEN: ADMIN_KEY, ADMIN_API_KEY: ADMIN_KEY }, /AUTO_RECHARGE_HINT_TOKEN: must differ/],
    ['the hint token equal to the metrics token', { AUTO_RECHARGE_HINT_TOKEN: 'metrics-token-0123456789', METRICS_BEARER_TOKEN: 'metrics-token-0123456789' }, /AUTO_RECHARGE_HINT_TOKEN: must differ/],
  ])('%s → refused', (_what, env, expected) => {
    expect(problems(env)).toMatch(expected);
  });

  it('the defaults are valid: /metrics is off on the default public HOST', () => {
    expect(problems({})).toBe('');
    expect(loadConfig(base).metrics.exposure).toEqual({ kind: 'off' });
    expect(loadConfig({ ...base, HOST: '127.0.0.1' }).metrics.exposure).toEqual({ kind: 'main_port' });
  });
});

async function logLine(child: ServiceProcess, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown> | undefined> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const line = child.logLines.find(match);
    if (line || Date.now() > deadline) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('issue 8 #4: the real entry point', () => {
  afterEach(async () => {
    await cleanupServiceProcesses();
  });
  const env = (overrides: Record<string, string>) => ({
    STRIPE_SECRET_KEY: 'sk_test_x',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: 'http://127.0.0.1:9',
    MOESIF_MANAGEMENT_API_KEY: 'moesif-key',
    MOESIF_API_URL: 'http://127.0.0.1:9',
    TOP_UP_API_KEYS: API_KEY,
    DATABASE_URL: 'sqlite::memory:',
    RECONCILE_INTERVAL_MS: '0',
    PORT: '0',
    ...overrides,
  });

  it('METRICS_PORT=0 listens for /metrics on a port of its own, on loopback by default', async () => {
    const child = new ServiceProcess(env({ HOST: '127.0.0.1', METRICS_PORT: '0' }));
    const port = await child.listening(45_000);
    const line = await logLine(child, (l) => l.msg === 'metrics listening');
    expect(line).toMatchObject({ host: '127.0.0.1' });
    const scraped = await fetch(`http://127.0.0.1:${line!.port as number}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('topup_sync_outbox_entries');
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    expect((await child.stop('SIGTERM')).code).toBe(0);
  }, 60_000);

  it('a public HOST without token or METRICS_PORT starts, says /metrics is off and how to turn it on', async () => {
    const child = new ServiceProcess(env({ HOST: '0.0.0.0' }));
    await child.listening(45_000);
    const warning = await logLine(child, (l) => typeof l.msg === 'string' && l.msg.startsWith('/metrics is off'));
    expect(warning?.msg).toMatch(/METRICS_BEARER_TOKEN.*METRICS_PORT/);
    expect((await child.stop('SIGTERM')).code).toBe(0);
  }, 60_000);
});
