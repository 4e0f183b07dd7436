/**
 * src/domain/service-tiers.ts: §4.1 / §4.2 service tier of every segment and the relationship
 * coverage rule (a dedicated relationship manager for VIP, HIGH_NET_WORTH, MEDIUM and LARGE; a team
 * for HIGH_NET_WORTH and LARGE), read from the policy configuration's `serviceTiers`.
 */
import { classifyEnterprise, classifyIndividual } from '../../src/domain/classification';
import { coverageFor, serviceTierFor, type Coverage } from '../../src/domain/service-tiers';
import { DEFAULT_POLICY, parsePolicy, SEGMENTS, type Policy, type Segment } from '../../src/policy/policy';

function policyWith(change: (p: Policy) => void): Policy {
  const copy = structuredClone(DEFAULT_POLICY);
  change(copy);
  return parsePolicy(copy);
}

describe('serviceTierFor: the entitlements of every segment', () => {
  it.each<[segment: Segment, clause: string, codes: string[]]>([
    ['REGULAR', '§4.1', ['DEPOSITS', 'TRANSFERS', 'CARDS', 'ONLINE_SELF_SERVICE', 'BRANCH_GUIDES']],
    ['VIP', '§4.1', ['DEDICATED_CHANNEL', 'DEDICATED_HOTLINE', 'DEDICATED_FINANCIAL_ADVISOR', 'PERSONAL_FINANCIAL_PLAN', 'VIP_EVENTS']],
    ['HIGH_NET_WORTH', '§4.1', ['TAILORED_ASSET_MANAGEMENT', 'TAX_PLANNING', 'TRUSTS', 'EXPERT_TEAM']],
    ['SMALL', '§4.2', ['SMALL_BUSINESS_LOANS', 'SIMPLIFIED_FAST_APPROVAL', 'FINANCE_TAX_ADVISORY']],
    ['MEDIUM', '§4.2', ['WORKING_CAPITAL_FINANCE', 'PROJECT_FINANCE', 'TRADE_FINANCE', 'FINANCE_LEAD_CONTACT']],
    ['LARGE', '§4.2', ['DEDICATED_RELATIONSHIP_TEAM', 'ONE_STOP_SERVICE', 'PROJECT_FINANCING', 'CAPITAL_MARKETS', 'HQ_BRANCH_COORDINATION']],
  ])('%s (%s): %j', (segment, clause, codes) => {
    const tier = serviceTierFor(segment, DEFAULT_POLICY);
    expect(tier.segment).toBe(segment);
    expect(tier.clause).toBe(clause);
    expect(tier.entitlements.map((e) => e.code)).toEqual(codes);
    for (const e of tier.entitlements) expect(e.description).toMatch(/\S/);
    expect(tier.summary).toMatch(/\S/);
  });

  it('the table above covers every segment the policy knows', () => {
    expect([...SEGMENTS].sort()).toEqual(['HIGH_NET_WORTH', 'LARGE', 'MEDIUM', 'REGULAR', 'SMALL', 'VIP']);
    expect(Object.keys(DEFAULT_POLICY.serviceTiers).sort()).toEqual([...SEGMENTS].sort());
  });

  it('VIP has a dedicated hotline and advisor, REGULAR has neither (§4.1)', () => {
    const codes = (s: Segment) => serviceTierFor(s, DEFAULT_POLICY).entitlements.map((e) => e.code);
    expect(codes('VIP')).toEqual(expect.arrayContaining(['DEDICATED_HOTLINE', 'DEDICATED_FINANCIAL_ADVISOR']));
    expect(codes('REGULAR')).not.toEqual(expect.arrayContaining(['DEDICATED_HOTLINE']));
  });

  it('reads the tier from the policy in force (a custom policy changes it)', () => {
    const custom = policyWith((p) => {
      p.serviceTiers.REGULAR.entitlements.push({ code: 'SAVINGS_GOALS', description: 'Savings goals in the app' });
      p.serviceTiers.REGULAR.summary = 'Standard services plus savings goals';
    });
    const tier = serviceTierFor('REGULAR', custom);
    expect(tier.entitlements.at(-1)).toEqual({ code: 'SAVINGS_GOALS', description: 'Savings goals in the app' });
    expect(tier.summary).toBe('Standard services plus savings goals');
    expect(serviceTierFor('REGULAR', DEFAULT_POLICY).entitlements.map((e) => e.code)).not.toContain('SAVINGS_GOALS');
  });

  it.each(['PLATINUM', 'regular', '', 'toString', '__proto__'])('rejects unknown segment %j with a RangeError', (segment) => {
    expect(() => serviceTierFor(segment as Segment, DEFAULT_POLICY)).toThrow(RangeError);
    expect(() => serviceTierFor(segment as Segment, DEFAULT_POLICY)).toThrow(
      `unknown segment ${JSON.stringify(segment)}: policy ${DEFAULT_POLICY.version} has service tiers for REGULAR, VIP, HIGH_NET_WORTH, SMALL, MEDIUM, LARGE`,
    );
    expect(() => coverageFor(segment as Segment, DEFAULT_POLICY)).toThrow(RangeError);
  });

  it('returns copies: changing a result does not change the policy', () => {
    const tier = serviceTierFor('HIGH_NET_WORTH', DEFAULT_POLICY);
    tier.entitlements.push({ code: 'X', description: 'x' });
    tier.entitlements[0]!.code = 'CHANGED';
    tier.coverage.team.push('ASTROLOGER');
    coverageFor('LARGE', DEFAULT_POLICY).team.length = 0;
    expect(DEFAULT_POLICY.serviceTiers.HIGH_NET_WORTH.entitlements.map((e) => e.code)).toEqual([
      'TAILORED_ASSET_MANAGEMENT',
      'TAX_PLANNING',
      'TRUSTS',
      'EXPERT_TEAM',
    ]);
    expect(DEFAULT_POLICY.serviceTiers.HIGH_NET_WORTH.coverage.team).toHaveLength(3);
    expect(DEFAULT_POLICY.serviceTiers.LARGE.coverage.team).toEqual(['RELATIONSHIP_TEAM']);
  });
});

