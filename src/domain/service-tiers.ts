/**
 * §4 service strategy by segment: what each segment is entitled to (§4.1 individuals, §4.2
 * enterprises) and who looks after it. The tables are the policy configuration's `serviceTiers`
 * (src/policy/policy.ts); this module only reads them.
 *
 * Relationship coverage (DEFAULT_POLICY): a dedicated relationship manager for VIP, HIGH_NET_WORTH,
 * MEDIUM and LARGE; in addition a team for HIGH_NET_WORTH (investment, legal and accounting experts,
 * §4.1) and LARGE (a dedicated relationship team, §4.2).
 *
 * Pure and deterministic, no Node built-ins, policy types only: workflows may import it. Results
 * are fresh copies, so a caller cannot change the policy in force through them.
 */
import type { Policy, Segment, ServiceTierConfig } from '../policy/policy';

export interface Entitlement {
  /** e.g. DEPOSITS, DEDICATED_HOTLINE */
  code: string;
  description: string;
}

export interface Coverage {
  /** A dedicated relationship manager is assigned. */
  dedicatedManager: boolean;
  /** Roles / expertise of the team serving the customer besides the manager; empty when none. */
  team: string[];
}

export interface ServiceTier {
  segment: Segment;
  /** The clause that sets the tier: §4.1 for individual segments, §4.2 for enterprise ones. */
  clause: '§4.1' | '§4.2';
  summary: string;
  entitlements: Entitlement[];
  coverage: Coverage;
}

/** Which §4 clause covers each segment (exhaustive: a new segment does not compile until placed). */
const CLAUSE_OF: Readonly<Record<Segment, ServiceTier['clause']>> = {
  REGULAR: '§4.1',
  VIP: '§4.1',
  HIGH_NET_WORTH: '§4.1',
  SMALL: '§4.2',
  MEDIUM: '§4.2',
  LARGE: '§4.2',
};

function tierConfig(segment: Segment, policy: Policy): ServiceTierConfig {
  const tiers: Partial<Record<string, ServiceTierConfig>> = policy.serviceTiers;
  const tier = Object.prototype.hasOwnProperty.call(tiers, segment) ? tiers[segment] : undefined;
  if (!tier) {
    throw new RangeError(
      `unknown segment ${JSON.stringify(segment)}: policy ${policy.version} has service tiers for ${Object.keys(tiers).join(', ')}`,
    );
  }
  return tier;
}

/** §4.1 / §4.2 the service tier of `segment` under `policy`; a RangeError for an unknown segment. */
export function serviceTierFor(segment: Segment, policy: Policy): ServiceTier {
  const tier = tierConfig(segment, policy);
  return {
    segment,
    clause: CLAUSE_OF[segment],
    summary: tier.summary,
    entitlements: tier.entitlements.map(({ code, description }) => ({ code, description })),
    coverage: copyCoverage(tier),
  };
}

/** §4 relationship coverage of `segment`: dedicated manager or not, and the team's roles. */
export function coverageFor(segment: Segment, policy: Policy): Coverage {
  return copyCoverage(tierConfig(segment, policy));
}

function copyCoverage(tier: ServiceTierConfig): Coverage {
  return { dedicatedManager: tier.coverage.dedicatedManager, team: [...tier.coverage.team] };
}
