import { z } from 'zod';
import { envSchema, NO_CALLER_AUTH, stripeCheckEnvSchema, type Env } from './env-schema.js';
import { minimumChargeAmount, STRIPE_MAX_AMOUNT } from '../money/currencies.js';
import type { CreditRates } from '../money/moesif-amount.js';

/** The service's configuration, parsed once at start-up and passed to whoever needs it. */
export interface Config {
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  shutdownTimeoutMs: number;
  http: {
    headersTimeoutMs: number;
    /** Time to receive a whole request (not to answer it). */
    requestTimeoutMs: number;
    /** Most bytes of webhook bodies buffered at once, across all requests. */
    webhookMaxBufferedBytes: number;
  };
  stripe: {
    secretKey: string;
    webhookSecrets: string[];
    /** Parsed STRIPE_API_BASE, for a local mock or simulator. */
    apiBase?: URL;
    webhookToleranceSeconds: number;
  };
  moesif: {
    apiKey: string;
    apiUrl: string;
    timeoutMs: number;
    /** When set, the Moesif company_id is this metadata field of the Stripe customer. */
    companyIdMetadataKey?: string;
    /** Moesif's `type` values for the two directions (the debit spelling is not documented by Moesif). */
    transactionTypes: { credit: string; debit: string };
    /** How long a subscription balance read from Moesif is reused (0 = always ask). */
    balanceCacheTtlMs: number;
  };
  ledger: {
    /** Credits per major unit, by currency; unlisted currencies convert at 1. */
    creditRates: CreditRates;
    /** Credit succeeded PaymentIntents this service did not create (off by default). */
    creditUntagged: boolean;
    /** Refunds of top-ups take their credits back (on by default). */
    refundsDebitCredits: boolean;
    /** Which dispute event takes credits back. */
    disputeDebitOn: 'funds_withdrawn' | 'created';
    /** Purchased credits expire this long after they were recorded (Moesif `expire_at`); null = never. */
    creditExpiryMs: number | null;
  };
  /** Signed events to the user's own app (Standard Webhooks); off when `urls` is empty. */
  outgoingEvents: {
    urls: string[];
    /** `whsec_…`; set whenever `urls` is not empty. */
    secret?: string;
    timeoutMs: number;
    maxAttempts: number;
    /** Events one instance delivers at once (EVENT_WEBHOOK_CONCURRENCY). */
    concurrency: number;
  };
  databaseUrl: string;
  /** How long a SQLite write waits for another connection's lock before the store is unavailable. */
  sqliteBusyTimeoutMs: number;
  auth: {
    apiKeys: string[];
    jwt?: {
      secret?: string;
      jwksUrl?: string;
      issuer: string;
      audience: string;
      customerClaim: string;
      /** Leeway for exp, nbf and iat against this machine's clock. */
      clockToleranceSeconds: number;
    };
    corsAllowedOrigins: string[];
  };
  topUp: {
    currencies: string[];
    /** Inclusive bounds per accepted currency, in Stripe minor units. */
    limits: Record<string, { min: number; max: number }>;
  };
  /** How long GET /packs reuses the list of credit packs read from Stripe. */
  packsCacheTtlMs: number;
  checkout: {
    /** Origins a hosted checkout may send the customer back to (success_url, cancel_url). */
    returnOrigins: string[];
  };
  /** The hosted billing page (src/billing-page/). */
  billing: {
    /** Origins a billing session's return_url may point to. */
    returnOrigins: string[];
    /** The service's public origin for session links; undefined = the origin the request came to. */
    publicUrl?: string;
    /** Whether the page offers a custom amount (within the /top-up limits) besides packs. */
    customAmounts: boolean;
    pageTitle: string;
    brandColor: string;
    logoUrl?: string;
  };
  /** Requests per minute (fixed windows), per caller and per customer. */
  rateLimits: {
    topUpsPerCustomerPerMinute: number;
    userRequestsPerMinute: number;
    apiKeyRequestsPerMinute: number;
  };
  /** Bearer key of the admin API; the API is off when unset. */
  adminApiKey?: string;
  metrics: {
    /**
     * Where GET /metrics is served: on the main port (only when that listens on loopback or a
     * token is set), on a port of its own, or nowhere (a public main port without a token).
     */
    exposure: { kind: 'main_port' } | { kind: 'own_port'; port: number; host: string } | { kind: 'off' };
    /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
    bearerToken?: string;
    /** How long the outbox gauge reuses its counts from the store. */
    outboxRefreshMs: number;
  };
  reconcile: {
    /** 0 = no periodic sweep (on-demand only). */
    intervalMs: number;
    /** How far back the first sweep looks when there is no cursor yet. */
    firstLookbackHours: number;
  };
  autoRecharge: {
    /** How often each enabled subscription's balance is read (0 = only on edits and hints). */
    intervalMs: number;
    /** After an attempt, no other attempt for that subscription for this long. */
    cooldownMs: number;
    /** Bearer token of POST /auto-recharge/hint; the hint endpoint is off when unset. */
    hintToken?: string;
  };
  /** Days rows are kept (never less than exactly-once needs: retention/retention-policy.ts); 0 = forever. */
  retentionDays: number;
  outbox: {
    pollIntervalMs: number;
    batchSize: number;
    concurrency: number;
    leaseMs: number;
    retryBaseDelayMs: number;
    retryMaxDelayMs: number;
    maxAttempts: number;
    /** Deliveries' HTTP requests to Moesif run on a worker thread (moesif-post-thread.ts). */
    postThread: boolean;
  };
}

