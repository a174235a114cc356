import { describe, expect, it, test } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { classifyAnswer, EventSender } from '../../src/outgoing-events/event-sender.js';
import { outgoingEventId } from '../../src/outgoing-events/outgoing-events.js';
import { EVENT_SECRET } from './event-receiver.js';

describe('what a receiver answered', () => {
  test.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [301, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [400, 'dead'],
    [401, 'dead'],
    [404, 'dead'],
    [410, 'dead'],
    [422, 'dead'],
  ])('%i → %s', (status, kind) => {
    expect(classifyAnswer(status, 'body', null, 0).kind).toBe(kind);
  });

  it('keeps Retry-After as a floor for the next attempt, and at most 500 characters of the body', () => {
    const outcome = classifyAnswer(429, 'x'.repeat(5_000), '7', 0);
    expect(outcome).toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 7_000 });
    expect(outcome.kind !== 'delivered' && outcome.error.length).toBeLessThan(600);
  });
});

describe('signing', () => {
  it('headers that the standardwebhooks package verifies, with the attempt\'s timestamp', () => {
    const sender = new EventSender(EVENT_SECRET, 1_000);
    const payload = '{"type":"credit.delivered"}';
    const now = new Date();
    const headers = sender.headers('msg_1', payload, now);
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(EVENT_SECRET).verify(payload, headers)).toEqual({ type: 'credit.delivered' });
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 9).toString('base64')}`).verify(payload, headers)).toThrow();
  });

  it('one id per state change: the same change gives the same id, another change another one', () => {
    expect(outgoingEventId('credit.delivered', 'pi_1')).toBe(outgoingEventId('credit.delivered', 'pi_1'));
    expect(outgoingEventId('credit.delivered', 'pi_1')).not.toBe(outgoingEventId('credit.delivered', 'pi_2'));
    expect(outgoingEventId('ledger_entry.failed', 'pi_1', 'dead@1')).not.toBe(outgoingEventId('ledger_entry.failed', 'pi_1', 'dead@2'));
  });
});
