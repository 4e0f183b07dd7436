/**
 * §6 the two ways customers are re-assessed, both on `recordAssessments` (one transaction each):
 *   - `assessCustomers`: named customers at once — the lifecycle's input-change, monitoring and
 *     first assessments (a handful of ids);
 *   - `assessPortfolioPage`: the next page of APPROVED customers of a portfolio run (keyset by id),
 *     the quarterly Schedule's and `ccm risk rescore`'s unit of work.
 * Customers' rows are locked while they are scored, so concurrent assessments of one customer take
 * turns and each records the rating the other left as its `previousRating`.
 */
import type { Db } from '../db/client';
import type { Policy } from '../policy/policy';
import type { KeyRing } from '../security/keyring';
import { loadPortfolioPage, loadRiskInputs } from './inputs';
import { riskPolicyInForce } from './policy-in-force';
import { recordAssessments, type AssessResult, type RiskTrigger } from './record-assessments';

export interface RiskDeps {
  db: Db;
  ring: KeyRing;
  /** The deployed policy (POLICY_FILE); an adopted risk policy may supersede it (policy-in-force.ts). */
  policy: Policy;
}

export async function assessCustomers(
  deps: RiskDeps,
  o: { customerIds: readonly string[]; runKey: string; trigger: RiskTrigger; at: Date },
): Promise<AssessResult & { policyVersion: string }> {
  const policy = await riskPolicyInForce(deps.db, deps.policy);
  const result = await deps.db.$transaction(async (tx) => {
    const items = await loadRiskInputs(tx, deps.ring, o.customerIds, o.at, true);
    return recordAssessments(tx, items, { policy, runKey: o.runKey, trigger: o.trigger, at: o.at });
  });
  return { ...result, policyVersion: policy.version };
}

export interface PortfolioPage {
  /** Customers read in this page (0: the portfolio is done). */
  count: number;
  /** Where the next page starts (the last id read; unchanged when the page was empty). */
  lastCustomerId: string | null;
  result: AssessResult;
}

export async function assessPortfolioPage(
  deps: RiskDeps,
  o: { runKey: string; trigger: RiskTrigger; policy: Policy; dryRun: boolean; afterCustomerId: string | null; untilCustomerId?: string | null; limit: number; at: Date },
): Promise<PortfolioPage> {
  const run = async (tx: Parameters<Parameters<Db['$transaction']>[0]>[0]) => {
    const items = await loadPortfolioPage(tx, deps.ring, { afterCustomerId: o.afterCustomerId, untilCustomerId: o.untilCustomerId ?? null, limit: o.limit, at: o.at, lock: !o.dryRun });
    const result = await recordAssessments(tx, items, { policy: o.policy, runKey: o.runKey, trigger: o.trigger, at: o.at, dryRun: o.dryRun });
    return { count: items.length, lastCustomerId: items.at(-1)?.customerId ?? o.afterCustomerId, result };
  };
  return o.dryRun ? run(deps.db) : deps.db.$transaction(run, { timeout: 60_000 });
}
