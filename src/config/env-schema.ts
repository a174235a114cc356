import { z } from 'zod';
import { parseCreditRate, type CreditRate } from '../money/credit-rate.js';

/**
 * Every environment variable the service reads, with its default. This is the only place that
 * knows variable names; the rest of the code receives the parsed `Config`.
 * Keep in agreement with `.env.example` and the README's configuration table.
 */

const list = (s: string | undefined): string[] =>
  (s ?? '').split(',').map((v) => v.trim()).filter((v) => v.length > 0);

const commaList = z.string().optional().transform(list);

const optionalText = z
  .string()
  .optional()
  .transform((s) => (s && s.trim().length > 0 ? s.trim() : undefined));

const int = (def: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);

/** "true"/"false"/"1"/"0" only: z.coerce.boolean() would read "false" as true. */
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .optional()
    .transform((v) => (v === undefined ? def : v === 'true' || v === '1'));

const currencyCode = z.string().regex(/^[a-z]{3}$/, 'expected a lower-case three-letter currency code');

/** `usd:…,eur:…` → a record by currency, each value read by `parse` (null = not valid). */
const byCurrency = <T>(parse: (text: string) => T | null, expected: string) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      const out: Record<string, T> = {};
      for (const pair of list(s)) {
        const m = /^([a-z]{3}):(.+)$/.exec(pair);
        const value = m ? parse(m[2]!) : null;
        if (!m || value === null) {
          ctx.addIssue({ code: 'custom', message: `"${pair}" is not ${expected}` });
          continue;
        }
        out[m[1]!] = value;
      }
      return out;
    });

/** `usd:500,eur:300` → { usd: 500, eur: 300 } (amounts in Stripe minor units). */
const amountsByCurrency = byCurrency((t) => (/^\d{1,8}$/.test(t) ? Number(t) : null), 'currency:amount (e.g. usd:500)');

/** `usd:1,eur:1.08` → { usd: rate 1, eur: rate 1.08 } (credits per major unit). */
const creditRates = byCurrency<CreditRate>(
  parseCreditRate,
  'currency:rate with a positive rate of at most 6 decimals (e.g. eur:1.08)',
);

/** Loopback hosts, the only ones a checkout may return to over plain http (local development). */
export const isLocalHost = (hostname: string): boolean => hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';

/** "https://shop.example.com" → itself; null unless it is exactly an https (or local http) origin. */
function returnOrigin(text: string): string | null {
  if (!URL.canParse(text)) return null;
  const u = new URL(text);
  const allowed = u.protocol === 'https:' || (u.protocol === 'http:' && isLocalHost(u.hostname));
  return allowed && u.origin === text.replace(/\/$/, '') ? u.origin : null;
}

const url = z.url({ protocol: /^https?$/, message: 'expected an absolute http(s) URL' });

/**
 * An origin (scheme://host[:port], nothing after it): https, or http for localhost only, so a
 * page's links and cookies never travel in clear text outside a developer's machine.
 */
const origin = z.string().transform((s, ctx) => {
  const parsed = URL.canParse(s) ? new URL(s) : null;
  const local = parsed !== null && ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (!parsed || parsed.origin !== s.replace(/\/+$/, '') || !(parsed.protocol === 'https:' || (local && parsed.protocol === 'http:'))) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not an origin such as https://app.example.com (http only for localhost)` });
    return z.NEVER;
  }
  return parsed.origin;
});
/** `365d`, `12h`, `30m` → milliseconds; empty = never. */
const duration = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (s === undefined || s.trim() === '') return null;
    const m = /^(\d{1,6})(d|h|m)$/.exec(s.trim());
    if (!m || Number(m[1]) === 0) {
      ctx.addIssue({ code: 'custom', message: 'expected a positive duration like 365d, 48h or 30m (empty = never)' });
      return null;
    }
    return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
  });

/**
 * A Standard Webhooks signing secret: `whsec_` then base64 of 24 to 64 random bytes (the range the
 * specification recommends).
 */
