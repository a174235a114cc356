import type Stripe from 'stripe';
import { chargeAmountRefusal, integerAmount } from './amount-rules.js';
import type { Params, ParamsRule, StripeEndpoint } from './endpoint.js';
import { OPTIONAL, optionalObject, REQUIRED, type ExactSchema } from './param-schema.js';
import { invalidRequest, resourceMissing } from './stripe-error.js';
import { expansions, renderPrice } from './prices.js';
import { finder, isObject, newId, nowSeconds, type StripeWorld } from './world.js';

/**
 * Checkout Sessions in payment mode, with Prices (prices.ts) or inline `price_data`: create,
 * retrieve, list line items, expire. Paying one is checkout-payment.ts (the hosted page's Pay).
 */

const PRODUCT_DATA = {
  description: OPTIONAL,
  images: OPTIONAL,
  metadata: OPTIONAL,
  name: REQUIRED,
  tax_code: OPTIONAL,
  tax_details: OPTIONAL,
  unit_label: OPTIONAL,
} as const satisfies ExactSchema<Stripe.Checkout.SessionCreateParams.LineItem.PriceData.ProductData>;

const PRICE_DATA = {
  currency: REQUIRED,
  product: OPTIONAL,
  product_data: optionalObject(PRODUCT_DATA),
  recurring: OPTIONAL,
  tax_behavior: OPTIONAL,
  unit_amount: OPTIONAL,
  unit_amount_decimal: OPTIONAL,
} as const satisfies ExactSchema<Stripe.Checkout.SessionCreateParams.LineItem.PriceData>;

const LINE_ITEM = {
  adjustable_quantity: OPTIONAL,
  metadata: OPTIONAL,
  price: OPTIONAL,
  price_data: optionalObject(PRICE_DATA),
  quantity: OPTIONAL,
  tax_rates: OPTIONAL,
} as const satisfies ExactSchema<Stripe.Checkout.SessionCreateParams.LineItem>;

const PAYMENT_INTENT_DATA = {
  application_fee_amount: OPTIONAL,
  capture_method: OPTIONAL,
  description: OPTIONAL,
  metadata: OPTIONAL,
  on_behalf_of: OPTIONAL,
  receipt_email: OPTIONAL,
  setup_future_usage: OPTIONAL,
  shipping: OPTIONAL,
  statement_descriptor: OPTIONAL,
  statement_descriptor_suffix: OPTIONAL,
  transfer_data: OPTIONAL,
  transfer_group: OPTIONAL,
} as const satisfies ExactSchema<Stripe.Checkout.SessionCreateParams.PaymentIntentData>;

export const CHECKOUT_SESSION_CREATE = {
  adaptive_pricing: OPTIONAL,
  after_expiration: OPTIONAL,
  allow_promotion_codes: OPTIONAL,
  allowed_payment_method_types: OPTIONAL,
  automatic_tax: OPTIONAL,
  billing_address_collection: OPTIONAL,
  branding_settings: OPTIONAL,
  cancel_url: OPTIONAL,
  client_reference_id: OPTIONAL,
  consent_collection: OPTIONAL,
  currency: OPTIONAL,
  custom_fields: OPTIONAL,
  custom_text: OPTIONAL,
  customer: OPTIONAL,
  customer_account: OPTIONAL,
  customer_creation: OPTIONAL,
  customer_email: OPTIONAL,
  customer_update: OPTIONAL,
  discounts: OPTIONAL,
  excluded_payment_method_types: OPTIONAL,
  expand: OPTIONAL,
  expires_at: OPTIONAL,
  integration_identifier: OPTIONAL,
  invoice_creation: OPTIONAL,
  line_items: optionalObject(LINE_ITEM),
  locale: OPTIONAL,
  managed_payments: OPTIONAL,
  metadata: OPTIONAL,
  mode: OPTIONAL,
  name_collection: OPTIONAL,
  optional_items: OPTIONAL,
  origin_context: OPTIONAL,
  payment_intent_data: optionalObject(PAYMENT_INTENT_DATA),
  payment_method_collection: OPTIONAL,
  payment_method_configuration: OPTIONAL,
  payment_method_data: OPTIONAL,
  payment_method_options: OPTIONAL,
  permissions: OPTIONAL,
  phone_number_collection: OPTIONAL,
  redirect_on_completion: OPTIONAL,
  return_url: OPTIONAL,
  saved_payment_method_options: OPTIONAL,
  setup_intent_data: OPTIONAL,
  shipping_address_collection: OPTIONAL,
  shipping_options: OPTIONAL,
  submit_type: OPTIONAL,
  subscription_data: OPTIONAL,
  success_url: OPTIONAL,
  tax_id_collection: OPTIONAL,
  ui_mode: OPTIONAL,
  wallet_options: OPTIONAL,
} as const satisfies ExactSchema<Stripe.Checkout.SessionCreateParams>;

