/**
 * True when A and B are assignable both ways and have the same keys. A response schema is tied to
 * the domain type it documents with `true satisfies SameType<z.output<typeof schema>, DomainType>`,
 * so neither can change without the other (tsc fails). The key check matters for optional fields:
 * `{ a: string }` and `{ a: string; b?: number }` are assignable both ways, yet a schema missing `b`
 * would reject responses that carry it.
 */
export type SameType<A, B> = [A] extends [B] ? ([B] extends [A] ? SameKeys<A, B> : false) : false;

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