describe('coverageFor: dedicated manager for VIP, HIGH_NET_WORTH, MEDIUM, LARGE; a team for HIGH_NET_WORTH and LARGE', () => {
  it.each<[segment: Segment, coverage: Coverage]>([
    ['REGULAR', { dedicatedManager: false, team: [] }],
    ['VIP', { dedicatedManager: true, team: [] }],
    ['HIGH_NET_WORTH', { dedicatedManager: true, team: ['INVESTMENT_EXPERT', 'LEGAL_EXPERT', 'ACCOUNTING_EXPERT'] }],
    ['SMALL', { dedicatedManager: false, team: [] }],
    ['MEDIUM', { dedicatedManager: true, team: [] }],
    ['LARGE', { dedicatedManager: true, team: ['RELATIONSHIP_TEAM'] }],
  ])('%s → %j', (segment, coverage) => {
    expect(coverageFor(segment, DEFAULT_POLICY)).toEqual(coverage);
    expect(serviceTierFor(segment, DEFAULT_POLICY).coverage).toEqual(coverage);
  });

  it('reads the rule from the policy in force (a custom policy gives SMALL a manager)', () => {
    const custom = policyWith((p) => {
      p.serviceTiers.SMALL.coverage = { dedicatedManager: true, team: ['CREDIT_ANALYST'] };
    });
    expect(coverageFor('SMALL', custom)).toEqual({ dedicatedManager: true, team: ['CREDIT_ANALYST'] });
    expect(coverageFor('SMALL', DEFAULT_POLICY)).toEqual({ dedicatedManager: false, team: [] });
  });
});

describe('classification → service tier (the segment code is the key)', () => {
  const asOf = new Date('2026-11-15T12:00:00Z');

  it.each<[assets: number, segment: Segment, manager: boolean]>([
    [99_999.99, 'REGULAR', false],
    [100_000, 'VIP', true],
    [1_000_000, 'HIGH_NET_WORTH', true],
  ])('an individual with %d USD gets the %s tier (dedicated manager: %s)', (totalAssetsUsd, segment, manager) => {
    const { segment: s } = classifyIndividual({ dateOfBirth: '1980-01-01', totalAssetsUsd }, asOf, DEFAULT_POLICY);
    expect(s).toBe(segment);
    expect(serviceTierFor(s, DEFAULT_POLICY).segment).toBe(segment);
    expect(coverageFor(s, DEFAULT_POLICY).dedicatedManager).toBe(manager);
  });

  it.each<[employees: number, segment: Segment, team: number]>([
    [99, 'SMALL', 0],
    [100, 'MEDIUM', 0],
    [1_000, 'LARGE', 1],
  ])('an enterprise with %d employees gets the %s tier (%d team roles)', (employees, segment, team) => {
    const { segment: s } = classifyEnterprise({ employees, annualRevenueUsd: 1_000_000, totalAssetsUsd: 0, naicsCode: '311' }, DEFAULT_POLICY);
    expect(s).toBe(segment);
    expect(serviceTierFor(s, DEFAULT_POLICY).clause).toBe('§4.2');
    expect(coverageFor(s, DEFAULT_POLICY).team).toHaveLength(team);
  });
});
