import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Starts the worker thread whose entry module is `entry` (a path relative to `from`, the caller's
 * import.meta.url, without its extension). The built service runs the compiled `.js`; run from the
 * TypeScript sources (tsx: tests, the soak, `npm run dev`), the thread registers tsx's loader
 * before importing the `.ts` entry, since a worker does not inherit the parent's loaders.
 * `resourceLimits` bound the thread's heap: each thread is a V8 isolate of its own, and its young
 * generation grows to V8's default (tens of MB) under load unless told otherwise.
 */
export function startWorkerThread(from: string, entry: string, workerData: unknown, name: string, resourceLimits: ResourceLimits): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`${entry}.js`, from), { workerData, name, resourceLimits });
  const packageJson = createRequire(from).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(packageJson, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  const tsxApi = new URL(exports['./esm/api']!.import.default, pathToFileURL(packageJson)).href;
  const entryUrl = new URL(`${entry}.ts`, from).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entryUrl)}); })`;
  return new Worker(bootstrap, { eval: true, workerData, name, resourceLimits });
}
