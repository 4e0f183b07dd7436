/**
 * src/domain/risk-scorecard.ts: the §6.1 scorecards (individual LOW/MEDIUM/HIGH, enterprise A–D) and
 * the §6.2 measures of each rating. Every band edge of every factor is tested at the threshold and
 * one unit either side; every rating cut-off likewise; every factor missing; and fast-check proves
 * that worsening any single input never lowers the total nor improves the rating, for both scorecards.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { NAICS_2022_SECTORS } from '../../src/domain/naics';
import {
  EMPLOYMENT_TYPES,
  ENTERPRISE_FACTORS,
  ENTERPRISE_RISK_RATINGS,
  INDIVIDUAL_FACTORS,
  INDIVIDUAL_RISK_RATINGS,
  enterpriseRatingForTotal,
  factorLabel,
  individualRatingForTotal,
  measuresFor,
  monitoringEveryMonths,
  productOpeningTerms,
  riskRatingRank,
  scoreEnterprise,
  scoreIndividual,
  type EmploymentType,
  type EnterpriseFactor,
  type EnterpriseRiskInputs,
  type FactorScore,
  type IndividualFactor,
  type IndividualRiskInputs,
  type RiskRating,
} from '../../src/domain/risk-scorecard';
import { DEFAULT_POLICY, parsePolicy, type NumericFactorConfig, type Policy } from '../../src/policy/policy';

const P = DEFAULT_POLICY;

/** A deep copy of the defaults with one change applied, validated like a policy file. */
function policyWith(change: (p: Policy) => void): Policy {
  const copy = structuredClone(DEFAULT_POLICY);
  change(copy);
  return parsePolicy(copy);
}

/** Every factor in its lowest-risk band: total 0. */
const BEST_INDIVIDUAL: Required<IndividualRiskInputs> = {
  creditScore: 800,
  delinquencies: 0,
  defaults: 0,
  employmentType: 'PERMANENT',
  employmentTenureMonths: 120,
  incomeVariability: 0,
  debtToIncome: 0,
};
/** Every factor in its lowest-risk band (NAICS 92 Public Administration scores 0): total 0. */
const BEST_ENTERPRISE: Required<EnterpriseRiskInputs> = {
  naicsCode: '921110',
  yearsInBusiness: 25,
  revenueTrend: 0.1,
  customerConcentration: 0.05,
  leverage: 0.2,
  liquidity: 2,
  interestCover: 10,
  profitability: 0.12,
};

/** The enterprise input key of a factor (the industry is given as a NAICS code). */
const enterpriseKey = (f: EnterpriseFactor): keyof EnterpriseRiskInputs => (f === 'industry' ? 'naicsCode' : f);

function factorOf<F extends string>(factors: FactorScore<F>[], factor: F): FactorScore<F> {
  const found = factors.find((f) => f.factor === factor);
  if (!found) throw new Error(`no factor ${factor}`);
  return found;
}

const scoreOneIndividual = (factor: IndividualFactor, value: unknown, policy: Policy = P) =>
  scoreIndividual({ ...BEST_INDIVIDUAL, [factor]: value }, policy);
const scoreOneEnterprise = (factor: EnterpriseFactor, value: unknown, policy: Policy = P) =>
  scoreEnterprise({ ...BEST_ENTERPRISE, [enterpriseKey(factor)]: value }, policy);

describe('baselines', () => {
  it('§6.1 an individual with every factor in its lowest-risk band scores 0 and is LOW', () => {
    const a = scoreIndividual(BEST_INDIVIDUAL, P);
    expect(a).toMatchObject({ customerType: 'INDIVIDUAL', rating: 'LOW', total: 0, policyVersion: P.version });
    expect(a.factors.map((f) => f.factor)).toEqual([...INDIVIDUAL_FACTORS]);
    expect(a.groups).toEqual({ CREDIT_RECORD: 0, INCOME_STABILITY: 0, DEBT: 0 });
    expect(a.reasons).toEqual(['no risk points: every factor is in its lowest-risk band']);
    expect(a.capApplied).toBeUndefined();
  });

  it('§6.1 an enterprise with every factor in its lowest-risk band scores 0 and is A', () => {
    const a = scoreEnterprise(BEST_ENTERPRISE, P);
    expect(a).toMatchObject({ customerType: 'ENTERPRISE', rating: 'A', total: 0, policyVersion: P.version });
    expect(a.factors.map((f) => f.factor)).toEqual([...ENTERPRISE_FACTORS]);
    expect(a.groups).toEqual({ INDUSTRY: 0, OPERATING: 0, FINANCIAL: 0 });
  });
});

// ---------------------------------------------------------------------------------------------
// Band edges

/**
 * Every threshold of every numeric factor of DEFAULT_POLICY: [factor, threshold, one unit,
 * points just below the threshold, points at and above it]. Direction: higher points = higher risk.
 */
type Edge<F> = [factor: F, threshold: number, unit: number, pointsBelow: number, pointsFrom: number];
const INDIVIDUAL_EDGES: Edge<IndividualFactor>[] = [
  // §6.1 credit record
  ['creditScore', 580, 1, 40, 25],
  ['creditScore', 670, 1, 25, 10],
  ['creditScore', 740, 1, 10, 0],
  ['delinquencies', 1, 1, 0, 10],
  ['delinquencies', 3, 1, 10, 25],
  ['defaults', 1, 1, 0, 60],
  // §6.1 income stability
  ['employmentTenureMonths', 6, 1, 15, 10],
  ['employmentTenureMonths', 24, 1, 10, 5],
  ['employmentTenureMonths', 60, 1, 5, 0],
  ['incomeVariability', 0.1, 0.01, 0, 5],
  ['incomeVariability', 0.25, 0.01, 5, 10],
  ['incomeVariability', 0.5, 0.01, 10, 20],
  // §6.1 debt
  ['debtToIncome', 0.5, 0.01, 0, 10],
  ['debtToIncome', 1.5, 0.01, 10, 20],
  ['debtToIncome', 3, 0.01, 20, 35],
];
const ENTERPRISE_EDGES: Edge<EnterpriseFactor>[] = [
  // §6.1 operating risk
  ['yearsInBusiness', 2, 0.1, 20, 10],
  ['yearsInBusiness', 5, 0.1, 10, 5],
  ['yearsInBusiness', 10, 0.1, 5, 0],
  ['revenueTrend', -0.1, 0.01, 20, 10],
  ['revenueTrend', 0, 0.01, 10, 5],
  ['revenueTrend', 0.05, 0.01, 5, 0],
  ['customerConcentration', 0.2, 0.01, 0, 5],
  ['customerConcentration', 0.35, 0.01, 5, 10],
  ['customerConcentration', 0.5, 0.01, 10, 20],
  // §6.1 financial risk
  ['leverage', 0.4, 0.01, 0, 10],
  ['leverage', 0.6, 0.01, 10, 20],
  ['leverage', 0.8, 0.01, 20, 35],
  ['liquidity', 1, 0.01, 25, 15],
  ['liquidity', 1.2, 0.01, 15, 5],
  ['liquidity', 1.5, 0.01, 5, 0],
  ['interestCover', 1.5, 0.01, 30, 15],
  ['interestCover', 3, 0.01, 15, 5],
  ['interestCover', 5, 0.01, 5, 0],
  ['profitability', 0, 0.01, 25, 10],
  ['profitability', 0.03, 0.01, 10, 5],
  ['profitability', 0.08, 0.01, 5, 0],
];

