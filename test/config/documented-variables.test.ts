import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { envSchema } from '../../src/config/env-schema.js';

/** README, .env.example and the schema agree: every variable once, with the same default. */
const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');
const schemaVariables = Object.keys(envSchema.shape).sort();
const example = dotenv.parse(read('.env.example'));
const exampleVariables = read('.env.example')
  .split('\n')
  .filter((l) => /^[A-Z]/.test(l))
  .map((l) => l.split('=')[0]!);
const readmeRows = [...read('README.md').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => ({ name: m[1]!, def: m[2]!.trim() }));
const MINIMAL = { STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x', MOESIF_MANAGEMENT_API_KEY: 'm', TOP_UP_API_KEYS: 'api-key-0123456789abcdef' };

describe('documented variables', () => {
  it('.env.example names every variable of the schema exactly once', () => {
    expect([...exampleVariables].sort()).toEqual(schemaVariables);
  });

  it("the README's configuration table names every variable of the schema exactly once", () => {
    expect(readmeRows.map((r) => r.name).sort()).toEqual(schemaVariables);
  });

  it('every value shown in .env.example is the default', () => {
    const defaults = loadConfig(MINIMAL);
    for (const [name, value] of Object.entries(example)) {
      if (value === '' || name in MINIMAL) continue;
      expect(loadConfig({ ...MINIMAL, [name]: value }), name).toEqual(defaults);
    }
  });

  it('a default the README shows as a literal is the one .env.example shows (when it shows one)', () => {
    for (const { name, def } of readmeRows) {
      const literal = /^`([^`]*)`$/.exec(def)?.[1];
      if (literal !== undefined && example[name] !== '') expect(example[name], name).toBe(literal);
    }
  });
});
