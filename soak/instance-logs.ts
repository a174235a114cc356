import { existsSync, readFileSync } from 'node:fs';

export interface LogSummary {
  /** pino levels: 40 warn, 50 error, 60 fatal. */
  warn: number;
  error: number;
  fatal: number;
  /** Lines that are not JSON (e.g. a stack trace written to stderr). */
  other: number;
  /** Distinct error/fatal messages with how often each came. */
  errors: string[];
}

/** Reads the instances' log files (JSON lines, appended across restarts) and counts what went wrong. */
export function summarizeLogs(files: readonly string[]): LogSummary {
  const out: LogSummary = { warn: 0, error: 0, fatal: 0, other: 0, errors: [] };
  const messages = new Map<string, number>();
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '' || line.startsWith('=====')) continue;
      let entry: { level?: number; msg?: string; err?: { message?: string } };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        out.other += 1;
        continue;
      }
      const level = entry.level ?? 0;
      if (level === 40) out.warn += 1;
      else if (level >= 50) {
        if (level >= 60) out.fatal += 1;
        else out.error += 1;
        const text = `${entry.msg ?? '(no msg)'}${entry.err?.message ? `: ${entry.err.message}` : ''}`.slice(0, 200);
        messages.set(text, (messages.get(text) ?? 0) + 1);
      }
    }
  }
  out.errors = [...messages].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([m, n]) => `${n}× ${m}`);
  return out;
}