/** The three cases of an edge: one unit below, exactly at, one unit above the threshold. */
function edgeCases<F>(edges: Edge<F>[]): [F, string, number, number][] {
  const at = (x: number): number => Number(x.toFixed(10)); // 0.1 - 0.01 = 0.09, not 0.09000000000000001
  return edges.flatMap(([factor, t, unit, below, from]) => [
    [factor, `one unit below ${t}`, at(t - unit), below],
    [factor, `exactly at ${t}`, t, from],
    [factor, `one unit above ${t}`, at(t + unit), from],
  ]);
}

function thresholdsOf(config: NumericFactorConfig): number[] {
  return config.bands.flatMap((b) => (b.from === undefined ? [] : [b.from]));
}

describe('§6.1 individual scorecard: every band edge (a value exactly at a threshold is in the upper band)', () => {
  it.each(edgeCases(INDIVIDUAL_EDGES))('§6.1 %s %s: %d → %d points', (factor, _where, value, points) => {
    const a = scoreOneIndividual(factor, value);
    expect(factorOf(a.factors, factor)).toMatchObject({ factor, input: value, points, missing: false });
    expect(a.total).toBe(points);
    expect(a.rating).toBe(individualRatingForTotal(points, P));
  });

  it('the edge table covers every threshold of every numeric individual factor in the policy', () => {
    const factors = P.riskScorecards.individual.factors;
    const inPolicy = INDIVIDUAL_FACTORS.flatMap((f) => {
      const config = factors[f];
      return 'bands' in config ? thresholdsOf(config).map((t) => `${f}@${t}`) : [];
    });
    expect(INDIVIDUAL_EDGES.map(([f, t]) => `${f}@${t}`).sort()).toEqual(inPolicy.sort());
  });

  it.each<[IndividualFactor, number, string]>([
    ['creditScore', 579, '< 580'],
    ['creditScore', 580, '≥ 580 and < 670'],
    ['creditScore', 740, '≥ 740'],
    ['defaults', 0, '< 1'],
    ['defaults', 1, '≥ 1'],
    ['debtToIncome', 1.5, '≥ 1.5 and < 3'],
  ])('§6.1 %s %d is recorded in band %s', (factor, value, band) => {
    expect(factorOf(scoreOneIndividual(factor, value).factors, factor).band).toBe(band);
  });

  it.each<[EmploymentType, number]>([
    ['PERMANENT', 0],
    ['FIXED_TERM', 5],
    ['RETIRED', 5],
    ['SELF_EMPLOYED', 10],
    ['STUDENT', 15],
    ['UNEMPLOYED', 25],
  ])('§6.1 income stability: employment type %s → %d points', (type, points) => {
    const a = scoreOneIndividual('employmentType', type);
    expect(factorOf(a.factors, 'employmentType')).toMatchObject({ input: type, band: type, points, missing: false });
  });

  it('every employment type is tested', () => {
    expect(Object.keys(P.riskScorecards.individual.factors.employmentType.points).sort()).toEqual([...EMPLOYMENT_TYPES].sort());
  });
});

describe('§6.1 enterprise scorecard: every band edge (a value exactly at a threshold is in the upper band)', () => {
  it.each(edgeCases(ENTERPRISE_EDGES))('§6.1 %s %s: %d → %d points', (factor, _where, value, points) => {
    const a = scoreOneEnterprise(factor, value);
    expect(factorOf(a.factors, factor)).toMatchObject({ factor, input: value, points, missing: false });
    expect(a.total).toBe(points);
    expect(a.rating).toBe(enterpriseRatingForTotal(points, P));
  });

  it('the edge table covers every threshold of every numeric enterprise factor in the policy', () => {
    const factors = P.riskScorecards.enterprise.factors;
    const inPolicy = ENTERPRISE_FACTORS.flatMap((f) => {
      const config = factors[f];
      return 'bands' in config ? thresholdsOf(config).map((t) => `${f}@${t}`) : [];
    });
    expect(ENTERPRISE_EDGES.map(([f, t]) => `${f}@${t}`).sort()).toEqual(inPolicy.sort());
  });

  // §6.1 industry risk: one NAICS code per sector (a 2- to 6-digit code scores by its sector).
  it.each<[naicsCode: string, sector: string, points: number]>([
    ['111110', '11', 15],
    ['211120', '21', 20],
    ['221111', '22', 5],
    ['236220', '23', 20],
    ['311', '31-33', 10],
    ['3361', '31-33', 10],
    ['423', '42', 10],
    ['445110', '44-45', 15],
    ['45', '44-45', 15],
    ['484', '48-49', 15],
    ['493110', '48-49', 15],
    ['5112', '51', 10],
    ['522110', '52', 10],
    ['531', '53', 15],
    ['541511', '54', 5],
    ['551111', '55', 5],
    ['561', '56', 10],
    ['611110', '61', 5],
    ['621', '62', 5],
    ['713', '71', 20],
    ['722511', '72', 20],
    ['811', '81', 15],
    ['921110', '92', 0],
  ])('§6.1 industry risk: NAICS %s → sector %s → %d points', (naicsCode, sector, points) => {
    const a = scoreOneEnterprise('industry', naicsCode);
    expect(factorOf(a.factors, 'industry')).toMatchObject({ input: naicsCode, band: sector, points, missing: false });
  });

  it('every NAICS sector has points in the default industry table', () => {
    expect(Object.keys(P.riskScorecards.enterprise.factors.industry.points).sort()).toEqual(NAICS_2022_SECTORS.map((s) => s.code).sort());
  });

  it('§6.1 a company without interest expense or current liabilities passes Infinity: the lowest-risk band', () => {
    const a = scoreEnterprise({ ...BEST_ENTERPRISE, interestCover: Infinity, liquidity: Infinity }, P);
    expect(factorOf(a.factors, 'interestCover')).toMatchObject({ input: Infinity, band: '≥ 5', points: 0 });
    expect(factorOf(a.factors, 'liquidity')).toMatchObject({ input: Infinity, band: '≥ 1.5', points: 0 });
  });

  it('§6.1 a loss-making company (negative EBIT) has negative interest cover: the highest-risk band', () => {
    expect(factorOf(scoreOneEnterprise('interestCover', -2.5).factors, 'interestCover')).toMatchObject({ band: '< 1.5', points: 30 });
  });
});

