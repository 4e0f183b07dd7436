/**
 * src/policy/policy.ts: the bank's policy (/work/shared/policy.md) as one validated configuration.
 * The defaults must be exactly the numbers policy.md gives, clause by clause; a policy file that
 * breaks the schema or the policy's own ordering rules must be refused with a message that names
 * the offending path; POLICY_FILE problems must name the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NAICS_2022_SECTORS } from '../../src/domain/naics';
import {
  DEFAULT_POLICY,
  loadPolicy,
  parsePolicy,
  PolicyError,
  policySchema,
  reminderEscalationDelayMs,
  SEGMENTS,
  type CodeFactorConfig,
  type NumericFactorConfig,
  type Policy,
} from '../../src/policy/policy';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A deep copy of the defaults with one change applied. */
function withChange(change: (p: Record<string, any>) => void): Record<string, any> {
  const copy = structuredClone(DEFAULT_POLICY) as Record<string, any>;
  change(copy);
  return copy;
}

function policyErrorOf(input: unknown): PolicyError {
  try {
    parsePolicy(input);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return err as PolicyError;
  }
  throw new Error('parsePolicy accepted an invalid policy');
}

describe('DEFAULT_POLICY carries policy.md defaults', () => {
  const get = (p: Policy, dotted: string): unknown =>
    dotted.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], p);

  it.each<[clause: string, path: string, value: number]>([
    ['§2.1 under 18 not onboarded as a primary customer', 'individual.minimumAgeYears', 18],
    ['§2.1 young 18–35', 'individual.ageGroups.youngMaxAge', 35],
    ['§2.1 middle-aged 36–60, senior over 60', 'individual.ageGroups.middleAgedMaxAge', 60],
    ['§2.1 VIP from USD 100,000', 'individual.assetTiers.vipFromUsd', 100_000],
    ['§2.1 HIGH_NET_WORTH from USD 1,000,000', 'individual.assetTiers.highNetWorthFromUsd', 1_000_000],
    ['§2.2 LARGE when employees ≥ 1,000', 'enterprise.large.employeesFrom', 1_000],
    ['§2.2 LARGE when revenue ≥ USD 500M', 'enterprise.large.revenueFromUsd', 500_000_000],
    ['§2.2 LARGE when assets ≥ USD 500M', 'enterprise.large.assetsFromUsd', 500_000_000],
    ['§2.2 SMALL when employees < 100', 'enterprise.small.employeesBelow', 100],
    ['§2.2 SMALL when revenue < USD 10M', 'enterprise.small.revenueBelowUsd', 10_000_000],
    ['§3.2 individual review every 6 months', 'review.individualEveryMonths', 6],
    ['§3.2 enterprise review every quarter', 'review.enterpriseEveryMonths', 3],
    ['§5.2 individual response within 24 hours', 'feedback.individualResponseHours', 24],
    ['§5.2 enterprise target 3 business days', 'feedback.enterpriseTargetBusinessDays', 3],
    ['§5.2 enterprise hard limit 5 business days', 'feedback.enterpriseLimitBusinessDays', 5],
    ['§5.2 simple enterprise target 1 business day (ours)', 'feedback.enterpriseSimpleTargetBusinessDays', 1],
    ['§5.2 simple enterprise hard limit 2 business days (ours)', 'feedback.enterpriseSimpleLimitBusinessDays', 2],
    ['§5.2 executive on duty 8 hours after an individual’s deadline', 'feedback.executiveEscalationAfter.individualHours', 8],
    ['§5.2 executive on duty 1 business day after an enterprise’s target', 'feedback.executiveEscalationAfter.enterpriseBusinessDays', 1],
    ['§5.2 a satisfaction score of 2 or less reopens', 'feedback.lowSatisfactionScore', 2],
    ['§5.2 survey link valid 14 days', 'feedback.surveyLinkValidDays', 14],
    ['§6.2 MEDIUM/C re-assessed monthly', 'risk.closeMonitoringEveryMonths', 1],
    ['§6.2 everyone re-assessed quarterly', 'risk.everyoneEveryMonths', 3],
    ['§6.1 individual MEDIUM from a total of 35 points', 'riskScorecards.individual.ratingFrom.MEDIUM', 35],
    ['§6.1 individual HIGH from a total of 60 points', 'riskScorecards.individual.ratingFrom.HIGH', 60],
    ['§6.1 enterprise B from a total of 25 points', 'riskScorecards.enterprise.ratingFrom.B', 25],
    ['§6.1 enterprise C from a total of 50 points', 'riskScorecards.enterprise.ratingFrom.C', 50],
    ['§6.1 enterprise D from a total of 80 points', 'riskScorecards.enterprise.ratingFrom.D', 80],
    ['§6.1 an assessment gives its top 3 reasons', 'riskScorecards.topReasons', 3],
    ['§6.2 HIGH: mitigation plan within 10 business days', 'riskScorecards.individual.measures.HIGH.investigation.mitigationPlanDueBusinessDays', 10],
    ['§6.2 D: mitigation plan within 10 business days', 'riskScorecards.enterprise.measures.D.investigation.mitigationPlanDueBusinessDays', 10],
  ])('%s: %s = %d', (_clause, dotted, value) => {
    expect(get(DEFAULT_POLICY, dotted)).toBe(value);
  });

  it('§5.2 escalation of an unacknowledged reminder after 2 days', () => {
    expect(DEFAULT_POLICY.reminders.escalateAfter).toBe('P2D');
    expect(reminderEscalationDelayMs(DEFAULT_POLICY)).toBe(2 * DAY_MS);
  });

  it('§7.1 training: a foundation course of 4 weeks, reminded a day before each module, overdue 2 days after it, pass score 70, 2 advanced courses a year', () => {
    expect(DEFAULT_POLICY.training).toMatchObject({ foundation: { weeks: 4 }, remindBefore: 'P1D', overdueAfter: 'P2D', passScore: 70, advanced: { perYear: 2, reminderMonths: [7, 10] } });
  });

  it('has a version in the YYYY.MM-N form', () => {
    expect(DEFAULT_POLICY.version).toMatch(/^\d{4}\.(0[1-9]|1[0-2])-\d+$/);
  });

  it('passes its own schema unchanged', () => {
    expect(parsePolicy(DEFAULT_POLICY)).toEqual(DEFAULT_POLICY);
    expect(policySchema.safeParse(DEFAULT_POLICY).success).toBe(true);
  });

  it('has no keys beyond the ones checked here (every value is traced to a clause)', () => {
    expect(Object.keys(DEFAULT_POLICY).sort()).toEqual(
      ['contact', 'enterprise', 'feedback', 'individual', 'lifecycle', 'onboarding', 'products', 'reminders', 'review', 'risk', 'riskScorecards', 'security', 'serviceTiers', 'staffAssessment', 'training', 'version'].sort(),
    );
  });
});

