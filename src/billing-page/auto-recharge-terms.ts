/**
 * The terms a customer accepts by ticking the consent box of the page's auto-recharge form. The
 * page shows this text; the service, not the browser, names the version stored as the consent's
 * terms_version (the page sends back the version it showed, and a stale one is refused). Any
 * change to the text gets a new version.
 */
export const AUTO_RECHARGE_TERMS_VERSION = 'billing-page-auto-recharge-2026-12';

export function autoRechargeTermsText(business: string): string {
  return (
    `I authorize ${business} to charge my saved payment method, without asking me each time, whenever my available ` +
    'balance falls below the threshold I set here: the fixed amount, or enough to bring my balance back to the target I set. ' +
    'Charges never exceed my monthly cap in a calendar month (UTC). I can change or turn off auto-recharge on this page at any time; ' +
    'changes apply to future charges.'
  );
}
