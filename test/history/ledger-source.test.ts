import { describe, expect, it } from 'vitest';
import { ledgerSource } from '../../src/history/ledger-view.js';

describe('GET /ledger source, from the deterministic transaction id', () => {
  it.each([
    ['pi_123', null, 'top-up'],
    ['re_123', null, 'refund'],
    ['re_123:reversed', null, 'refund'],
    ['pyr_123', null, 'refund'],
    ['dp_123', null, 'dispute'],
    ['du_123:won', null, 'dispute'],
    ['in_123:il_456', null, 'invoice'],
    ['cn_123', null, 'refund'],
    ['cn_123:voided', null, 'refund'],
    ['grant_abc', 'promotion', 'grant'],
    ['adj_abc', 'adjustment', 'grant'],
  ] as const)('%s (%s) → %s', (transactionId, ledgerType, source) => {
    expect(ledgerSource({ transactionId, ledgerType })).toBe(source);
  });
});