describe('§2.3 onboarding review timing', () => {
  it('defaults: the bank\'s business days in New York; audit team reminded after 2, customer after 5, closed after 10', () => {
    expect(DEFAULT_POLICY.onboarding).toEqual({
      timeZone: 'America/New_York',
      reviewReminderAfterBusinessDays: 2,
      infoReminderAfterBusinessDays: 5,
      infoLimitBusinessDays: 10,
    });
  });

  it.each([
    [{ timeZone: 'Mars/Olympus_Mons' }, 'onboarding.timeZone: an IANA time zone such as America/New_York'],
    [{ infoReminderAfterBusinessDays: 10 }, 'onboarding.infoReminderAfterBusinessDays: the reminder must come before the limit'],
    [{ reviewReminderAfterBusinessDays: 0 }, 'onboarding.reviewReminderAfterBusinessDays'],
  ])('rejects %j', (override, message) => {
    expect(() => parsePolicy({ ...DEFAULT_POLICY, onboarding: { ...DEFAULT_POLICY.onboarding, ...override } })).toThrow(message);
  });
});

describe('§5.2 feedback: defaults and validation', () => {
  it('§5.2 defaults: reminders at 50 % and 80 %, case numbers FB-…, categories, severities, routing to the named departments', () => {
    const f = DEFAULT_POLICY.feedback;
    expect(f.reminderFractions).toEqual([0.5, 0.8]);
    expect(f.caseNumberPrefix).toBe('FB');
    expect(f.categories).toEqual(['ACCOUNT', 'CARD', 'LOAN', 'PAYMENT', 'SERVICE_QUALITY', 'FEES', 'DIGITAL', 'OTHER']);
    expect(f.severities).toEqual(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
    expect(f.defaultDepartmentCode).toBe('CUSTOMER_SERVICE');
    expect(f.routing.map((r) => [r.id, r.departmentCode])).toEqual([
      ['critical-to-complaints', 'COMPLAINTS'],
      ['service-quality-to-complaints', 'COMPLAINTS'],
      ['high-fees-to-complaints', 'COMPLAINTS'],
      ['cards', 'CARDS'],
      ['loans', 'LENDING'],
      ['payments', 'PAYMENTS'],
      ['digital', 'DIGITAL'],
    ]);
  });

  it('the version changed with the §3.1 security section (2026.12-5; -4 brought §7.1 training and §7.2 staff assessment, -3 the §6 risk scorecards)', () => {
    expect(DEFAULT_POLICY.version).toBe('2026.12-5');
  });

  it.each<[string, (p: Record<string, any>) => void]>([
    ['§5.2 simple target equal to its hard limit', (p) => { p.feedback.enterpriseSimpleTargetBusinessDays = 2; }],
    ['§5.2 no reminders', (p) => { p.feedback.reminderFractions = []; }],
    ['§5.2 one reminder at 90 %', (p) => { p.feedback.reminderFractions = [0.9]; }],
    ['§5.2 three reminders', (p) => { p.feedback.reminderFractions = [0.25, 0.5, 0.75]; }],
    ['§5.2 only a score of 1 reopens', (p) => { p.feedback.lowSatisfactionScore = 1; }],
    ['§5.2 scores up to 4 reopen', (p) => { p.feedback.lowSatisfactionScore = 4; }],
    ['§5.2 no routing rules (everything to the default department)', (p) => { p.feedback.routing = []; }],
    ['§5.2 a rule on every condition', (p) => { p.feedback.routing.push({ id: 'all', when: { category: 'OTHER', severity: 'LOW', customerType: 'ENTERPRISE', channel: 'SUGGESTION_BOX', complexity: 'SIMPLE' }, departmentCode: 'QUALITY' }); }],
    ['§5.2 a longer prefix', (p) => { p.feedback.caseNumberPrefix = 'CMPLNT'; }],
  ])('accepts %s', (_name, change) => {
    const input = withChange(change);
    expect(parsePolicy(input)).toEqual(input);
  });

  it.each<[string, (p: Record<string, any>) => void, string]>([
    ['§5.2 simple target above its hard limit', (p) => { p.feedback.enterpriseSimpleTargetBusinessDays = 3; }, 'feedback.enterpriseSimpleTargetBusinessDays: the target may not exceed the hard limit (enterpriseSimpleLimitBusinessDays)'],
    ['§5.2 a zero simple hard limit', (p) => { p.feedback.enterpriseSimpleLimitBusinessDays = 0; }, 'feedback.enterpriseSimpleLimitBusinessDays:'],
    ['§5.2 a reminder fraction of 0', (p) => { p.feedback.reminderFractions = [0, 0.8]; }, 'feedback.reminderFractions.0: a fraction above 0'],
    ['§5.2 a reminder fraction of 1', (p) => { p.feedback.reminderFractions = [0.5, 1]; }, 'feedback.reminderFractions.1: a fraction below 1 (the deadline itself escalates)'],
    ['§5.2 a reminder fraction above 1', (p) => { p.feedback.reminderFractions = [50]; }, 'feedback.reminderFractions.0: a fraction below 1'],
    ['§5.2 reminder fractions descending', (p) => { p.feedback.reminderFractions = [0.8, 0.5]; }, 'feedback.reminderFractions.1: must be above the fraction before it (0.8): fractions ascend'],
    ['§5.2 a repeated reminder fraction', (p) => { p.feedback.reminderFractions = [0.5, 0.5]; }, 'feedback.reminderFractions.1: must be above the fraction before it (0.5): fractions ascend'],
    ['§5.2 a reminder fraction as a string', (p) => { p.feedback.reminderFractions = ['50%']; }, 'feedback.reminderFractions.0:'],
    ['§5.2 executive escalation after 0 hours', (p) => { p.feedback.executiveEscalationAfter.individualHours = 0; }, 'feedback.executiveEscalationAfter.individualHours:'],
    ['§5.2 executive escalation after half a business day', (p) => { p.feedback.executiveEscalationAfter.enterpriseBusinessDays = 0.5; }, 'feedback.executiveEscalationAfter.enterpriseBusinessDays:'],
    ['§5.2 executive escalation as a duration string', (p) => { p.feedback.executiveEscalationAfter = 'PT8H'; }, 'feedback.executiveEscalationAfter:'],
    ['§5.2 an unknown key in executiveEscalationAfter', (p) => { p.feedback.executiveEscalationAfter.vipHours = 2; }, 'feedback.executiveEscalationAfter: Unrecognized key: "vipHours"'],
    ['§5.2 a low score of 0', (p) => { p.feedback.lowSatisfactionScore = 0; }, 'feedback.lowSatisfactionScore: a score from 1'],
    ['§5.2 a low score of 5 (every answer would reopen)', (p) => { p.feedback.lowSatisfactionScore = 5; }, 'feedback.lowSatisfactionScore: at most 4 (a score of 5 must be able to close a case)'],
    ['§5.2 a fractional low score', (p) => { p.feedback.lowSatisfactionScore = 2.5; }, 'feedback.lowSatisfactionScore:'],
    ['§5.2 a survey link valid 0 days', (p) => { p.feedback.surveyLinkValidDays = 0; }, 'feedback.surveyLinkValidDays:'],
    ['§5.2 a lower-case case-number prefix', (p) => { p.feedback.caseNumberPrefix = 'fb'; }, 'feedback.caseNumberPrefix: 2–8 capital letters A–Z, e.g. FB'],
    ['§5.2 a case-number prefix with a dash', (p) => { p.feedback.caseNumberPrefix = 'F-B'; }, 'feedback.caseNumberPrefix: 2–8 capital letters A–Z'],
    ['§5.2 no categories', (p) => { p.feedback.categories = []; p.feedback.routing = []; }, 'feedback.categories: at least one category'],
    ['§5.2 a duplicate category', (p) => { p.feedback.categories.push('CARD'); }, 'feedback.categories.8: duplicate category CARD'],
    ['§5.2 a category that is not a code', (p) => { p.feedback.categories[0] = 'Account'; }, 'feedback.categories.0: an UPPER_SNAKE_CASE code'],
    ['§5.2 no severities', (p) => { p.feedback.severities = []; p.feedback.routing = []; }, 'feedback.severities: at least one severity'],
    ['§5.2 a duplicate severity', (p) => { p.feedback.severities.push('LOW'); }, 'feedback.severities.4: duplicate severity LOW'],
    ['§5.2 a duplicate rule id', (p) => { p.feedback.routing[4].id = 'cards'; }, 'feedback.routing.4: duplicate rule id cards'],
    ['§5.2 a rule id that is not kebab-case', (p) => { p.feedback.routing[0].id = 'Critical Cases'; }, 'feedback.routing.0.id: a lower-case kebab-case rule id, e.g. cards-to-cards'],
    ['§5.2 the reserved rule id "default"', (p) => { p.feedback.routing[0].id = 'default'; }, 'feedback.routing.0.id: "default" is reserved for the default route'],
    ['§5.2 a rule on an unknown category', (p) => { p.feedback.routing[3].when.category = 'CARDS'; }, 'feedback.routing.3.when.category: unknown category CARDS (not in feedback.categories)'],
    ['§5.2 a rule on an unknown severity', (p) => { p.feedback.routing[0].when.severity = 'URGENT'; }, 'feedback.routing.0.when.severity: unknown severity URGENT (not in feedback.severities)'],
    ['§5.2 a category removed that a rule still names', (p) => { p.feedback.categories = p.feedback.categories.filter((c: string) => c !== 'LOAN'); }, 'feedback.routing.4.when.category: unknown category LOAN'],
    ['§5.2 a rule on an unknown channel', (p) => { p.feedback.routing[0].when.channel = 'EMAIL'; }, 'feedback.routing.0.when.channel: one of HOTLINE, ONLINE, SUGGESTION_BOX'],
    ['§5.2 a rule on an unknown customer type', (p) => { p.feedback.routing[0].when.customerType = 'PERSON'; }, 'feedback.routing.0.when.customerType: one of INDIVIDUAL, ENTERPRISE'],
    ['§5.2 a rule on an unknown complexity', (p) => { p.feedback.routing[0].when.complexity = 'HARD'; }, 'feedback.routing.0.when.complexity: one of SIMPLE, COMPLEX'],
    ['§5.2 a rule with an unknown condition', (p) => { p.feedback.routing[0].when.segment = 'VIP'; }, 'feedback.routing.0.when: Unrecognized key: "segment"'],
    ['§5.2 a rule with no condition', (p) => { p.feedback.routing[0].when = {}; }, 'feedback.routing.0.when: names no condition (use defaultDepartmentCode for everything else)'],
    ['§5.2 a rule without a department', (p) => { delete p.feedback.routing[2].departmentCode; }, 'feedback.routing.2.departmentCode:'],
    ['§5.2 a department code that is not a code', (p) => { p.feedback.routing[2].departmentCode = 'complaints desk'; }, 'feedback.routing.2.departmentCode: an UPPER_SNAKE_CASE code'],
    ['§5.2 no default department', (p) => { delete p.feedback.defaultDepartmentCode; }, 'feedback.defaultDepartmentCode:'],
    ['§5.2 departments listed in the policy (they live in the database)', (p) => { p.feedback.departments = ['CARDS']; }, 'feedback: Unrecognized key: "departments"'],
  ])('rejects %s', (_name, change, expected) => {
    const err = policyErrorOf(withChange(change));
    expect(err.message).toContain(expected);
  });

  it('reports each bad feedback field on its own path', () => {
    const err = policyErrorOf(
      withChange((p) => {
        p.feedback.reminderFractions = [0.9, 0.3];
        p.feedback.enterpriseSimpleTargetBusinessDays = 5;
        p.feedback.routing[3].when.category = 'NOPE';
      }),
    );
    const paths = err.message.replace(/^invalid policy: /, '').split('; ').map((part) => part.split(':')[0]);
    expect(paths.sort()).toEqual(['feedback.enterpriseSimpleTargetBusinessDays', 'feedback.reminderFractions.1', 'feedback.routing.3.when.category']);
  });
});

describe('§6.1 / §6.2 riskScorecards and products: defaults and validation', () => {
  const S = DEFAULT_POLICY.riskScorecards;

  it('§6.1 every numeric factor has ascending bands, the first without "from", points following its risk direction', () => {
    const all: [string, NumericFactorConfig | CodeFactorConfig][] = [...Object.entries(S.individual.factors), ...Object.entries(S.enterprise.factors)];
    const numeric = all.filter((entry): entry is [string, NumericFactorConfig] => 'bands' in entry[1]);
    expect(numeric.map(([name]) => name).sort()).toEqual(
      ['creditScore', 'delinquencies', 'defaults', 'employmentTenureMonths', 'incomeVariability', 'debtToIncome', 'yearsInBusiness', 'revenueTrend', 'customerConcentration', 'leverage', 'liquidity', 'interestCover', 'profitability'].sort(),
    );
    for (const [name, factor] of numeric) {
      const froms = factor.bands.map((b) => b.from);
      expect({ name, first: froms[0] }).toEqual({ name, first: undefined });
      const rest = froms.slice(1) as number[];
      expect({ name, froms: rest }).toEqual({ name, froms: [...rest].sort((a, b) => a - b) });
      const points = factor.bands.map((b) => b.points);
      const sorted = [...points].sort((a, b) => (factor.risk === 'RISES_WITH_VALUE' ? a - b : b - a));
      expect({ name, points }).toEqual({ name, points: sorted });
    }
  });

  it('§6.1 industry risk: every 2022 NAICS sector has a row', () => {
    expect(Object.keys(S.enterprise.factors.industry.points).sort()).toEqual(NAICS_2022_SECTORS.map((s) => s.code).sort());
  });

  it('§6.1 missing-input rules: the credit score, tenure, industry and years in business score their worst band; the rest cap the rating', () => {
    const rules = (factors: Record<string, { missing: unknown }>) => Object.fromEntries(Object.entries(factors).map(([k, f]) => [k, f.missing]));
    expect(rules(S.individual.factors)).toEqual({
      creditScore: 'WORST_BAND',
      delinquencies: { capRating: 'MEDIUM' },
      defaults: { capRating: 'MEDIUM' },
      employmentType: { capRating: 'MEDIUM' },
      employmentTenureMonths: 'WORST_BAND',
      incomeVariability: { capRating: 'MEDIUM' },
      debtToIncome: { capRating: 'MEDIUM' },
    });
    expect(rules(S.enterprise.factors)).toEqual({
      industry: 'WORST_BAND',
      yearsInBusiness: 'WORST_BAND',
      revenueTrend: { capRating: 'B' },
      customerConcentration: { capRating: 'B' },
      leverage: { capRating: 'C' },
      liquidity: { capRating: 'C' },
      interestCover: { capRating: 'C' },
      profitability: { capRating: 'C' },
    });
  });

  it('§6.2 measures: LOW/A preferential; MEDIUM and C closely monitored; HIGH/D restrict classes 3–4 and open an investigation', () => {
    const m = { ...S.individual.measures, ...S.enterprise.measures };
    expect(Object.entries(m).filter(([, x]) => x.simplifiedProcedure && x.rateDiscountEligible).map(([r]) => r)).toEqual(['LOW', 'A']);
    expect(Object.entries(m).filter(([, x]) => x.closeMonitoring).map(([r]) => r)).toEqual(['MEDIUM', 'C']);
    expect(Object.entries(m).filter(([, x]) => x.investigation !== null).map(([r]) => r)).toEqual(['HIGH', 'D']);
    expect(m.HIGH.restrictedRiskClasses).toEqual([3, 4]);
    expect(m.D.restrictedRiskClasses).toEqual([3, 4]);
  });

  it('§6.2 the product catalogue: deposits, cards, transfers, personal loans, credit lines, working-capital and trade finance', () => {
    expect(DEFAULT_POLICY.products.map((p) => [p.code, p.riskClass])).toEqual([
      ['DEPOSIT_ACCOUNT', 1],
      ['TERM_DEPOSIT', 1],
      ['TRANSFERS', 1],
      ['DEBIT_CARD', 1],
      ['CREDIT_CARD', 2],
      ['PERSONAL_LOAN', 3],
      ['MORTGAGE', 3],
      ['WORKING_CAPITAL_LOAN', 3],
      ['CREDIT_LINE', 4],
      ['TRADE_FINANCE', 4],
      ['PROJECT_FINANCE', 4],
    ]);
  });

  it.each<[string, (p: Record<string, any>) => void]>([
    ['§6.1 a missing input capped at HIGH', (p) => { p.riskScorecards.individual.factors.creditScore.missing = { capRating: 'HIGH' }; }],
    ['§6.1 a missing input capped at D', (p) => { p.riskScorecards.enterprise.factors.leverage.missing = { capRating: 'D' }; }],
    ['§6.1 a two-band factor', (p) => { p.riskScorecards.individual.factors.defaults.bands = [{ points: 0 }, { from: 2, points: 60 }]; }],
    ['§6.1 equal points in neighbouring bands', (p) => { p.riskScorecards.individual.factors.delinquencies.bands[2].points = 10; }],
    ['§6.1 a factor that never scores', (p) => { p.riskScorecards.individual.factors.incomeVariability.bands = [{ points: 0 }, { from: 1, points: 0 }]; }],
    ['§6.1 a negative threshold', (p) => { p.riskScorecards.enterprise.factors.profitability.bands[1].from = -0.05; }],
    ['§6.1 cut-offs one point apart', (p) => { p.riskScorecards.enterprise.ratingFrom = { B: 25, C: 26, D: 27 }; }],
    ['§6.1 the top cut-off at the highest possible total', (p) => { p.riskScorecards.individual.ratingFrom.HIGH = 215; }],
    ['§6.2 close monitoring for HIGH as well', (p) => { p.riskScorecards.individual.measures.HIGH.closeMonitoring = true; }],
    ['§6.2 stricter conditions asking only for a guarantee', (p) => { p.riskScorecards.enterprise.measures.B.stricterConditions = { aboveRiskClass: 3, extraGuarantee: true, approvalBy: [] }; }],
    ['§6.2 D suspending every product class', (p) => { p.riskScorecards.enterprise.measures.D.restrictedRiskClasses = [1, 2, 3, 4]; }],
    ['§6.2 close monitoring as often as everyone', (p) => { p.risk.closeMonitoringEveryMonths = 3; }],
  ])('accepts %s', (_name, change) => {
    const input = withChange(change);
    expect(parsePolicy(input)).toEqual(input);
  });

  it.each<[string, (p: Record<string, any>) => void, string]>([
    // §6.1 bands
    ['§6.1 bands not ascending', (p) => { p.riskScorecards.individual.factors.creditScore.bands[2].from = 560; }, 'riskScorecards.individual.factors.creditScore.bands.2.from: must be above the band before it (580): bands ascend'],
    ['§6.1 a repeated threshold', (p) => { p.riskScorecards.enterprise.factors.leverage.bands[2].from = 0.4; }, 'riskScorecards.enterprise.factors.leverage.bands.2.from: must be above the band before it (0.4): bands ascend'],
    ['§6.1 a first band with "from"', (p) => { p.riskScorecards.individual.factors.debtToIncome.bands[0].from = 0; }, 'riskScorecards.individual.factors.debtToIncome.bands.0.from: the first band has no "from": it takes every value below the second band'],
    ['§6.1 a later band without "from"', (p) => { delete p.riskScorecards.individual.factors.debtToIncome.bands[1].from; }, 'riskScorecards.individual.factors.debtToIncome.bands.1.from: every band after the first needs "from" (inclusive)'],
    ['§6.1 points falling as a RISES_WITH_VALUE input rises', (p) => { p.riskScorecards.individual.factors.debtToIncome.bands[3].points = 15; }, 'riskScorecards.individual.factors.debtToIncome.bands.3.points: must not be below the band before it (20): risk RISES_WITH_VALUE, higher values score at least as many points'],
    ['§6.1 points rising as a FALLS_WITH_VALUE input rises', (p) => { p.riskScorecards.enterprise.factors.liquidity.bands[3].points = 10; }, 'riskScorecards.enterprise.factors.liquidity.bands.3.points: must not be above the band before it (5): risk FALLS_WITH_VALUE, higher values score at most as many points'],
    ['§6.1 the risk direction reversed (points no longer follow it)', (p) => { p.riskScorecards.individual.factors.creditScore.risk = 'RISES_WITH_VALUE'; }, 'riskScorecards.individual.factors.creditScore.bands.1.points: must not be below the band before it (40)'],
    ['§6.1 an unknown risk direction', (p) => { p.riskScorecards.individual.factors.creditScore.risk = 'UP'; }, 'riskScorecards.individual.factors.creditScore.risk: one of RISES_WITH_VALUE, FALLS_WITH_VALUE'],
    ['§6.1 a single band', (p) => { p.riskScorecards.individual.factors.defaults.bands = [{ points: 0 }]; }, 'riskScorecards.individual.factors.defaults.bands: at least two bands'],
    ['§6.1 negative points', (p) => { p.riskScorecards.individual.factors.creditScore.bands[3].points = -5; }, 'riskScorecards.individual.factors.creditScore.bands.3.points: points are 0 or more (higher points = higher risk)'],
    ['§6.1 fractional points', (p) => { p.riskScorecards.enterprise.factors.leverage.bands[1].points = 7.5; }, 'riskScorecards.enterprise.factors.leverage.bands.1.points: whole points'],
    ['§6.1 a threshold as a string', (p) => { p.riskScorecards.enterprise.factors.leverage.bands[1].from = '0.4'; }, 'riskScorecards.enterprise.factors.leverage.bands.1.from:'],
    ['§6.1 an unknown key in a band', (p) => { p.riskScorecards.enterprise.factors.leverage.bands[1].to = 0.6; }, 'riskScorecards.enterprise.factors.leverage.bands.1: Unrecognized key: "to"'],
    // §6.1 code tables
    ['§6.1 a NAICS sector without points', (p) => { delete p.riskScorecards.enterprise.factors.industry.points['23']; }, 'riskScorecards.enterprise.factors.industry.points.23: NAICS sector 23 Construction has no points (every NAICS sector needs a row)'],
    ['§6.1 a two-digit code of a multi-code sector instead of its sector', (p) => { const t = p.riskScorecards.enterprise.factors.industry.points; t['31'] = t['31-33']; delete t['31-33']; }, 'riskScorecards.enterprise.factors.industry.points.31-33: NAICS sector 31-33 Manufacturing has no points'],
    ['§6.1 an unknown NAICS sector', (p) => { p.riskScorecards.enterprise.factors.industry.points['99'] = 10; }, 'riskScorecards.enterprise.factors.industry.points.99: unknown NAICS sector 99 (one of 11, 21, 22, 23, 31-33, 42, 44-45, 48-49, 51, 52, 53, 54, 55, 56, 61, 62, 71, 72, 81, 92)'],
    ['§6.1 negative industry points', (p) => { p.riskScorecards.enterprise.factors.industry.points['52'] = -1; }, 'riskScorecards.enterprise.factors.industry.points.52: points are 0 or more'],
    ['§6.1 an employment type without points', (p) => { delete p.riskScorecards.individual.factors.employmentType.points.RETIRED; }, 'riskScorecards.individual.factors.employmentType.points.RETIRED: employment type RETIRED has no points (every employment type needs a row)'],
    ['§6.1 an unknown employment type', (p) => { p.riskScorecards.individual.factors.employmentType.points.GIG = 20; }, 'riskScorecards.individual.factors.employmentType.points.GIG: unknown employment type GIG (one of PERMANENT, FIXED_TERM, SELF_EMPLOYED, RETIRED, STUDENT, UNEMPLOYED)'],
    // §6.1 missing-input rules
    ['§6.1 a missing input capped at the best rating (LOW)', (p) => { p.riskScorecards.individual.factors.incomeVariability.missing = { capRating: 'LOW' }; }, 'riskScorecards.individual.factors.incomeVariability.missing.capRating: capping at LOW (the best rating) would treat a missing input as good: cap at a worse rating or use WORST_BAND'],
    ['§6.1 a missing input capped at the best rating (A)', (p) => { p.riskScorecards.enterprise.factors.leverage.missing = { capRating: 'A' }; }, 'riskScorecards.enterprise.factors.leverage.missing.capRating: capping at A (the best rating)'],
    ['§6.1 an enterprise factor capped at an individual rating', (p) => { p.riskScorecards.enterprise.factors.leverage.missing = { capRating: 'MEDIUM' }; }, `riskScorecards.enterprise.factors.leverage.missing: 'WORST_BAND' or { "capRating": one of B, C, D }`],
    ['§6.1 an unknown missing rule', (p) => { p.riskScorecards.individual.factors.creditScore.missing = 'BEST_BAND'; }, `riskScorecards.individual.factors.creditScore.missing: 'WORST_BAND' or { "capRating": one of MEDIUM, HIGH }`],
    ['§6.1 no missing rule', (p) => { delete p.riskScorecards.individual.factors.creditScore.missing; }, 'riskScorecards.individual.factors.creditScore.missing:'],
    // §6.1 rating cut-offs
    ['§6.1 individual cut-offs not ascending', (p) => { p.riskScorecards.individual.ratingFrom = { MEDIUM: 60, HIGH: 35 }; }, "riskScorecards.individual.ratingFrom.HIGH: must be above MEDIUM's cut-off (60): cut-offs ascend"],
    ['§6.1 equal enterprise cut-offs', (p) => { p.riskScorecards.enterprise.ratingFrom.C = 25; }, "riskScorecards.enterprise.ratingFrom.C: must be above B's cut-off (25): cut-offs ascend"],
    ['§6.1 a cut-off below the one before', (p) => { p.riskScorecards.enterprise.ratingFrom.D = 40; }, "riskScorecards.enterprise.ratingFrom.D: must be above C's cut-off (50): cut-offs ascend"],
    ['§6.1 a first cut-off no customer can stay below', (p) => { p.riskScorecards.individual.ratingFrom.MEDIUM = 0; }, 'riskScorecards.individual.ratingFrom.MEDIUM: must be above the lowest possible total (0): otherwise no customer could be rated LOW'],
    ['§6.1 a top cut-off above the highest possible total', (p) => { p.riskScorecards.enterprise.ratingFrom.D = 196; }, 'riskScorecards.enterprise.ratingFrom.D: must not exceed the highest possible total (195): otherwise no customer could be rated D'],
    ['§6.1 a cut-off for an unknown rating', (p) => { p.riskScorecards.enterprise.ratingFrom.E = 150; }, 'riskScorecards.enterprise.ratingFrom: Unrecognized key: "E"'],
    ['§6.1 a missing cut-off', (p) => { delete p.riskScorecards.individual.ratingFrom.HIGH; }, 'riskScorecards.individual.ratingFrom.HIGH:'],
    ['§6.1 an unknown factor', (p) => { p.riskScorecards.individual.factors.age = p.riskScorecards.individual.factors.defaults; }, 'riskScorecards.individual.factors: Unrecognized key: "age"'],
    ['§6.1 a factor removed', (p) => { delete p.riskScorecards.enterprise.factors.interestCover; }, 'riskScorecards.enterprise.factors.interestCover:'],
    ['§6.1 no reasons', (p) => { p.riskScorecards.topReasons = 0; }, 'riskScorecards.topReasons:'],
    // §6.2 measures
    ['§6.2 stricter conditions that ask for nothing', (p) => { p.riskScorecards.individual.measures.MEDIUM.stricterConditions = { aboveRiskClass: 2, extraGuarantee: false, approvalBy: [] }; }, 'riskScorecards.individual.measures.MEDIUM.stricterConditions: asks for nothing: set extraGuarantee or approvalBy (or use null)'],
    ['§6.2 stricter conditions above the top risk class', (p) => { p.riskScorecards.enterprise.measures.B.stricterConditions.aboveRiskClass = 4; }, 'riskScorecards.enterprise.measures.B.stricterConditions.aboveRiskClass: no product risk class is above 4: use null'],
    ['§6.2 an unknown risk class', (p) => { p.riskScorecards.enterprise.measures.D.restrictedRiskClasses = [3, 4, 5]; }, 'riskScorecards.enterprise.measures.D.restrictedRiskClasses.2: a product risk class, one of 1, 2, 3, 4'],
    ['§6.2 a repeated restricted class', (p) => { p.riskScorecards.individual.measures.HIGH.restrictedRiskClasses = [3, 4, 3]; }, 'riskScorecards.individual.measures.HIGH.restrictedRiskClasses.2: duplicate risk class 3'],
    ['§6.2 an approver role that is not one', (p) => { p.riskScorecards.individual.measures.MEDIUM.stricterConditions.approvalBy = ['RELATIONSHIP_MANAGER']; }, 'riskScorecards.individual.measures.MEDIUM.stricterConditions.approvalBy.0: one of SUPERVISOR, RISK_OFFICER'],
    ['§6.2 a repeated approver role', (p) => { p.riskScorecards.individual.measures.MEDIUM.stricterConditions.approvalBy = ['SUPERVISOR', 'SUPERVISOR']; }, 'riskScorecards.individual.measures.MEDIUM.stricterConditions.approvalBy.1: duplicate approver role SUPERVISOR'],
    ['§6.2 a worse rating dropping a restriction', (p) => { p.riskScorecards.enterprise.measures.C.restrictedRiskClasses = [4]; p.riskScorecards.enterprise.measures.D.restrictedRiskClasses = [3]; }, 'riskScorecards.enterprise.measures.D.restrictedRiskClasses: must restrict risk class 4 as C does (a worse rating keeps every restriction)'],
    ['§6.2 a worse rating gaining a preference', (p) => { p.riskScorecards.individual.measures.HIGH.rateDiscountEligible = true; }, 'riskScorecards.individual.measures.HIGH.rateDiscountEligible: may not be granted when the better rating MEDIUM does not have it'],
    ['§6.2 a mitigation plan due in 0 business days', (p) => { p.riskScorecards.enterprise.measures.D.investigation.mitigationPlanDueBusinessDays = 0; }, 'riskScorecards.enterprise.measures.D.investigation.mitigationPlanDueBusinessDays:'],
    ['§6.2 a rating without measures', (p) => { delete p.riskScorecards.enterprise.measures.C; }, 'riskScorecards.enterprise.measures.C:'],
    ['§6.2 a measure left out', (p) => { delete p.riskScorecards.individual.measures.LOW.closeMonitoring; }, 'riskScorecards.individual.measures.LOW.closeMonitoring:'],
    ['§6.2 close monitoring less often than everyone', (p) => { p.risk.closeMonitoringEveryMonths = 4; }, 'risk.closeMonitoringEveryMonths: must not exceed everyoneEveryMonths (closer monitoring is at least as frequent)'],
    // §6.2 products
    ['§6.2 no products', (p) => { p.products = []; }, 'products: at least one product'],
    ['§6.2 a repeated product code', (p) => { p.products.push({ ...p.products[0] }); }, 'products.11: duplicate product code DEPOSIT_ACCOUNT'],
    ['§6.2 a product code that is not a code', (p) => { p.products[0].code = 'deposit account'; }, 'products.0.code: an UPPER_SNAKE_CASE code'],
    ['§6.2 a product without a risk class', (p) => { delete p.products[5].riskClass; }, 'products.5.riskClass: a product risk class, one of 1, 2, 3, 4'],
    ['§6.2 a product of risk class 0', (p) => { p.products[0].riskClass = 0; }, 'products.0.riskClass: a product risk class, one of 1, 2, 3, 4'],
    ['§6.2 a product for nobody', (p) => { p.products[0].customerTypes = []; }, 'products.0.customerTypes: at least one customer type'],
    ['§6.2 a product for an unknown customer type', (p) => { p.products[0].customerTypes = ['PERSON']; }, 'products.0.customerTypes.0: one of INDIVIDUAL, ENTERPRISE'],
    ['§6.2 a customer type twice', (p) => { p.products[0].customerTypes = ['INDIVIDUAL', 'INDIVIDUAL']; }, 'products.0.customerTypes.1: duplicate customer type INDIVIDUAL'],
    ['§6.2 a blank product name', (p) => { p.products[2].name = ' '; }, 'products.2.name: a non-blank text'],
    ['no riskScorecards section', (p) => { delete p.riskScorecards; }, 'riskScorecards:'],
  ])('rejects %s', (_name, change, expected) => {
    const err = policyErrorOf(withChange(change));
    expect(err.message).toContain(expected);
  });

  it('reports each bad §6 field on its own path', () => {
    const err = policyErrorOf(
      withChange((p) => {
        p.riskScorecards.individual.factors.creditScore.bands[2].from = 500;
        delete p.riskScorecards.enterprise.factors.industry.points['72'];
        p.products[1].riskClass = 9;
      }),
    );
    const paths = err.message.replace(/^invalid policy: /, '').split('; ').map((part) => part.split(':')[0]);
    expect(paths.sort()).toEqual(['products.1.riskClass', 'riskScorecards.enterprise.factors.industry.points.72', 'riskScorecards.individual.factors.creditScore.bands.2.from']);
  });
});

describe('DEFAULT_POLICY.serviceTiers carries §4.1 / §4.2', () => {
  it('has a tier for every segment and no other (§2.1 asset tiers, §2.2 sizes)', () => {
    expect(Object.keys(DEFAULT_POLICY.serviceTiers)).toEqual([...SEGMENTS]);
    expect([...SEGMENTS]).toEqual(['REGULAR', 'VIP', 'HIGH_NET_WORTH', 'SMALL', 'MEDIUM', 'LARGE']);
  });

  it.each<[clause: string, segment: keyof Policy['serviceTiers'], codes: string[]]>([
    ['§4.1 REGULAR: deposits, transfers, cards, self-service online, branch guides', 'REGULAR', ['DEPOSITS', 'TRANSFERS', 'CARDS', 'ONLINE_SELF_SERVICE', 'BRANCH_GUIDES']],
    ['§4.1 VIP: dedicated channel and hotline, financial advisor, financial plan, VIP events', 'VIP', ['DEDICATED_CHANNEL', 'DEDICATED_HOTLINE', 'DEDICATED_FINANCIAL_ADVISOR', 'PERSONAL_FINANCIAL_PLAN', 'VIP_EVENTS']],
    ['§4.1 HIGH_NET_WORTH: asset management, tax planning, trusts, expert team', 'HIGH_NET_WORTH', ['TAILORED_ASSET_MANAGEMENT', 'TAX_PLANNING', 'TRUSTS', 'EXPERT_TEAM']],
    ['§4.2 SMALL: small-business loans, simplified faster approval, finance and tax advisory', 'SMALL', ['SMALL_BUSINESS_LOANS', 'SIMPLIFIED_FAST_APPROVAL', 'FINANCE_TAX_ADVISORY']],
    ['§4.2 MEDIUM: working-capital, project, trade finance; finance-lead contact', 'MEDIUM', ['WORKING_CAPITAL_FINANCE', 'PROJECT_FINANCE', 'TRADE_FINANCE', 'FINANCE_LEAD_CONTACT']],
    ['§4.2 LARGE: relationship team, one-stop, project financing, capital markets, HQ/branch coordination', 'LARGE', ['DEDICATED_RELATIONSHIP_TEAM', 'ONE_STOP_SERVICE', 'PROJECT_FINANCING', 'CAPITAL_MARKETS', 'HQ_BRANCH_COORDINATION']],
  ])('%s', (_clause, segment, codes) => {
    expect(DEFAULT_POLICY.serviceTiers[segment].entitlements.map((e) => e.code)).toEqual(codes);
  });

  it.each<[segment: keyof Policy['serviceTiers'], dedicatedManager: boolean, team: string[]]>([
    ['REGULAR', false, []],
    ['VIP', true, []],
    ['HIGH_NET_WORTH', true, ['INVESTMENT_EXPERT', 'LEGAL_EXPERT', 'ACCOUNTING_EXPERT']],
    ['SMALL', false, []],
    ['MEDIUM', true, []],
    ['LARGE', true, ['RELATIONSHIP_TEAM']],
  ])('§4 coverage of %s: dedicated manager %s, team %j', (segment, dedicatedManager, team) => {
    expect(DEFAULT_POLICY.serviceTiers[segment].coverage).toEqual({ dedicatedManager, team });
  });
});

describe('parsePolicy accepts valid variations', () => {
  it.each<[string, (p: Record<string, any>) => void]>([
    ['§5.2 target equal to the hard limit', (p) => { p.feedback.enterpriseTargetBusinessDays = 5; }],
    ['§2.1 VIP one dollar below HIGH_NET_WORTH', (p) => { p.individual.assetTiers.vipFromUsd = 999_999; }],
    ['§2.1 VIP from USD 0 (everyone is at least VIP)', (p) => { p.individual.assetTiers.vipFromUsd = 0; }],
    ['§2.1 young band one year below middle-aged', (p) => { p.individual.ageGroups.youngMaxAge = 59; }],
    ['a two-digit revision', (p) => { p.version = '2027.01-12'; }],
    ['escalation after PT90M', (p) => { p.reminders.escalateAfter = 'PT90M'; }],
    ['escalation after P1DT12H', (p) => { p.reminders.escalateAfter = 'P1DT12H'; }],
    ['§4.1 an extra REGULAR entitlement', (p) => { p.serviceTiers.REGULAR.entitlements.push({ code: 'SAVINGS_GOALS', description: 'Savings goals' }); }],
    ['§4.2 a team for SMALL', (p) => { p.serviceTiers.SMALL.coverage = { dedicatedManager: true, team: ['CREDIT_ANALYST'] }; }],
  ])('%s', (_name, change) => {
    const input = withChange(change);
    expect(parsePolicy(input)).toEqual(input);
  });
});

describe('parsePolicy rejects invalid policies with a message naming the path', () => {
  it.each<[string, (p: Record<string, any>) => void, string]>([
    ['an unknown top-level key', (p) => { p.extra = 1; }, '(root): Unrecognized key: "extra"'],
    ['an unknown key in individual', (p) => { p.individual.maximumAgeYears = 99; }, 'individual: Unrecognized key: "maximumAgeYears"'],
    ['an unknown key in enterprise.large', (p) => { p.enterprise.large.branches = 10; }, 'enterprise.large: Unrecognized key: "branches"'],
    ['an unknown key in reminders', (p) => { p.reminders.remindBefore = 'PT1H'; }, 'reminders: Unrecognized key: "remindBefore"'],
    ['version without the revision', (p) => { p.version = '2026.11'; }, 'version: YYYY.MM-N'],
    ['version with a one-digit month', (p) => { p.version = '2026.1-1'; }, 'version: YYYY.MM-N'],
    ['version with a two-digit year', (p) => { p.version = '26.11-1'; }, 'version: YYYY.MM-N'],
    ['version with dashes', (p) => { p.version = '2026-11-1'; }, 'version: YYYY.MM-N'],
    ['an empty version', (p) => { p.version = ''; }, 'version: YYYY.MM-N'],
    ['a version with a suffix', (p) => { p.version = '2026.11-1-beta'; }, 'version: YYYY.MM-N'],
    ['§5.2 target above the hard limit', (p) => { p.feedback.enterpriseTargetBusinessDays = 6; }, 'feedback.enterpriseTargetBusinessDays: the target may not exceed the hard limit (enterpriseLimitBusinessDays)'],
    ['§2.1 VIP threshold equal to HIGH_NET_WORTH', (p) => { p.individual.assetTiers.vipFromUsd = 1_000_000; }, 'individual.assetTiers: vipFromUsd must be below highNetWorthFromUsd'],
    ['§2.1 VIP threshold above HIGH_NET_WORTH', (p) => { p.individual.assetTiers.vipFromUsd = 2_000_000; }, 'individual.assetTiers: vipFromUsd must be below highNetWorthFromUsd'],
    ['§2.1 young max age equal to middle-aged max age', (p) => { p.individual.ageGroups.youngMaxAge = 60; }, 'individual.ageGroups: youngMaxAge must be below middleAgedMaxAge'],
    ['§2.1 young max age above middle-aged max age', (p) => { p.individual.ageGroups.youngMaxAge = 61; }, 'individual.ageGroups: youngMaxAge must be below middleAgedMaxAge'],
    ['zero months between §3.2 reviews', (p) => { p.review.individualEveryMonths = 0; }, 'review.individualEveryMonths:'],
    ['a fractional §3.2 review period', (p) => { p.review.enterpriseEveryMonths = 2.5; }, 'review.enterpriseEveryMonths:'],
    ['a negative §5.2 response time', (p) => { p.feedback.individualResponseHours = -24; }, 'feedback.individualResponseHours:'],
    ['§5.2 response hours as a string', (p) => { p.feedback.individualResponseHours = '24'; }, 'feedback.individualResponseHours:'],
    ['a negative §2.2 revenue bound', (p) => { p.enterprise.small.revenueBelowUsd = -1; }, 'enterprise.small.revenueBelowUsd:'],
    ['fractional dollars in a §2.1 threshold', (p) => { p.individual.assetTiers.highNetWorthFromUsd = 1_000_000.5; }, 'individual.assetTiers.highNetWorthFromUsd:'],
    ['a missing §6.2 cadence', (p) => { delete p.risk.everyoneEveryMonths; }, 'risk.everyoneEveryMonths:'],
    ['a missing section', (p) => { delete p.feedback; }, 'feedback:'],
    ['a zero escalation delay', (p) => { p.reminders.escalateAfter = 'PT0S'; }, 'reminders.escalateAfter: a positive ISO-8601 duration'],
    ['an escalation delay in weeks', (p) => { p.reminders.escalateAfter = 'P1W'; }, 'reminders.escalateAfter: a positive ISO-8601 duration'],
    ['an escalation delay as milliseconds', (p) => { p.reminders.escalateAfter = 172_800_000; }, 'reminders.escalateAfter:'],
    ['§4 a segment without a service tier', (p) => { delete p.serviceTiers.MEDIUM; }, 'serviceTiers.MEDIUM:'],
    ['§4 a service tier for an unknown segment', (p) => { p.serviceTiers.PLATINUM = p.serviceTiers.VIP; }, 'serviceTiers: Unrecognized key: "PLATINUM"'],
    ['§4 no serviceTiers at all', (p) => { delete p.serviceTiers; }, 'serviceTiers:'],
    ['§4.1 a tier without entitlements', (p) => { p.serviceTiers.VIP.entitlements = []; }, 'serviceTiers.VIP.entitlements: at least one entitlement'],
    ['§4.1 a duplicate entitlement code', (p) => { p.serviceTiers.REGULAR.entitlements.push({ code: 'CARDS', description: 'Cards again' }); }, 'serviceTiers.REGULAR.entitlements.5.code: duplicate entitlement code CARDS'],
    ['§4.2 a lower-case entitlement code', (p) => { p.serviceTiers.SMALL.entitlements[0].code = 'small_loans'; }, 'serviceTiers.SMALL.entitlements.0.code: an UPPER_SNAKE_CASE code'],
    ['§4.2 a blank entitlement description', (p) => { p.serviceTiers.LARGE.entitlements[1].description = '  '; }, 'serviceTiers.LARGE.entitlements.1.description: a non-blank text'],
    ['§4.1 a blank summary', (p) => { p.serviceTiers.REGULAR.summary = ''; }, 'serviceTiers.REGULAR.summary: a non-blank text'],
    ['§4.1 an unknown key in an entitlement', (p) => { p.serviceTiers.VIP.entitlements[0].price = 0; }, 'serviceTiers.VIP.entitlements.0: Unrecognized key: "price"'],
    ['§4 dedicatedManager as a string', (p) => { p.serviceTiers.MEDIUM.coverage.dedicatedManager = 'yes'; }, 'serviceTiers.MEDIUM.coverage.dedicatedManager:'],
    ['§4.1 a duplicate team role', (p) => { p.serviceTiers.HIGH_NET_WORTH.coverage.team.push('LEGAL_EXPERT'); }, 'serviceTiers.HIGH_NET_WORTH.coverage.team.3: duplicate team role LEGAL_EXPERT'],
    ['§4.2 a team role that is not a code', (p) => { p.serviceTiers.LARGE.coverage.team = ['relationship team']; }, 'serviceTiers.LARGE.coverage.team.0: an UPPER_SNAKE_CASE code'],
    ['§4 coverage without a team list', (p) => { delete p.serviceTiers.VIP.coverage.team; }, 'serviceTiers.VIP.coverage.team:'],
  ])('%s', (_name, change, expected) => {
    const err = policyErrorOf(withChange(change));
    expect(err.name).toBe('PolicyError');
    expect(err.message.startsWith('invalid policy: ')).toBe(true);
    expect(err.message).toContain(expected);
    expect(err.message).not.toContain('\n');
  });

  it.each([[null], ['policy'], [42], [[]]])('rejects a non-object document %j at (root)', (input) => {
    expect(policyErrorOf(input).message).toMatch(/^invalid policy: \(root\): /);
  });

  it('lists every bad field, separated by "; "', () => {
    const err = policyErrorOf(
      withChange((p) => {
        p.version = 'v1';
        p.feedback.enterpriseTargetBusinessDays = 9;
        p.individual.assetTiers.vipFromUsd = 5_000_000;
      }),
    );
    const parts = err.message.replace(/^invalid policy: /, '').split('; ');
    expect(parts.map((part) => part.split(':')[0]).sort()).toEqual(['feedback.enterpriseTargetBusinessDays', 'individual.assetTiers', 'version']);
  });

  it('does not mutate its input', () => {
    const input = withChange(() => {});
    const before = structuredClone(input);
    parsePolicy(input);
    expect(input).toEqual(before);
  });
});

describe('loadPolicy', () => {
  let dir: string;
  const savedPolicyFile = process.env.POLICY_FILE;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ccm-policy-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    if (savedPolicyFile === undefined) delete process.env.POLICY_FILE;
    else process.env.POLICY_FILE = savedPolicyFile;
  });

  const write = (name: string, content: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  it('returns the defaults when no file is given and POLICY_FILE is unset', () => {
    delete process.env.POLICY_FILE;
    expect(loadPolicy()).toEqual(DEFAULT_POLICY);
    expect(loadPolicy(undefined)).toEqual(DEFAULT_POLICY);
  });

  it('treats an empty POLICY_FILE as unset', () => {
    expect(loadPolicy('')).toEqual(DEFAULT_POLICY);
  });

  it('reads a complete policy file with overridden values', () => {
    const custom = withChange((p) => {
      p.version = '2027.02-3';
      p.reminders.escalateAfter = 'PT12H';
      p.feedback.enterpriseTargetBusinessDays = 4;
    });
    const file = write('custom.json', JSON.stringify(custom, null, 2));
    const policy = loadPolicy(file);
    expect(policy).toEqual(custom);
    expect(policy.version).toBe('2027.02-3');
    expect(reminderEscalationDelayMs(policy)).toBe(12 * HOUR_MS);
  });

  it('reads the file named by POLICY_FILE when called without an argument', () => {
    const file = write('from-env.json', JSON.stringify(withChange((p) => { p.version = '2030.06-1'; })));
    process.env.POLICY_FILE = file;
    expect(loadPolicy().version).toBe('2030.06-1');
  });

  it('reports a missing file with its name', () => {
    const file = path.join(dir, 'does-not-exist.json');
    expect(() => loadPolicy(file)).toThrow(PolicyError);
    expect(() => loadPolicy(file)).toThrow(`POLICY_FILE=${file} could not be read as JSON: `);
    expect(() => loadPolicy(file)).toThrow(/ENOENT/);
  });

  it('reports a directory (unreadable as a file) with its name', () => {
    expect(() => loadPolicy(dir)).toThrow(`POLICY_FILE=${dir} could not be read as JSON: `);
  });

  it.each([
    ['truncated JSON', '{"version": "2026.11-1",'],
    ['YAML instead of JSON', 'version: 2026.11-1\n'],
    ['an empty file', ''],
    ['JSON with a trailing comma', JSON.stringify(DEFAULT_POLICY).replace(/}$/, ',}')],
  ])('reports %s with the file name', (name, content) => {
    const file = write(`${name.replace(/\W+/g, '-')}.json`, content);
    expect(() => loadPolicy(file)).toThrow(PolicyError);
    expect(() => loadPolicy(file)).toThrow(`POLICY_FILE=${file} could not be read as JSON: `);
  });

  it('validates a well-formed JSON file with the policy schema', () => {
    const file = write('bad-values.json', JSON.stringify(withChange((p) => { p.feedback.enterpriseTargetBusinessDays = 10; })));
    expect(() => loadPolicy(file)).toThrow(PolicyError);
    expect(() => loadPolicy(file)).toThrow('invalid policy: feedback.enterpriseTargetBusinessDays: the target may not exceed the hard limit');
  });

  it('refuses a partial file (a deployment states the whole policy, so its version covers every value)', () => {
    const file = write('partial.json', JSON.stringify({ version: '2027.01-1', reminders: { escalateAfter: 'P1D' } }));
    expect(() => loadPolicy(file)).toThrow(/^invalid policy: .*individual: /);
  });
});