/** Whether a listen address is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || /^::ffff:127\./i.test(host);
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    return `${name}: ${issue.message}`;
  });
}

/** An empty value (as copied from .env.example) means "not set": the default applies. */
const presentValues = (source: NodeJS.ProcessEnv) =>
  Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v.trim() !== ''));

/** `npm run check:stripe` needs only the Stripe key (and STRIPE_API_BASE for a simulator). */
export function loadStripeCheckConfig(source: NodeJS.ProcessEnv): Pick<Config['stripe'], 'secretKey' | 'apiBase'> {
  const parsed = stripeCheckEnvSchema.safeParse(presentValues(source));
  if (!parsed.success) throw new ConfigError(problemsOf(parsed.error));
  return {
    secretKey: parsed.data.STRIPE_SECRET_KEY,
    apiBase: parsed.data.STRIPE_API_BASE ? new URL(parsed.data.STRIPE_API_BASE) : undefined,
  };
}

/** Parses the environment; throws ConfigError listing every problem at once. */
export function loadConfig(source: NodeJS.ProcessEnv): Config {
  const present = presentValues(source);
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    // Cross-field checks run only on a parsed object; report the most basic one anyway, so one
    // start-up lists every problem.
    const problems = problemsOf(parsed.error);
    const anyAuth = ['TOP_UP_API_KEYS', 'JWT_SECRET', 'JWT_JWKS_URL'].some((k) => present[k] !== undefined);
    if (!anyAuth && !problems.some((p) => p.startsWith('TOP_UP_API_KEYS'))) problems.push(`TOP_UP_API_KEYS: ${NO_CALLER_AUTH}`);
    throw new ConfigError(problems);
  }
  const env = parsed.data;

  const limits: Config['topUp']['limits'] = {};
  const problems: string[] = [];
  for (const currency of env.TOP_UP_CURRENCIES) {
    const min = Math.max(env.TOP_UP_MIN_AMOUNTS[currency] ?? 0, minimumChargeAmount(currency));
    const max = env.TOP_UP_MAX_AMOUNTS[currency] ?? STRIPE_MAX_AMOUNT;
    if (max < min) problems.push(`TOP_UP_MAX_AMOUNTS: ${currency} maximum ${max} is below its minimum ${min}`);
    limits[currency] = { min, max };
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const jwtOn = env.JWT_SECRET !== undefined || env.JWT_JWKS_URL !== undefined;
  return {
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    http: {
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
      webhookMaxBufferedBytes: env.WEBHOOK_MAX_BUFFERED_BYTES,
    },
    stripe: {
      secretKey: env.STRIPE_SECRET_KEY,
      webhookSecrets: env.STRIPE_WEBHOOK_SECRET,
      apiBase: env.STRIPE_API_BASE ? new URL(env.STRIPE_API_BASE) : undefined,
      webhookToleranceSeconds: env.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
    },
    moesif: {
      apiKey: env.MOESIF_MANAGEMENT_API_KEY,
      apiUrl: env.MOESIF_API_URL,
      timeoutMs: env.MOESIF_TIMEOUT_MS,
      companyIdMetadataKey: env.MOESIF_COMPANY_ID_METADATA_KEY,
      transactionTypes: { credit: env.MOESIF_CREDIT_TYPE, debit: env.MOESIF_DEBIT_TYPE },
      balanceCacheTtlMs: env.BALANCE_CACHE_TTL_MS,
    },
    ledger: {
      creditRates: env.CREDIT_RATES,
      creditUntagged: env.CREDIT_UNTAGGED_PAYMENT_INTENTS,
      refundsDebitCredits: env.REFUNDS_DEBIT_CREDITS,
      disputeDebitOn: env.DISPUTE_DEBIT_ON,
      creditExpiryMs: env.CREDIT_EXPIRY,
    },
    outgoingEvents: {
      urls: env.EVENT_WEBHOOK_URLS,
      secret: env.EVENT_WEBHOOK_SECRET,
      timeoutMs: env.EVENT_WEBHOOK_TIMEOUT_MS,
      maxAttempts: env.EVENT_WEBHOOK_MAX_ATTEMPTS,
      concurrency: env.EVENT_WEBHOOK_CONCURRENCY,
    },
    databaseUrl: env.DATABASE_URL,
    sqliteBusyTimeoutMs: env.SQLITE_BUSY_TIMEOUT_MS,
    auth: {
      apiKeys: env.TOP_UP_API_KEYS,
      jwt: jwtOn
        ? {
            secret: env.JWT_SECRET,
            jwksUrl: env.JWT_JWKS_URL,
            issuer: env.JWT_ISSUER!,
            audience: env.JWT_AUDIENCE!,
            customerClaim: env.JWT_CUSTOMER_CLAIM,
            clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_SECONDS,
          }
        : undefined,
      corsAllowedOrigins: env.CORS_ALLOWED_ORIGINS,
    },
    topUp: { currencies: env.TOP_UP_CURRENCIES, limits },
    packsCacheTtlMs: env.PACKS_CACHE_TTL_MS,
    checkout: { returnOrigins: env.CHECKOUT_RETURN_ORIGINS },
    billing: {
      returnOrigins: env.BILLING_RETURN_ORIGINS,
      publicUrl: env.BILLING_PUBLIC_URL,
      customAmounts: env.BILLING_CUSTOM_AMOUNTS,
      pageTitle: env.BILLING_PAGE_TITLE,
      brandColor: env.BILLING_BRAND_COLOR,
      logoUrl: env.BILLING_LOGO_URL,
    },
    rateLimits: {
      topUpsPerCustomerPerMinute: env.RATE_LIMIT_TOP_UPS_PER_MINUTE,
      userRequestsPerMinute: env.RATE_LIMIT_USER_REQUESTS_PER_MINUTE,
      apiKeyRequestsPerMinute: env.RATE_LIMIT_API_KEY_REQUESTS_PER_MINUTE,
    },
    adminApiKey: env.ADMIN_API_KEY,
    metrics: {
      exposure:
        env.METRICS_PORT !== undefined
          ? { kind: 'own_port', port: env.METRICS_PORT, host: env.METRICS_HOST }
          : env.METRICS_BEARER_TOKEN !== undefined || isLoopback(env.HOST)
            ? { kind: 'main_port' }
            : { kind: 'off' },
      bearerToken: env.METRICS_BEARER_TOKEN,
      outboxRefreshMs: env.METRICS_OUTBOX_REFRESH_SECONDS * 1000,
    },
    reconcile: { intervalMs: env.RECONCILE_INTERVAL_MS, firstLookbackHours: env.RECONCILE_LOOKBACK_HOURS },
    retentionDays: env.RETENTION_DAYS,
    autoRecharge: {
      intervalMs: env.AUTO_RECHARGE_INTERVAL_MS,
      cooldownMs: env.AUTO_RECHARGE_COOLDOWN_MS,
      hintToken: env.AUTO_RECHARGE_HINT_TOKEN,
    },
    outbox: {
      pollIntervalMs: env.OUTBOX_POLL_INTERVAL_MS,
      batchSize: env.OUTBOX_BATCH_SIZE,
      concurrency: env.OUTBOX_CONCURRENCY,
      leaseMs: env.OUTBOX_LEASE_MS,
      retryBaseDelayMs: env.OUTBOX_RETRY_BASE_DELAY_MS,
      retryMaxDelayMs: env.OUTBOX_RETRY_MAX_DELAY_MS,
      maxAttempts: env.OUTBOX_MAX_ATTEMPTS,
      postThread: env.OUTBOX_POST_THREAD,
    },
  };
}
