import { describe, expect, it } from 'vitest';
import { ledgerSource } from '../../src/history/ledger-view.js';

describe('GET /ledger source, from the deterministic transaction id, how it was sold and what was bought', () => {
  it.each([
    ['pi_123', null, null, null, 'top-up'],
    ['pi_123', null, null, '11000', 'pack'],
    ['pi_123', null, 'checkout', null, 'checkout'],
    ['pi_123', null, 'checkout', '11000', 'pack'],
    ['pi_123', null, 'auto-recharge', null, 'auto-recharge'],
    ['pi_123', null, 'auto-recharge', '11000', 'auto-recharge'],
    ['re_123', null, null, '5500', 'refund'],
    ['re_123:reversed', null, null, null, 'refund'],
    ['pyr_123', null, null, null, 'refund'],
    ['dp_123', null, null, null, 'dispute'],
    ['du_123:won', null, null, null, 'dispute'],
    ['in_123:il_456', null, null, '100', 'invoice'],
    ['cn_123', null, null, null, 'refund'],
    ['cn_123:voided', null, null, null, 'refund'],
    ['grant_abc', 'promotion', null, null, 'grant'],
    ['adj_abc', 'adjustment', null, null, 'grant'],
  ] as const)('%s (type %s, origin %s, credits %s) → %s', (transactionId, ledgerType, origin, credits, source) => {
    expect(ledgerSource({ transactionId, ledgerType, origin, credits })).toBe(source);
  });
});
