import type { Config } from '../config/config.js';
import { ApiError } from '../http/api-error.js';
import { ApiKeyVerifier } from './api-key-verifier.js';
import type { Caller } from './caller.js';
import { JwtVerifier } from './jwt-verifier.js';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Turns an Authorization header into a Caller, or throws a 401. */
export class Authenticator {
  private readonly apiKeys: ApiKeyVerifier;
  private readonly jwt: JwtVerifier | null;

  constructor(config: Config['auth'], now: () => number = Date.now) {
    this.apiKeys = new ApiKeyVerifier(config.apiKeys);
    this.jwt = config.jwt ? new JwtVerifier(config.jwt, now) : null;
  }

  async authenticate(authorization: string | undefined): Promise<Caller> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) {
      throw new ApiError('unauthenticated', 'Send Authorization: Bearer <api key or token>.');
    }
    const token = match[1]!;
    if (this.jwt && JWT_SHAPE.test(token)) {
      const result = await this.jwt.verify(token);
      if (result.ok) return { kind: 'jwt', id: result.subject, customerId: result.customerId, expiresAt: result.expiresAt };
      throw new ApiError('unauthenticated', `The bearer token was not accepted: ${result.reason}.`);
    }
    const keyId = this.apiKeys.enabled ? this.apiKeys.verify(token) : null;
    if (keyId) return { kind: 'api_key', id: keyId };
    throw new ApiError('unauthenticated', 'The bearer credential was not accepted.');
  }
}
