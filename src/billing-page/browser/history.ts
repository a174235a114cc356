import { fetchLedger, type LedgerEntry } from './billing-api.js';
import { el, locale, setText } from './dom.js';
import { moneyText } from './format.js';

/** The history section: the customer's ledger, newest first, ten at a time ("Show more" fetches the next ten). */

const SOURCE_TEXT: Record<LedgerEntry['source'], string> = {
  'top-up': 'Top-up',
  checkout: 'Purchase',
  pack: 'Credit pack',
  invoice: 'Invoice',
  refund: 'Refund',
  dispute: 'Dispute',
  'auto-recharge': 'Auto-recharge',
  grant: 'Granted',
};

const KIND_TEXT: Record<LedgerEntry['kind'], string> = {
  credit: 'credit',
  debit: 'debit',
  promotion: 'promotional credits',
  adjustment: 'adjustment',
};

const STATE_TEXT: Record<LedgerEntry['state'], string> = {
  pending: 'Being added',
  delivered: 'Added',
  failed: 'Delayed, retrying',
  dead: 'Not added: contact support',
};

let cursor: string | null = null;

function item(e: LedgerEntry): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.id = e.id;
  const span = (className: string, text: string, tag = 'span') => {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = text;
    return node;
  };
  const credits = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 6, signDisplay: 'exceptZero' }).format(e.credits);
  const when = span('when', new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(e.created_at)), 'time');
  when.setAttribute('datetime', e.created_at);
  li.append(
    span('what', `${SOURCE_TEXT[e.source]} (${KIND_TEXT[e.kind]})`),
    span('credits', `${credits} credits`),
    when,
    span('amount', e.amount_decimal !== null && e.currency !== null ? moneyText(e.amount_decimal, e.currency, locale) : ''),
    span('state-text', STATE_TEXT[e.state]),
  );
  return li;
}

async function load(more: boolean): Promise<void> {
  const status = el('history-status');
  const button = el<HTMLButtonElement>('history-more');
  button.disabled = true;
  try {
    const page = await fetchLedger(more ? cursor : null);
    const items = page.data.map(item);
    if (more) el('history-list').append(...items);
    else el('history-list').replaceChildren(...items);
    cursor = page.next_starting_after;
    button.hidden = !page.has_more;
    status.classList.remove('error');
    setText(status, el('history-list').children.length === 0 ? 'Nothing yet: your purchases and recharges will show here.' : '');
    if (more && items[0]) {
      // Keyboard users continue from the first new entry.
      items[0].tabIndex = -1;
      items[0].focus();
    }
  } catch (err) {
    status.classList.add('error');
    setText(status, `Your history could not be read (${err instanceof Error ? err.message : 'network error'}).`);
  } finally {
    button.disabled = false;
  }
}

/** Reads the first page again (after a payment arrived). */
export const reloadHistory = (): Promise<void> => load(false);

export function setUpHistory(): void {
  el('history').hidden = false;
  el('history-more').addEventListener('click', () => void load(true));
  void load(false);
}
