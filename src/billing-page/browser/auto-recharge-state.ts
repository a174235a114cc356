import type { AutoRechargeSetting } from './billing-api.js';
import { el, exponentOf, locale, setText } from './dom.js';
import { creditsText, decimalText, moneyText } from './format.js';

/** What the auto-recharge section says about the setting's state, and what the customer can do about it. */

const money = (minor: number, currency: string) => moneyText(decimalText(minor, exponentOf(currency)), currency, locale);

/** Why a setting is suspended, and how the customer fixes it (reasons: auto-recharge/charge-attempt.ts, evaluate.ts). */
function suspension(reason: string): { why: string; fix: string } {
  const card = 'Update your card in your account (or make another card your default), then save this form again: auto-recharge resumes on the next check.';
  if (reason.startsWith('hard_decline:')) return { why: `Your bank declined the last recharge (${reason.slice('hard_decline:'.length).replace(/_/g, ' ')}).`, fix: card };
  if (reason.startsWith('soft_declines:')) return { why: 'Your card was declined several times in a row.', fix: `Check with your bank that the card can be charged. ${card}` };
  if (reason === 'no_usable_card') return { why: 'There is no card we can charge.', fix: 'Add a card and make it your default in your account; auto-recharge resumes on the next check.' };
  if (reason === 'card_retry_limit') return { why: 'This card was tried too many times in the last 30 days.', fix: card };
  if (reason === 'customer_deleted') return { why: 'Your billing account no longer exists.', fix: 'Contact support.' };
  return { why: 'The last recharge could not be charged.', fix: `${card} If it keeps happening, contact support.` };
}

export function renderState(s: AutoRechargeSetting | null): void {
  const box = el('ar-state');
  const fix = el('ar-state-fix');
  const complete = el<HTMLButtonElement>('ar-complete-payment');
  box.className = `state ${s?.state ?? 'disabled'}`;
  box.dataset.state = s?.state ?? 'disabled';
  complete.hidden = s?.state !== 'requires_action';
  let text: string;
  let fixText = '';
  const charged = s ? `${money(s.charged_this_month, s.currency)} of your ${money(s.monthly_cap, s.currency)} monthly cap charged this month.` : '';
  switch (s?.state ?? 'disabled') {
    case 'active':
      text = `Auto-recharge is on: below ${creditsText(s!.threshold, locale)} credits, we charge your card ${
        s!.mode === 'fixed' ? money(s!.amount!, s!.currency) : `enough to reach ${creditsText(s!.target_balance!, locale)} credits`
      }. ${charged}`;
      break;
    case 'requires_action':
      text = 'Auto-recharge is paused: your bank asks you to confirm the last recharge (3-D Secure).';
      fixText = 'Select "Complete payment" to confirm it with your bank; auto-recharge resumes once it is paid.';
      break;
    case 'suspended': {
      const why = suspension(s!.pause?.reason ?? '');
      text = `Auto-recharge is suspended. ${why.why}`;
      fixText = why.fix;
      break;
    }
    case 'cap_reached':
      text = `Auto-recharge is waiting: this month's cap is reached. ${charged}`;
      fixText = 'It resumes on the 1st of next month (UTC), or raise the monthly cap below.';
      break;
    default:
      text = s ? 'Auto-recharge is off.' : 'Auto-recharge is off. Turn it on below so you never run out of credits.';
  }
  setText(el('ar-state-text'), text);
  setText(fix, fixText);
  fix.hidden = fixText === '';
}