const standardWebhooksSecret = optionalText.refine((s) => {
  if (s === undefined) return true;
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(s);
  const bytes = m ? Buffer.from(m[1]!, 'base64').length : 0;
  return bytes >= 24 && bytes <= 64;
}, 'expected whsec_ followed by the base64 of 24 to 64 random bytes (e.g. whsec_$(openssl rand -base64 32))');

export const NO_CALLER_AUTH =
  '/top-up needs a way to authenticate callers: set TOP_UP_API_KEYS, or JWT_SECRET / JWT_JWKS_URL';

/** The Stripe API key and base URL: all `npm run check:stripe` reads. */
const stripeApiFields = {
  STRIPE_SECRET_KEY: z.string({ message: 'required: your Stripe secret key (sk_… or rk_…)' }),
  STRIPE_API_BASE: url.optional(),
};

export const stripeCheckEnvSchema = z.object(stripeApiFields);

export const envSchema = z
  .object({
    PORT: int(3000, 0, 65_535),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SHUTDOWN_TIMEOUT_MS: int(10_000, 0),
    HTTP_HEADERS_TIMEOUT_SECONDS: int(10, 1, 300),
    HTTP_REQUEST_TIMEOUT_SECONDS: int(30, 1, 600),
    WEBHOOK_MAX_BUFFERED_BYTES: int(16 * 1024 * 1024, 1024 * 1024),

    STRIPE_SECRET_KEY: stripeApiFields.STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: z
      .string({ message: 'required: the webhook endpoint signing secret (whsec_…); comma-separate several while rotating' })
      .transform(list)
      .refine((v) => v.length > 0, 'required: at least one webhook signing secret (whsec_…)'),
    STRIPE_API_BASE: stripeApiFields.STRIPE_API_BASE,
    STRIPE_WEBHOOK_TOLERANCE_SECONDS: int(300, 1, 3600),

    MOESIF_MANAGEMENT_API_KEY: z
      .string({ message: 'required: a Moesif Management API key with create:billing_meters create:billing_reports' })
      .transform((s) => s.trim().replace(/^bearer(\s+|$)/i, ''))
      .refine((s) => s.length > 0, 'required: a Moesif Management API key'),
    MOESIF_API_URL: url.default('https://api.moesif.com/v1').transform((s) => s.replace(/\/+$/, '')),
    MOESIF_TIMEOUT_MS: int(10_000, 100),
    MOESIF_COMPANY_ID_METADATA_KEY: optionalText,
    MOESIF_CREDIT_TYPE: z.string().min(1).default('credit'),
    MOESIF_DEBIT_TYPE: z.string().min(1).default('debit'),
    CREDIT_RATES: creditRates,
    BALANCE_CACHE_TTL_MS: int(5_000, 0),

    DATABASE_URL: z
      .string()
      .default('sqlite:./data/topup-sync.db')
      .refine((s) => /^(sqlite:|postgres(ql)?:\/\/)/.test(s), 'expected sqlite:<path> or postgres://user@host:port/database')
      // Checked here so a malformed URL is reported by name; its value (with its password) is never printed.
      .refine(
        (s) => !/^postgres/.test(s) || URL.canParse(s),
        'not a valid postgres:// URL (a numeric port? special characters in the password percent-encoded?)',
      ),
    SQLITE_BUSY_TIMEOUT_MS: int(5_000, 0, 60_000),

    TOP_UP_API_KEYS: commaList.refine(
      (keys) => keys.every((k) => k.length >= 16),
      'each API key must be at least 16 characters',
    ),
    JWT_SECRET: optionalText.refine((s) => s === undefined || s.length >= 32, 'must be at least 32 characters'),
    JWT_JWKS_URL: url.optional(),
    JWT_ISSUER: optionalText,
    JWT_AUDIENCE: optionalText,
    JWT_CUSTOMER_CLAIM: z.string().min(1).default('stripe_customer_id'),
    JWT_CLOCK_TOLERANCE_SECONDS: int(30, 0, 300),
    CORS_ALLOWED_ORIGINS: commaList,

    TOP_UP_CURRENCIES: z
      .string()
      .default('usd')
      .transform(list)
      .pipe(z.array(currencyCode).min(1, 'name at least one currency')),
    TOP_UP_MIN_AMOUNTS: amountsByCurrency,
    TOP_UP_MAX_AMOUNTS: amountsByCurrency,
    CREDIT_UNTAGGED_PAYMENT_INTENTS: bool(false),
    PACKS_CACHE_TTL_MS: int(60_000, 0),
    CHECKOUT_RETURN_ORIGINS: commaList.transform((origins, ctx) => {
      const out: string[] = [];
      for (const o of origins) {
        const origin = returnOrigin(o);
        if (origin === null) {
          ctx.addIssue({ code: 'custom', message: `"${o}" is not an origin: https://host[:port] (http only for localhost), nothing after it` });
        } else out.push(origin);
      }
      return out;
    }),
    REFUNDS_DEBIT_CREDITS: bool(true),
    CREDIT_EXPIRY: duration,
    DISPUTE_DEBIT_ON: z.enum(['funds_withdrawn', 'created'], { message: 'expected funds_withdrawn or created' }).default('funds_withdrawn'),

    BILLING_RETURN_ORIGINS: commaList.pipe(z.array(origin)),
    BILLING_PUBLIC_URL: origin.optional(),
    BILLING_CUSTOM_AMOUNTS: bool(false),
    BILLING_PAGE_TITLE: z.string().trim().min(1).max(80).default('Billing'),
    BILLING_BRAND_COLOR: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'expected a #rrggbb colour').default('#3b4cca'),
    BILLING_LOGO_URL: z.url({ protocol: /^https$/, message: 'expected an absolute https URL' }).optional(),

    RATE_LIMIT_TOP_UPS_PER_MINUTE: int(10, 1, 1_000_000),
    RATE_LIMIT_USER_REQUESTS_PER_MINUTE: int(60, 1, 1_000_000),
    RATE_LIMIT_API_KEY_REQUESTS_PER_MINUTE: int(1_200, 1, 1_000_000),

    ADMIN_API_KEY: optionalText.refine((s) => s === undefined || s.length >= 16, 'must be at least 16 characters'),
    METRICS_BEARER_TOKEN: optionalText.refine((s) => s === undefined || s.length >= 16, 'must be at least 16 characters'),
    METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
    METRICS_HOST: z.string().default('127.0.0.1'),
    METRICS_OUTBOX_REFRESH_SECONDS: int(15, 0, 3_600),
    RECONCILE_INTERVAL_MS: int(900_000, 0),
    RECONCILE_LOOKBACK_HOURS: int(72, 1, 720),

    RETENTION_DAYS: int(90, 0, 3_650),

    EVENT_WEBHOOK_URLS: commaList.pipe(z.array(url)),
    EVENT_WEBHOOK_SECRET: standardWebhooksSecret,
    EVENT_WEBHOOK_TIMEOUT_MS: int(10_000, 100, 60_000),
    EVENT_WEBHOOK_MAX_ATTEMPTS: int(50, 1),
    EVENT_WEBHOOK_CONCURRENCY: int(16, 1, 256),
    AUTO_RECHARGE_INTERVAL_MS: int(60_000, 0),
    AUTO_RECHARGE_COOLDOWN_MS: int(600_000, 0),
    AUTO_RECHARGE_HINT_TOKEN: optionalText.refine((s) => s === undefined || s.length >= 16, 'must be at least 16 characters'),

    OUTBOX_POLL_INTERVAL_MS: int(1_000, 10),
    OUTBOX_BATCH_SIZE: int(50, 1, 1_000),
    OUTBOX_CONCURRENCY: int(64, 1, 256),
    OUTBOX_LEASE_MS: int(15_000, 1_000),
    OUTBOX_RETRY_BASE_DELAY_MS: int(1_000, 1),
    OUTBOX_RETRY_MAX_DELAY_MS: int(600_000, 1),
    OUTBOX_MAX_ATTEMPTS: int(100, 1),
    OUTBOX_POST_THREAD: bool(true),
  })
  .superRefine((env, ctx) => {
    const jwt = env.JWT_SECRET !== undefined || env.JWT_JWKS_URL !== undefined;
    if (env.TOP_UP_API_KEYS.length === 0 && !jwt) {
      ctx.addIssue({ code: 'custom', path: ['TOP_UP_API_KEYS'], message: NO_CALLER_AUTH });
    }
    if (env.JWT_SECRET !== undefined && env.JWT_JWKS_URL !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['JWT_JWKS_URL'], message: 'set JWT_SECRET or JWT_JWKS_URL, not both' });
    }
    if (jwt && (env.JWT_ISSUER === undefined || env.JWT_AUDIENCE === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.JWT_ISSUER === undefined ? 'JWT_ISSUER' : 'JWT_AUDIENCE'],
        message: 'required when JWT authentication is on (tokens are checked for issuer and audience)',
      });
    }
    for (const [name, amounts] of [
      ['TOP_UP_MIN_AMOUNTS', env.TOP_UP_MIN_AMOUNTS],
      ['TOP_UP_MAX_AMOUNTS', env.TOP_UP_MAX_AMOUNTS],
    ] as const) {
      for (const currency of Object.keys(amounts)) {
        if (!env.TOP_UP_CURRENCIES.includes(currency)) {
          ctx.addIssue({ code: 'custom', path: [name], message: `${currency} is not in TOP_UP_CURRENCIES` });
        }
      }
    }
    // A key that opens one door must not open another: the metrics token sits in Prometheus'
    // configuration, the top-up keys in your servers'.
    if (env.ADMIN_API_KEY !== undefined && env.TOP_UP_API_KEYS.includes(env.ADMIN_API_KEY)) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_API_KEY'], message: 'must differ from every TOP_UP_API_KEYS entry' });
    }
    if (env.METRICS_BEARER_TOKEN !== undefined && (env.METRICS_BEARER_TOKEN === env.ADMIN_API_KEY || env.TOP_UP_API_KEYS.includes(env.METRICS_BEARER_TOKEN))) {
      ctx.addIssue({ code: 'custom', path: ['METRICS_BEARER_TOKEN'], message: 'must differ from ADMIN_API_KEY and every TOP_UP_API_KEYS entry' });
    }
    if (
      env.AUTO_RECHARGE_HINT_TOKEN !== undefined &&
      (env.AUTO_RECHARGE_HINT_TOKEN === env.ADMIN_API_KEY || env.AUTO_RECHARGE_HINT_TOKEN === env.METRICS_BEARER_TOKEN || env.TOP_UP_API_KEYS.includes(env.AUTO_RECHARGE_HINT_TOKEN))
    ) {
      // The hint token sits in Moesif's webhook settings: it must open nothing else.
      ctx.addIssue({ code: 'custom', path: ['AUTO_RECHARGE_HINT_TOKEN'], message: 'must differ from ADMIN_API_KEY, METRICS_BEARER_TOKEN and every TOP_UP_API_KEYS entry' });
    }
    if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
      ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: 'must differ from PORT (leave it empty to serve /metrics on PORT)' });
    }
    if (env.HTTP_REQUEST_TIMEOUT_SECONDS < env.HTTP_HEADERS_TIMEOUT_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['HTTP_REQUEST_TIMEOUT_SECONDS'], message: 'must be ≥ HTTP_HEADERS_TIMEOUT_SECONDS' });
    }
    if (env.EVENT_WEBHOOK_URLS.length > 0 && env.EVENT_WEBHOOK_SECRET === undefined) {
      ctx.addIssue({ code: 'custom', path: ['EVENT_WEBHOOK_SECRET'], message: 'required when EVENT_WEBHOOK_URLS is set (events are always signed)' });
    }
    if (env.OUTBOX_RETRY_MAX_DELAY_MS < env.OUTBOX_RETRY_BASE_DELAY_MS) {
      ctx.addIssue({ code: 'custom', path: ['OUTBOX_RETRY_MAX_DELAY_MS'], message: 'must be ≥ OUTBOX_RETRY_BASE_DELAY_MS' });
    }
  });

export type Env = z.output<typeof envSchema>;
