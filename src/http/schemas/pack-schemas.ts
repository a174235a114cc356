import { z } from 'zod';
import type { PackView } from '../../packs/pack-view.js';
import type { SameType } from '../openapi/same-type.js';

/** A credit pack of GET /packs, tied to its domain type. */
export const packSchema = z
  .strictObject({
    price_id: z.string().meta({ description: 'The Stripe Price id: what POST /top-up and /top-up/checkout take as `pack`.' }),
    credits: z.string().meta({ description: 'Credits the pack adds (exact decimal text).' }),
    amount: z.number().int().meta({ description: 'Its price, in the currency\'s minor units.' }),
    currency: z.string(),
    name: z.string().nullable(),
  })
  .meta({ id: 'CreditPack' });
true satisfies SameType<z.output<typeof packSchema>, PackView>;

export const packListSchema = z.strictObject({ packs: z.array(packSchema) });
