import type Stripe from 'stripe';
import type { StripeEndpoint } from './endpoint.js';
import { OPTIONAL, REQUIRED, type ExactSchema } from './param-schema.js';
import { invalidRequest, resourceMissing } from './stripe-error.js';
import { finder, isObject, isTrue, newId, nowSeconds, type StripeWorld } from './world.js';

/**
 * Products and Prices with metadata (credit packs: `moesif_credits` on either): create a product,
 * create, retrieve and list prices, with `expand` of the price's product.
 */

export const PRODUCT_CREATE = {
  active: OPTIONAL,
  default_price_data: OPTIONAL,
  description: OPTIONAL,
  expand: OPTIONAL,
  id: OPTIONAL,
  images: OPTIONAL,
  marketing_features: OPTIONAL,
  metadata: OPTIONAL,
  name: REQUIRED,
  package_dimensions: OPTIONAL,
  shippable: OPTIONAL,
  statement_descriptor: OPTIONAL,
  tax_code: OPTIONAL,
  tax_details: OPTIONAL,
  type: OPTIONAL,
  unit_label: OPTIONAL,
  url: OPTIONAL,
} as const satisfies ExactSchema<Stripe.ProductCreateParams>;

export const PRICE_CREATE = {
  active: OPTIONAL,
  billing_scheme: OPTIONAL,
  currency: REQUIRED,
  currency_options: OPTIONAL,
  custom_unit_amount: OPTIONAL,
  expand: OPTIONAL,
  lookup_key: OPTIONAL,
  metadata: OPTIONAL,
  nickname: OPTIONAL,
  product: OPTIONAL,
  product_data: OPTIONAL,
  recurring: OPTIONAL,
  tax_behavior: OPTIONAL,
  tiers: OPTIONAL,
  tiers_mode: OPTIONAL,
  transfer_lookup_key: OPTIONAL,
  transform_quantity: OPTIONAL,
  unit_amount: OPTIONAL,
  unit_amount_decimal: OPTIONAL,
} as const satisfies ExactSchema<Stripe.PriceCreateParams>;

export const PRICE_RETRIEVE = { expand: OPTIONAL } as const satisfies ExactSchema<Stripe.PriceRetrieveParams>;

export const PRICE_LIST = {
  active: OPTIONAL,
  created: OPTIONAL,
  currency: OPTIONAL,
  ending_before: OPTIONAL,
  expand: OPTIONAL,
  limit: OPTIONAL,
  lookup_keys: OPTIONAL,
  product: OPTIONAL,
  recurring: OPTIONAL,
  starting_after: OPTIONAL,
  type: OPTIONAL,
} as const satisfies ExactSchema<Stripe.PriceListParams>;

/** The `expand[]` paths a request asked for. */
export const expansions = (params: Record<string, unknown>): string[] => ([] as unknown[]).concat(params.expand ?? []).map(String);

/** A price as Stripe renders it, its product expanded when asked (`product` or `data.price.product`…). */
export function renderPrice(world: StripeWorld, price: Stripe.Price, expandProduct: boolean): Stripe.Price {
  const copy = structuredClone(price);
  if (expandProduct) {
    const product = world.products.get(String(price.product));
    if (product) copy.product = structuredClone(product);
  }
  return copy;
}

function createProduct(world: StripeWorld, params: Record<string, unknown>): Stripe.Product {
  const id = params.id ? String(params.id) : newId('prod');
  // "Product already exists." for a custom id in use.
  if (world.products.has(id)) throw invalidRequest('resource_already_exists', 'id', 'Product already exists.');
  const product = {
    id,
    object: 'product',
    active: params.active === undefined ? true : isTrue(params.active),
    name: String(params.name),
    description: params.description ?? null,
    metadata: isObject(params.metadata) ? params.metadata : {},
    created: nowSeconds(),
    livemode: false,
  } as unknown as Stripe.Product;
  world.products.set(id, product);
  return product;
}

export function priceEndpoints(world: StripeWorld): StripeEndpoint[] {
  const findPrice = finder(world.prices, 'price');
  return [
    {
      method: 'POST',
      path: '/v1/products',
      params: PRODUCT_CREATE,
      handle: ({ params }) => ({ body: createProduct(world, params) }),
    },
    {
      method: 'POST',
      path: '/v1/prices',
      params: PRICE_CREATE,
      rules: [
        // API reference: "product: … One of product or product_data must be provided."
        (p) => (p.product || p.product_data ? null : invalidRequest('parameter_missing', 'product', 'You must specify either `product` or `product_data` when creating a price.')),
        // Per-unit prices need an amount ("unit_amount … required unless billing_scheme=tiered").
        (p) => (p.unit_amount === undefined && p.unit_amount_decimal === undefined && p.custom_unit_amount === undefined
          ? invalidRequest('parameter_missing', 'unit_amount', 'Missing required param: unit_amount.')
          : null),
      ],
      handle({ params }) {
        let productId = params.product ? String(params.product) : null;
        if (productId && !world.products.has(productId)) throw resourceMissing('product', productId, 'product');
        if (!productId) productId = createProduct(world, isObject(params.product_data) ? params.product_data : { name: 'product' }).id;
        const recurring = isObject(params.recurring) ? { interval: String(params.recurring.interval), interval_count: Number(params.recurring.interval_count ?? 1) } : null;
        const price = {
          id: newId('price'),
          object: 'price',
          active: params.active === undefined ? true : isTrue(params.active),
          currency: String(params.currency).toLowerCase(),
          unit_amount: params.unit_amount === undefined ? null : Number(params.unit_amount),
          type: recurring ? 'recurring' : 'one_time',
          recurring,
          product: productId,
          nickname: params.nickname ?? null,
          metadata: isObject(params.metadata) ? params.metadata : {},
          created: nowSeconds(),
          livemode: false,
        } as unknown as Stripe.Price;
        world.prices.set(price.id, price);
        return { body: price };
      },
    },
    {
      method: 'GET',
      path: '/v1/prices/:id',
      params: PRICE_RETRIEVE,
      handle: (request) => ({ body: renderPrice(world, findPrice(request.path.id!), expansions(request.params).includes('product')) }),
    },
    {
      method: 'GET',
      path: '/v1/prices',
      params: PRICE_LIST,
      handle({ params }) {
        const expand = expansions(params).includes('data.product');
        const all = [...world.prices.values()]
          .reverse()
          .filter((p) => params.active === undefined || p.active === isTrue(params.active))
          .filter((p) => params.type === undefined || p.type === params.type)
          .filter((p) => params.product === undefined || p.product === params.product);
        const after = params.starting_after ? all.findIndex((p) => p.id === params.starting_after) + 1 : 0;
        const limit = Number(params.limit ?? 10);
        const data = all.slice(after, after + limit).map((p) => renderPrice(world, p, expand));
        return { body: { object: 'list', data, has_more: after + limit < all.length, url: '/v1/prices' } };
      },
    },
  ];
}
