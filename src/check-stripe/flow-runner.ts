import type Stripe from 'stripe';
import { PaymentFailedError, StripeCallError } from '../stripe/stripe-errors.js';

/** One flow of the check: whether it did what the service needs, and the Stripe requests it made. */
export interface FlowResult {
  name: string;
  ok: boolean;
  detail: string;
  /** Stripe's request ids (`req_…`), for Stripe's Dashboard logs and support. */
  requestIds: string[];
}

/** Why a flow failed, in Stripe's own terms. */
export function describeFailure(err: unknown): string {
  if (err instanceof PaymentFailedError) return `${err.code}${err.declineCode ? ` (${err.declineCode})` : ''}`;
  if (err instanceof StripeCallError) {
    const stripeMessage = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `Stripe call ${err.kind}${err.stripeCode ? ` ${err.stripeCode}` : ''}${err.param ? ` (param ${err.param})` : ''}${stripeMessage}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs flows one after another, attributing to each the request ids of the Stripe responses
 * (successes and errors alike) that arrived while it ran, and printing one line per flow.
 */
export class FlowRunner {
  readonly results: FlowResult[] = [];
  private current: string[] = [];

  constructor(
    stripe: Stripe,
    private readonly print: (line: string) => void,
  ) {
    stripe.on('response', (event: Stripe.ResponseEvent) => {
      if (event.request_id) this.current.push(event.request_id);
    });
  }

  /** `fn` answers the detail of a pass, or throws why the flow failed. */
  async flow(name: string, fn: () => Promise<string>): Promise<boolean> {
    this.current = [];
    let ok = true;
    let detail: string;
    try {
      detail = await fn();
    } catch (err) {
      ok = false;
      detail = describeFailure(err);
    }
    const result = { name, ok, detail, requestIds: this.current };
    this.results.push(result);
    const ids = result.requestIds.length > 0 ? result.requestIds.join(' ') : 'no request';
    this.print(`${ok ? 'PASS' : 'FAIL'}  ${name.padEnd(18)} ${detail}  [${ids}]`);
    return ok;
  }
}