// ---------------------------------------------------------------------------------------------
// Rating cut-offs

describe('§6.1 rating cut-offs (a total exactly at a cut-off gets that rating)', () => {
  it.each<[number, RiskRating]>([
    [0, 'LOW'],
    [34, 'LOW'],
    [35, 'MEDIUM'],
    [36, 'MEDIUM'],
    [59, 'MEDIUM'],
    [60, 'HIGH'],
    [61, 'HIGH'],
    [1000, 'HIGH'],
  ])('§6.1 individual total %d → %s', (total, rating) => {
    expect(individualRatingForTotal(total, P)).toBe(rating);
  });

  it.each<[number, RiskRating]>([
    [0, 'A'],
    [24, 'A'],
    [25, 'B'],
    [26, 'B'],
    [49, 'B'],
    [50, 'C'],
    [51, 'C'],
    [79, 'C'],
    [80, 'D'],
    [81, 'D'],
    [1000, 'D'],
  ])('§6.1 enterprise total %d → %s', (total, rating) => {
    expect(enterpriseRatingForTotal(total, P)).toBe(rating);
  });

  it.each<[string, IndividualRiskInputs, number, RiskRating]>([
    ['credit score 600 and a fixed-term job', { creditScore: 600, employmentType: 'FIXED_TERM' }, 30, 'LOW'],
    ['credit score 600 and one delinquency: exactly the MEDIUM cut-off', { creditScore: 600, delinquencies: 1 }, 35, 'MEDIUM'],
    ['credit score 600, one delinquency, income variability 0.1', { creditScore: 600, delinquencies: 1, incomeVariability: 0.1 }, 40, 'MEDIUM'],
    ['credit score 600, 3 delinquencies', { creditScore: 600, delinquencies: 3 }, 50, 'MEDIUM'],
    ['credit score 600, 3 delinquencies, a fixed-term job', { creditScore: 600, delinquencies: 3, employmentType: 'FIXED_TERM' }, 55, 'MEDIUM'],
    ['one default alone: exactly the HIGH cut-off', { defaults: 1 }, 60, 'HIGH'],
  ])('§6.1 individual end to end: %s → total %d, %s', (_name, change, total, rating) => {
    const a = scoreIndividual({ ...BEST_INDIVIDUAL, ...change }, P);
    expect({ total: a.total, rating: a.rating }).toEqual({ total, rating });
  });

  it.each<[string, EnterpriseRiskInputs, number, RiskRating]>([
    ['construction', { naicsCode: '236220' }, 20, 'A'],
    ['a current ratio below 1: exactly the B cut-off', { liquidity: 0.9 }, 25, 'B'],
    ['construction and interest cover 2', { naicsCode: '236220', interestCover: 2 }, 35, 'B'],
    ['construction and interest cover below 1.5: exactly the C cut-off', { naicsCode: '236220', interestCover: 1 }, 50, 'C'],
    ['leverage 0.8, a current ratio below 1, construction: exactly the D cut-off', { leverage: 0.8, liquidity: 0.5, naicsCode: '23' }, 80, 'D'],
    ['leverage 0.8, a current ratio below 1, 7 years, revenue +1 %, construction', { leverage: 0.8, liquidity: 0.5, naicsCode: '23', yearsInBusiness: 7, revenueTrend: 0.01 }, 90, 'D'],
    ['leverage 0.8, current ratio 1.1, construction', { leverage: 0.8, liquidity: 1.1, naicsCode: '23' }, 70, 'C'],
  ])('§6.1 enterprise end to end: %s → total %d, %s', (_name, change, total, rating) => {
    const a = scoreEnterprise({ ...BEST_ENTERPRISE, ...change }, P);
    expect({ total: a.total, rating: a.rating }).toEqual({ total, rating });
  });

  it('the cut-offs come from the policy', () => {
    const policy = policyWith((p) => {
      p.riskScorecards.individual.ratingFrom = { MEDIUM: 10, HIGH: 20 };
      p.riskScorecards.enterprise.ratingFrom = { B: 5, C: 10, D: 15 };
    });
    expect(scoreIndividual({ ...BEST_INDIVIDUAL, employmentType: 'SELF_EMPLOYED' }, policy).rating).toBe('MEDIUM');
    expect(scoreEnterprise({ ...BEST_ENTERPRISE, naicsCode: '236220' }, policy).rating).toBe('D');
  });
});

// ---------------------------------------------------------------------------------------------
// Missing inputs

