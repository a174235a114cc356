/**
 * Versioned schema for the PostgreSQL store. Append only: a released migration is never edited.
 * Times are unix milliseconds (BIGINT) unless the column name says otherwise.
 */
export const postgresMigrations: readonly string[] = [
  /* 1: events, outbox, top-ups */ `
  CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    created_s BIGINT NOT NULL,
    livemode BOOLEAN NOT NULL,
    payload TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('queued', 'ignored')),
    note TEXT NOT NULL,
    received_at BIGINT NOT NULL
  );

  CREATE TABLE outbox (
    transaction_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('credit', 'debit')),
    customer_id TEXT NOT NULL,
    company_id TEXT NOT NULL,
    subscription_id TEXT,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    payment_intent_id TEXT NOT NULL,
    description TEXT NOT NULL,
    source TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_token TEXT,
    lease_until BIGINT,
    last_error TEXT,
    last_status INTEGER,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    delivered_at BIGINT
  );
  CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
  CREATE INDEX outbox_payment_intent ON outbox (payment_intent_id);
  CREATE INDEX outbox_customer_state ON outbox (customer_id, state);

  CREATE TABLE top_ups (
    payment_intent_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    company_id TEXT NOT NULL,
    subscription_id TEXT,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    flow TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'unknown',
    caller TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX top_ups_customer ON top_ups (customer_id, created_at);

  CREATE TABLE idempotency_keys (
    scope TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    payment_intent_id TEXT,
    created_at BIGINT NOT NULL
  );
  `,
  /* 2: named state (reconciliation cursor) and leases for periodic work */ `
  CREATE TABLE service_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL);
  CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at BIGINT NOT NULL);
  CREATE INDEX outbox_state_updated ON outbox (state, updated_at);
  `,
  /* 3: rate-limit counters shared by every instance (fixed windows) */ `
  CREATE TABLE rate_limit_hits (key TEXT PRIMARY KEY, hits INTEGER NOT NULL, reset_at BIGINT NOT NULL);
  CREATE INDEX rate_limit_hits_reset ON rate_limit_hits (reset_at);
  `,
  /* 4: retention deletes the oldest rows first */ `
  CREATE INDEX stripe_events_received ON stripe_events (received_at);
  CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
  CREATE INDEX top_ups_created ON top_ups (created_at);
  `,
  /* 5: billing-page links (single use) and sessions, by token hash */ `
  CREATE TABLE billing_links (
    token_hash TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    subscription_id TEXT,
    return_url TEXT NOT NULL,
    locale TEXT,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX billing_links_expires ON billing_links (expires_at);
  CREATE TABLE billing_sessions (
    session_hash TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    subscription_id TEXT,
    return_url TEXT NOT NULL,
    locale TEXT,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX billing_sessions_expires ON billing_sessions (expires_at);
  `,
  /* 6 (issue 12): promotions and adjustments (Moesif type, active_at, expire_at); a customer's history, newest first */ `
  ALTER TABLE outbox ADD COLUMN ledger_type TEXT CHECK (ledger_type IN ('promotion', 'adjustment'));
  ALTER TABLE outbox ADD COLUMN active_at BIGINT;
  ALTER TABLE outbox ADD COLUMN expire_at BIGINT;
  CREATE INDEX outbox_customer_created ON outbox (customer_id, created_at, transaction_id);
  `,
  /* 7 (issue 12): outgoing events, one row per event and destination, delivered in seq order per customer */ `
  CREATE TABLE events_out (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id TEXT NOT NULL,
    destination TEXT NOT NULL,
    type TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_token TEXT,
    lease_until BIGINT,
    last_error TEXT,
    last_status INTEGER,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    delivered_at BIGINT,
    UNIQUE (event_id, destination)
  );
  CREATE INDEX events_out_due ON events_out (state, next_attempt_at);
  CREATE INDEX events_out_customer ON events_out (destination, customer_id, state, seq);
  CREATE INDEX events_out_state_updated ON events_out (state, updated_at);
  `,
  /* 8 (issue 10): credits fixed by what was bought (credit packs), instead of the amount at CREDIT_RATES */ `
  ALTER TABLE outbox ADD COLUMN credits TEXT;
  ALTER TABLE top_ups ADD COLUMN credits TEXT;
  `,
  /* 9 (issue 11): auto-recharge settings, their history, and the attempts (one per (subscription, sequence)) */ `
  CREATE TABLE auto_recharge_settings (
    subscription_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    company_id TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    threshold_micro BIGINT NOT NULL CHECK (threshold_micro >= 0),
    mode TEXT NOT NULL CHECK (mode IN ('fixed', 'target')),
    amount_minor BIGINT,
    target_micro BIGINT,
    currency TEXT NOT NULL,
    payment_method_id TEXT,
    monthly_cap_minor BIGINT NOT NULL,
    max_per_day INTEGER NOT NULL,
    consent_terms_version TEXT,
    consent_at BIGINT,
    consent_caller TEXT,
    pause_kind TEXT CHECK (pause_kind IN ('requires_action', 'suspended')),
    pause_reason TEXT,
    pause_fingerprint TEXT,
    pause_payment_intent_id TEXT,
    pause_since BIGINT,
    next_check_at BIGINT NOT NULL,
    last_checked_at BIGINT,
    last_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX auto_recharge_settings_due ON auto_recharge_settings (enabled, next_check_at);
  CREATE INDEX auto_recharge_settings_company ON auto_recharge_settings (company_id);

  CREATE TABLE auto_recharge_history (
    id BIGSERIAL PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    caller TEXT NOT NULL,
    change TEXT NOT NULL
  );
  CREATE INDEX auto_recharge_history_subscription ON auto_recharge_history (subscription_id, at);

  CREATE TABLE auto_recharge_attempts (
    id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    payment_method_id TEXT,
    card_fingerprint TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    decline_code TEXT,
    payment_intent_id TEXT,
    client_secret TEXT,
    balance_micro BIGINT NOT NULL,
    retry_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (subscription_id, sequence)
  );
  CREATE INDEX auto_recharge_attempts_fingerprint ON auto_recharge_attempts (card_fingerprint, created_at);
  CREATE INDEX auto_recharge_attempts_payment_intent ON auto_recharge_attempts (payment_intent_id);
  `,
  /* 10 (issue 13): a billing session opened with a JWT never outlives the token's exp */ `
  ALTER TABLE billing_sessions ADD COLUMN not_after BIGINT;
  `,
  /* 11 (issue 11): auto-recharge packs: a setting may buy whole credit packs; an attempt keeps the pack and how many */ `
  ALTER TABLE auto_recharge_settings ADD COLUMN pack_price_id TEXT;
  ALTER TABLE auto_recharge_attempts ADD COLUMN pack_price_id TEXT;
  ALTER TABLE auto_recharge_attempts ADD COLUMN pack_quantity INTEGER;
  `,
  /* 12 (issue 11): auto-recharge retention: old attempts and history rows are pruned oldest first */ `
  CREATE INDEX auto_recharge_attempts_created ON auto_recharge_attempts (created_at);
  CREATE INDEX auto_recharge_history_at ON auto_recharge_history (at);
  `,
  /* 13 (issue 12): how a purchase was sold (checkout, auto-recharge), for GET /ledger's source */ `
  ALTER TABLE outbox ADD COLUMN origin TEXT;
  `,
];
