/**
 * §6 which policy the risk rules run on. `ccm risk rescore --policy <file>` (without --dry-run)
 * adopts a policy version for risk: its scorecards (§6.1), measures and product catalogue (§6.2) are
 * then those in force for every later assessment and product opening — until a policy file of a
 * version at least as new is deployed (POLICY_FILE), which supersedes the adoption.
 *
 * Everything else (review cadence, SLAs, …) always comes from the deployed policy.
 */
import type { Db, DbTx } from '../db/client';
import { parsePolicy, type Policy } from '../policy/policy';

/** Compares policy versions like 2026.12-3 by their numbers (2026.12-10 is newer than 2026.12-9). */
export function comparePolicyVersions(a: string, b: string): number {
  const nums = (v: string) => v.split(/\D+/).filter(Boolean).map(Number);
  const [x, y] = [nums(a), nums(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i += 1) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}

/** The policy the §6 rules run on now: the latest adopted one when newer than the deployed one, else the deployed one. */
export async function riskPolicyInForce(db: Db | DbTx, deployed: Policy): Promise<Policy> {
  const adopted = await db.riskPolicyAdoption.findFirst({ orderBy: { adoptedAt: 'desc' }, select: { version: true, document: true } });
  if (!adopted || comparePolicyVersions(adopted.version, deployed.version) <= 0) return deployed;
  return parsePolicy(adopted.document);
}
