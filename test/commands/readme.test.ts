import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/env-schema.js';
import { ROOT } from '../operations/run-cli.js';

/** What the README says is true: its configuration table, its commands, its Stripe API version. */
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const envExample = readFileSync(join(ROOT, '.env.example'), 'utf8');
const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

const schemaVars = Object.keys(envSchema.shape).sort();
const readmeVars = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!).sort();
const exampleVars = [...envExample.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!).sort();

describe('README, .env.example and the config schema agree', () => {
  it('the README configuration table lists exactly the schema’s variables, each once', () => {
    expect(readmeVars).toEqual(schemaVars);
  });

  it('.env.example lists exactly the schema’s variables, each once', () => {
    expect(exampleVars).toEqual(schemaVars);
  });

  it('the README names the Stripe API version the service pins (for the webhook endpoint)', () => {
    expect(readme).toContain(`\`${Stripe.API_VERSION}\``);
  });
});

describe('every command the README advertises exists and is started by a test', () => {
  const advertised = [...new Set([...readme.matchAll(/npm run ([a-z][a-z:-]*)/g)].map((m) => m[1]!))].sort();
  const testDirs = ['commands', 'soak'].map((d) => join(ROOT, 'test', d));
  const testSources = testDirs.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => readFileSync(join(dir, f), 'utf8')));

  it('the README advertises the commands users run', () => {
    expect(advertised).toEqual(expect.arrayContaining(['admin', 'bench', 'check:stripe', 'demo', 'reconcile', 'soak']));
  });

  it.each(advertised)('npm run %s is a package.json script', (name) => {
    expect(scripts).toContain(name);
  });

  // `npm run typecheck` is the first half of `npm test`, which CI runs.
  it('npm run typecheck is what npm test runs first', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test!.startsWith(`${pkg.scripts.typecheck} && `)).toBe(true);
  });

  it.each([...advertised.filter((n) => n !== 'typecheck'), 'start'])('npm %s is started through npm by a test', (name) => {
    const call = new RegExp(`(runNpm|new NpmCommand)\\(\\s*'${name}'`);
    expect(testSources.some((src) => call.test(src))).toBe(true);
  });
});
