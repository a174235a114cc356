import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config/config.js';
import { isStripeId } from '../stripe/stripe-ids.js';

export type JwtResult = { ok: true; subject: string; customerId: string } | { ok: false; reason: string };

type JwtConfig = NonNullable<Config['auth']['jwt']>;


/**
 * Verifies browser callers' tokens from the operator's identity provider: signature (shared
 * HS256 secret or the provider's JWKS), expiry, issuer and audience. The configured claim names
 * the Stripe customer the user may top up.
 */
export class JwtVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly config: JwtConfig) {
    if (config.secret) {
      this.key = new TextEncoder().encode(config.secret);
      this.algorithms = ['HS256', 'HS384', 'HS512'];
    } else {
      this.key = createRemoteJWKSet(new URL(config.jwksUrl!));
      this.algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
    }
  }

  async verify(token: string): Promise<JwtResult> {
    try {
      const options = { issuer: this.config.issuer, audience: this.config.audience, algorithms: this.algorithms };
      const { payload } =
        this.key instanceof Uint8Array
          ? await jwtVerify(token, this.key, options)
          : await jwtVerify(token, this.key, options);
      const customerId = payload[this.config.customerClaim];
      if (!isStripeId('customer', customerId)) {
        return { ok: false, reason: `token has no Stripe customer id in claim ${this.config.customerClaim}` };
      }
      return { ok: true, subject: payload.sub ?? customerId, customerId };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: 'token expired' };
      if (err instanceof joseErrors.JOSEError) return { ok: false, reason: 'token invalid' };
      throw err;
    }
  }
}