export const CHECKOUT_SESSION_RETRIEVE = { expand: OPTIONAL } as const satisfies ExactSchema<Stripe.Checkout.SessionRetrieveParams>;
export const CHECKOUT_SESSION_EXPIRE = { expand: OPTIONAL } as const satisfies ExactSchema<Stripe.Checkout.SessionExpireParams>;
export const CHECKOUT_SESSION_LINE_ITEMS = {
  ending_before: OPTIONAL,
  expand: OPTIONAL,
  limit: OPTIONAL,
  starting_after: OPTIONAL,
} as const satisfies ExactSchema<Stripe.Checkout.SessionListLineItemsParams>;

const lineItems = (params: Params): Record<string, unknown>[] =>
  Array.isArray(params.line_items) ? params.line_items.filter(isObject) : isObject(params.line_items) ? Object.values(params.line_items).filter(isObject) : [];

/** API reference, `line_items`: "Required for payment and subscription mode." */
const lineItemsInPaymentMode: ParamsRule = (params) =>
  (params.mode ?? 'payment') === 'payment' && lineItems(params).length === 0
    ? invalidRequest('parameter_missing', 'line_items', 'Missing required param: line_items.')
    : null;

/** Each line item names a price or carries price_data (with an amount), and a quantity. */
const lineItemsComplete: ParamsRule = (params) => {
  for (const [i, item] of lineItems(params).entries()) {
    const data = isObject(item.price_data) ? item.price_data : null;
    if (!item.price && !data) return invalidRequest('parameter_missing', `line_items[${i}][price]`, `You must specify either \`price\` or \`price_data\` in line_items[${i}].`);
    if (data && !data.product && !data.product_data) {
      return invalidRequest('parameter_missing', `line_items[${i}][price_data][product_data]`, 'You must specify either `product` or `product_data` when creating a price.');
    }
    if (data && data.unit_amount === undefined && data.unit_amount_decimal === undefined) {
      return invalidRequest('parameter_missing', `line_items[${i}][price_data][unit_amount]`, 'Missing required param: unit_amount.');
    }
    if (item.quantity === undefined) return invalidRequest('parameter_missing', `line_items[${i}][quantity]`, 'Missing required param: quantity.');
  }
  return null;
};

/** The session's total is a charge like any other: at least the currency's minimum (amount_too_small). */
const chargeableTotal: ParamsRule = (params) => {
  let total = 0;
  let currency = '';
  for (const [i, item] of lineItems(params).entries()) {
    if (!isObject(item.price_data)) continue;
    const unit = integerAmount(`line_items[${i}][price_data][unit_amount]`, item.price_data.unit_amount);
    if (typeof unit !== 'number') return unit;
    const quantity = integerAmount(`line_items[${i}][quantity]`, item.quantity);
    if (typeof quantity !== 'number') return quantity;
    total += unit * quantity;
    currency = String(item.price_data.currency);
  }
  return currency ? chargeAmountRefusal('line_items', total, currency) : null;
};

/** A line item as the session keeps it: a Price named (must exist, be active and one-time) or made from price_data. */
function lineItemFor(world: StripeWorld, item: Record<string, unknown>, i: number): Stripe.LineItem {
  const quantity = Number(item.quantity);
  let price: Stripe.Price;
  if (item.price) {
    const found = world.prices.get(String(item.price));
    if (!found) throw resourceMissing('price', String(item.price), `line_items[${i}][price]`);
    // Stripe: "The price specified is inactive. This field only accepts active prices."
    if (!found.active) throw invalidRequest(undefined, `line_items[${i}][price]`, `The price specified is inactive. This field only accepts active prices.`);
    // Stripe: recurring prices need subscription mode.
    if (found.type === 'recurring') {
      throw invalidRequest(undefined, `line_items[${i}][price]`, 'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.');
    }
    price = found;
  } else {
    const data = item.price_data as Record<string, unknown>;
    const product = isObject(data.product_data) ? data.product_data : { name: 'product' };
    price = {
      id: newId('price'),
      object: 'price',
      active: false,
      currency: String(data.currency).toLowerCase(),
      unit_amount: Number(data.unit_amount),
      type: 'one_time',
      recurring: null,
      product: String(data.product ?? newId('prod')),
      metadata: {},
      nickname: null,
      livemode: false,
      created: nowSeconds(),
    } as unknown as Stripe.Price;
    if (!data.product) world.products.set(String(price.product), { id: price.product, object: 'product', active: true, name: String(product.name), metadata: {} } as unknown as Stripe.Product);
  }
  const amount = (price.unit_amount ?? 0) * quantity;
  return {
    id: newId('li'),
    object: 'item',
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: price.currency,
    description: world.products.get(String(price.product))?.name ?? '',
    price,
    quantity,
  } as unknown as Stripe.LineItem;
}

