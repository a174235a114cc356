import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Transpiles every .ts file under `dirs` (relative to `root`) into `outDir`, keeping the layout
 * (src/main.ts → <outDir>/src/main.js), one file per module and nothing bundled: the transform tsx
 * applies to each module as it loads, done ahead of time. Each file takes the settings of its
 * nearest tsconfig.json, as under tsx (the billing page's browser scripts have their own).
 * Type checking is not done here: `npm test` runs tsc first.
 *
 * `outDir` must be inside the project, so the copies resolve the project's node_modules and its
 * package.json's "type": "module".
 */
export async function transpileTree(root: string, outDir: string, dirs: string[]): Promise<number> {
  const entryPoints = dirs.flatMap((dir) => typeScriptFiles(join(root, dir)));
  await build({
    entryPoints,
    outdir: outDir,
    outbase: root,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return entryPoints.length;
}

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}
