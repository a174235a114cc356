import type { Server } from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, listen } from '../../src/http/http-server.js';
import { closeServer } from '../../src/simulators/listen.js';
import { signEvent } from '../../src/simulators/stripe/fake-stripe.js';
import { harnessPerTest, topUpPaymentIntent, WEBHOOK_SECRET, type Harness } from '../support/harness.js';
import { nowSeconds } from '../webhooks/webhook-helpers.js';

/**
 * Issue 8, item 3: the webhook body (up to 1 MB) was buffered before anything was checked, and
 * Node's request timeout is 300 s, so stalled senders held memory for minutes. Now the header is
 * checked before the body is read, the bytes buffered across webhook requests are bounded (503
 * beyond, Stripe retries), and a request must arrive within HTTP_REQUEST_TIMEOUT_SECONDS.
 */
const FRESH_HEADER = () => `t=${nowSeconds()},v1=${'b'.repeat(64)}`;

interface RawAnswer {
  text: string;
  closed: boolean;
  ms: number;
}

/** A client that sends headers (and maybe part of a body) and then stalls. */
class StalledClient {
  private readonly socket: net.Socket;
  private received = '';
  private closed = false;
  private readonly started = Date.now();

  constructor(port: number, headers: Record<string, string>, partialBody = '') {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setEncoding('utf8');
    this.socket.on('data', (d: string) => (this.received += d));
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => undefined);
    const head = Object.entries({ Host: '127.0.0.1', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    this.socket.write(`POST /webhooks/stripe HTTP/1.1\r\n${head}\r\n${partialBody}`);
  }

  /** Waits until an answer (or a close) arrives, or `timeoutMs` passes. */
  async answer(timeoutMs = 3_000): Promise<RawAnswer> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.closed && !this.received.includes('\r\n\r\n')) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    return { text: this.received, closed: this.closed, ms: Date.now() - this.started };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

describe('issue 8 #3: slow webhook bodies', () => {
  const harness = harnessPerTest();
  const servers: Server[] = [];
  const clients: StalledClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const s of servers.splice(0)) await closeServer(s);
  });

  async function serve(env: Record<string, string> = {}): Promise<{ h: Harness; port: number }> {
    const h = await harness(env);
    const server = createHttpServer(h.app, h.config.http);
    servers.push(server);
    return { h, port: await listen(server, 0, '127.0.0.1') };
  }
  const stall = (port: number, headers: Record<string, string>, partialBody = '') => {
    const c = new StalledClient(port, headers, partialBody);
    clients.push(c);
    return c;
  };

  it.each([
    ['no Stripe-Signature header', {}],
    ['a malformed one', { 'Stripe-Signature': 't=1,v1=' }],
    ['an expired one', { 'Stripe-Signature': `t=${nowSeconds() - 3_600},v1=${'c'.repeat(64)}` }],
  ])('%s is refused at once, without waiting for the 1 MB body it announced, and the connection closed', async (_what, headers) => {
    const { port } = await serve();
    const client = stall(port, { 'Content-Type': 'application/json', 'Content-Length': '1000000', ...headers }, '{"id":');
    const answer = await client.answer();
    expect(answer.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer.text).toMatch(/connection: close/i);
    expect(answer.text).toContain('"invalid_signature"');
    expect(answer.ms).toBeLessThan(5_000); // not the seconds a 1 MB body would take to trickle in
    await new Promise((r) => setTimeout(r, 50));
    expect(client.isClosed).toBe(true);
  });

  it('bytes buffered across webhook requests are bounded: beyond WEBHOOK_MAX_BUFFERED_BYTES → 503 server_busy with Retry-After', async () => {
    const { h, port } = await serve({ WEBHOOK_MAX_BUFFERED_BYTES: String(2 * 1024 * 1024) });
    const big = { 'Content-Type': 'application/json', 'Content-Length': '900000', 'Stripe-Signature': FRESH_HEADER() };
    const holding = [stall(port, big, '{"pad":"'), stall(port, big, '{"pad":"')];
    await new Promise((r) => setTimeout(r, 100));
    for (const c of holding) expect((await c.answer(50)).text).toBe(''); // still receiving

    const refused = await stall(port, big, '{"pad":"').answer();
    expect(refused.text).toMatch(/^HTTP\/1\.1 503 /);
    expect(refused.text).toMatch(/retry-after: 1/i);
    expect(refused.text).toContain('"server_busy"');

    // A real (small) Stripe event still fits beside them and is recorded.
    const event = h.stripe.makeEvent('payment_intent.succeeded', topUpPaymentIntent());
    const { body, signature } = signEvent(event, WEBHOOK_SECRET);
    const ok = await fetch(`http://127.0.0.1:${port}/webhooks/stripe`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature }, body });
    expect(ok.status).toBe(200);
    expect(await h.service.store.events.get(event.id)).not.toBeNull();

    // Once the stalled senders go away, their reservation is given back.
    for (const c of holding) c.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const after = await stall(port, big, '{"pad":"').answer(300);
    expect(after.text).toBe('');
  });

  it('a sender that stalls mid-body is answered 408 and disconnected after HTTP_REQUEST_TIMEOUT_SECONDS, freeing its reservation', async () => {
    const { port } = await serve({ HTTP_HEADERS_TIMEOUT_SECONDS: '1', HTTP_REQUEST_TIMEOUT_SECONDS: '1', WEBHOOK_MAX_BUFFERED_BYTES: String(1024 * 1024) });
    const headers = { 'Content-Type': 'application/json', 'Content-Length': '1000000', 'Stripe-Signature': FRESH_HEADER() };
    const slow = stall(port, headers, '{"pad":"');
    // While it holds the whole budget, another body does not fit.
    expect((await stall(port, headers, '{').answer()).text).toMatch(/^HTTP\/1\.1 503 /);
    const answer = await slow.answer(15_000);
    expect(answer.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer.ms).toBeGreaterThanOrEqual(900);
    expect(answer.ms).toBeLessThan(12_000); // seconds, not Node's default 300 s
    await new Promise((r) => setTimeout(r, 100));
    expect((await stall(port, headers, '{').answer(300)).text).toBe('');
  }, 40_000);

  it('a sender that stalls in the headers is disconnected after HTTP_HEADERS_TIMEOUT_SECONDS', async () => {
    const { port } = await serve({ HTTP_HEADERS_TIMEOUT_SECONDS: '1', HTTP_REQUEST_TIMEOUT_SECONDS: '5' });
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.resume();
    const started = Date.now();
    socket.write('POST /webhooks/stripe HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const closedAfter = await new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
    expect(closedAfter).toBeGreaterThanOrEqual(900);
    expect(closedAfter).toBeLessThan(12_000); // seconds, not minutes
  }, 40_000);
});
