import { readdir, readFile } from 'node:fs/promises';

/**
 * The page's scripts, by file name (billing.js, …). A built service (`npm run build`) serves what
 * src/billing-page/browser/tsconfig.json compiled next to this module; run from source (tests,
 * `npm run demo`, `npm run dev`) the TypeScript beside it is transpiled once, at first use, so
 * no one has to run a build step first. Type checking is `npm run typecheck`'s job either way.
 */
const BROWSER_DIR = new URL('./browser/', import.meta.url);

let loading: Promise<Map<string, string>> | null = null;

async function load(): Promise<Map<string, string>> {
  // A build made with tsconfig.build.json alone has no browser folder: the page then has no script (404).
  const files = await readdir(BROWSER_DIR).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const compiled = files.filter((f) => f.endsWith('.js'));
  const scripts = new Map<string, string>();
  if (compiled.length > 0) {
    for (const f of compiled) scripts.set(f, await readFile(new URL(f, BROWSER_DIR), 'utf8'));
    return scripts;
  }
  const ts = (await import('typescript')).default;
  for (const f of files.filter((name) => name.endsWith('.ts'))) {
    const source = await readFile(new URL(f, BROWSER_DIR), 'utf8');
    const out = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, sourceMap: false },
      fileName: f,
    });
    scripts.set(f.replace(/\.ts$/, '.js'), out.outputText);
  }
  return scripts;
}

/** The script named `name` (e.g. "billing.js"), or null when there is none. */
export async function browserScript(name: string): Promise<string | null> {
  loading ??= load().catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return (await loading).get(name) ?? null;
}