describe('reminderEscalationDelayMs', () => {
  it.each<[string, number]>([
    ['P2D', 2 * DAY_MS],
    ['PT24H', DAY_MS],
    ['PT90M', 90 * 60_000],
    ['PT2S', 2000],
    ['P1DT12H', 36 * HOUR_MS],
  ])('escalateAfter %s → %d ms', (escalateAfter, ms) => {
    const policy = parsePolicy(withChange((p) => { p.reminders.escalateAfter = escalateAfter; }));
    expect(reminderEscalationDelayMs(policy)).toBe(ms);
  });

  it('throws for a policy object that bypassed validation', () => {
    const unvalidated = { ...DEFAULT_POLICY, reminders: { escalateAfter: 'P1W' } };
    expect(() => reminderEscalationDelayMs(unvalidated)).toThrow('not an ISO-8601 duration: P1W');
  });
});

describe('fixed defects (regression tests)', () => {
  // was a bug in src/policy/policy.ts:18 — /^\d{4}\.\d{2}-\d+$/ lets a month that does not exist through.
  it('version with month 13 is rejected (YYYY.MM-N)', () => {
    expect(() => parsePolicy(withChange((p) => { p.version = '2026.13-1'; }))).toThrow('version: YYYY.MM-N');
  });

  // GAP src/policy/policy.ts:47-57 (superRefine) — no check that §2.1's minimum age lies below the young band's top.
  it('§2.1 minimumAgeYears at or above youngMaxAge is rejected (the young band would be empty)', () => {
    expect(() => parsePolicy(withChange((p) => { p.individual.minimumAgeYears = 40; }))).toThrow(PolicyError);
  });
});
