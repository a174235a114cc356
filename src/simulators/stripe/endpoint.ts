import type { Express, Request, Response } from 'express';
import type { IdempotencyKeys } from './idempotency-keys.js';
import { missingParameter, unknownParameter, type ParamSchema } from './param-schema.js';
import { missingParameterError, StripeApiError, unknownParameterError } from './stripe-error.js';

/**
 * The one way an endpoint is added to the fake Stripe, so every endpoint is as strict as Stripe
 * in the same way: unknown and missing parameters refused (from the endpoint's schema, which the
 * compiler checks against stripe-node's parameter type), then the endpoint's own rules, then the
 * handler; POSTs keyed and replayed like Stripe's idempotent requests. A new resource (Checkout
 * Sessions, Prices, Invoices…) is a list of StripeEndpoint values passed to mountEndpoints().
 */

/** Request parameters as stripe-node form-encodes them: strings, nested objects and arrays. */
export type Params = Record<string, unknown>;

export interface EndpointRequest {
  /** The body of a POST; the query string of a GET or DELETE (where stripe-node puts them). */
  params: Params;
  /** URL path parameters (`:id`). */
  path: Record<string, string>;
  requestId: string;
  idempotencyKey: string | null;
}

/** A check of the parameters beyond the schema: Stripe's refusal, or null. */
export type ParamsRule = (params: Params) => StripeApiError | null;

export interface StripeEndpoint {
  method: 'GET' | 'POST' | 'DELETE';
  /** Express path, e.g. '/v1/payment_intents/:id/cancel'. */
  path: string;
  /** Exactly the parameters stripe-node declares for this endpoint (see param-schema.ts). */
  params: ParamSchema;
  /** Validation beyond the schema, in order; the first refusal is the answer. Each cites the Stripe behaviour it models. */
  rules?: readonly ParamsRule[];
  /** Executes a valid request; throws StripeApiError for what Stripe refuses while executing. */
  handle(request: EndpointRequest): { status?: number; body: unknown };
}

const asParams = (value: unknown): Params => (typeof value === 'object' && value !== null ? (value as Params) : {});

/** The refusal of a request before its endpoint runs (nothing is saved for its idempotency key), or null. */
export function validateRequest(endpoint: Pick<StripeEndpoint, 'params' | 'rules'>, params: Params): StripeApiError | null {
  const unknown = unknownParameter(endpoint.params, params);
  if (unknown) return unknownParameterError(unknown);
  const missing = missingParameter(endpoint.params, params);
  if (missing) return missingParameterError(missing);
  for (const rule of endpoint.rules ?? []) {
    const refusal = rule(params);
    if (refusal) return refusal;
  }
  return null;
}

function sendError(res: Response, err: StripeApiError): void {
  res.status(err.status).json({ error: err.body });
}

export function mountEndpoints(app: Express, endpoints: readonly StripeEndpoint[], idempotency: IdempotencyKeys): void {
  for (const endpoint of endpoints) {
    const handler = (req: Request, res: Response) => {
      const params = asParams(endpoint.method === 'POST' ? req.body : req.query);
      // Stripe honours idempotency keys on POST only ("no effect" on GET and DELETE).
      const key = endpoint.method === 'POST' ? (req.get('idempotency-key') ?? null) : null;
      const endpointName = `${endpoint.method} ${req.path}`;
      if (key) {
        const previous = idempotency.lookup(key, endpointName, params);
        if (previous.kind === 'conflict') {
          sendError(res, new StripeApiError(400, { type: 'idempotency_error', message: previous.message }));
          return;
        }
        if (previous.kind === 'replay') {
          res.setHeader('Idempotent-Replayed', 'true');
          res.status(previous.answer.status).json(previous.answer.body);
          return;
        }
      }
      const refusal = validateRequest(endpoint, params);
      if (refusal) {
        sendError(res, refusal);
        return;
      }
      let answer: { status: number; body: unknown };
      try {
        const result = endpoint.handle({
          params,
          path: req.params as Record<string, string>,
          requestId: String(res.getHeader('request-id') ?? ''),
          idempotencyKey: key,
        });
        answer = { status: result.status ?? 200, body: result.body };
      } catch (err) {
        if (!(err instanceof StripeApiError)) throw err;
        answer = { status: err.status, body: { error: err.body } };
      }
      if (key) idempotency.save(key, endpointName, params, answer);
      res.status(answer.status).json(answer.body);
    };
    if (endpoint.method === 'GET') app.get(endpoint.path, handler);
    else if (endpoint.method === 'POST') app.post(endpoint.path, handler);
    else app.delete(endpoint.path, handler);
  }
}
