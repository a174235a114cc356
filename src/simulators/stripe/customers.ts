import type Stripe from 'stripe';
import type { StripeEndpoint } from './endpoint.js';
import { OPTIONAL, type ExactSchema } from './param-schema.js';
import { resourceMissing } from './stripe-error.js';
import { isObject, newId, nowSeconds, type FakeCustomer, type StripeWorld } from './world.js';

/** Customers: create, retrieve, delete, and the list of a customer's PaymentMethods. */

export const CUSTOMER_CREATE = {
  address: OPTIONAL,
  balance: OPTIONAL,
  business_name: OPTIONAL,
  cash_balance: OPTIONAL,
  description: OPTIONAL,
  email: OPTIONAL,
  expand: OPTIONAL,
  individual_name: OPTIONAL,
  invoice_prefix: OPTIONAL,
  invoice_settings: OPTIONAL,
  metadata: OPTIONAL,
  name: OPTIONAL,
  next_invoice_sequence: OPTIONAL,
  payment_method: OPTIONAL,
  phone: OPTIONAL,
  preferred_locales: OPTIONAL,
  shipping: OPTIONAL,
  source: OPTIONAL,
  tax: OPTIONAL,
  tax_exempt: OPTIONAL,
  tax_id_data: OPTIONAL,
  test_clock: OPTIONAL,
  validate: OPTIONAL,
} as const satisfies ExactSchema<Stripe.CustomerCreateParams>;

export const CUSTOMER_RETRIEVE = { expand: OPTIONAL } as const satisfies ExactSchema<Stripe.CustomerRetrieveParams>;

/** stripe-node declares no parameters for deleting a customer: any parameter is unknown. */
export const CUSTOMER_DELETE = {} as const satisfies ExactSchema<Stripe.CustomerDeleteParams>;

export const CUSTOMER_LIST_PAYMENT_METHODS = {
  allow_redisplay: OPTIONAL,
  ending_before: OPTIONAL,
  expand: OPTIONAL,
  limit: OPTIONAL,
  starting_after: OPTIONAL,
  type: OPTIONAL,
} as const satisfies ExactSchema<Stripe.CustomerListPaymentMethodsParams>;

export function customerObject(c: FakeCustomer): Record<string, unknown> {
  if (c.deleted) return { id: c.id, object: 'customer', deleted: true };
  return {
    id: c.id,
    object: 'customer',
    email: c.email ?? null,
    name: c.name ?? null,
    metadata: c.metadata ?? {},
    invoice_settings: { default_payment_method: c.defaultPaymentMethod ?? null },
    livemode: false,
  };
}

export function customerEndpoints(world: StripeWorld): StripeEndpoint[] {
  /** A deleted customer can still be retrieved (as `deleted: true`), but not used. */
  const find = (id: string, allowDeleted = false) => {
    const c = world.customers.get(id);
    if (!c || (c.deleted && !allowDeleted)) throw resourceMissing('customer', id);
    return c;
  };
  return [
    {
      method: 'POST',
      path: '/v1/customers',
      params: CUSTOMER_CREATE,
      handle(request) {
        const p = request.params;
        const customer: FakeCustomer = {
          id: newId('cus'),
          email: typeof p.email === 'string' ? p.email : null,
          name: typeof p.name === 'string' ? p.name : null,
          metadata: isObject(p.metadata) ? (p.metadata as Record<string, string>) : {},
          paymentMethods: [],
          subscriptions: [],
        };
        world.customers.set(customer.id, customer);
        const body = customerObject(customer);
        world.emit('customer.created', structuredClone(body), request);
        return { body };
      },
    },
    {
      method: 'GET',
      path: '/v1/customers/:id',
      params: CUSTOMER_RETRIEVE,
      handle: (request) => ({ body: customerObject(find(request.path.id!, true)) }),
    },
    {
      method: 'DELETE',
      path: '/v1/customers/:id',
      params: CUSTOMER_DELETE,
      handle(request) {
        const c = find(request.path.id!);
        // "Permanently deletes a customer. … Also immediately cancels any active subscriptions."
        c.deleted = true;
        for (const s of c.subscriptions ?? []) s.status = 'canceled';
        for (const pm of c.paymentMethods ?? []) world.paymentMethods.delete(pm);
        c.paymentMethods = [];
        const body = customerObject(c);
        world.emit('customer.deleted', { ...body, created: nowSeconds() }, request);
        return { body };
      },
    },
    {
      method: 'GET',
      path: '/v1/customers/:id/payment_methods',
      params: CUSTOMER_LIST_PAYMENT_METHODS,
      handle(request) {
        const c = find(request.path.id!);
        const limit = Number(request.params.limit ?? 10);
        const type = request.params.type === undefined ? null : String(request.params.type);
        const all = (c.paymentMethods ?? [])
          .map((pm) => ({ id: pm, object: 'payment_method', type: 'card', customer: c.id, livemode: false }))
          .filter((pm) => type === null || pm.type === type);
        return { body: { object: 'list', data: all.slice(0, limit), has_more: all.length > limit, url: `/v1/customers/${c.id}/payment_methods` } };
      },
    },
  ];
}
