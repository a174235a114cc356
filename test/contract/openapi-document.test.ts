import type { AttemptResult, AutoRechargeAttempt } from '../../src/store/auto-recharge-store.js';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { API_ERROR_CODES } from '../../src/http/api-error.js';
import type { OutboxEntry } from '../../src/ledger/ledger-entry.js';
import { CREDITS_CURRENCY } from '../../src/money/credit-units.js';
import { OUTGOING_EVENT_TYPES } from '../../src/outgoing-events/event-types.js';
import { OutgoingEvents } from '../../src/outgoing-events/outgoing-events.js';
import { contractOf, contractProblem, type Contract } from '../support/contract.js';
import { harnessPerTest, startHarness, type Harness } from '../support/harness.js';

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
  slash?: boolean;
}

/**
 * Every "METHOD /path" the Express app answers, read from its router (OpenAPI `{param}` syntax).
 * OPTIONS routes are CORS preflights, answered by the cors middleware: not API operations.
 */
function mountedOperations(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: RouterLayer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all' && m !== 'options')) {
          for (const path of paths) found.push(`${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
        }
      } else if (layer.handle?.stack) {
        // Routers are mounted at the root (app.use(router)); a prefix would need adding here.
        expect(layer.slash, 'a router mounted under a path prefix: teach mountedOperations() the prefix').toBe(true);
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack);
  return found.sort();
}

function documentedOperations(document: Contract): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

type Operation = { security?: Record<string, string[]>[]; responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
const operation = (document: Contract, method: string, path: string) => document.paths[path]?.[method] as Operation | undefined;

describe('the OpenAPI document (GET /openapi.json)', () => {
  let h: Harness;
  let document: Contract;
  beforeAll(async () => {
    // A metrics token puts /metrics on the main port, so every route is mounted.
    h = await startHarness({ env: { LOG_LEVEL: 'silent', METRICS_BEARER_TOKEN: 'metrics-token-0123456789abcdef' }, startWorker: false });
    document = await contractOf(h.app);
  });
  afterAll(() => h.stop());

  test('is served as JSON and passes an OpenAPI 3.1 validator', async () => {
    const res = await h.http.get('/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  test('documents every route the app mounts, and no route it lacks', () => {
    const mounted = mountedOperations(h.app);
    const documented = documentedOperations(document);
    expect(mounted.filter((op) => !documented.includes(op)), 'mounted but not documented').toEqual([]);
    expect(documented.filter((op) => !mounted.includes(op)), 'documented but not mounted').toEqual([]);
    // The public routes the README promises are all there.
    expect(documented).toEqual(
      expect.arrayContaining(['POST /top-up', 'GET /top-ups/{payment_intent_id}', 'GET /balance', 'POST /webhooks/stripe', 'GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /admin/deliveries', 'POST /admin/reconcile', 'GET /openapi.json']),
    );
  });

  test('lists every error code with its status, and each code is answered by some route', () => {
    const schemas = (document.components as { schemas: Record<string, { enum?: string[]; description?: string }> }).schemas;
    expect(schemas.ErrorCode!.enum).toEqual([...API_ERROR_CODES]);
    expect(schemas.ErrorCode!.description).toContain('`card_declined`: 402');
    const answered = new Set<string>();
    for (const operations of Object.values(document.paths)) {
      for (const op of Object.values(operations)) {
        for (const response of Object.values(op.responses)) {
          const schema = response.content?.['application/json']?.schema as { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } } | undefined;
          for (const code of schema?.properties?.error?.properties?.code?.enum ?? []) answered.add(code);
        }
      }
    }
    expect(API_ERROR_CODES.filter((code) => !answered.has(code))).toEqual([]);
  });

  test('names how each route authenticates', () => {
    const schemes = (document.components as { securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string }> }).securitySchemes;
    expect(schemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.customerJwt).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(schemes.adminKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.stripeSignature).toMatchObject({ type: 'apiKey', in: 'header', name: 'Stripe-Signature' });
    const caller = [{ apiKey: [] }, { customerJwt: [] }];
    expect(operation(document, 'post', '/top-up')?.security).toEqual(caller);
    expect(operation(document, 'get', '/top-ups/{payment_intent_id}')?.security).toEqual(caller);
    expect(operation(document, 'post', '/top-up/checkout')?.security).toEqual(caller);
    expect(operation(document, 'get', '/packs')?.security).toEqual(caller);
    expect(operation(document, 'get', '/balance')?.security).toEqual(caller);
    expect(operation(document, 'post', '/webhooks/stripe')?.security).toEqual([{ stripeSignature: [] }]);
    for (const [path, operations] of Object.entries(document.paths).filter(([p]) => p.startsWith('/admin'))) {
      for (const [method, op] of Object.entries(operations)) expect((op as Operation).security, `${method} ${path}`).toEqual([{ adminKey: [] }]);
    }
  });

  test('validates requests with the routes\' own schemas (the configured currencies, unknown fields refused)', () => {
    for (const path of ['/top-up', '/top-up/checkout']) {
      const body = (document.paths[path]!.post as unknown as { requestBody: { content: Record<string, { schema: Record<string, unknown> }> } }).requestBody.content['application/json']!.schema;
      // amount+currency or pack (a cross-field rule the handler checks; each field's description says it).
      expect(body, path).toMatchObject({ type: 'object', additionalProperties: false });
      const properties = body.properties as Record<string, { enum?: string[]; pattern?: string; description?: string }>;
      expect(properties.currency!.enum, path).toEqual(['usd', 'eur', 'jpy', 'kwd', 'isk']);
      expect(properties.pack!.pattern, path).toMatch(/price_/);
      expect(properties.amount!.description, path).toMatch(/unless pack/);
    }
    const checkout = (document.paths['/top-up/checkout']!.post as unknown as { requestBody: { content: Record<string, { schema: { required?: string[] } }> } }).requestBody.content['application/json']!.schema;
    expect(checkout.required).toEqual(expect.arrayContaining(['success_url', 'cancel_url']));
  });

  test('gives every operation a unique operationId (client generators name methods after it)', () => {
    const ids = Object.values(document.paths).flatMap((ops) => Object.values(ops).map((op) => (op as { operationId?: string }).operationId));
    expect(ids.filter((id) => typeof id !== 'string')).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('documents every outgoing event type in webhooks, and the events the service builds match it', () => {
    const webhooks = document.webhooks as Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
    expect(Object.keys(webhooks).sort()).toEqual([...OUTGOING_EVENT_TYPES].sort());
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    ajv.addSchema({ ...document, $id: 'doc' });
    const events = new OutgoingEvents(['http://127.0.0.1:1/hook'], { creditRates: {}, creditExpiryMs: null });
    const entry: OutboxEntry = {
      transactionId: 'pi_1', kind: 'credit', customerId: 'cus_alice', companyId: 'cus_alice', subscriptionId: 'sub_alice', amountMinor: 1000,
      currency: 'usd', credits: null, paymentIntentId: 'pi_1', description: 'Stripe top-up pi_1', state: 'delivered', attempts: 1, nextAttemptAt: 0,
      lastError: null, lastStatus: null, source: 'top-up', createdAt: 1_700_000_000_000, deliveredAt: 1_700_000_001_000,
    };
    const promotion: OutboxEntry = { ...entry, transactionId: 'promo_1', paymentIntentId: 'promo_1', currency: CREDITS_CURRENCY, ledgerType: 'promotion', activeAt: null, expireAt: 1_800_000_000_000 };
    const built = [
      ...events.forDelivered(entry, 1),
      ...events.forDelivered({ ...entry, transactionId: 're_1', kind: 'debit' }, 1),
      ...events.forDelivered(promotion, 1),
      ...events.forUndeliverable({ ...entry, subscriptionId: null }, 'failed', 'no subscription', 1),
      ...events.forPaymentFailed(
        { paymentIntentId: 'pi_2', customerId: 'cus_alice', companyId: 'cus_alice', subscriptionId: null, amountMinor: 500, currency: 'jpy', credits: null, flow: 'on_session', status: 'requires_payment_method', caller: 'k', createdAt: 1 },
        'evt_1', 1,
      ),
      ...autoRechargeEvents(events),
    ];
    expect(new Set(built.map((e) => e.type))).toEqual(new Set(OUTGOING_EVENT_TYPES));
    for (const event of built) {
      const validate = ajv.getSchema(`doc#/webhooks/${event.type.replaceAll('~', '~0').replaceAll('/', '~1')}/post/requestBody/content/application~1json/schema`)!;
      expect(validate(JSON.parse(event.payload)), `${event.type}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });

  test('the contract check fails a response the document does not allow', async () => {
    const req = { method: 'GET', path: '/balance?customer_id=cus_alice' };
    const json = { 'content-type': 'application/json; charset=utf-8' };
    const error = (code: string) => ({ error: { code, message: 'm', request_id: 'req_1' } });
    expect(await contractProblem(h.app, { status: 401, body: error('unauthenticated'), headers: json, req })).toBeNull();
    expect(await contractProblem(h.app, { status: 402, body: error('card_declined'), headers: json, req })).toMatch(/status 402 is not documented/);
    expect(await contractProblem(h.app, { status: 400, body: error('invalid_json'), headers: json, req })).toMatch(/does not match/);
    expect(await contractProblem(h.app, { status: 200, body: { customer_id: 'cus_alice' }, headers: json, req })).toMatch(/does not match/);
    expect(await contractProblem(h.app, { status: 200, body: {}, headers: json, req: { method: 'GET', path: '/no-such-route' } })).toMatch(/not in the OpenAPI document/);
  });
});

describe('the document follows the configuration', () => {
  const harness = harnessPerTest();

  test('without ADMIN_API_KEY and with /metrics on its own port, neither is documented', async () => {
    const h = await harness({ ADMIN_API_KEY: undefined, METRICS_PORT: '0' });
    const document = await contractOf(h.app);
    expect(documentedOperations(document)).toEqual(mountedOperations(h.app));
    expect(Object.keys(document.paths).filter((p) => p.startsWith('/admin') || p === '/metrics')).toEqual([]);
  });

  test('apps of different configurations never share a document (it is built once per configuration)', async () => {
    const currencyEnum = (document: Contract) =>
      (document.paths['/top-up']!.post as unknown as { requestBody: { content: Record<string, { schema: { properties: { currency: { enum: string[] } } } }> } })
        .requestBody.content['application/json']!.schema.properties.currency.enum;
    const usual = await contractOf((await harness()).app);
    const fewer = await contractOf((await harness({ TOP_UP_CURRENCIES: 'usd,jpy' })).app);
    const usualAgain = await contractOf((await harness()).app);
    expect(currencyEnum(usual)).toEqual(['usd', 'eur', 'jpy', 'kwd', 'isk']);
    expect(currencyEnum(fewer)).toEqual(['usd', 'jpy']);
    expect(usualAgain).toEqual(usual);
  });

  test('a METRICS_BEARER_TOKEN shows as the security of /metrics', async () => {
    const h = await harness({ METRICS_BEARER_TOKEN: 'metrics-token-0123456789abcdef' });
    const document = await contractOf(h.app);
    expect(operation(document, 'get', '/metrics')?.security).toEqual([{ metricsToken: [] }]);
    expect(Object.keys(operation(document, 'get', '/metrics')!.responses)).toContain('401');
  });
});

/** One of each auto_recharge.* event, built as the service builds them. */
function autoRechargeEvents(events: OutgoingEvents) {
  const attempt: AutoRechargeAttempt = {
    id: 'auto-recharge-sub_alice-1', subscriptionId: 'sub_alice', sequence: 1, customerId: 'cus_alice', amountMinor: 1000, currency: 'usd',
    pack: null, paymentMethodId: 'pm_1', cardFingerprint: 'fp_1', outcome: 'in_flight', reason: null, declineCode: null, paymentIntentId: null,
    clientSecret: null, balanceMicro: 0, retryAt: null, createdAt: 1, updatedAt: 1,
  };
  const result = (outcome: AttemptResult['outcome'], fields: Partial<AttemptResult> = {}): AttemptResult => ({
    outcome, reason: null, declineCode: null, paymentIntentId: 'pi_3', clientSecret: null, retryAt: null, ...fields,
  });
  return [
    ...events.forAutoRechargeAttempt(attempt, result('succeeded'), null, 1),
    ...events.forAutoRechargeAttempt({ ...attempt, pack: { priceId: 'price_1', quantity: 2 } }, result('processing'), 15, 1),
    ...events.forAutoRechargeAttempt(attempt, result('requires_action', { reason: 'authentication_required' }), null, 1),
    ...events.forAutoRechargeAttempt(attempt, result('soft_decline', { reason: 'insufficient_funds', declineCode: 'insufficient_funds', retryAt: 3_600_001 }), null, 1),
    ...events.forAutoRechargeSuspended(attempt, 'hard_decline:lost_card', 1, attempt.id),
  ];
}
