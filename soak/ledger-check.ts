import type { ReceivedTransaction } from '../src/simulators/fake-moesif.js';
import { microToDecimal, numberToMicro, totalsBySubscription, type ExpectedTransaction } from './expected-ledger.js';

/** The comparison of the expected ledger with what the fake Moesif holds. */
export interface LedgerCheck {
  expectedTransactions: number;
  actualTransactions: number;
  credits: number;
  debits: number;
  /** Expected but not in Moesif's ledger. */
  missing: number;
  /** In Moesif's ledger but not expected. */
  unexpected: number;
  /** Present on both sides but with another type, amount, company or subscription. */
  mismatched: number;
  /** The first few differences, one line each. */
  samples: string[];
  subscriptions: { subscriptionId: string; expected: string; actual: string }[];
  totalsMismatched: number;
  expectedTotal: string;
  actualTotal: string;
  /** Transaction ids Moesif accepted more than once (it dedupes them; not a ledger difference). */
  acceptedMoreThanOnce: string[];
  /** Extra acceptances in all (accepted − distinct). */
  duplicateAcceptances: number;
}

const SAMPLE = 20;

export function checkLedger(
  expected: ReadonlyMap<string, ExpectedTransaction>,
  ledger: ReadonlyMap<string, ReceivedTransaction>,
  accepted: readonly ReceivedTransaction[],
): LedgerCheck {
  const missing: string[] = [];
  const unexpected: string[] = [];
  const mismatched: string[] = [];
  let credits = 0;
  let debits = 0;
  for (const [id, want] of expected) {
    if (want.type === 'credit') credits += 1;
    else debits += 1;
    const got = ledger.get(id);
    if (!got) {
      missing.push(id);
      continue;
    }
    const problems: string[] = [];
    if (got.type !== want.type) problems.push(`type ${got.type} ≠ ${want.type}`);
    if (numberToMicro(got.amount) !== want.micro) problems.push(`amount ${got.amount} ≠ ${want.amountText}`);
    if (got.subscription_id !== want.subscriptionId) problems.push(`subscription ${got.subscription_id} ≠ ${want.subscriptionId}`);
    if (got.company_id !== want.companyId) problems.push(`company ${got.company_id} ≠ ${want.companyId}`);
    if (problems.length > 0) mismatched.push(`${id}: ${problems.join(', ')}`);
  }
  for (const id of ledger.keys()) if (!expected.has(id)) unexpected.push(id);

  const actualRows = [...ledger.values()].map((tx) => ({ type: tx.type, subscriptionId: tx.subscription_id, micro: numberToMicro(tx.amount) }));
  const wantTotals = totalsBySubscription(expected.values());
  const gotTotals = totalsBySubscription(actualRows);
  const subscriptionIds = [...new Set([...wantTotals.keys(), ...gotTotals.keys()])].sort();
  const subscriptions = subscriptionIds.map((subscriptionId) => ({
    subscriptionId,
    expected: microToDecimal(wantTotals.get(subscriptionId) ?? 0n),
    actual: microToDecimal(gotTotals.get(subscriptionId) ?? 0n),
  }));
  const sum = (m: Map<string, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n);

  const timesAccepted = new Map<string, number>();
  for (const tx of accepted) timesAccepted.set(tx.transaction_id, (timesAccepted.get(tx.transaction_id) ?? 0) + 1);
  const acceptedMoreThanOnce = [...timesAccepted].filter(([, c]) => c > 1).map(([id]) => id);

  return {
    expectedTransactions: expected.size,
    actualTransactions: ledger.size,
    credits,
    debits,
    missing: missing.length,
    unexpected: unexpected.length,
    mismatched: mismatched.length,
    samples: [
      ...missing.slice(0, SAMPLE).map((id) => `missing at Moesif: ${id}`),
      ...unexpected.slice(0, SAMPLE).map((id) => `not expected but at Moesif: ${id}`),
      ...mismatched.slice(0, SAMPLE),
    ],
    subscriptions,
    totalsMismatched: subscriptions.filter((s) => s.expected !== s.actual).length,
    expectedTotal: microToDecimal(sum(wantTotals)),
    actualTotal: microToDecimal(sum(gotTotals)),
    acceptedMoreThanOnce,
    duplicateAcceptances: accepted.length - ledger.size,
  };
}
