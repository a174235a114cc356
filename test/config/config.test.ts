import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import { describe, expect, it, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const API_KEY = 'config-test-api-key-0123456789';
const JWT_SECRET = 'a-jwt-secret-that-is-at-least-32-characters';

/** The smallest environment the service accepts. */
const MINIMAL: Record<string, string> = {
  STRIPE_SECRET_KEY: 'sk_test_config',
  STRIPE_WEBHOOK_SECRET: 'whsec_config',
  MOESIF_MANAGEMENT_API_KEY: 'moesif-config-key',
  TOP_UP_API_KEYS: API_KEY,
};

function env(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const out: Record<string, string | undefined> = { ...MINIMAL, ...overrides };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out as NodeJS.ProcessEnv;
}

/** The ConfigError loadConfig throws for `source` (fails the test if it does not throw one). */
function configErrorOf(source: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(source);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

function expectProblemAbout(err: ConfigError, variable: string): void {
  expect(err.problems.some((p) => p.startsWith(variable))).toBe(true);
  expect(err.message).toContain(variable);
}

describe('loadConfig', () => {
  it('missing STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and MOESIF_MANAGEMENT_API_KEY → one ConfigError listing all three', () => {
    const err = configErrorOf(
      env({ STRIPE_SECRET_KEY: undefined, STRIPE_WEBHOOK_SECRET: undefined, MOESIF_MANAGEMENT_API_KEY: undefined }),
    );
    expect(err.problems).toHaveLength(3);
    for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'MOESIF_MANAGEMENT_API_KEY']) expectProblemAbout(err, name);
  });

  it('an empty environment lists every problem at once, including how /top-up callers authenticate', () => {
    // loadConfig promises "listing every problem at once": the operator should not have to fix
    // the three secrets, restart, and only then learn that TOP_UP_API_KEYS / JWT is missing too.
    const err = configErrorOf({});
    for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'MOESIF_MANAGEMENT_API_KEY', 'TOP_UP_API_KEYS']) {
      expectProblemAbout(err, name);
    }
  });

  test.each(['', '   '])('a required value that is blank (%j) counts as missing', (blank) => {
    const err = configErrorOf(env({ STRIPE_SECRET_KEY: blank, MOESIF_MANAGEMENT_API_KEY: blank }));
    expectProblemAbout(err, 'STRIPE_SECRET_KEY');
    expectProblemAbout(err, 'MOESIF_MANAGEMENT_API_KEY');
  });

  it('defaults', () => {
    const config = loadConfig(env());
    expect(config.port).toBe(3000);
    expect(config.moesif.apiUrl).toBe('https://api.moesif.com/v1');
    expect(config.databaseUrl).toBe('sqlite:./data/topup-sync.db');
    expect(config.topUp.currencies).toEqual(['usd']);
    expect(config.logLevel).toBe('info');
    expect(config.ledger.creditUntagged).toBe(false);
    expect(config.stripe.apiBase).toBeUndefined();
    expect(config.stripe.webhookToleranceSeconds).toBe(300);
    expect(config.auth.jwt).toBeUndefined();
    expect(config.topUp.limits).toEqual({ usd: { min: 50, max: 99_999_999 } });
  });

  it('EVENT_WEBHOOK_CONCURRENCY: 16 by default, the value given, at least 1', () => {
    expect(loadConfig(env()).outgoingEvents.concurrency).toBe(16);
    expect(loadConfig(env({ EVENT_WEBHOOK_CONCURRENCY: '4' })).outgoingEvents.concurrency).toBe(4);
    expectProblemAbout(configErrorOf(env({ EVENT_WEBHOOK_CONCURRENCY: '0' })), 'EVENT_WEBHOOK_CONCURRENCY');
  });

  it('the values given are the values used', () => {
    const config = loadConfig(env({ PORT: '8080', LOG_LEVEL: 'warn', MOESIF_API_URL: 'https://moesif.example.test/v1/', TOP_UP_CURRENCIES: 'usd, eur ,jpy' }));
    expect(config.port).toBe(8080);
    expect(config.logLevel).toBe('warn');
    expect(config.moesif.apiUrl).toBe('https://moesif.example.test/v1'); // trailing slash dropped
    expect(config.topUp.currencies).toEqual(['usd', 'eur', 'jpy']);
    expect(config.stripe.secretKey).toBe('sk_test_config');
  });

  test.each([
    ['xyz', 'xyz'],
    ['Bearer xyz', 'xyz'],
    ['bearer xyz', 'xyz'],
    ['BEARER   xyz', 'xyz'],
    ['  Bearer xyz  ', 'xyz'],
  ])('defect 11: MOESIF_MANAGEMENT_API_KEY %j → key %j (the client adds "Bearer " once)', (value, key) => {
    expect(loadConfig(env({ MOESIF_MANAGEMENT_API_KEY: value })).moesif.apiKey).toBe(key);
  });

  test.each(['Bearer ', 'Bearer', ' bearer  '])(
    'defect 11: MOESIF_MANAGEMENT_API_KEY of just the prefix (%j) is refused, not sent as "Bearer Bearer"',
    (value) => {
      expectProblemAbout(configErrorOf(env({ MOESIF_MANAGEMENT_API_KEY: value })), 'MOESIF_MANAGEMENT_API_KEY');
    },
  );

  test.each([
    ['whsec_a', ['whsec_a']],
    ['whsec_a,whsec_b', ['whsec_a', 'whsec_b']],
    [' whsec_a , whsec_b ,', ['whsec_a', 'whsec_b']],
  ])('STRIPE_WEBHOOK_SECRET %j → %j (comma-separated while rotating)', (value, secrets) => {
    expect(loadConfig(env({ STRIPE_WEBHOOK_SECRET: value })).stripe.webhookSecrets).toEqual(secrets);
  });

  it('STRIPE_WEBHOOK_SECRET of only commas is refused', () => {
    expectProblemAbout(configErrorOf(env({ STRIPE_WEBHOOK_SECRET: ' , ,' })), 'STRIPE_WEBHOOK_SECRET');
  });

  test.each([
    ['false', false],
    ['true', true],
    ['0', false],
    ['1', true],
  ])('CREDIT_UNTAGGED_PAYMENT_INTENTS %j → %s', (value, expected) => {
    expect(loadConfig(env({ CREDIT_UNTAGGED_PAYMENT_INTENTS: value })).ledger.creditUntagged).toBe(expected);
  });

  test.each(['yes', 'no', 'on', 'TRUE!', 'maybe'])('CREDIT_UNTAGGED_PAYMENT_INTENTS %j → error (never read as true)', (value) => {
    expectProblemAbout(configErrorOf(env({ CREDIT_UNTAGGED_PAYMENT_INTENTS: value })), 'CREDIT_UNTAGGED_PAYMENT_INTENTS');
  });

  it('no TOP_UP_API_KEYS and no JWT → error (defect 8: /top-up must authenticate)', () => {
    expectProblemAbout(configErrorOf(env({ TOP_UP_API_KEYS: undefined })), 'TOP_UP_API_KEYS');
    expectProblemAbout(configErrorOf(env({ TOP_UP_API_KEYS: ' , ' })), 'TOP_UP_API_KEYS');
  });

  it('an API key shorter than 16 characters is refused', () => {
    expectProblemAbout(configErrorOf(env({ TOP_UP_API_KEYS: `${API_KEY},short` })), 'TOP_UP_API_KEYS');
  });

  it('several API keys, comma-separated', () => {
    const other = 'another-api-key-abcdefghijkl';
    expect(loadConfig(env({ TOP_UP_API_KEYS: `${API_KEY}, ${other}` })).auth.apiKeys).toEqual([API_KEY, other]);
  });

  it('JWT alone (no API keys) is enough', () => {
    const config = loadConfig(env({ TOP_UP_API_KEYS: undefined, JWT_SECRET, JWT_ISSUER: 'https://id.example/', JWT_AUDIENCE: 'aud' }));
    expect(config.auth.apiKeys).toEqual([]);
    expect(config.auth.jwt).toMatchObject({ secret: JWT_SECRET, issuer: 'https://id.example/', audience: 'aud', customerClaim: 'stripe_customer_id' });
  });

  it('JWT_SECRET without JWT_ISSUER → error', () => {
    expectProblemAbout(configErrorOf(env({ JWT_SECRET, JWT_AUDIENCE: 'aud' })), 'JWT_ISSUER');
  });

  it('JWT_SECRET without JWT_AUDIENCE → error', () => {
    expectProblemAbout(configErrorOf(env({ JWT_SECRET, JWT_ISSUER: 'https://id.example/' })), 'JWT_AUDIENCE');
  });

  it('a JWT_SECRET shorter than 32 characters → error', () => {
    expectProblemAbout(configErrorOf(env({ JWT_SECRET: 'short', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' })), 'JWT_SECRET');
  });

  it('TOP_UP_MIN_AMOUNTS naming a currency not in TOP_UP_CURRENCIES → error', () => {
    expectProblemAbout(configErrorOf(env({ TOP_UP_CURRENCIES: 'usd', TOP_UP_MIN_AMOUNTS: 'eur:500' })), 'TOP_UP_MIN_AMOUNTS');
  });

  it('TOP_UP_MAX_AMOUNTS naming a currency not in TOP_UP_CURRENCIES → error', () => {
    expectProblemAbout(configErrorOf(env({ TOP_UP_CURRENCIES: 'usd', TOP_UP_MAX_AMOUNTS: 'gbp:500' })), 'TOP_UP_MAX_AMOUNTS');
  });

  it('TOP_UP_MIN_AMOUNTS below Stripe’s minimum is raised to it; above it is kept', () => {
    const config = loadConfig(env({ TOP_UP_CURRENCIES: 'usd,eur,jpy', TOP_UP_MIN_AMOUNTS: 'usd:10,eur:500,jpy:1' }));
    expect(config.topUp.limits.usd).toEqual({ min: 50, max: 99_999_999 });
    expect(config.topUp.limits.eur).toEqual({ min: 500, max: 99_999_999 });
    expect(config.topUp.limits.jpy).toEqual({ min: 50, max: 99_999_999 });
  });

  it('TOP_UP_MAX_AMOUNTS is applied; a maximum below the minimum is an error', () => {
    expect(loadConfig(env({ TOP_UP_MAX_AMOUNTS: 'usd:100000' })).topUp.limits.usd).toEqual({ min: 50, max: 100_000 });
    expectProblemAbout(configErrorOf(env({ TOP_UP_MAX_AMOUNTS: 'usd:40' })), 'TOP_UP_MAX_AMOUNTS');
  });

  test.each(['usd500', 'usd:', 'USD:500', 'usd:-5', 'usd:5.5'])('TOP_UP_MIN_AMOUNTS %j is not currency:amount → error', (value) => {
    expectProblemAbout(configErrorOf(env({ TOP_UP_MIN_AMOUNTS: value })), 'TOP_UP_MIN_AMOUNTS');
  });

  test.each(['USD', 'us', 'dollars', 'usd,e1r'])('TOP_UP_CURRENCIES %j → error', (value) => {
    expectProblemAbout(configErrorOf(env({ TOP_UP_CURRENCIES: value })), 'TOP_UP_CURRENCIES');
  });

  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'verbose'],
    ['MOESIF_API_URL', 'not a url'],
    ['STRIPE_API_BASE', 'not a url'],
    ['DATABASE_URL', 'mysql://db/topup'],
    ['DATABASE_URL', './data/topup.db'],
    ['OUTBOX_MAX_ATTEMPTS', '0'],
    ['MOESIF_TIMEOUT_MS', '5'],
  ])('%s=%j → error naming it', (name, value) => {
    expectProblemAbout(configErrorOf(env({ [name]: value })), name);
  });

  test.each([
    ['STRIPE_API_BASE', 'localhost:12111'],
    ['STRIPE_API_BASE', 'ftp://127.0.0.1:12111'],
    ['MOESIF_API_URL', 'api.moesif.com:443/v1'],
    ['MOESIF_API_URL', 'mailto:ops@example.com'],
  ])('%s=%j (not an http(s) URL) → error naming it', (name, value) => {
    expectProblemAbout(configErrorOf(env({ [name]: value })), name);
  });

  it('OUTBOX_RETRY_MAX_DELAY_MS below OUTBOX_RETRY_BASE_DELAY_MS → error', () => {
    expectProblemAbout(
      configErrorOf(env({ OUTBOX_RETRY_BASE_DELAY_MS: '5000', OUTBOX_RETRY_MAX_DELAY_MS: '1000' })),
      'OUTBOX_RETRY_MAX_DELAY_MS',
    );
  });

  it('several independent problems are reported together', () => {
    const err = configErrorOf(env({ PORT: 'abc', LOG_LEVEL: 'loud', CREDIT_UNTAGGED_PAYMENT_INTENTS: 'yes' }));
    for (const name of ['PORT', 'LOG_LEVEL', 'CREDIT_UNTAGGED_PAYMENT_INTENTS']) expectProblemAbout(err, name);
  });

  it('a ConfigError never echoes secret values', () => {
    const err = configErrorOf(env({ STRIPE_WEBHOOK_SECRET: undefined, PORT: 'abc' }));
    expect(err.message).not.toContain('sk_test_config');
    expect(err.message).not.toContain('moesif-config-key');
    expect(err.message).not.toContain(API_KEY);
  });

  it('.env.example with only the required values filled in is a valid configuration', () => {
    const example = dotenv.parse(readFileSync(fileURLToPath(new URL('../../.env.example', import.meta.url))));
    const config = loadConfig({ ...example, ...MINIMAL });
    expect(config.port).toBe(3000);
    expect(config.stripe.apiBase).toBeUndefined();
    expect(config.auth.jwt).toBeUndefined();
    expect(config.moesif.apiUrl).toBe('https://api.moesif.com/v1');
  });
});
