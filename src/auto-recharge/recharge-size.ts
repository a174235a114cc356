import type { CreditRates } from '../money/moesif-amount.js';
import type { AutoRechargeSetting } from '../store/auto-recharge-store.js';
import { chargeStep, microCreditsFor, minorUnitsFor, roundDownToStep, roundUpToStep } from './credits.js';

export type RechargeSize =
  | { kind: 'charge'; amountMinor: number }
  /** Nothing chargeable fits in what is left of the monthly cap. */
  | { kind: 'cap_reached' };

export interface SizeInput {
  setting: Pick<AutoRechargeSetting, 'mode' | 'amountMinor' | 'targetMicro' | 'thresholdMicro' | 'currency' | 'monthlyCapMinor'>;
  /** available balance + credits in flight, micro-credits (at or below the threshold). */
  haveMicro: number;
  /** Already charged (or being charged) this calendar month, minor units of the setting's currency. */
  chargedThisMonthMinor: number;
  /** The /top-up bounds of the currency. */
  limits: { min: number; max: number };
  rates: CreditRates;
}

/**
 * How much one recharge charges. `fixed`: as many whole amounts as it takes to get back above
 * the threshold in one payment (never one amount per missing increment: one crossing, one charge),
 * as many as fit in the remaining cap and the /top-up maximum. `target`: what brings the balance to
 * the target, rounded up to what Stripe can charge, at least the currency's minimum, at most the
 * remaining cap.
 */
export function rechargeSize(input: SizeInput): RechargeSize {
  const { setting, limits } = input;
  const remaining = Math.max(0, setting.monthlyCapMinor - input.chargedThisMonthMinor);
  const ceiling = Math.min(remaining, limits.max);
  if (setting.mode === 'fixed') {
    const amount = setting.amountMinor!;
    const perAmount = microCreditsFor(amount, setting.currency, input.rates);
    const gap = Math.max(0, setting.thresholdMicro - input.haveMicro);
    const needed = perAmount > 0 ? Math.floor(gap / perAmount) + 1 : 1;
    const count = Math.min(needed, Math.floor(ceiling / amount));
    return count >= 1 ? { kind: 'charge', amountMinor: count * amount } : { kind: 'cap_reached' };
  }
  const step = chargeStep(setting.currency);
  const need = Math.max(0, setting.targetMicro! - input.haveMicro);
  let amount = roundUpToStep(Math.max(minorUnitsFor(need, setting.currency, input.rates), limits.min), step);
  amount = Math.min(amount, roundDownToStep(ceiling, step));
  return amount >= limits.min && amount > 0 ? { kind: 'charge', amountMinor: amount } : { kind: 'cap_reached' };
}

export interface PackSizeInput {
  setting: Pick<AutoRechargeSetting, 'mode' | 'targetMicro' | 'thresholdMicro' | 'monthlyCapMinor'>;
  /** One pack: its price (minor units) and exact credits (micro-credits). */
  pack: { amountMinor: number; microCredits: number };
  haveMicro: number;
  chargedThisMonthMinor: number;
  /** The /top-up maximum of the pack's currency. */
  maxMinor: number;
}

/**
 * How many whole packs one recharge buys: `fixed`, the fewest that get the balance back above the
 * threshold; `target`, the fewest that reach the target; at least one, and never more than fit in
 * what is left of the monthly cap (and the /top-up maximum). The credits are the packs' own.
 */
export function packRechargeSize(input: PackSizeInput): { kind: 'charge'; quantity: number; amountMinor: number } | { kind: 'cap_reached' } {
  const { setting, pack } = input;
  const ceiling = Math.min(Math.max(0, setting.monthlyCapMinor - input.chargedThisMonthMinor), input.maxMinor);
  const fits = Math.floor(ceiling / pack.amountMinor);
  const needed =
    setting.mode === 'fixed'
      ? Math.floor(Math.max(0, setting.thresholdMicro - input.haveMicro) / pack.microCredits) + 1
      : Math.max(1, Math.ceil(Math.max(0, setting.targetMicro! - input.haveMicro) / pack.microCredits));
  const quantity = Math.min(needed, fits);
  return quantity >= 1 ? { kind: 'charge', quantity, amountMinor: quantity * pack.amountMinor } : { kind: 'cap_reached' };
}
