import {
  ApiFailure,
  completeRechargePayment,
  fetchAutoRecharge,
  saveAutoRecharge,
  type AutoRechargeForm,
  type AutoRechargeSetting,
  type AutoRechargeView,
} from './billing-api.js';
import { renderState } from './auto-recharge-state.js';
import { el, exponentOf, setText, settings } from './dom.js';
import { decimalText, parseCredits, toMinorUnits } from './format.js';

/**
 * The auto-recharge section: the setting's state (and, when paused, why and what to do), and the
 * form. Enabling needs the consent box ticked for the terms shown; the terms' version goes with
 * the save and is stored as the consent's terms_version. A payment waiting for 3-D Secure is
 * completed without Stripe.js: the service confirms it and the browser goes to the bank's page.
 */

/** After a return from 3-D Secure, how often and how long to look for the setting to resume. */
const RESUME_POLL_MS = 2_000;
const RESUME_WATCH_MS = 60_000;

let terms: AutoRechargeView['terms'] | null = null;
let onChange: () => void = () => undefined;

function showMode(): void {
  const target = el<HTMLInputElement>('ar-mode-target').checked;
  el('ar-amount-field').hidden = target;
  el('ar-target-field').hidden = !target;
}

function fillForm(s: AutoRechargeSetting | null): void {
  const currency = el<HTMLSelectElement>('ar-currency');
  if (currency.options.length === 0) {
    currency.replaceChildren(
      ...settings.currencies.map((c) => {
        const option = document.createElement('option');
        option.value = c.code;
        option.textContent = c.code.toUpperCase();
        return option;
      }),
    );
  }
  el<HTMLInputElement>('ar-enabled').checked = s?.enabled ?? true;
  el<HTMLInputElement>('ar-consent').checked = false;
  if (!s) return showMode();
  currency.value = s.currency;
  const exponent = exponentOf(s.currency);
  el<HTMLInputElement>('ar-threshold').value = String(s.threshold);
  el<HTMLInputElement>(s.mode === 'fixed' ? 'ar-mode-fixed' : 'ar-mode-target').checked = true;
  el<HTMLInputElement>('ar-amount').value = s.amount !== undefined ? decimalText(s.amount, exponent) : '';
  el<HTMLInputElement>('ar-target').value = s.target_balance !== undefined ? String(s.target_balance) : '';
  el<HTMLInputElement>('ar-cap').value = decimalText(s.monthly_cap, exponent);
  showMode();
}

const FIELD_INPUT: Record<string, string> = {
  threshold: 'ar-threshold',
  amount: 'ar-amount',
  target_balance: 'ar-target',
  monthly_cap: 'ar-cap',
  currency: 'ar-currency',
  consent: 'ar-consent',
  'consent.terms_version': 'ar-consent',
};

function clearErrors(): void {
  for (const id of new Set(Object.values(FIELD_INPUT))) {
    el(id).removeAttribute('aria-invalid');
    el(`${id}-error`).textContent = '';
  }
}

/** Marks each named field; focus goes to the first. Returns whether any was shown. */
function showErrors(fields: { field: string; problem: string }[]): boolean {
  let first: HTMLElement | null = null;
  for (const f of fields) {
    const id = FIELD_INPUT[f.field];
    if (!id) continue;
    const input = el(id);
    input.setAttribute('aria-invalid', 'true');
    const error = el(`${id}-error`);
    error.textContent = error.textContent ? `${error.textContent} ${f.problem}` : f.problem;
    first ??= input;
  }
  first?.focus();
  return first !== null;
}

/** The form as the API takes it, or the problems found before sending. */
function readForm(): { form: AutoRechargeForm } | { problems: { field: string; problem: string }[] } {
  const problems: { field: string; problem: string }[] = [];
  const currency = el<HTMLSelectElement>('ar-currency').value;
  const exponent = exponentOf(currency);
  const minor = (id: string, field: string): number | undefined => {
    const value = toMinorUnits(el<HTMLInputElement>(id).value, exponent);
    if (value === null || value === 0) problems.push({ field, problem: `Enter an amount with at most ${exponent} decimals.` });
    return value ?? undefined;
  };
  const credits = (id: string, field: string): number | undefined => {
    const value = parseCredits(el<HTMLInputElement>(id).value);
    if (value === null) problems.push({ field, problem: 'Enter a number of credits (at most 6 decimals).' });
    return value ?? undefined;
  };
  const enabled = el<HTMLInputElement>('ar-enabled').checked;
  const mode = el<HTMLInputElement>('ar-mode-target').checked ? 'target' : 'fixed';
  const form: AutoRechargeForm = {
    enabled,
    threshold: credits('ar-threshold', 'threshold') ?? 0,
    mode,
    ...(mode === 'fixed' ? { amount: minor('ar-amount', 'amount') ?? 0 } : { target_balance: credits('ar-target', 'target_balance') ?? 0 }),
    currency,
    monthly_cap: minor('ar-cap', 'monthly_cap') ?? 0,
  };
  if (el<HTMLInputElement>('ar-consent').checked && terms) form.consent = { accepted: true, terms_version: terms.version };
  else if (enabled) problems.push({ field: 'consent', problem: 'To turn auto-recharge on, tick the box to agree to the terms above.' });
  return problems.length > 0 ? { problems } : { form };
}

