/**
 * True when A and B are assignable both ways. A response schema is tied to the domain type it
 * documents with `true satisfies SameType<z.output<typeof schema>, DomainType>`, so neither can
 * change without the other (tsc fails).
 */
export type SameType<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
