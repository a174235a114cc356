import { setUpAutoRecharge } from './auto-recharge.js';
import { ApiFailure, fetchBalance, fetchPacks, startCheckout, type Balance, type Pack } from './billing-api.js';
import { el, exponentOf, locale, setText, settings } from './dom.js';
import { creditsText, decimalText, moneyText, toMinorUnits } from './format.js';
import { reloadHistory, setUpHistory } from './history.js';
import { signOutOfBilling } from './sign-out.js';

/** The billing page: balance (refreshed while something is arriving), and the sections the service supports. */

/** How often the balance is read again while a payment is on its way. */
const ARRIVING_REFRESH_MS = 2_000;
/** After a return from checkout, how long the page keeps looking for the payment. */
const AFTER_CHECKOUT_WATCH_MS = 120_000;
/** After a failed read, when to try again. */
const RETRY_MS = 10_000;
/** With auto-recharge on, the balance (and history) is read again this often: a recharge shows up by itself. */
const IDLE_REFRESH_MS = 20_000;

let watchUntil = 0;
let timer: number | undefined;
/** What the history last matched: when the balance or what is arriving changes, the history is read again. */
let lastSeen: string | null = null;

const STATE_TEXT: Record<Balance['in_flight'][number]['state'], string> = {
  processing: 'payment processing',
  pending_delivery: 'paid, being added',
  delivered: 'added, updating',
};

function renderBalance(b: Balance): void {
  el('available-balance').textContent = `${creditsText(b.available_balance, locale)} credits`;
  el('current-balance').textContent = creditsText(b.current_balance, locale);
  el('pending-activity').textContent = creditsText(b.pending_activity, locale);
  el('balance-figures').hidden = false;
  const arriving = b.in_flight.length > 0;
  el('arriving').hidden = !arriving;
  setText(el('arriving-total'), arriving ? `${creditsText(b.in_flight_credits, locale)} credits arriving` : '');
  el('arriving-list').replaceChildren(
    ...b.in_flight.map((t) => {
      const li = document.createElement('li');
      li.textContent = `${moneyText(t.amount_decimal, t.currency, locale)}: ${creditsText(t.credits, locale)} credits, ${STATE_TEXT[t.state]}`;
      return li;
    }),
  );
  setText(
    el('balance-status'),
    arriving
      ? `${creditsText(b.in_flight_credits, locale)} credits arriving; this page updates by itself.`
      : Date.now() < watchUntil
        ? 'Waiting for your payment to arrive…'
        : 'Your balance is up to date.',
  );
}

async function refresh(): Promise<void> {
  window.clearTimeout(timer);
  let next: number | null = null;
  try {
    const balance = await fetchBalance();
    el('balance-status').classList.remove('error');
    renderBalance(balance);
    const seen = JSON.stringify([balance.available_balance, balance.in_flight.map((t) => [t.payment_intent_id, t.state])]);
    if (lastSeen !== null && seen !== lastSeen && settings.capabilities.history) void reloadHistory();
    lastSeen = seen;
    if (balance.in_flight.length > 0 || Date.now() < watchUntil) next = ARRIVING_REFRESH_MS;
    else if (settings.capabilities.autoRecharge) next = IDLE_REFRESH_MS;
  } catch (err) {
    const status = el('balance-status');
    status.classList.add('error');
    if (err instanceof ApiFailure && err.status === 401) {
      setText(status, 'Your billing session has ended. Go back to your account and open billing again.');
      return;
    }
    setText(status, `Your balance could not be read (${err instanceof Error ? err.message : 'network error'}). Trying again shortly.`);
    next = RETRY_MS;
  }
  if (next !== null) timer = window.setTimeout(() => void refresh(), next);
}

async function buy(purchase: { pack: string } | { amount: number; currency: string }, button: HTMLButtonElement): Promise<void> {
  const status = el('buy-status');
  button.disabled = true;
  status.textContent = 'Opening the payment page…';
  try {
    const { url } = await startCheckout(purchase);
    window.location.assign(url);
  } catch (err) {
    status.textContent = `The payment page could not be opened: ${err instanceof Error ? err.message : 'network error'}`;
    button.disabled = false;
  }
}

function packItem(pack: Pack, exponent: number): HTMLLIElement {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  const price = moneyText(decimalText(pack.amount, exponent), pack.currency, locale);
  button.textContent = `${pack.name}: ${creditsText(pack.credits, locale)} credits for ${price}`;
  button.addEventListener('click', () => void buy({ pack: pack.id }, button));
  li.append(button);
  return li;
}

async function setUpBuying(): Promise<void> {
  el('buy').hidden = false;
  try {
    el('packs').replaceChildren(...(await fetchPacks()).map((p) => packItem(p, exponentOf(p.currency))));
  } catch {
    el('buy-status').textContent = 'Credit packs could not be loaded.';
  }
  if (!settings.capabilities.customAmounts || settings.currencies.length === 0) return;
  const form = el<HTMLFormElement>('custom-amount');
  const select = el<HTMLSelectElement>('custom-amount-currency');
  select.replaceChildren(
    ...settings.currencies.map((c) => {
      const option = document.createElement('option');
      option.value = c.code;
      option.textContent = c.code.toUpperCase();
      return option;
    }),
  );
  const help = el('custom-amount-help');
  const showRange = () => {
    const c = settings.currencies.find((x) => x.code === select.value)!;
    const money = (minor: number) => moneyText(decimalText(minor, c.exponent), c.code, locale);
    help.textContent = `From ${money(c.min)} to ${money(c.max)}.`;
    help.classList.remove('error');
  };
  select.addEventListener('change', showRange);
  showRange();
  form.hidden = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const currency = settings.currencies.find((c) => c.code === select.value)!;
    const amount = toMinorUnits(el<HTMLInputElement>('custom-amount-value').value, currency.exponent);
    if (amount === null || amount < currency.min || amount > currency.max) {
      const money = (minor: number) => moneyText(decimalText(minor, currency.exponent), currency.code, locale);
      help.textContent = `Enter an amount from ${money(currency.min)} to ${money(currency.max)}, with at most ${currency.exponent} decimals.`;
      help.classList.add('error');
      return;
    }
    help.classList.remove('error');
    void buy({ amount, currency: currency.code }, form.querySelector('button')!);
  });
}

const params = new URLSearchParams(window.location.search);
if (params.get('checkout') === 'success') {
  watchUntil = Date.now() + AFTER_CHECKOUT_WATCH_MS;
  el('buy-status').textContent = 'Thank you: your payment is on its way to your balance.';
}
el('sign-out').addEventListener('click', () => signOutOfBilling(() => window.clearTimeout(timer)));

const authenticated = params.get('auto_recharge') === 'authenticated' ? { redirectStatus: params.get('redirect_status') } : null;
if (params.has('checkout') || params.has('auto_recharge')) window.history.replaceState(null, '', '/billing');
if (settings.capabilities.checkout) void setUpBuying();
if (settings.capabilities.autoRecharge) setUpAutoRecharge(() => void refresh(), authenticated);
if (settings.capabilities.history) setUpHistory();
void refresh();