describe('§6.1 missing inputs are never silently good', () => {
  // [factor, rule, points scored, rating (others best), rating the total alone gives when a cap applied]
  it.each<[IndividualFactor, string, number, RiskRating, RiskRating | undefined]>([
    ['creditScore', 'WORST_BAND', 40, 'MEDIUM', undefined],
    ['delinquencies', 'MEDIUM', 0, 'MEDIUM', 'LOW'],
    ['defaults', 'MEDIUM', 0, 'MEDIUM', 'LOW'],
    ['employmentType', 'MEDIUM', 0, 'MEDIUM', 'LOW'],
    ['employmentTenureMonths', 'WORST_BAND', 15, 'LOW', undefined],
    ['incomeVariability', 'MEDIUM', 0, 'MEDIUM', 'LOW'],
    ['debtToIncome', 'MEDIUM', 0, 'MEDIUM', 'LOW'],
  ])('§6.1 individual %s missing (rule %s): %d points, rating %s', (factor, rule, points, rating, beforeCap) => {
    for (const missing of [undefined, null]) {
      const a = scoreOneIndividual(factor, missing);
      const f = factorOf(a.factors, factor);
      expect(f).toMatchObject({ input: null, band: 'MISSING', points, missing: true });
      expect(f.missingRule).toEqual(rule === 'WORST_BAND' ? 'WORST_BAND' : { capRating: rule });
      expect(a.rating).toBe(rating);
      expect(a.capApplied).toEqual(beforeCap ? { rating, ratingBeforeCap: beforeCap, factors: [factor] } : undefined);
      expect(a.reasons[0]).toContain(`${factorLabel(factor)} missing`);
    }
  });

  it.each<[EnterpriseFactor, string, number, RiskRating, RiskRating | undefined]>([
    ['industry', 'WORST_BAND', 20, 'A', undefined],
    ['yearsInBusiness', 'WORST_BAND', 20, 'A', undefined],
    ['revenueTrend', 'B', 0, 'B', 'A'],
    ['customerConcentration', 'B', 0, 'B', 'A'],
    ['leverage', 'C', 0, 'C', 'A'],
    ['liquidity', 'C', 0, 'C', 'A'],
    ['interestCover', 'C', 0, 'C', 'A'],
    ['profitability', 'C', 0, 'C', 'A'],
  ])('§6.1 enterprise %s missing (rule %s): %d points, rating %s', (factor, rule, points, rating, beforeCap) => {
    for (const missing of [undefined, null]) {
      const a = scoreOneEnterprise(factor, missing);
      const f = factorOf(a.factors, factor);
      expect(f).toMatchObject({ input: null, band: 'MISSING', points, missing: true });
      expect(f.missingRule).toEqual(rule === 'WORST_BAND' ? 'WORST_BAND' : { capRating: rule });
      expect(a.rating).toBe(rating);
      expect(a.capApplied).toEqual(beforeCap ? { rating, ratingBeforeCap: beforeCap, factors: [factor] } : undefined);
      expect(a.reasons[0]).toContain(`${factorLabel(factor)} missing`);
    }
  });

  it('§6.1 a missing WORST_BAND input scores exactly as the worst present input', () => {
    expect(scoreOneIndividual('creditScore', null).total).toBe(scoreOneIndividual('creditScore', 300).total);
    expect(scoreOneIndividual('employmentTenureMonths', null).total).toBe(scoreOneIndividual('employmentTenureMonths', 0).total);
    expect(scoreOneEnterprise('industry', null).total).toBe(scoreOneEnterprise('industry', '236220').total);
    expect(scoreOneEnterprise('yearsInBusiness', null).total).toBe(scoreOneEnterprise('yearsInBusiness', 0).total);
  });

  it('§6.1 reasons name the missing input and the rule: "credit score missing: scored as its worst band < 580 (+40 points)"', () => {
    expect(scoreOneIndividual('creditScore', null).reasons).toEqual(['credit score missing: scored as its worst band < 580 (+40 points)']);
    expect(scoreOneIndividual('debtToIncome', null).reasons).toEqual([
      'debt-to-income missing: rating no better than MEDIUM (the total 0 alone gives LOW)',
      'no risk points: every factor is in its lowest-risk band',
    ]);
  });

  it('§6.1 a cap that does not bind is still named, and capApplied stays absent', () => {
    const a = scoreIndividual({ ...BEST_INDIVIDUAL, defaults: 1, debtToIncome: null }, P);
    expect(a.rating).toBe('HIGH');
    expect(a.capApplied).toBeUndefined();
    expect(a.reasons).toEqual(['defaults 1 is at or above 1 (+60 points)', 'debt-to-income missing: rating no better than MEDIUM']);
  });

  it('§6.1 several caps: the worst binds and the binding factors are named', () => {
    const a = scoreEnterprise({ ...BEST_ENTERPRISE, revenueTrend: null, leverage: null, profitability: null }, P);
    expect(a.rating).toBe('C');
    expect(a.capApplied).toEqual({ rating: 'C', ratingBeforeCap: 'A', factors: ['leverage', 'profitability'] });
    expect(a.reasons).toEqual([
      'leverage (liabilities ÷ assets), net profit margin missing: rating no better than C (the total 0 alone gives A)',
      'no risk points: every factor is in its lowest-risk band',
      'revenue trend missing: rating no better than B',
    ]);
  });

  it('§6.1 a customer the bank knows nothing about yet is MEDIUM / C, never LOW / A', () => {
    const i = scoreIndividual({}, P);
    expect({ rating: i.rating, total: i.total }).toEqual({ rating: 'MEDIUM', total: 55 });
    expect(i.factors.every((f) => f.missing)).toBe(true);
    const e = scoreEnterprise({}, P);
    expect({ rating: e.rating, total: e.total }).toEqual({ rating: 'C', total: 40 });
    expect(e.capApplied).toEqual({ rating: 'C', ratingBeforeCap: 'B', factors: ['leverage', 'liquidity', 'interestCover', 'profitability'] });
  });

  it('§6.1 the missing rule comes from the policy: a capped factor switched to WORST_BAND scores its worst band', () => {
    const policy = policyWith((p) => {
      p.riskScorecards.individual.factors.debtToIncome.missing = 'WORST_BAND';
      p.riskScorecards.enterprise.factors.leverage.missing = { capRating: 'D' };
    });
    const i = scoreOneIndividual('debtToIncome', null, policy);
    expect({ points: factorOf(i.factors, 'debtToIncome').points, rating: i.rating, cap: i.capApplied }).toEqual({ points: 35, rating: 'MEDIUM', cap: undefined });
    expect(scoreOneEnterprise('leverage', null, policy).rating).toBe('D');
  });

  it('§6.1 a capped factor whose best band carries points scores them (it is not guessed below its best)', () => {
    const policy = policyWith((p) => {
      p.riskScorecards.individual.factors.incomeVariability.bands[0] = { points: 5 };
    });
    const a = scoreOneIndividual('incomeVariability', null, policy);
    expect(factorOf(a.factors, 'incomeVariability').points).toBe(5);
    expect(a.reasons).toContain('income variability missing: scored as its best band (+5 points)');
  });
});

