import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads the V8 .cpuprofile a `node --cpu-prof` child wrote and says where its main thread's time
 * went: by package / service file (native calls such as SQLite's are charged to their JS caller
 * and marked "native"), and the top functions by self time. Wall-clock samples: time blocked in a
 * synchronous system call (an fsync inside better-sqlite3) counts too.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileShare {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  /** Which part of the run (e.g. "load", "drain"); offsets in ms from the profile's start (≈ process start). */
  window: { label: string; fromMs: number; toMs: number };
  totalMs: number;
  byArea: ProfileShare[];
  topFunctions: ProfileShare[];
}

function area(url: string): string {
  if (!url) return '';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const dist = /\/dist\/(.+)$/.exec(url);
  if (dist) return `service: ${dist[1]}`;
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').split('/').slice(0, 2).join('/');
  return url.split('/').slice(-2).join('/');
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/');
}

export interface ProfileWindow {
  label: string;
  /** ms since the profile started (≈ the process start). */
  fromMs: number;
  toMs: number;
}

export function summarizeProfile(path: string, window: ProfileWindow, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const selfUs = new Map<number, number>();
  let atUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    atUs += delta;
    if (atUs < window.fromMs * 1000 || atUs > window.toMs * 1000) continue;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const areaOf = (id: number): string => {
    const node = byId.get(id)!;
    const fn = node.callFrame.functionName;
    if (fn.startsWith('(')) return fn; // (garbage collector), (idle), (program), (root)
    const own = area(node.callFrame.url);
    if (own) return own;
    // Native: charge to the nearest JS caller.
    for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
      const a = area(byId.get(p)!.callFrame.url);
      if (a) return `${a} (native)`;
    }
    return `(native) ${fn}`;
  };
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    total += us;
    const a = areaOf(id);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const key = url ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}` : `${functionName} [${a}]`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const shares = (m: Map<string, number>, n: number): ProfileShare[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: Math.round((us / total) * 1000) / 10 }));
  return {
    file: path,
    window: { label: window.label, fromMs: Math.round(window.fromMs), toMs: Math.round(window.toMs) },
    totalMs: Math.round(total / 1000),
    byArea: shares(areas, top),
    topFunctions: shares(functions, top),
  };
}

/**
 * The main thread's newest .cpuprofile in `dir`, summarised per window; empty if there is none.
 * Node names each file CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile, one per thread:
 * the main thread is thread 0 (the service's worker threads write their own files beside it).
 */
export function summarizeProfileDir(dir: string, windows: ProfileWindow[], top = 15): ProfileSummary[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)).sort();
  } catch {
    return [];
  }
  const last = files.at(-1);
  return last ? windows.map((w) => summarizeProfile(join(dir, last), w, top)) : [];
}

export function formatProfile(phase: string, summary: ProfileSummary): string {
  const { label, fromMs, toMs } = summary.window;
  const lines = [
    `CPU profile of the service, ${phase} phase, ${label} (${(fromMs / 1000).toFixed(1)}–${(toMs / 1000).toFixed(1)} s after start; ` +
      `${summary.totalMs.toLocaleString('en-US')} ms of main-thread samples; ${summary.file}):`,
  ];
  lines.push('  by area:');
  for (const s of summary.byArea) lines.push(`    ${s.percent.toFixed(1).padStart(5)}%  ${s.name}`);
  lines.push('  top functions (self time):');
  for (const s of summary.topFunctions) lines.push(`    ${s.percent.toFixed(1).padStart(5)}%  ${s.name}`);
  return lines.join('\n');
}
