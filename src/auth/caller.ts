/**
 * Who is calling /top-up. A server holding an API key may act for any customer it names; a
 * browser user holding a JWT may act only for the Stripe customer in the token.
 */
export type Caller =
  | { kind: 'api_key'; /** A fingerprint of the key, never the key. */ id: string }
  | {
      kind: 'jwt';
      /** The token's subject. */ id: string;
      customerId: string;
      /** When the token expires (unix ms); absent for callers that are not a token (a billing session). */
      expiresAt?: number;
    };

export function mayActFor(caller: Caller, customerId: string): boolean {
  return caller.kind === 'api_key' || caller.customerId === customerId;
}
