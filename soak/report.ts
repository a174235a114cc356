import type { SoakReport } from './soak.js';

/** The printed form of one or more soak reports: a table of counts, one column per run. */

type Row = [label: string, value: (r: SoakReport) => string | number];

const slash = (...values: number[]) => values.join(' / ');

const ROWS: Row[] = [
  ['instances on the database', (r) => r.instances],
  ['seed', (r) => r.seed],
  ['top-ups', (r) => r.plan.topUps],
  ['  usd / eur / jpy / kwd', ({ plan: { byCurrency: c } }) => slash(c.usd, c.eur, c.jpy, c.kwd)],
  ['  credit packs bought through checkout', (r) => r.plan.checkoutPacks],
  ['one-off invoices of packs (refunded)', (r) => `${r.plan.invoices} (${r.plan.invoiceRefunds})`],
  ['refunds (partial / full)', (r) => `${r.plan.refunds} (${r.plan.partialRefunds} / ${r.plan.fullRefunds})`],
  ['  sent before their payment', (r) => r.plan.refundsSentBeforePayment],
  ['refund reversals (failed/canceled)', (r) => r.plan.refundReversals],
  ['  reversal sent before refund.created', (r) => r.plan.reversalsSentBeforeRefund],
  ['expected Moesif transactions', (r) => r.plan.expectedTransactions],
  ['webhook deliveries planned', (r) => r.plan.deliveries],
  ['  duplicate deliveries (same event id)', (r) => r.plan.duplicateDeliveries],
  ['  second event ids (same object)', (r) => r.plan.extraEventIds],
  ['webhook POSTs made', (r) => r.webhooks.posts],
  ['webhook retries (conn / timeout / 5xx)', ({ webhooks: { retries: x } }) => `${x.total} (${slash(x.connection, x.timeout, x.serverError)})`],
  ['answers queued / duplicate / ignored', ({ webhooks: { outcomes: o } }) => slash(o.queued ?? 0, o.duplicate ?? 0, o.ignored ?? 0)],
  ['webhooks unacknowledged / rejected', (r) => slash(r.webhooks.undelivered, r.webhooks.rejected)],
  ['SIGKILLs (asked) / restarts', (r) => `${r.chaos.kills} (${r.chaos.killsRequested}) / ${r.chaos.restarts}`],
  ['  slowest kill→ready, ms', (r) => r.chaos.restartMsMax],
  ['Moesif POSTs received', (r) => r.chaos.moesifPosts],
  ['Moesif failures injected (500/429/timeout)', ({ chaos: { moesifFailures: f } }) => `${f.total} (${slash(f.error500, f.error429, f.timeout)})`],
  ['Moesif accepted / distinct in ledger', (r) => slash(r.moesif.accepted, r.moesif.ledgerTransactions)],
  ['ids accepted >1× (at kills / other)', ({ moesif: m }) => `${m.duplicateTransactionIds} (${slash(m.duplicatesAtKills, m.duplicatesOtherwise)})`],
  ['outbox pending / failed / dead', (r) => slash(r.outbox.pending, r.outbox.failed, r.outbox.dead)],
  ['outbox delivered', (r) => r.outbox.delivered],
  ['ledger missing / unexpected / differing', (r) => slash(r.ledger.missing, r.ledger.unexpected, r.ledger.mismatched)],
  ['credits / debits expected', (r) => slash(r.ledger.credits, r.ledger.debits)],
  ['subscription totals equal', (r) => `${r.ledger.subscriptions.length - r.ledger.totalsMismatched}/${r.ledger.subscriptions.length}`],
  ['total expected', (r) => r.ledger.expectedTotal],
  ['total at Moesif', (r) => r.ledger.actualTotal],
  ['instance log lines warn / error / fatal', (r) => slash(r.logs.warn, r.logs.error, r.logs.fatal)],
  ['duration, s', (r) => (r.durationMs / 1000).toFixed(1)],
  ['result', (r) => (r.ok ? 'CLEAN' : 'DIFFERENCES')],
];

export function formatReports(reports: readonly SoakReport[]): string {
  const headers = ['', ...reports.map((r) => r.store)];
  const body = ROWS.map(([label, value]) => [label, ...reports.map((r) => String(value(r)))]);
  const widths = headers.map((_, c) => Math.max(...[headers, ...body].map((row) => row[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const out = [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  for (const r of reports) {
    for (const p of r.problems) out.push(`PROBLEM [${r.store}] ${p}`);
    for (const s of r.ledger.samples.slice(0, 10)) out.push(`  [${r.store}] ${s}`);
    for (const w of r.warnings) out.push(`note [${r.store}] ${w}`);
    if (r.data.kept) out.push(`kept [${r.store}]: ${r.data.databaseUrl} (instance logs in ${r.data.workDir})`);
  }
  return `${out.join('\n')}\n`;
}

/** One machine-readable line. */
export function soakJsonLine(reports: readonly SoakReport[]): string {
  const summary = {
    ok: reports.length > 0 && reports.every((r) => r.ok),
    runs: reports,
  };
  return `SOAK_JSON ${JSON.stringify(summary)}\n`;
}
