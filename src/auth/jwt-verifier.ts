import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { Config } from '../config/config.js';
import { CONTROL_CHARACTERS, isStripeId } from '../stripe/stripe-ids.js';

export type JwtResult = { ok: true; subject: string; customerId: string; /** The token's `exp`, unix ms. */ expiresAt: number } | { ok: false; reason: string };

type JwtConfig = NonNullable<Config['auth']['jwt']>;

/** The subject becomes the caller's id (stored with each top-up): bounded, printable. */
const MAX_SUBJECT_LENGTH = 255;

/**
 * Verifies browser callers' tokens from the operator's identity provider: signature (shared
 * HS256 secret or the provider's JWKS), issuer and audience; `exp` and a string `sub` are
 * required, and `exp`, `nbf` and `iat` are checked with a small clock tolerance (a token
 * issued in the future is refused). The configured claim names the Stripe customer the user may
 * top up.
 */
export class JwtVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(
    private readonly config: JwtConfig,
    private readonly now: () => number = Date.now,
  ) {
    if (config.secret) {
      this.key = new TextEncoder().encode(config.secret);
      this.algorithms = ['HS256', 'HS384', 'HS512'];
    } else {
      this.key = createRemoteJWKSet(new URL(config.jwksUrl!));
      this.algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
    }
  }

  async verify(token: string): Promise<JwtResult> {
    const nowMs = this.now();
    try {
      const options: JWTVerifyOptions = {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.config.clockToleranceSeconds,
        currentDate: new Date(nowMs),
      };
      const { payload } =
        this.key instanceof Uint8Array ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
      // jose checks `iat` only against a maximum age; a token "issued" later than now is refused here.
      if (payload.iat !== undefined && payload.iat > nowMs / 1000 + this.config.clockToleranceSeconds) {
        return { ok: false, reason: 'token issued in the future' };
      }
      const subject: unknown = payload.sub;
      if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH || CONTROL_CHARACTERS.test(subject)) {
        return { ok: false, reason: `token has no usable sub (a string of 1-${MAX_SUBJECT_LENGTH} printable characters)` };
      }
      const customerId = payload[this.config.customerClaim];
      if (!isStripeId('customer', customerId)) {
        return { ok: false, reason: `token has no Stripe customer id in claim ${this.config.customerClaim}` };
      }
      return { ok: true, subject, customerId, expiresAt: (payload.exp as number) * 1000 };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: 'token expired' };
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.reason === 'missing') return { ok: false, reason: `token has no ${err.claim} claim` };
      if (err instanceof joseErrors.JOSEError) return { ok: false, reason: 'token invalid' };
      throw err;
    }
  }
}
