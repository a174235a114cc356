import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { FakeMoesif } from '../../src/simulators/fake-moesif.js';
import { FakeStripe } from '../../src/simulators/stripe/fake-stripe.js';
import { ALICE, MOESIF_KEY } from '../support/harness.js';
import { killNpmCommands } from './npm-command.js';

export interface SimulatedWorld {
  stripe: FakeStripe;
  moesif: FakeMoesif;
  /** A temporary directory for the commands' databases. */
  dir: string;
}

/**
 * For a describe block of npm commands run against the simulators: a fake Stripe (with ALICE),
 * a fake Moesif and a temporary directory for the whole block; afterwards every command still
 * running is killed and everything is removed.
 */
export function simulatedWorld(prefix: string): SimulatedWorld {
  const world = {} as SimulatedWorld;
  beforeAll(async () => {
    world.stripe = await new FakeStripe().start();
    world.moesif = await new FakeMoesif({ apiKey: MOESIF_KEY }).start();
    world.stripe.addCustomer(structuredClone(ALICE));
    world.dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await killNpmCommands();
    await world.stripe?.stop();
    await world.moesif?.stop();
    if (world.dir) rmSync(world.dir, { recursive: true, force: true });
  });
  return world;
}