// ---------------------------------------------------------------------------------------------
// Reasons, groups, validation

describe('§6.1 reasons, groups and totals', () => {
  it('§6.1 lists the top reasons in plain words, most points first, with the threshold crossed', () => {
    const a = scoreIndividual(
      { creditScore: 600, delinquencies: 1, defaults: 0, employmentType: 'STUDENT', employmentTenureMonths: 30, incomeVariability: 0.05, debtToIncome: 3.2 },
      P,
    );
    expect(a).toMatchObject({ rating: 'HIGH', total: 90 });
    expect(a.groups).toEqual({ CREDIT_RECORD: 35, INCOME_STABILITY: 20, DEBT: 35 });
    expect(a.reasons).toEqual([
      'debt-to-income 3.2 is at or above 3 (+35 points)',
      'credit score 600 is from 580 to below 670 (+25 points)',
      'employment type STUDENT (+15 points)',
    ]);
  });

  it('§6.1 ties keep the factor order; the number of reasons comes from the policy (topReasons)', () => {
    const policy = policyWith((p) => {
      p.riskScorecards.topReasons = 1;
    });
    const a = scoreEnterprise({ ...BEST_ENTERPRISE, naicsCode: '236220', yearsInBusiness: 1 }, policy);
    expect(a.reasons).toEqual(['industry NAICS sector 23 Construction (+20 points)']);
    expect(scoreEnterprise({ ...BEST_ENTERPRISE, naicsCode: '236220', yearsInBusiness: 1 }, P).reasons).toEqual([
      'industry NAICS sector 23 Construction (+20 points)',
      'years in business 1 is below 2 (+20 points)',
    ]);
  });

  it('§6.1 a value is shown rounded, unless rounding would carry it across the threshold', () => {
    expect(scoreOneIndividual('debtToIncome', 1.234567).reasons).toEqual(['debt-to-income 1.23 is from 0.5 to below 1.5 (+10 points)']);
    expect(scoreOneIndividual('debtToIncome', 1.4999999).reasons).toEqual(['debt-to-income 1.4999999 is from 0.5 to below 1.5 (+10 points)']);
    expect(scoreOneEnterprise('revenueTrend', -0.12345).reasons).toEqual(['revenue trend -0.12 is below -0.1 (+20 points)']);
  });

  it('§6.1 the total is the sum of the factor points and of the group subtotals', () => {
    const a = scoreEnterprise({ naicsCode: '722511', yearsInBusiness: 3, revenueTrend: -0.05, customerConcentration: 0.4, leverage: 0.7, liquidity: 1.1, interestCover: 2, profitability: 0.01 }, P);
    expect(a.total).toBe(a.factors.reduce((s, f) => s + f.points, 0));
    expect(a.groups).toEqual({ INDUSTRY: 20, OPERATING: 30, FINANCIAL: 60 });
    expect(a.total).toBe(110);
    expect(a.rating).toBe('D');
  });

  it.each<[string, () => unknown, string]>([
    ['a NaN credit score', () => scoreOneIndividual('creditScore', NaN), 'credit score must be a finite number ≥ 0 (or null when missing), got NaN'],
    ['an infinite credit score', () => scoreOneIndividual('creditScore', Infinity), 'credit score must be a finite number ≥ 0'],
    ['a negative debt-to-income', () => scoreOneIndividual('debtToIncome', -0.1), 'debt-to-income must be a finite number ≥ 0'],
    ['a fractional delinquency count', () => scoreOneIndividual('delinquencies', 1.5), 'delinquencies must be a whole number ≥ 0'],
    ['a negative default count', () => scoreOneIndividual('defaults', -1), 'defaults must be a whole number ≥ 0'],
    ['a number as a string', () => scoreOneIndividual('creditScore', '700'), 'credit score must be a finite number ≥ 0 (or null when missing), got "700"'],
    ['an unknown employment type', () => scoreOneIndividual('employmentType', 'FREELANCE'), 'employment type "FREELANCE" is not one of PERMANENT, FIXED_TERM, SELF_EMPLOYED, RETIRED, STUDENT, UNEMPLOYED'],
    ['a customer share above 1', () => scoreOneEnterprise('customerConcentration', 1.2), "largest customer's share of revenue must be a finite number ≥ 0 ≤ 1"],
    ['revenue falling by more than 100 %', () => scoreOneEnterprise('revenueTrend', -1.5), 'revenue trend must be a finite number ≥ -1'],
    ['a NaN interest cover', () => scoreOneEnterprise('interestCover', NaN), 'interest cover must be a number (or Infinity)'],
    ['a negative infinite liquidity', () => scoreOneEnterprise('liquidity', -Infinity), 'current ratio must be a number (or Infinity) ≥ 0'],
    ['a malformed NAICS code', () => scoreOneEnterprise('industry', '5X'), 'NAICS code "5X" is not 2 to 6 digits'],
    ['a NAICS code in no sector', () => scoreOneEnterprise('industry', '99'), 'NAICS code 99 is in no 2022 NAICS sector'],
  ])('§6.1 rejects %s with a RangeError naming the factor', (_name, run, message) => {
    expect(run).toThrow(RangeError);
    expect(run).toThrow(message);
  });

  it('is deterministic and leaves its inputs and the policy unchanged', () => {
    const inputs = { ...BEST_INDIVIDUAL, debtToIncome: 2 };
    const policy = structuredClone(P);
    const before = structuredClone({ inputs, policy });
    expect(scoreIndividual(inputs, policy)).toEqual(scoreIndividual(inputs, policy));
    expect({ inputs, policy }).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: worsening any single input never improves the rating

/** How a factor's risk moves with its value, as §6.1 means it (checked against the policy below). */
const WORSE_WHEN: Record<Exclude<IndividualFactor | EnterpriseFactor, 'employmentType' | 'industry'>, 'HIGHER' | 'LOWER'> = {
  creditScore: 'LOWER',
  delinquencies: 'HIGHER',
  defaults: 'HIGHER',
  employmentTenureMonths: 'LOWER',
  incomeVariability: 'HIGHER',
  debtToIncome: 'HIGHER',
  yearsInBusiness: 'LOWER',
  revenueTrend: 'LOWER',
  customerConcentration: 'HIGHER',
  leverage: 'HIGHER',
  liquidity: 'LOWER',
  interestCover: 'LOWER',
  profitability: 'LOWER',
};

/** Each numeric factor's plausible range (spanning every band) and whether it counts. */
const RANGE: Record<keyof typeof WORSE_WHEN, { min: number; max: number; integer?: boolean }> = {
  creditScore: { min: 300, max: 850, integer: true },
  delinquencies: { min: 0, max: 12, integer: true },
  defaults: { min: 0, max: 5, integer: true },
  employmentTenureMonths: { min: 0, max: 480, integer: true },
  incomeVariability: { min: 0, max: 2 },
  debtToIncome: { min: 0, max: 8 },
  yearsInBusiness: { min: 0, max: 80 },
  revenueTrend: { min: -1, max: 2 },
  customerConcentration: { min: 0, max: 1 },
  leverage: { min: 0, max: 3 },
  liquidity: { min: 0, max: 6 },
  interestCover: { min: -10, max: 30 },
  profitability: { min: -1, max: 1 },
};

/** A value in the factor's range, often exactly at one of the policy's thresholds (the edges matter most). */
function valueArb(factor: keyof typeof WORSE_WHEN, config: NumericFactorConfig): fc.Arbitrary<number> {
  const { min, max, integer } = RANGE[factor];
  const any = integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc.oneof(any, fc.constantFrom(...thresholdsOf(config)));
}

/** Two values of one numeric factor, the second no better than the first (in the factor's range). */
function worseningPair(factor: keyof typeof WORSE_WHEN, config: NumericFactorConfig): fc.Arbitrary<[number, number]> {
  return fc.tuple(valueArb(factor, config), valueArb(factor, config)).map(([a, b]) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    return WORSE_WHEN[factor] === 'HIGHER' ? [lo, hi] : [hi, lo];
  });
}

/** Two codes, the second with at least as many points as the first. */
function worseningCodes(points: Record<string, number>): fc.Arbitrary<[string, string]> {
  const codes = Object.keys(points);
  return fc.tuple(fc.constantFrom(...codes), fc.constantFrom(...codes)).map(([a, b]) => ((points[a] ?? 0) <= (points[b] ?? 0) ? [a, b] : [b, a]));
}

/** A NAICS code of a sector: the first two digits of one of its prefixes, sometimes with more digits. */
function naicsOf(sector: string): fc.Arbitrary<string> {
  const prefixes = NAICS_2022_SECTORS.find((s) => s.code === sector)?.prefixes ?? [];
  return fc.tuple(fc.constantFrom(...prefixes), fc.stringMatching(/^\d{0,4}$/)).map(([p, rest]) => p + rest);
}

function inputsArb<F extends string>(
  factors: readonly F[],
  arbOf: (f: F) => fc.Arbitrary<unknown>,
): fc.Arbitrary<Record<F, unknown>> {
  const record = Object.fromEntries(factors.map((f) => [f, fc.option(arbOf(f), { nil: null, freq: 5 })])) as Record<F, fc.Arbitrary<unknown>>;
  return fc.record(record) as fc.Arbitrary<Record<F, unknown>>;
}

const rank = (r: RiskRating): number => riskRatingRank(r);

describe('§6.1 property: worsening any single input never improves the rating (nor lowers the total)', () => {
  it('the property tests worsen each numeric factor in the direction the policy declares', () => {
    for (const [factor, when] of Object.entries(WORSE_WHEN)) {
      const config = (P.riskScorecards.individual.factors as Record<string, unknown>)[factor] ?? (P.riskScorecards.enterprise.factors as Record<string, unknown>)[factor];
      expect({ factor, risk: (config as NumericFactorConfig).risk }).toEqual({ factor, risk: when === 'HIGHER' ? 'RISES_WITH_VALUE' : 'FALLS_WITH_VALUE' });
    }
  });

  const individualFactors = P.riskScorecards.individual.factors;
  const individualValue = (f: IndividualFactor): fc.Arbitrary<unknown> =>
    f === 'employmentType' ? fc.constantFrom(...EMPLOYMENT_TYPES) : valueArb(f, individualFactors[f]);
  const individualWorsening = (f: IndividualFactor): fc.Arbitrary<[unknown, unknown]> =>
    f === 'employmentType' ? worseningCodes(individualFactors.employmentType.points) : worseningPair(f, individualFactors[f]);

  /** Scoring under `policy`, a single input made no better never lowers the total nor improves the rating. */
  const individualWorseningProperty = (policy: Policy) =>
    fc.property(
      inputsArb(INDIVIDUAL_FACTORS, individualValue),
      fc.constantFrom(...INDIVIDUAL_FACTORS).chain((f) => fc.tuple(fc.constant(f), individualWorsening(f))),
      (base, [factor, [better, worse]]) => {
        const a = scoreIndividual({ ...base, [factor]: better } as IndividualRiskInputs, policy);
        const b = scoreIndividual({ ...base, [factor]: worse } as IndividualRiskInputs, policy);
        expect(b.total).toBeGreaterThanOrEqual(a.total);
        expect(rank(b.rating)).toBeGreaterThanOrEqual(rank(a.rating));
      },
    );

  it('§6.1 individual scorecard (LOW < MEDIUM < HIGH)', () => {
    fc.assert(individualWorseningProperty(P), { numRuns: 2000 });
  });

  it('the property has teeth: it finds the counter-example in a non-monotone scorecard that bypassed validation', () => {
    const broken = structuredClone(P);
    broken.riskScorecards.individual.factors.debtToIncome.bands[2] = { from: 1.5, points: 5 }; // less than the band below
    expect(() => parsePolicy(broken)).toThrow('riskScorecards.individual.factors.debtToIncome.bands.2.points');
    expect(fc.check(individualWorseningProperty(broken), { numRuns: 2000 }).failed).toBe(true);
  });

  const enterpriseFactors = P.riskScorecards.enterprise.factors;
  const sectorPoints = enterpriseFactors.industry.points;
  const enterpriseValue = (f: EnterpriseFactor): fc.Arbitrary<unknown> =>
    f === 'industry' ? fc.constantFrom(...Object.keys(sectorPoints)).chain(naicsOf) : valueArb(f, enterpriseFactors[f]);
  const enterpriseWorsening = (f: EnterpriseFactor): fc.Arbitrary<[unknown, unknown]> =>
    f === 'industry'
      ? worseningCodes(sectorPoints).chain(([a, b]) => fc.tuple(naicsOf(a), naicsOf(b)))
      : worseningPair(f, enterpriseFactors[f]);

  it('§6.1 enterprise scorecard (A < B < C < D)', () => {
    fc.assert(
      fc.property(
        inputsArb(ENTERPRISE_FACTORS, enterpriseValue),
        fc.constantFrom(...ENTERPRISE_FACTORS).chain((f) => fc.tuple(fc.constant(f), enterpriseWorsening(f))),
        (base, [factor, [better, worse]]) => {
          const inputs = (v: unknown): EnterpriseRiskInputs => {
            const { industry, ...rest } = { ...base, [factor]: v } as Record<EnterpriseFactor, unknown>;
            return { ...rest, naicsCode: industry } as EnterpriseRiskInputs;
          };
          const a = scoreEnterprise(inputs(better), P);
          const b = scoreEnterprise(inputs(worse), P);
          expect(b.total).toBeGreaterThanOrEqual(a.total);
          expect(rank(b.rating)).toBeGreaterThanOrEqual(rank(a.rating));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('§6.1 losing an input under WORST_BAND never improves the rating; under a cap the rating is never better than the cap (individual)', () => {
    fc.assert(
      fc.property(
        inputsArb(INDIVIDUAL_FACTORS, individualValue),
        fc.constantFrom(...INDIVIDUAL_FACTORS).chain((f) => fc.tuple(fc.constant(f), individualValue(f))),
        (base, [factor, value]) => {
          const present = scoreIndividual({ ...base, [factor]: value } as IndividualRiskInputs, P);
          const missing = scoreIndividual({ ...base, [factor]: null } as IndividualRiskInputs, P);
          const rule = individualFactors[factor].missing;
          if (rule === 'WORST_BAND') {
            expect(missing.total).toBeGreaterThanOrEqual(present.total);
            expect(rank(missing.rating)).toBeGreaterThanOrEqual(rank(present.rating));
          } else {
            expect(rank(missing.rating)).toBeGreaterThanOrEqual(rank(rule.capRating));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('§6.1 losing an input under WORST_BAND never improves the rating; under a cap the rating is never better than the cap (enterprise)', () => {
    fc.assert(
      fc.property(
        inputsArb(ENTERPRISE_FACTORS, enterpriseValue),
        fc.constantFrom(...ENTERPRISE_FACTORS).chain((f) => fc.tuple(fc.constant(f), enterpriseValue(f))),
        (base, [factor, value]) => {
          const inputs = (v: unknown): EnterpriseRiskInputs => {
            const { industry, ...rest } = { ...base, [factor]: v } as Record<EnterpriseFactor, unknown>;
            return { ...rest, naicsCode: industry } as EnterpriseRiskInputs;
          };
          const present = scoreEnterprise(inputs(value), P);
          const missing = scoreEnterprise(inputs(null), P);
          const rule = enterpriseFactors[factor].missing;
          if (rule === 'WORST_BAND') {
            expect(missing.total).toBeGreaterThanOrEqual(present.total);
            expect(rank(missing.rating)).toBeGreaterThanOrEqual(rank(present.rating));
          } else {
            expect(rank(missing.rating)).toBeGreaterThanOrEqual(rank(rule.capRating));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('§6.1 every assessment is consistent: total = Σ points = Σ groups, rating ≥ the total\'s, reasons never empty', () => {
    fc.assert(
      fc.property(inputsArb(INDIVIDUAL_FACTORS, individualValue), (inputs) => {
        const a = scoreIndividual(inputs as IndividualRiskInputs, P);
        expect(a.total).toBe(a.factors.reduce((s, f) => s + f.points, 0));
        expect(Object.values(a.groups).reduce((s, n) => s + n, 0)).toBe(a.total);
        expect(rank(a.rating)).toBeGreaterThanOrEqual(rank(individualRatingForTotal(a.total, P)));
        expect(a.reasons.length).toBeGreaterThan(0);
        expect(a.capApplied === undefined).toBe(a.rating === individualRatingForTotal(a.total, P));
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// §6.2 measures

describe('§6.2 measures by rating', () => {
  it.each<[RiskRating, boolean, number, number | null, string[], number[], number | null]>([
    // rating, preferential, months between assessments, stricter above class, approvers, restricted, mitigation days
    ['LOW', true, 3, null, [], [], null],
    ['MEDIUM', false, 1, 2, ['SUPERVISOR', 'RISK_OFFICER'], [], null],
    ['HIGH', false, 3, 1, ['RISK_OFFICER'], [3, 4], 10],
    ['A', true, 3, null, [], [], null],
    ['B', false, 3, 3, ['SUPERVISOR', 'RISK_OFFICER'], [], null],
    ['C', false, 1, 2, ['SUPERVISOR', 'RISK_OFFICER'], [], null],
    ['D', false, 3, 1, ['RISK_OFFICER'], [3, 4], 10],
  ])('§6.2 %s: preferential %s, re-assessed every %d months, conditions above class %s by %j, restricted %j, mitigation plan in %s business days', (rating, preferential, months, above, approvers, restricted, days) => {
    const m = measuresFor(rating, P);
    expect(m).toMatchObject({
      rating,
      customerType: (INDIVIDUAL_RISK_RATINGS as readonly string[]).includes(rating) ? 'INDIVIDUAL' : 'ENTERPRISE',
      simplifiedProcedure: preferential,
      rateDiscountEligible: preferential,
      monitoringEveryMonths: months,
      restrictedRiskClasses: restricted,
      investigation: days === null ? null : { mitigationPlanDueBusinessDays: days },
      policyVersion: P.version,
    });
    expect(m.stricterConditions?.aboveRiskClass ?? null).toBe(above);
    expect(m.stricterConditions?.approvalBy ?? []).toEqual(approvers);
    expect(monitoringEveryMonths(rating, P)).toBe(months);
  });

  it('§6.2 monitoring: MEDIUM and C every risk.closeMonitoringEveryMonths, every other rating every risk.everyoneEveryMonths', () => {
    const policy = policyWith((p) => {
      p.risk = { closeMonitoringEveryMonths: 2, everyoneEveryMonths: 6 };
    });
    expect([...INDIVIDUAL_RISK_RATINGS, ...ENTERPRISE_RISK_RATINGS].map((r) => [r, monitoringEveryMonths(r, policy)])).toEqual([
      ['LOW', 6], ['MEDIUM', 2], ['HIGH', 6], ['A', 6], ['B', 6], ['C', 2], ['D', 6],
    ]);
  });

  it('§6.2 the measures come from the policy and are fresh copies', () => {
    const policy = policyWith((p) => {
      p.riskScorecards.individual.measures.HIGH.closeMonitoring = true;
      p.riskScorecards.individual.measures.HIGH.investigation = { mitigationPlanDueBusinessDays: 5 };
    });
    expect(measuresFor('HIGH', policy)).toMatchObject({ monitoringEveryMonths: 1, investigation: { mitigationPlanDueBusinessDays: 5 } });
    const m = measuresFor('D', P);
    m.restrictedRiskClasses.push(2);
    m.stricterConditions?.approvalBy.push('SUPERVISOR');
    expect(measuresFor('D', P)).toMatchObject({ restrictedRiskClasses: [3, 4], stricterConditions: { approvalBy: ['RISK_OFFICER'] } });
    expect(P.riskScorecards.enterprise.measures.D.restrictedRiskClasses).toEqual([3, 4]);
  });

  it('rejects an unknown rating', () => {
    expect(() => measuresFor('E' as RiskRating, P)).toThrow(RangeError);
    expect(() => monitoringEveryMonths('low' as RiskRating, P)).toThrow('unknown risk rating "low": one of LOW, MEDIUM, HIGH (individuals) or A, B, C, D (enterprises)');
  });

  it('ranks ratings from the lowest risk', () => {
    expect(INDIVIDUAL_RISK_RATINGS.map(riskRatingRank)).toEqual([0, 1, 2]);
    expect(ENTERPRISE_RISK_RATINGS.map(riskRatingRank)).toEqual([0, 1, 2, 3]);
  });
});

describe('§6.2 product opening terms by rating', () => {
  it.each<[RiskRating, string, boolean, boolean, string[]]>([
    ['LOW', 'PERSONAL_LOAN', true, false, []],
    ['MEDIUM', 'CREDIT_CARD', true, false, []],
    ['MEDIUM', 'PERSONAL_LOAN', true, true, ['SUPERVISOR', 'RISK_OFFICER']],
    ['MEDIUM', 'CREDIT_LINE', true, true, ['SUPERVISOR', 'RISK_OFFICER']],
    ['HIGH', 'DEPOSIT_ACCOUNT', true, false, []],
    ['HIGH', 'CREDIT_CARD', true, true, ['RISK_OFFICER']],
    ['A', 'TRADE_FINANCE', true, false, []],
    ['B', 'WORKING_CAPITAL_LOAN', true, false, []],
    ['B', 'TRADE_FINANCE', true, false, ['SUPERVISOR', 'RISK_OFFICER']],
    ['C', 'WORKING_CAPITAL_LOAN', true, true, ['SUPERVISOR', 'RISK_OFFICER']],
    ['D', 'CREDIT_CARD', true, true, ['RISK_OFFICER']],
  ])('§6.2 %s opening %s: allowed, extra guarantee %s, second approval by %j', (rating, product, _allowed, guarantee, approvers) => {
    const t = productOpeningTerms(rating, product, P);
    expect(t).toMatchObject({ allowed: true, productCode: product, extraGuarantee: guarantee, approvalBy: approvers });
    if (t.allowed) expect(t.reasons.length > 0).toBe(guarantee || approvers.length > 0);
  });

  it('§6.2 LOW / A: preferential terms on the product', () => {
    expect(productOpeningTerms('LOW', 'DEPOSIT_ACCOUNT', P)).toMatchObject({ allowed: true, simplifiedProcedure: true, rateDiscountEligible: true, reasons: [] });
    expect(productOpeningTerms('B', 'DEPOSIT_ACCOUNT', P)).toMatchObject({ allowed: true, simplifiedProcedure: false, rateDiscountEligible: false });
  });

  it('§6.2 MEDIUM: the condition is given in words', () => {
    expect(productOpeningTerms('MEDIUM', 'PERSONAL_LOAN', P)).toMatchObject({
      reasons: ['§6.2 rating MEDIUM: risk class 3 is above 2: needs an extra guarantee and a second approval by SUPERVISOR or RISK_OFFICER'],
    });
  });

  it.each<[RiskRating, string, string]>([
    ['HIGH', 'PERSONAL_LOAN', '§6.2 rating HIGH: products of risk class 3 (PERSONAL_LOAN) may not be opened'],
    ['HIGH', 'CREDIT_LINE', '§6.2 rating HIGH: products of risk class 4 (CREDIT_LINE) may not be opened'],
    ['D', 'WORKING_CAPITAL_LOAN', '§6.2 rating D: products of risk class 3 (WORKING_CAPITAL_LOAN) may not be opened'],
    ['A', 'PERSONAL_LOAN', 'PERSONAL_LOAN is not offered to ENTERPRISE customers'],
    ['LOW', 'TRADE_FINANCE', 'TRADE_FINANCE is not offered to INDIVIDUAL customers'],
  ])('§6.2 %s opening %s is refused: %s', (rating, product, reason) => {
    expect(productOpeningTerms(rating, product, P)).toEqual({ allowed: false, productCode: product, riskClass: expect.any(Number), reason, policyVersion: P.version });
  });

  it('rejects a product not in the catalogue', () => {
    expect(() => productOpeningTerms('LOW', 'CRYPTO_WALLET', P)).toThrow(`product "CRYPTO_WALLET" is not in the catalogue of policy ${P.version}`);
  });
});

describe('the module stays importable by workflows', () => {
  it('src/domain/risk-scorecard.ts imports only other domain modules and policy types (no Node built-ins, no policy.ts at run time)', () => {
    const source = readFileSync(path.join(__dirname, '../../src/domain/risk-scorecard.ts'), 'utf8');
    const imports = [...source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)';/gms)].map(([, type, from = '']) => ({ type: !!type, from }));
    const lines = source.split('\n').filter((l) => /^\s*import\b|\brequire\(/.test(l));
    expect(lines).toHaveLength(imports.length);
    for (const { type, from } of imports) {
      const ok = (from.startsWith('./') && !from.includes('/', 2)) || (type && from === '../policy/policy');
      expect({ from, type, ok }).toEqual({ from, type, ok: true });
    }
  });
});
