import express, { type Express } from 'express';
import { Webhook } from 'standardwebhooks';
import { LoopbackServer } from '../../src/simulators/listen.js';

/** A test signing secret in the Standard Webhooks format: whsec_ + base64 of 32 bytes. */
export const EVENT_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

export interface ReceivedEvent {
  id: string;
  type: string;
  created_at: string;
  data: Record<string, unknown> & { customer_id?: string };
}

/**
 * The user's app: verifies every delivery with the `standardwebhooks` package (not the service's
 * code), keeps every event it answered 2xx (so a test sees any duplicate delivery), and can be told
 * to answer a status instead (down, or refusing).
 */
export class EventReceiver extends LoopbackServer {
  /** Every request's webhook-id, in arrival order, whatever was answered. */
  readonly attempts: string[] = [];
  /** Events answered 2xx, in order (an id twice here is a duplicate delivery). */
  readonly accepted: ReceivedEvent[] = [];
  /** Requests whose signature did not verify. */
  badSignatures = 0;
  /** While set, every delivery is answered with this status and not accepted. */
  answer: number | null = null;
  private readonly webhook: Webhook;

  constructor(secret = EVENT_SECRET) {
    super();
    this.webhook = new Webhook(secret);
  }

  get hookUrl(): string {
    return `${this.url}/hooks/topup-sync`;
  }

  protected buildApp(): Express {
    const app = express();
    app.post('/hooks/topup-sync', express.text({ type: '*/*' }), (req, res) => {
      const headers = {
        'webhook-id': req.get('webhook-id') ?? '',
        'webhook-timestamp': req.get('webhook-timestamp') ?? '',
        'webhook-signature': req.get('webhook-signature') ?? '',
      };
      this.attempts.push(headers['webhook-id']);
      if (this.answer !== null) {
        res.status(this.answer).send('scripted');
        return;
      }
      let event: ReceivedEvent;
      try {
        event = this.webhook.verify(req.body as string, headers) as ReceivedEvent;
      } catch {
        this.badSignatures += 1;
        res.status(400).send('bad signature');
        return;
      }
      if (event.id !== headers['webhook-id']) {
        res.status(400).send('id mismatch');
        return;
      }
      this.accepted.push(event);
      res.status(204).end();
    });
    return app;
  }

  ofType(type: string): ReceivedEvent[] {
    return this.accepted.filter((e) => e.type === type);
  }
}