export function checkoutSessionEndpoints(world: StripeWorld): StripeEndpoint[] {
  const find = finder(world.checkoutSessions, 'checkout.session');
  return [
    {
      method: 'POST',
      path: '/v1/checkout/sessions',
      params: CHECKOUT_SESSION_CREATE,
      rules: [lineItemsInPaymentMode, lineItemsComplete, chargeableTotal],
      handle(request) {
        const p = request.params;
        const customer = p.customer ? world.customers.get(String(p.customer)) : null;
        if (p.customer && (!customer || customer.deleted)) throw resourceMissing('customer', String(p.customer), 'customer');
        const items = lineItems(p).map((item, i) => lineItemFor(world, item, i));
        const total = items.reduce((sum, item) => sum + item.amount_total, 0);
        const currency = items[0]?.currency ?? String(p.currency ?? '').toLowerCase();
        // A session's total is a charge like any other (amount_too_small below the currency's minimum).
        const refusal = chargeAmountRefusal('line_items', total, currency);
        if (refusal) throw refusal;
        const id = newId('cs_test');
        const session = {
          id,
          object: 'checkout.session',
          mode: p.mode ?? 'payment',
          status: 'open',
          payment_status: 'unpaid',
          amount_subtotal: total,
          amount_total: total,
          currency,
          customer: p.customer ?? null,
          client_reference_id: p.client_reference_id ?? null,
          metadata: isObject(p.metadata) ? p.metadata : {},
          payment_intent: null,
          payment_link: null,
          success_url: p.success_url ?? null,
          cancel_url: p.cancel_url ?? null,
          url: `${world.url}/c/pay/${id}`,
          created: nowSeconds(),
          expires_at: p.expires_at ? Number(p.expires_at) : nowSeconds() + 24 * 3600,
          livemode: false,
        } as unknown as Stripe.Checkout.Session;
        world.checkoutSessions.set(id, session);
        world.checkoutLineItems.set(id, items);
        world.checkoutPaymentIntentData.set(id, isObject(p.payment_intent_data) ? p.payment_intent_data : {});
        return { body: session };
      },
    },
    {
      method: 'GET',
      path: '/v1/checkout/sessions/:id',
      params: CHECKOUT_SESSION_RETRIEVE,
      handle: (request) => ({ body: find(request.path.id!) }),
    },
    {
      method: 'GET',
      path: '/v1/checkout/sessions/:id/line_items',
      params: CHECKOUT_SESSION_LINE_ITEMS,
      handle(request) {
        const session = find(request.path.id!);
        const expandProduct = expansions(request.params).includes('data.price.product');
        const data = (world.checkoutLineItems.get(session.id) ?? []).map((item) => ({
          ...item,
          price: item.price ? renderPrice(world, item.price, expandProduct) : null,
        }));
        const limit = Number(request.params.limit ?? 10);
        const after = request.params.starting_after ? data.findIndex((i) => i.id === request.params.starting_after) + 1 : 0;
        return { body: { object: 'list', data: data.slice(after, after + limit), has_more: after + limit < data.length, url: `/v1/checkout/sessions/${session.id}/line_items` } };
      },
    },
    {
      method: 'POST',
      path: '/v1/checkout/sessions/:id/expire',
      params: CHECKOUT_SESSION_EXPIRE,
      handle(request) {
        const session = find(request.path.id!);
        // "A Checkout Session can only be expired while it is open."
        if (session.status !== 'open') {
          throw invalidRequest(undefined, undefined, `This Checkout Session is ${session.status}: only an open Checkout Session can be expired.`);
        }
        Object.assign(session, { status: 'expired', url: null });
        world.emit('checkout.session.expired', structuredClone(session), request);
        return { body: session };
      },
    },
  ];
}
