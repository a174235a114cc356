import { afterEach, describe, expect, it } from 'vitest';
import { cleanupServiceProcesses, ServiceProcess } from '../crash/service-process.js';

/** src/main.ts with a bad environment: refuse to start, say what is wrong, exit non-zero. */
describe('entry point with a bad environment', () => {
  afterEach(async () => {
    await cleanupServiceProcesses();
  });

  it('exits non-zero (EX_CONFIG) and lists every missing required variable on stderr', async () => {
    const child = new ServiceProcess({});
    const exit = await child.waitForExit(20_000);
    expect(exit.code).not.toBe(0);
    expect(exit.code).toBe(78);
    // The three required secrets, and the missing /top-up authentication, in one start-up message.
    for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'MOESIF_MANAGEMENT_API_KEY', 'TOP_UP_API_KEYS']) {
      expect(child.stderr).toContain(name);
    }
    expect(child.stdout).not.toContain('topup-sync listening');
  });

  it('does not echo the secrets it was given when another variable is wrong', async () => {
    const child = new ServiceProcess({
      STRIPE_SECRET_KEY: 'sk_test_do_not_print_me',
      STRIPE_WEBHOOK_SECRET: 'whsec_do_not_print_me',
      MOESIF_MANAGEMENT_API_KEY: 'moesif-do-not-print-me',
      TOP_UP_API_KEYS: 'api-key-do-not-print-me-0123',
      PORT: 'not-a-port',
    });
    const exit = await child.waitForExit(20_000);
    expect(exit.code).toBe(78);
    expect(child.stderr).toContain('PORT');
    for (const secret of ['sk_test_do_not_print_me', 'whsec_do_not_print_me', 'moesif-do-not-print-me', 'api-key-do-not-print-me-0123']) {
      expect(child.stderr + child.stdout).not.toContain(secret);
    }
  });
});
