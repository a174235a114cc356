import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Checks a presented key against the configured ones in constant time: every key is compared
 * (no early exit) on fixed-length digests, so neither timing nor length reveals a near match.
 */
export class ApiKeyVerifier {
  private readonly keys: { digest: Buffer; id: string }[];

  constructor(keys: readonly string[]) {
    this.keys = keys.map((k) => ({ digest: digest(k), id: `key_${digest(k).toString('hex').slice(0, 12)}` }));
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The matching key's fingerprint id, or null. */
  verify(presented: string): string | null {
    const candidate = digest(presented);
    let match: string | null = null;
    for (const key of this.keys) {
      if (timingSafeEqual(candidate, key.digest)) match = key.id;
    }
    return match;
  }
}
