import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { closeServer } from '../../src/simulators/listen.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import { cleanupServiceProcesses, ServiceProcess } from '../crash/service-process.js';
import { postgresUnavailableReason, TEST_DATABASE_URL } from '../store/postgres-available.js';
import { API_KEY, LogCapture, WEBHOOK_SECRET } from '../support/harness.js';

/**
 * Issue 8, item 8: a malformed DATABASE_URL was logged whole at fatal level, password included;
 * pino's redaction is case-sensitive and one level deep, so axios' err.config.headers.Authorization
 * (or a capitalised Authorization) would have been logged. Each error shape below is logged
 * through the service's logger and no secret may appear.
 */
const pgDown = await postgresUnavailableReason();
const PG_PASSWORD = 'pg-S3cret-pw';
const MOESIF_SECRET = 'moesif-S3cret-key-0123';
const SECRETS = [PG_PASSWORD, MOESIF_SECRET, 'sk_live_S3cretStripeKey', 'whsec_S3cretSigning', 'p@ss/w0rd-S3cret'];

function logged(errors: unknown[]): string {
  const capture = new LogCapture();
  const logger = createLogger('debug', capture);
  for (const err of errors) logger.error({ err }, 'something failed');
  return capture.text;
}

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
}

describe('issue 8 #8: errors logged without their secrets', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"message":"boom"}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await closeServer(server);
  });

  it('a malformed PostgreSQL URL (Node puts the whole URL in err.input)', () => {
    let err: unknown;
    try {
      new URL(`postgres://admin:${PG_PASSWORD}@db.internal:notaport/app`);
    } catch (e) {
      err = e;
    }
    const text = logged([err]);
    expectNoSecret(text);
    expect(text).toContain('Invalid URL');
  });

  it('URLs, bearer tokens and Stripe keys inside messages, stacks and causes', () => {
    const inner = new Error(`connect failed for postgres://admin:${PG_PASSWORD}@db:5432/app and postgresql://u:p@ss/w0rd-S3cret@h/db`);
    const wrapped = new StoreUnavailableError('store unavailable', null, { cause: inner });
    const text = logged([
      wrapped,
      new Error(`Moesif said no to Authorization: Bearer ${MOESIF_SECRET}`),
      new Error('bad key sk_live_S3cretStripeKey or whsec_S3cretSigning'),
      new Error(`host=db user=admin password=${PG_PASSWORD} dbname=app`),
    ]);
    expectNoSecret(text);
    expect(text).toContain('postgres://admin:[redacted]@db:5432/app');
  });

  it.each(['Authorization', 'authorization', 'AUTHORIZATION'])('an axios error whose request carried %s (answered 500)', async (header) => {
    const http = axios.create({ baseURL: url, headers: { [header]: `Bearer ${MOESIF_SECRET}` } });
    const err = await http.post('/v1/~/billing/reports/balance_transactions', { a: 1 }).catch((e: unknown) => e);
    const text = logged([err, { message: 'wrapped', cause: err }, new StoreUnavailableError('x', null, { cause: err })]);
    expectNoSecret(text);
    const line = JSON.parse(text.split('\n')[0]!) as { err: Record<string, unknown> };
    expect(line.err).toMatchObject({ type: 'AxiosError', status: 500, method: 'POST', url: `${url}/v1/~/billing/reports/balance_transactions` });
  });

  it('an axios network error (nothing listening)', async () => {
    const http = axios.create({ baseURL: 'http://127.0.0.1:9', headers: { Authorization: `Bearer ${MOESIF_SECRET}` } });
    const err = await http.get('/x').catch((e: unknown) => e);
    expectNoSecret(logged([err]));
  });

  it('secret-named fields at any depth and in any case, in anything logged as err', () => {
    const text = logged([
      Object.assign(new Error('request failed'), {
        config: { headers: { Authorization: `Bearer ${MOESIF_SECRET}`, 'X-Api-Key': MOESIF_SECRET } },
        options: { connection: { Password: PG_PASSWORD } },
      }),
    ]);
    expectNoSecret(text);
    expect(text).toContain('request failed');
  });

  it('a pg error from a server that cannot be reached with a password in the URL', async () => {
    const err = await PostgresStore.open(`postgres://admin:${PG_PASSWORD}@127.0.0.1:9/app`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expectNoSecret(logged([err]));
  });

  it.skipIf(pgDown !== null)('a pg query error from a real server (connected with a password in the URL)', async () => {
    const withPassword = new URL(TEST_DATABASE_URL);
    withPassword.password = PG_PASSWORD;
    const client = new pg.Client({ connectionString: withPassword.toString() });
    await client.connect();
    const err = await client.query('SELECT * FROM no_such_table_for_this_test').catch((e: unknown) => e);
    await client.end();
    const text = logged([err]);
    expectNoSecret(text);
    expect(text).toContain('42P01');
  });
});

describe('issue 8 #8: the real entry point with a PostgreSQL URL carrying a password', () => {
  afterEach(async () => {
    await cleanupServiceProcesses();
  });
  const env = (databaseUrl: string) => ({
    STRIPE_SECRET_KEY: 'sk_test_x',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    MOESIF_MANAGEMENT_API_KEY: 'moesif-key',
    TOP_UP_API_KEYS: API_KEY,
    DATABASE_URL: databaseUrl,
    PORT: '0',
  });

  it('malformed: refused by name at start-up (exit 78), the URL never printed', async () => {
    const child = new ServiceProcess(env(`postgres://admin:${PG_PASSWORD}@db.internal:notaport/app`));
    expect((await child.waitForExit(45_000)).code).toBe(78);
    expect(child.stderr).toContain('DATABASE_URL');
    expect(child.stdout + child.stderr).not.toContain(PG_PASSWORD);
  }, 60_000);

  it('unreachable: the fatal "cannot open the store" line says why without the password', async () => {
    const child = new ServiceProcess(env(`postgres://admin:${PG_PASSWORD}@127.0.0.1:9/app`));
    expect((await child.waitForExit(45_000)).code).toBe(1);
    expect(child.stdout).toContain('cannot open the store');
    expect(child.stdout + child.stderr).not.toContain(PG_PASSWORD);
  }, 60_000);
});
