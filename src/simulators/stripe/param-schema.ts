/**
 * Which request parameters a Stripe endpoint accepts, and which it requires, as a schema the
 * simulator checks every request against. Each endpoint's schema is declared with
 * `satisfies ExactSchema<Stripe.XxxParams>`, so the TypeScript compiler (part of `npm test`) proves
 * it lists exactly the parameters stripe-node declares for the pinned API version: a key the SDK
 * type lacks is an excess property, a key left out is a missing property, and a wrong
 * required/optional flag is a type error. Upgrading stripe-node therefore fails the type check
 * until the simulator agrees with the new version.
 */

export interface ParamRule {
  readonly required: boolean;
  /** For an object parameter (or each element of an array of objects): its own schema. */
  readonly fields?: ParamSchema;
}

export type ParamSchema = { readonly [name: string]: ParamRule };

export const REQUIRED = { required: true } as const;
export const OPTIONAL = { required: false } as const;

/** An optional object parameter whose own keys are checked too. */
export const optionalObject = <S extends ParamSchema>(fields: S) => ({ required: false, fields }) as const;
/** A required object parameter whose own keys are checked too. */
export const requiredObject = <S extends ParamSchema>(fields: S) => ({ required: true, fields }) as const;

/** Every key of T, each marked required exactly when T requires it. */
export type ExactSchema<T> = {
  readonly [K in keyof T]-?: ParamRule & { readonly required: {} extends Pick<T, K> ? false : true };
};

/** Stripe's name for a nested parameter: `automatic_payment_methods[enabled]`, `line_items[0][price]`. */
const nestedName = (prefix: string, key: string): string => (prefix ? `${prefix}[${key}]` : key);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** The objects a parameter holds, by Stripe's name: itself, or each element of an array. */
function objectsIn(name: string, value: unknown): [string, Record<string, unknown>][] {
  if (!isObject(value)) return [];
  const elements: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [nestedName(name, String(i)), v]) : [[name, value]];
  return elements.filter((e): e is [string, Record<string, unknown>] => isObject(e[1]));
}

/** The first parameter the schema does not know, by Stripe's name for it, or null. */
export function unknownParameter(schema: ParamSchema, params: Record<string, unknown>, prefix = ''): string | null {
  for (const [key, value] of Object.entries(params)) {
    const name = nestedName(prefix, key);
    const rule = schema[key];
    if (!rule) return name;
    if (!rule.fields) continue;
    for (const [elementName, element] of objectsIn(name, value)) {
      const found = unknownParameter(rule.fields, element, elementName);
      if (found) return found;
    }
  }
  return null;
}

/** The first required parameter that is absent (in the request or in an object it sent), or null. */
export function missingParameter(schema: ParamSchema, params: Record<string, unknown>, prefix = ''): string | null {
  for (const [key, rule] of Object.entries(schema)) {
    const name = nestedName(prefix, key);
    const value = params[key];
    if (value === undefined || value === '') {
      if (rule.required) return name;
      continue;
    }
    if (!rule.fields) continue;
    for (const [elementName, element] of objectsIn(name, value)) {
      const found = missingParameter(rule.fields, element, elementName);
      if (found) return found;
    }
  }
  return null;
}
