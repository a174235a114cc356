import { Webhook } from 'standardwebhooks';
import { parseRetryAfterMs } from '../moesif/retry-after.js';

/** What a receiver answered, classified: whether to retry, and after how long at least. */
export type SendOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status: number | null; error: string; retryAfterMs: number | null }
  | { kind: 'dead'; status: number; error: string };

const MAX_KEPT_BODY = 500;

/**
 * Standard Webhooks' rule for a receiver's answer: any 2xx ends delivery. 408 and 429 (the
 * receiver asks for time), 5xx, 3xx (redirects are not followed: the URL is configured, a redirect
 * is a misconfiguration worth retrying after it is fixed) and network errors are retried; any
 * other 4xx says the receiver will never take this event: dead, kept, replayable.
 */
export function classifyAnswer(status: number, body: string, retryAfter: string | null, now: number): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  const error = `receiver answered ${status}${body ? `: ${body.slice(0, MAX_KEPT_BODY)}` : ''}`;
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { kind: 'dead', status, error };
  return { kind: 'retry', status, error, retryAfterMs: parseRetryAfterMs(retryAfter ?? undefined, now) };
}

/**
 * Signs one event per the Standard Webhooks specification with the `standardwebhooks` package
 * (`webhook-id`, `webhook-timestamp` in unix seconds, `webhook-signature: v1,<base64 HMAC-SHA256
 * of "id.timestamp.body">`) and POSTs it. The timestamp is the time of this attempt: receivers
 * refuse old ones, so a retry is signed anew (same id, same body).
 */
export class EventSender {
  private readonly webhook: Webhook;

  constructor(
    secret: string,
    private readonly timeoutMs: number,
  ) {
    this.webhook = new Webhook(secret);
  }

  /** The headers of one attempt. */
  headers(eventId: string, payload: string, at: Date): Record<string, string> {
    return {
      'content-type': 'application/json',
      'user-agent': 'topup-sync',
      'webhook-id': eventId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': this.webhook.sign(eventId, at, payload),
    };
  }

  async send(destination: string, eventId: string, payload: string, now: number): Promise<SendOutcome> {
    try {
      const res = await fetch(destination, {
        method: 'POST',
        headers: this.headers(eventId, payload, new Date(now)),
        body: payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const body = await res.text().catch(() => '');
      return classifyAnswer(res.status, body, res.headers.get('retry-after'), now);
    } catch (err) {
      const reason = err instanceof Error ? (err.name === 'TimeoutError' ? `timed out after ${this.timeoutMs} ms` : err.message) : String(err);
      return { kind: 'retry', status: null, error: `request to receiver failed: ${reason}`, retryAfterMs: null };
    }
  }
}
