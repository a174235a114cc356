import { isUsableCompanyId } from '../stripe/top-up-metadata.js';
import type { AutoRechargeDeps } from './auto-recharge-deps.js';
import { evaluate, type Decision } from './evaluate.js';

/** Most subscriptions one hint may make us read (each costs a Moesif read, maybe a charge). */
export const HINT_MAX_SUBSCRIPTIONS = 100;

/**
 * "These companies are low" (a Moesif cohort notification): their enabled settings are evaluated
 * now. The hint is never a balance: each evaluation reads Moesif's balance itself, so a false or
 * replayed hint costs a read, never a charge.
 */
export async function applyHint(deps: AutoRechargeDeps, companyIds: readonly string[], subscriptionIds: readonly string[]): Promise<Record<string, Decision>> {
  const companies = companyIds.filter(isUsableCompanyId);
  const settings = await deps.store.autoRecharge.listByCompany(companies, HINT_MAX_SUBSCRIPTIONS);
  const targets = new Set(settings.filter((s) => s.enabled).map((s) => s.subscriptionId));
  for (const id of subscriptionIds) if (targets.size < HINT_MAX_SUBSCRIPTIONS) targets.add(id);
  const decisions: Record<string, Decision> = {};
  for (const subscriptionId of targets) {
    try {
      decisions[subscriptionId] = await evaluate(deps, subscriptionId);
    } catch (err) {
      deps.logger.warn({ err, subscriptionId }, 'auto-recharge evaluation after a hint failed');
    }
  }
  return decisions;
}
