import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { ROOT } from '../operations/run-cli.js';

/**
 * The system's Chromium (Debian's `chromium` package, or CHROMIUM_PATH), driven by playwright-core:
 * no browser is downloaded. .ci/run installs the package when it is missing.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null. */
export function chromiumUnavailableReason(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  return `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, as root, or set CHROMIUM_PATH); browser tests skipped`;
}

/** Where the browser tests write their screenshots (gitignored). */
export function screenshotDir(name: string): string {
  const dir = join(ROOT, 'test-output', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A fresh headless Chromium with its own profile, no network features of its own (no QUIC,
 * no background requests, no component updates, no sync): only the pages the test opens.
 * Phone-width by default.
 */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'topup-sync-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 390, height: 844 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 60_000,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
