import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DeliveryState } from '../ledger/ledger-entry.js';
import { RefreshingValue } from './refreshing-value.js';

const PREFIX = 'topup_sync_';

/**
 * The service's Prometheus series, in a registry of its own (one per service instance, so tests
 * and several services in one process never mix their numbers). Served at GET /metrics.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly webhooks = new Counter({
    name: `${PREFIX}webhooks_received_total`,
    help: 'Stripe webhook deliveries by event type and outcome (queued, ignored, duplicate, bad_signature, invalid_payload, error).',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly eventApiVersions = new Counter({
    name: `${PREFIX}stripe_event_api_versions_total`,
    help: 'Verified Stripe events by whether their api_version is the one this service was built for (matches: yes, no).',
    labelNames: ['matches'] as const,
    registers: [this.registry],
  });

  readonly topUps = new Counter({
    name: `${PREFIX}top_ups_total`,
    help: 'POST /top-up results: the PaymentIntent status on success, else the error code.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly deliveryAttempts = new Counter({
    name: `${PREFIX}delivery_attempts_total`,
    help: 'Outbox delivery attempts by result (delivered, retry, failed, dead).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly deliveryDuration = new Histogram({
    name: `${PREFIX}delivery_duration_seconds`,
    help: 'Duration of one delivery attempt (subscription lookup plus the Moesif request).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly creditLag = new Histogram({
    name: `${PREFIX}credit_lag_seconds`,
    help: 'From an entry being queued to Moesif accepting it.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800, 3600, 21600, 86400],
    registers: [this.registry],
  });

  readonly moesifResponses = new Counter({
    name: `${PREFIX}moesif_responses_total`,
    help: 'Responses from Moesif balance transactions by status class (2xx, 4xx, 5xx) or network error.',
    labelNames: ['status_class'] as const,
    registers: [this.registry],
  });

  readonly moesifBreakerOpen = new Gauge({
    name: `${PREFIX}moesif_breaker_open`,
    help: '1 while Moesif keeps failing and deliveries are reduced to one probe at a time.',
    registers: [this.registry],
  });

  readonly reconcileRuns = new Counter({
    name: `${PREFIX}reconcile_runs_total`,
    help: 'Reconciliation sweeps against Stripe events, by result (ok, error).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly reconcileEvents = new Counter({
    name: `${PREFIX}reconcile_events_total`,
    help: 'Events found by reconciliation sweeps, by ingestion outcome (queued = a missed webhook).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly retentionDeleted = new Counter({
    name: `${PREFIX}retention_deleted_total`,
    help: 'Rows deleted by retention (RETENTION_DAYS), by kind (events, idempotencyKeys, topUps, deliveredOutbox, deliveredEvents, autoRechargeAttempts, autoRechargeHistory, rateLimits, billingSessions).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly outgoingEventAttempts = new Counter({
    name: `${PREFIX}outgoing_event_attempts_total`,
    help: 'Attempts to deliver an outgoing event to EVENT_WEBHOOK_URLS, by result (delivered, retry, dead).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly autoRechargeAttempts = new Counter({
    name: `${PREFIX}auto_recharge_attempts_total`,
    help: 'Auto-recharge charges by outcome (succeeded, processing, requires_action, hard_decline, soft_decline, stripe_unavailable, failed, canceled).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /**
   * `outboxCounts` reads the outbox's size by state from the store; it is read at most once per
   * `outboxRefreshMs` however often (and by however many) /metrics is scraped, so scrapes cost
   * the store nothing more than one grouped count per interval.
   */
  constructor(outboxCounts?: () => Promise<Record<DeliveryState, number>>, options: { outboxRefreshMs?: number; now?: () => number } = {}) {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    if (outboxCounts) {
      const counts = new RefreshingValue(outboxCounts, options.outboxRefreshMs ?? 0, options.now);
      new Gauge({
        name: `${PREFIX}outbox_entries`,
        help: 'Outbox entries by state (pending, delivered, failed, dead), read from the store at most once per METRICS_OUTBOX_REFRESH_SECONDS.',
        labelNames: ['state'] as const,
        registers: [this.registry],
        async collect() {
          for (const [state, n] of Object.entries(await counts.get())) this.set({ state }, n);
        },
      });
    }
  }
}

export function statusClass(status: number | null): string {
  return status === null ? 'network_error' : `${Math.floor(status / 100)}xx`;
}
