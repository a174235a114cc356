/**
 * Parses a --since value into unix seconds: a duration back from now (`48h`, `30m`, `7d`, `90s`)
 * or an ISO date. Null when it is neither.
 */
export function parseSince(text: string, nowMs: number): number | null {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (m) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd'];
    return Math.floor(nowMs / 1000) - Number(m[1]) * unit;
  }
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.floor(at / 1000);
}
