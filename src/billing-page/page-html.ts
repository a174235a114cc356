import type { BillingCapabilities } from './capabilities.js';

/** The operator's branding (BILLING_PAGE_TITLE, BILLING_BRAND_COLOR, BILLING_LOGO_URL). */
export interface Branding {
  title: string;
  brandColor: string;
  logoUrl?: string;
}

/** What the page's script is told (as a data attribute: the page runs no inline script). */
export interface PageSettings {
  locale: string | null;
  capabilities: BillingCapabilities;
  /** The currencies a custom amount may be in, with their Stripe exponent and limits (minor units). */
  currencies: { code: string; exponent: number; min: number; max: number }[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function layout(b: Branding, body: string, head = ''): string {
  const logo = b.logoUrl ? `<img class="logo" src="${escapeHtml(b.logoUrl)}" alt="" width="32" height="32">` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(b.title)}</title>
<link rel="stylesheet" href="/billing/assets/billing.css">
<link rel="stylesheet" href="/billing/assets/theme.css">
${head}</head>
<body>
<header class="top">${logo}<p class="brand">${escapeHtml(b.title)}</p></header>
${body}
</body>
</html>
`;
}

/** The billing page of one session. Sections whose API the service lacks stay hidden. */
export function billingPageHtml(b: Branding, returnUrl: string, csrfToken: string, settings: PageSettings): string {
  const head = `<meta name="csrf-token" content="${escapeHtml(csrfToken)}">
<script type="module" src="/billing/assets/billing.js"></script>
`;
  return layout(
    b,
    `<main id="main" data-settings="${escapeHtml(JSON.stringify(settings))}">
<nav class="session-nav" aria-label="Session"><a id="back" href="${escapeHtml(returnUrl)}">← Back</a><button id="sign-out" type="button" class="secondary">Sign out</button></nav>
<h1>${escapeHtml(b.title)}</h1>

<section id="balance" aria-labelledby="balance-heading">
  <h2 id="balance-heading">Balance</h2>
  <p id="balance-status" role="status" aria-live="polite">Loading your balance…</p>
  <dl id="balance-figures" hidden>
    <div class="figure main"><dt>Available</dt><dd id="available-balance"></dd></div>
    <div class="figure"><dt>Current</dt><dd id="current-balance"></dd></div>
    <div class="figure"><dt>Pending usage</dt><dd id="pending-activity"></dd></div>
  </dl>
  <div id="arriving" hidden>
    <h3>Arriving</h3>
    <p id="arriving-total"></p>
    <ul id="arriving-list"></ul>
  </div>
</section>

<section id="buy" aria-labelledby="buy-heading" hidden>
  <h2 id="buy-heading">Buy credits</h2>
  <ul id="packs" class="packs"></ul>
  <form id="custom-amount" hidden>
    <label for="custom-amount-value">Amount</label>
    <div class="row">
      <input id="custom-amount-value" name="amount" inputmode="decimal" autocomplete="off" required aria-describedby="custom-amount-help">
      <label class="visually-hidden" for="custom-amount-currency">Currency</label>
      <select id="custom-amount-currency" name="currency"></select>
      <button type="submit">Continue to payment</button>
    </div>
    <p id="custom-amount-help" class="help"></p>
  </form>
  <p id="buy-status" role="status" aria-live="polite"></p>
</section>

<section id="auto-recharge" aria-labelledby="auto-recharge-heading" hidden>
  <h2 id="auto-recharge-heading">Auto-recharge</h2>
  <div id="ar-state" class="state" role="status" aria-live="polite">
    <p id="ar-state-text">Loading your auto-recharge setting…</p>
    <p id="ar-state-fix" class="help" hidden></p>
  </div>
  <button id="ar-complete-payment" type="button" hidden>Complete payment</button>
  <p id="ar-payment-status" role="status" aria-live="polite"></p>
  <form id="ar-form" novalidate hidden>
    <p class="check"><input type="checkbox" id="ar-enabled" name="enabled"><label for="ar-enabled">Recharge automatically when my balance is low</label></p>
    <label for="ar-threshold">When my available balance falls below (credits)</label>
    <input id="ar-threshold" name="threshold" inputmode="decimal" autocomplete="off" required aria-describedby="ar-threshold-error">
    <p id="ar-threshold-error" class="field-error"></p>
    <fieldset>
      <legend>Recharge by</legend>
      <p class="check"><input type="radio" id="ar-mode-fixed" name="mode" value="fixed" checked><label for="ar-mode-fixed">A fixed amount each time</label></p>
      <p class="check"><input type="radio" id="ar-mode-target" name="mode" value="target"><label for="ar-mode-target">Enough to reach a target balance</label></p>
    </fieldset>
    <label for="ar-currency">Currency</label>
    <select id="ar-currency" name="currency" aria-describedby="ar-currency-error"></select>
    <p id="ar-currency-error" class="field-error"></p>
    <div id="ar-amount-field">
      <label for="ar-amount">Amount charged each time</label>
      <input id="ar-amount" name="amount" inputmode="decimal" autocomplete="off" aria-describedby="ar-amount-error">
      <p id="ar-amount-error" class="field-error"></p>
    </div>
    <div id="ar-target-field" hidden>
      <label for="ar-target">Target balance (credits)</label>
      <input id="ar-target" name="target_balance" inputmode="decimal" autocomplete="off" aria-describedby="ar-target-error">
      <p id="ar-target-error" class="field-error"></p>
    </div>
    <label for="ar-cap">Most charged in a calendar month</label>
    <input id="ar-cap" name="monthly_cap" inputmode="decimal" autocomplete="off" required aria-describedby="ar-cap-error">
    <p id="ar-cap-error" class="field-error"></p>
    <div class="terms">
      <h3 id="ar-terms-heading">Terms</h3>
      <p id="ar-terms-text"></p>
      <p class="check"><input type="checkbox" id="ar-consent" name="consent" aria-describedby="ar-terms-text ar-consent-error"><label for="ar-consent">I agree to these terms</label></p>
      <p id="ar-consent-error" class="field-error"></p>
    </div>
    <button id="ar-save" type="submit">Save auto-recharge</button>
    <p id="ar-form-status" role="status" aria-live="polite"></p>
  </form>
</section>

<section id="history" aria-labelledby="history-heading" hidden>
  <h2 id="history-heading">History</h2>
  <p id="history-status" role="status" aria-live="polite">Loading your history…</p>
  <ol id="history-list" class="history" aria-labelledby="history-heading"></ol>
  <button id="history-more" type="button" class="secondary" hidden>Show more</button>
</section>
</main>`,
    head,
  );
}

/** A page that explains something went wrong, and reveals nothing about why a link was refused. */
export function messagePageHtml(b: Branding, heading: string, text: string): string {
  return layout(b, `<main id="main" class="message">\n<h1>${escapeHtml(heading)}</h1>\n<p>${escapeHtml(text)}</p>\n</main>`);
}

/**
 * Shown once a link was exchanged for the session cookie: moves on to /billing by itself. A
 * navigation started by our own page is same-site, so the SameSite=Strict cookie goes with it
 * (a 303 answering a link clicked on the operator's site would not carry it).
 */
export function continuePageHtml(b: Branding): string {
  return layout(
    b,
    `<main id="main" class="message">\n<h1>Opening your billing page…</h1>\n<p><a href="/billing">Continue</a></p>\n</main>`,
    '<meta http-equiv="refresh" content="0;url=/billing">\n',
  );
}
