/** The benchmark's output: a readable table (stdout) and one `BENCH_JSON {…}` line. */

export interface ReportRow {
  phase: string;
  metric: string;
  value: number | string;
  unit: string;
  /** e.g. "≥ 8000"; empty when the metric has no target. */
  target: string;
  /** null: no target, or the target's conditions do not hold in this run (n/a). */
  met: boolean | null;
  /** Printed as "n/a" instead of "-" when the target exists but does not apply. */
  notApplicable?: boolean;
}

function formatValue(value: number | string): string {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function formatTable(rows: ReportRow[]): string {
  const cells = rows.map((r) => [
    r.phase,
    r.metric,
    `${formatValue(r.value)}${r.unit ? ` ${r.unit}` : ''}`,
    r.target,
    r.met === null ? (r.notApplicable ? 'n/a' : '') : r.met ? 'yes' : 'NO',
  ]);
  const header = ['phase', 'metric', 'value', 'target', 'met?'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === 2 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  let previous = '';
  for (const [i, c] of cells.entries()) {
    if (previous && rows[i]!.phase !== previous) out.push('');
    previous = rows[i]!.phase;
    out.push(line(c));
  }
  return out.join('\n');
}

/** A target check that only counts when its conditions hold in this run. */
export function targetRow(
  phase: string,
  metric: string,
  value: number,
  unit: string,
  target: { op: '>=' | '<=' | '<' | '=='; bound: number; applies: boolean; label?: string },
): ReportRow {
  const symbol = { '>=': '≥', '<=': '≤', '<': '<', '==': '=' }[target.op];
  const ok =
    target.op === '>=' ? value >= target.bound : target.op === '<=' ? value <= target.bound : target.op === '<' ? value < target.bound : value === target.bound;
  return {
    phase,
    metric,
    value,
    unit,
    target: `${symbol} ${target.bound.toLocaleString('en-US')}${target.label ? ` ${target.label}` : ''}`,
    met: target.applies && Number.isFinite(value) ? ok : null,
    notApplicable: !target.applies,
  };
}

export function plainRow(phase: string, metric: string, value: number | string, unit = ''): ReportRow {
  return { phase, metric, value, unit, target: '', met: null };
}