async function save(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  clearErrors();
  const status = el('ar-form-status');
  status.classList.remove('error');
  const read = readForm();
  if ('problems' in read) {
    showErrors(read.problems);
    setText(status, 'Please correct the highlighted fields.');
    status.classList.add('error');
    return;
  }
  const button = el('ar-form').querySelector('button[type="submit"]') as HTMLButtonElement;
  button.disabled = true;
  setText(status, 'Saving…');
  try {
    const view = await saveAutoRecharge(read.form);
    render(view);
    setText(status, view.setting?.enabled ? 'Saved: auto-recharge is on.' : 'Saved: auto-recharge is off.');
    onChange();
  } catch (err) {
    status.classList.add('error');
    if (err instanceof ApiFailure && showErrors(err.fields)) setText(status, 'Please correct the highlighted fields.');
    else setText(status, `Your setting could not be saved: ${err instanceof Error ? err.message : 'network error'}`);
  } finally {
    button.disabled = false;
  }
}

function render(view: AutoRechargeView): void {
  terms = view.terms;
  setText(el('ar-terms-text'), view.terms.text);
  renderState(view.setting);
  fillForm(view.setting);
  el('ar-form').hidden = false;
}

async function load(): Promise<AutoRechargeSetting | null> {
  try {
    const view = await fetchAutoRecharge();
    render(view);
    return view.setting;
  } catch (err) {
    setText(el('ar-state-text'), `Your auto-recharge setting could not be read (${err instanceof Error ? err.message : 'network error'}).`);
    el('ar-state').classList.add('error');
    return null;
  }
}

async function completePayment(): Promise<void> {
  const button = el<HTMLButtonElement>('ar-complete-payment');
  button.disabled = true;
  setText(el('ar-payment-status'), 'Opening your bank\'s confirmation page…');
  try {
    const result = await completeRechargePayment();
    if (result.redirect_url !== null) return window.location.assign(result.redirect_url);
    setText(el('ar-payment-status'), 'Nothing is left to confirm.');
    await load();
    onChange();
  } catch (err) {
    setText(el('ar-payment-status'), `The payment could not be completed: ${err instanceof Error ? err.message : 'network error'}`);
  } finally {
    button.disabled = false;
  }
}

/** Back from the bank's page: say how it went and watch the setting resume. */
async function afterAuthentication(redirectStatus: string | null): Promise<void> {
  const status = el('ar-payment-status');
  if (redirectStatus !== 'succeeded') {
    await load();
    status.classList.add('error');
    setText(status, 'Your bank did not confirm the payment. Try "Complete payment" again, or change your card.');
    return;
  }
  status.classList.remove('error');
  setText(status, 'Thank you: your payment is confirmed. Auto-recharge resumes in a moment.');
  const until = Date.now() + RESUME_WATCH_MS;
  while (Date.now() < until) {
    const setting = await load();
    if (setting && setting.state !== 'requires_action') {
      setText(status, 'Your payment is confirmed and auto-recharge is on again.');
      onChange();
      return;
    }
    await new Promise((r) => window.setTimeout(r, RESUME_POLL_MS));
  }
}

/** `changed`: called when a save or a completed payment may have moved the balance. */
export function setUpAutoRecharge(changed: () => void, returned: { redirectStatus: string | null } | null): void {
  onChange = changed;
  el('auto-recharge').hidden = false;
  el('ar-mode-fixed').addEventListener('change', showMode);
  el('ar-mode-target').addEventListener('change', showMode);
  el<HTMLFormElement>('ar-form').addEventListener('submit', (event) => void save(event));
  el('ar-complete-payment').addEventListener('click', () => void completePayment());
  if (returned) void afterAuthentication(returned.redirectStatus);
  else void load();
}
