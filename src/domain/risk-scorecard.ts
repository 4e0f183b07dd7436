/**
 * §6.1 risk assessment by transparent points-based scorecards, and §6.2 the measures of a rating.
 *
 *   individual: credit record (credit score, delinquencies, defaults), income stability (employment
 *               type, months in the current employment, income variability), debt (debt-to-income)
 *               → LOW / MEDIUM / HIGH;
 *   enterprise: industry risk (points by NAICS sector), operating risk (years in business, revenue
 *               trend, customer concentration), financial risk from the latest financial statements
 *               (leverage, liquidity, interest cover, profitability) → A (lowest) / B / C / D (highest).
 *
 * How a scorecard works (every number is in `policy.riskScorecards`, src/policy/policy.ts):
 *   - Direction: higher points = higher risk. Each factor scores the points of the one band its input
 *     falls in; the total is the sum; the rating is the worst one whose `ratingFrom` cut-off the total
 *     reaches (a total exactly at a cut-off gets that rating).
 *   - A numeric factor's bands are ordered by `from`; a value exactly at a band's `from` belongs to that
 *     band, a value below the second band's `from` to the first. A code factor (employment type, NAICS
 *     sector) has points for every code.
 *   - Missing input (undefined or null) — never silently "good", per factor in the policy:
 *       'WORST_BAND'       the factor scores its worst band (the most points it has);
 *       { capRating: R }   the factor scores its best band's points (it is not guessed) and the rating
 *                          is no better than R, whatever the total (`capApplied` when that changed it).
 *     Either way the factor is marked `missing` and named in the reasons.
 *   - Worsening any single input never lowers the total nor improves the rating (the policy schema
 *     holds each factor's points monotone in its `risk` direction; the property tests prove it).
 *
 * Pure and deterministic, no Node built-ins, the policy's types only (this module also holds the §6
 * codes the policy schema uses): workflows may import it.
 * Results are fresh objects: a caller cannot change the policy in force through them.
 */
import type { CodeFactorConfig, NumericFactorConfig, Policy, RiskMeasuresConfig } from '../policy/policy';
import { industrySector } from './classification';

// ---------------------------------------------------------------------------------------------
// §6 codes (here rather than in src/policy/policy.ts, which reads files: workflows may import these;
// the policy schema imports them from here)

/** §6.1 individual ratings, from the lowest risk to the highest. */
export const INDIVIDUAL_RISK_RATINGS = ['LOW', 'MEDIUM', 'HIGH'] as const;
/** §6.1 enterprise ratings, from A (lowest risk) to D (highest). */
export const ENTERPRISE_RISK_RATINGS = ['A', 'B', 'C', 'D'] as const;
export type IndividualRiskRating = (typeof INDIVIDUAL_RISK_RATINGS)[number];
export type EnterpriseRiskRating = (typeof ENTERPRISE_RISK_RATINGS)[number];
export type RiskRating = IndividualRiskRating | EnterpriseRiskRating;

/** §6.1 income stability: how an individual earns their income. */
export const EMPLOYMENT_TYPES = ['PERMANENT', 'FIXED_TERM', 'SELF_EMPLOYED', 'RETIRED', 'STUDENT', 'UNEMPLOYED'] as const;
export type EmploymentType = (typeof EMPLOYMENT_TYPES)[number];

/** §6.2 the risk class of a product, 1 (lowest: deposits, transfers) to 4 (highest: revolving credit, trade finance). */
export const PRODUCT_RISK_CLASSES = [1, 2, 3, 4] as const;
export type ProductRiskClass = (typeof PRODUCT_RISK_CLASSES)[number];
/** §6.2 "a higher approval standard": the staff roles that may give the second approval. */
export const RISK_APPROVER_ROLES = ['SUPERVISOR', 'RISK_OFFICER'] as const;
export type RiskApproverRole = (typeof RISK_APPROVER_ROLES)[number];

/**
 * How a numeric factor's risk moves with its value: RISES_WITH_VALUE (debt-to-income, leverage: more
 * is riskier) or FALLS_WITH_VALUE (credit score, liquidity: less is riskier). Points must follow it.
 */
export const RISK_DIRECTIONS = ['RISES_WITH_VALUE', 'FALLS_WITH_VALUE'] as const;
export type RiskDirection = (typeof RISK_DIRECTIONS)[number];


// ---------------------------------------------------------------------------------------------
// Factors

/** §6.1 individual factors, in the order they are reported. */
export const INDIVIDUAL_FACTORS = [
  'creditScore',
  'delinquencies',
  'defaults',
  'employmentType',
  'employmentTenureMonths',
  'incomeVariability',
  'debtToIncome',
] as const;
/** §6.1 enterprise factors, in the order they are reported. */
export const ENTERPRISE_FACTORS = [
  'industry',
  'yearsInBusiness',
  'revenueTrend',
  'customerConcentration',
  'leverage',
  'liquidity',
  'interestCover',
  'profitability',
] as const;
export type IndividualFactor = (typeof INDIVIDUAL_FACTORS)[number];
export type EnterpriseFactor = (typeof ENTERPRISE_FACTORS)[number];

/** §6.1 the three parts of each assessment. */
export const INDIVIDUAL_FACTOR_GROUPS = ['CREDIT_RECORD', 'INCOME_STABILITY', 'DEBT'] as const;
export const ENTERPRISE_FACTOR_GROUPS = ['INDUSTRY', 'OPERATING', 'FINANCIAL'] as const;
export type IndividualFactorGroup = (typeof INDIVIDUAL_FACTOR_GROUPS)[number];
export type EnterpriseFactorGroup = (typeof ENTERPRISE_FACTOR_GROUPS)[number];

export const INDIVIDUAL_GROUP_OF: Readonly<Record<IndividualFactor, IndividualFactorGroup>> = {
  creditScore: 'CREDIT_RECORD',
  delinquencies: 'CREDIT_RECORD',
  defaults: 'CREDIT_RECORD',
  employmentType: 'INCOME_STABILITY',
  employmentTenureMonths: 'INCOME_STABILITY',
  incomeVariability: 'INCOME_STABILITY',
  debtToIncome: 'DEBT',
};
export const ENTERPRISE_GROUP_OF: Readonly<Record<EnterpriseFactor, EnterpriseFactorGroup>> = {
  industry: 'INDUSTRY',
  yearsInBusiness: 'OPERATING',
  revenueTrend: 'OPERATING',
  customerConcentration: 'OPERATING',
  leverage: 'FINANCIAL',
  liquidity: 'FINANCIAL',
  interestCover: 'FINANCIAL',
  profitability: 'FINANCIAL',
};

/**
 * §6.1 an individual's inputs; undefined or null = missing. The credit-record fields come from the
 * (encrypted) credit record, debt-to-income from the profile's debts and income.
 */
export interface IndividualRiskInputs {
  /** The bureau credit score (FICO-style), ≥ 0. */
  creditScore?: number | null;
  /** Payments 30+ days late on the credit record: a whole number ≥ 0. */
  delinquencies?: number | null;
  /** Defaults (charge-offs, collections, bankruptcies) on the credit record: a whole number ≥ 0. */
  defaults?: number | null;
  employmentType?: EmploymentType | null;
  /** Months in the current employment, self-employment or retirement, ≥ 0. */
  employmentTenureMonths?: number | null;
  /** Coefficient of variation of the monthly income (standard deviation ÷ mean), ≥ 0; 0 = steady. */
  incomeVariability?: number | null;
  /** Debts ÷ annual income (IndividualProfile.debtsUsd ÷ annualIncomeUsd), ≥ 0. */
  debtToIncome?: number | null;
}

/** §6.1 an enterprise's inputs; undefined or null = missing. The four ratios come from the latest financial statements. */
export interface EnterpriseRiskInputs {
  /** A 2- to 6-digit NAICS code (EnterpriseProfile.naicsCode); scored by its sector. */
  naicsCode?: string | null;
  /** Years since the business started trading, ≥ 0. */
  yearsInBusiness?: number | null;
  /** Year-over-year change of revenue as a fraction, ≥ -1 (-0.1 = fell 10 %). */
  revenueTrend?: number | null;
  /** The largest customer's share of revenue, 0–1. */
  customerConcentration?: number | null;
  /** Total liabilities ÷ total assets, ≥ 0. */
  leverage?: number | null;
  /** Current ratio: current assets ÷ current liabilities, ≥ 0; Infinity when there are no current liabilities. */
  liquidity?: number | null;
  /** EBIT ÷ interest expense (negative when EBIT is); Infinity when there is no interest expense. */
  interestCover?: number | null;
  /** Net profit margin: net income ÷ revenue (negative for a loss). */
  profitability?: number | null;
}

/** One factor of an assessment: what went in (numbers and codes only), the band it fell in, its points. */
export interface FactorScore<F extends string = string, G extends string = string, R extends string = string> {
  factor: F;
  /** §6.1 the part of the assessment it belongs to. */
  group: G;
  /** The input as given (for the industry: the NAICS code); null when missing. */
  input: number | string | null;
  /**
   * The band scored: for a numeric factor its range ("< 580", "≥ 580 and < 670", "≥ 740"), for a
   * code factor the code (the NAICS sector code for the industry); "MISSING" when the input was missing.
   */
  band: string;
  points: number;
  missing: boolean;
  /** The policy's missing-input rule that was applied (missing factors only). */
  missingRule?: 'WORST_BAND' | { capRating: R };
}

export interface RiskAssessment<C extends 'INDIVIDUAL' | 'ENTERPRISE', R extends RiskRating, F extends string, G extends string> {
  customerType: C;
  rating: R;
  /** Sum of the factors' points (higher = riskier). */
  total: number;
  factors: FactorScore<F, G, R>[];
  /** Points per §6.1 part (credit record / income stability / debt; industry / operating / financial). */
  groups: Record<G, number>;
  policyVersion: string;
  /** Plain words, most important first: a binding missing-input cap, then the factors with the most points, then other missing-input caps. */
  reasons: string[];
  /** Present when a missing input's cap made the rating worse than the total alone gives. */
  capApplied?: { rating: R; ratingBeforeCap: R; factors: F[] };
}
export type IndividualRiskAssessment = RiskAssessment<'INDIVIDUAL', IndividualRiskRating, IndividualFactor, IndividualFactorGroup>;
export type EnterpriseRiskAssessment = RiskAssessment<'ENTERPRISE', EnterpriseRiskRating, EnterpriseFactor, EnterpriseFactorGroup>;

// ---------------------------------------------------------------------------------------------
// How each factor reads its input (definitions, not policy: the policy sets the bands)

interface NumericSpec {
  kind: 'numeric';
  label: string;
  /** The values the input can take by its definition. */
  min?: number;
  max?: number;
  integer?: boolean;
  /** +Infinity is meaningful (a ratio with nothing to cover). */
  infinite?: boolean;
}
interface CodeSpec {
  kind: 'code';
  label: string;
  /** The code scored and how it reads in a reason; a RangeError for an input that is no code. */
  resolve(value: unknown): { code: string; words: string };
}
type FactorSpec = NumericSpec | CodeSpec;

const INDIVIDUAL_SPECS: Readonly<Record<IndividualFactor, FactorSpec>> = {
  creditScore: { kind: 'numeric', label: 'credit score', min: 0 },
  delinquencies: { kind: 'numeric', label: 'delinquencies', min: 0, integer: true },
  defaults: { kind: 'numeric', label: 'defaults', min: 0, integer: true },
  employmentType: {
    kind: 'code',
    label: 'employment type',
    resolve(value) {
      if (typeof value !== 'string' || !(EMPLOYMENT_TYPES as readonly string[]).includes(value)) {
        throw new RangeError(`employment type ${JSON.stringify(value)} is not one of ${EMPLOYMENT_TYPES.join(', ')}`);
      }
      return { code: value, words: value };
    },
  },
  employmentTenureMonths: { kind: 'numeric', label: 'months in the current employment', min: 0 },
  incomeVariability: { kind: 'numeric', label: 'income variability', min: 0 },
  debtToIncome: { kind: 'numeric', label: 'debt-to-income', min: 0 },
};

const ENTERPRISE_SPECS: Readonly<Record<EnterpriseFactor, FactorSpec>> = {
  industry: {
    kind: 'code',
    label: 'industry',
    resolve(value) {
      const sector = industrySector(value as string);
      return { code: sector.code, words: `NAICS sector ${sector.code} ${sector.name}` };
    },
  },
  yearsInBusiness: { kind: 'numeric', label: 'years in business', min: 0 },
  revenueTrend: { kind: 'numeric', label: 'revenue trend', min: -1 },
  customerConcentration: { kind: 'numeric', label: "largest customer's share of revenue", min: 0, max: 1 },
  leverage: { kind: 'numeric', label: 'leverage (liabilities ÷ assets)', min: 0 },
  liquidity: { kind: 'numeric', label: 'current ratio', min: 0, infinite: true },
  interestCover: { kind: 'numeric', label: 'interest cover', infinite: true },
  profitability: { kind: 'numeric', label: 'net profit margin' },
};

/** The plain-words name of a factor, as the reasons use it. */
export function factorLabel(factor: IndividualFactor | EnterpriseFactor): string {
  const spec = (INDIVIDUAL_SPECS as Record<string, FactorSpec>)[factor] ?? (ENTERPRISE_SPECS as Record<string, FactorSpec>)[factor];
  if (!spec) throw new RangeError(`unknown risk factor ${JSON.stringify(factor)}`);
  return spec.label;
}

function requireNumber(spec: NumericSpec, value: unknown): number {
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (Number.isFinite(value) || (spec.infinite === true && value === Infinity)) &&
    (spec.min === undefined || value >= spec.min) &&
    (spec.max === undefined || value <= spec.max) &&
    (spec.integer !== true || Number.isInteger(value));
  if (!ok) {
    const what = [
      spec.integer ? 'a whole number' : spec.infinite ? 'a number (or Infinity)' : 'a finite number',
      spec.min !== undefined && `≥ ${spec.min}`,
      spec.max !== undefined && `≤ ${spec.max}`,
    ]
      .filter(Boolean)
      .join(' ');
    throw new RangeError(`${spec.label} must be ${what} (or null when missing), got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Bands

/** The index of the band `value` falls in: the last band whose `from` is at or below it (the first band has none). */
function bandIndex(config: NumericFactorConfig, value: number): number {
  let index = 0;
  config.bands.forEach((band, i) => {
    if (i > 0 && band.from !== undefined && value >= band.from) index = i;
  });
  return index;
}

/** "< 580", "≥ 580 and < 670", "≥ 740". */
function bandText(config: NumericFactorConfig, i: number): string {
  const from = config.bands[i]?.from;
  const next = config.bands[i + 1]?.from;
  if (from === undefined) return `< ${next}`;
  if (next === undefined) return `≥ ${from}`;
  return `≥ ${from} and < ${next}`;
}

/** The band the worst input falls in: the top for risk RISES_WITH_VALUE, the bottom for FALLS_WITH_VALUE. */
const worstBandIndex = (config: NumericFactorConfig): number => (config.risk === 'RISES_WITH_VALUE' ? config.bands.length - 1 : 0);
const bestBandIndex = (config: NumericFactorConfig): number => (config.risk === 'RISES_WITH_VALUE' ? 0 : config.bands.length - 1);

/** The value as a reason shows it: rounded to a few decimals, unless rounding would move it into another band. */
function showValue(config: NumericFactorConfig, value: number, band: number): string {
  if (Number.isFinite(value)) {
    for (let decimals = 2; decimals <= 10; decimals++) {
      const shown = Number(value.toFixed(decimals));
      if (bandIndex(config, shown) === band && (shown !== 0 || value === 0)) return String(shown);
    }
  }
  return String(value);
}

/** "debt-to-income 3.2 is at or above 3", "credit score 550 is below 580", "… is from 580 to below 670". */
function bandWords(label: string, config: NumericFactorConfig, value: number, band: number): string {
  const from = config.bands[band]?.from;
  const next = config.bands[band + 1]?.from;
  const shown = `${label} ${showValue(config, value, band)}`;
  if (from === undefined) return `${shown} is below ${next}`;
  if (next === undefined) return `${shown} is at or above ${from}`;
  return `${shown} is from ${from} to below ${next}`;
}

const pointsText = (points: number): string => `+${points} point${points === 1 ? '' : 's'}`;

// ---------------------------------------------------------------------------------------------
// The scorecard engine (one for both customer types)

interface Card<F extends string, G extends string, R extends string> {
  customerType: 'INDIVIDUAL' | 'ENTERPRISE';
  /** From the best (lowest risk) to the worst. */
  ratings: readonly R[];
  factors: readonly F[];
  groups: readonly G[];
  groupOf: Readonly<Record<F, G>>;
  specs: Readonly<Record<F, FactorSpec>>;
  config: {
    factors: Record<F, NumericFactorConfig | CodeFactorConfig>;
    ratingFrom: Partial<Record<R, number>>;
  };
}

interface Scored<F extends string, G extends string, R extends string> {
  score: FactorScore<F, G, R>;
  /** The reason line when the factor carries points, else undefined. */
  words?: string;
  cap?: R;
}

function scoreFactor<F extends string, G extends string, R extends string>(card: Card<F, G, R>, factor: F, raw: unknown): Scored<F, G, R> {
  const spec = card.specs[factor];
  const config = card.config.factors[factor];
  const group = card.groupOf[factor];
  if (raw === undefined || raw === null) {
    const rule = config.missing as 'WORST_BAND' | { capRating: R };
    const all = 'bands' in config ? config.bands.map((b) => b.points) : Object.values(config.points);
    if (rule === 'WORST_BAND') {
      const points = Math.max(...all);
      const worst = 'bands' in config ? ` ${bandText(config, worstBandIndex(config))}` : '';
      return {
        score: { factor, group, input: null, band: 'MISSING', points, missing: true, missingRule: 'WORST_BAND' },
        words: `${spec.label} missing: scored as its worst band${worst} (${pointsText(points)})`,
      };
    }
    const points = 'bands' in config ? (config.bands[bestBandIndex(config)]?.points ?? 0) : Math.min(...all);
    return {
      score: { factor, group, input: null, band: 'MISSING', points, missing: true, missingRule: { capRating: rule.capRating } },
      words: points > 0 ? `${spec.label} missing: scored as its best band (${pointsText(points)})` : undefined,
      cap: rule.capRating,
    };
  }
  if (spec.kind === 'code') {
    if (!('points' in config)) throw new Error(`policy factor ${factor} has bands, but its input is a code`);
    const { code, words } = spec.resolve(raw);
    const points = config.points[code];
    if (points === undefined) throw new RangeError(`${spec.label} ${code} has no points in the policy`);
    return {
      score: { factor, group, input: raw as string, band: code, points, missing: false },
      words: `${spec.label} ${words} (${pointsText(points)})`,
    };
  }
  if (!('bands' in config)) throw new Error(`policy factor ${factor} has code points, but its input is a number`);
  const value = requireNumber(spec, raw);
  const i = bandIndex(config, value);
  const points = config.bands[i]?.points ?? 0;
  return {
    score: { factor, group, input: value, band: bandText(config, i), points, missing: false },
    words: `${bandWords(spec.label, config, value, i)} (${pointsText(points)})`,
  };
}

function ratingForTotal<R extends string>(ratings: readonly R[], ratingFrom: Partial<Record<R, number>>, total: number): R {
  let rating = ratings[0] as R;
  for (const r of ratings.slice(1)) {
    const from = ratingFrom[r];
    if (from !== undefined && total >= from) rating = r;
  }
  return rating;
}

function assess<F extends string, G extends string, R extends RiskRating>(
  card: Card<F, G, R>,
  inputs: Readonly<Record<F, unknown>>,
  policy: Policy,
): RiskAssessment<'INDIVIDUAL' | 'ENTERPRISE', R, F, G> {
  const scored = card.factors.map((f) => scoreFactor(card, f, inputs[f]));
  const total = scored.reduce((sum, s) => sum + s.score.points, 0);
  const groups = Object.fromEntries(card.groups.map((g) => [g, 0])) as Record<G, number>;
  for (const { score } of scored) groups[score.group] += score.points;

  const rank = (r: R): number => card.ratings.indexOf(r);
  const ratingBeforeCap = ratingForTotal(card.ratings, card.config.ratingFrom, total);
  let rating = ratingBeforeCap;
  for (const s of scored) if (s.cap !== undefined && rank(s.cap) > rank(rating)) rating = s.cap;
  const binding = rating === ratingBeforeCap ? [] : scored.filter((s) => s.cap === rating);

  const reasons: string[] = [];
  if (binding.length > 0) {
    const labels = binding.map((s) => card.specs[s.score.factor].label).join(', ');
    reasons.push(`${labels} missing: rating no better than ${rating} (the total ${total} alone gives ${ratingBeforeCap})`);
  }
  const withPoints = scored
    .filter((s) => s.score.points > 0 && s.words !== undefined)
    .sort((a, b) => b.score.points - a.score.points); // stable: ties keep the factor order
  reasons.push(...withPoints.slice(0, policy.riskScorecards.topReasons).map((s) => s.words as string));
  if (withPoints.length === 0) reasons.push('no risk points: every factor is in its lowest-risk band');
  for (const s of scored) {
    if (s.cap !== undefined && !binding.includes(s)) {
      reasons.push(`${card.specs[s.score.factor].label} missing: rating no better than ${s.cap}`);
    }
  }

  return {
    customerType: card.customerType,
    rating,
    total,
    factors: scored.map((s) => s.score),
    groups,
    policyVersion: policy.version,
    reasons,
    ...(binding.length > 0 ? { capApplied: { rating, ratingBeforeCap, factors: binding.map((s) => s.score.factor) } } : {}),
  };
}

function individualCard(policy: Policy): Card<IndividualFactor, IndividualFactorGroup, IndividualRiskRating> {
  return {
    customerType: 'INDIVIDUAL',
    ratings: INDIVIDUAL_RISK_RATINGS,
    factors: INDIVIDUAL_FACTORS,
    groups: INDIVIDUAL_FACTOR_GROUPS,
    groupOf: INDIVIDUAL_GROUP_OF,
    specs: INDIVIDUAL_SPECS,
    config: policy.riskScorecards.individual,
  };
}

function enterpriseCard(policy: Policy): Card<EnterpriseFactor, EnterpriseFactorGroup, EnterpriseRiskRating> {
  return {
    customerType: 'ENTERPRISE',
    ratings: ENTERPRISE_RISK_RATINGS,
    factors: ENTERPRISE_FACTORS,
    groups: ENTERPRISE_FACTOR_GROUPS,
    groupOf: ENTERPRISE_GROUP_OF,
    specs: ENTERPRISE_SPECS,
    config: policy.riskScorecards.enterprise,
  };
}

/**
 * §6.1 an individual's rating, LOW / MEDIUM / HIGH, from the individual scorecard of `policy`.
 * Throws a RangeError naming the factor for an input outside its definition (a negative count, NaN,
 * an unknown employment type).
 */
export function scoreIndividual(inputs: IndividualRiskInputs, policy: Policy): IndividualRiskAssessment {
  const { creditScore, delinquencies, defaults, employmentType, employmentTenureMonths, incomeVariability, debtToIncome } = inputs;
  const values = { creditScore, delinquencies, defaults, employmentType, employmentTenureMonths, incomeVariability, debtToIncome };
  return assess(individualCard(policy), values, policy) as IndividualRiskAssessment;
}

/**
 * §6.1 an enterprise's rating, A (lowest risk) to D (highest), from the enterprise scorecard of
 * `policy`. Throws a RangeError naming the factor for an input outside its definition (a malformed
 * NAICS code, a share above 1, NaN).
 */
export function scoreEnterprise(inputs: EnterpriseRiskInputs, policy: Policy): EnterpriseRiskAssessment {
  const { naicsCode, yearsInBusiness, revenueTrend, customerConcentration, leverage, liquidity, interestCover, profitability } = inputs;
  const values = { industry: naicsCode, yearsInBusiness, revenueTrend, customerConcentration, leverage, liquidity, interestCover, profitability };
  return assess(enterpriseCard(policy), values, policy) as EnterpriseRiskAssessment;
}

/** §6.1 the individual rating a total gives by the cut-offs alone (before any missing-input cap). */
export function individualRatingForTotal(total: number, policy: Policy): IndividualRiskRating {
  return ratingForTotal(INDIVIDUAL_RISK_RATINGS, policy.riskScorecards.individual.ratingFrom, total);
}

/** §6.1 the enterprise rating a total gives by the cut-offs alone (before any missing-input cap). */
export function enterpriseRatingForTotal(total: number, policy: Policy): EnterpriseRiskRating {
  return ratingForTotal(ENTERPRISE_RISK_RATINGS, policy.riskScorecards.enterprise.ratingFrom, total);
}

// ---------------------------------------------------------------------------------------------
// Ratings

function scaleOf(rating: RiskRating): { customerType: 'INDIVIDUAL' | 'ENTERPRISE'; ratings: readonly RiskRating[] } {
  if ((INDIVIDUAL_RISK_RATINGS as readonly string[]).includes(rating)) return { customerType: 'INDIVIDUAL', ratings: INDIVIDUAL_RISK_RATINGS };
  if ((ENTERPRISE_RISK_RATINGS as readonly string[]).includes(rating)) return { customerType: 'ENTERPRISE', ratings: ENTERPRISE_RISK_RATINGS };
  throw new RangeError(
    `unknown risk rating ${JSON.stringify(rating)}: one of ${INDIVIDUAL_RISK_RATINGS.join(', ')} (individuals) or ${ENTERPRISE_RISK_RATINGS.join(', ')} (enterprises)`,
  );
}

/** 0 for the best rating of its scale (LOW, A), rising with the risk. */
export function riskRatingRank(rating: RiskRating): number {
  return scaleOf(rating).ratings.indexOf(rating);
}

// ---------------------------------------------------------------------------------------------
// §6.2 measures

export interface RiskMeasures {
  rating: RiskRating;
  customerType: 'INDIVIDUAL' | 'ENTERPRISE';
  /** LOW/A: simplified procedures. */
  simplifiedProcedure: boolean;
  /** LOW/A: eligible for rate discounts. */
  rateDiscountEligible: boolean;
  /** Closer monitoring: re-assessed every `monitoringEveryMonths` (risk.closeMonitoringEveryMonths). */
  closeMonitoring: boolean;
  /** Re-assessed every this many months (§6.2). */
  monitoringEveryMonths: number;
  /** Opening a product above `aboveRiskClass` needs an extra guarantee and/or a second approval by one of `approvalBy`; null: none. */
  stricterConditions: { aboveRiskClass: ProductRiskClass; extraGuarantee: boolean; approvalBy: RiskApproverRole[] } | null;
  /** Product risk classes that may not be opened (empty: none). */
  restrictedRiskClasses: ProductRiskClass[];
  /** A risk investigation with a mitigation plan due in this many business days; null: none. */
  investigation: { mitigationPlanDueBusinessDays: number } | null;
  policyVersion: string;
}

function measuresConfig(rating: RiskRating, policy: Policy): { customerType: 'INDIVIDUAL' | 'ENTERPRISE'; config: RiskMeasuresConfig } {
  const { customerType } = scaleOf(rating);
  const table: Partial<Record<string, RiskMeasuresConfig>> =
    customerType === 'INDIVIDUAL' ? policy.riskScorecards.individual.measures : policy.riskScorecards.enterprise.measures;
  const config = table[rating];
  if (!config) throw new RangeError(`policy ${policy.version} has no §6.2 measures for rating ${rating}`);
  return { customerType, config };
}

/**
 * §6.2 re-assessment cadence of a rating: `risk.closeMonitoringEveryMonths` where its measures ask for
 * close monitoring (by default MEDIUM and C: monthly), else `risk.everyoneEveryMonths` (quarterly).
 */
export function monitoringEveryMonths(rating: RiskRating, policy: Policy): number {
  return measuresConfig(rating, policy).config.closeMonitoring ? policy.risk.closeMonitoringEveryMonths : policy.risk.everyoneEveryMonths;
}

/**
 * §6.2 what `rating` means under `policy`: LOW / A conveniences and preferential terms; MEDIUM / B–C
 * closer monitoring and stricter conditions; HIGH / D restricted product risk classes, an
 * investigation and a mitigation plan. A fresh copy; a RangeError for an unknown rating.
 */
export function measuresFor(rating: RiskRating, policy: Policy): RiskMeasures {
  const { customerType, config } = measuresConfig(rating, policy);
  const sc = config.stricterConditions;
  return {
    rating,
    customerType,
    simplifiedProcedure: config.simplifiedProcedure,
    rateDiscountEligible: config.rateDiscountEligible,
    closeMonitoring: config.closeMonitoring,
    monitoringEveryMonths: monitoringEveryMonths(rating, policy),
    stricterConditions: sc ? { aboveRiskClass: sc.aboveRiskClass, extraGuarantee: sc.extraGuarantee, approvalBy: [...sc.approvalBy] } : null,
    restrictedRiskClasses: [...config.restrictedRiskClasses],
    investigation: config.investigation ? { mitigationPlanDueBusinessDays: config.investigation.mitigationPlanDueBusinessDays } : null,
    policyVersion: policy.version,
  };
}

export type ProductOpeningTerms =
  | { allowed: false; productCode: string; riskClass: ProductRiskClass; reason: string; policyVersion: string }
  | {
      allowed: true;
      productCode: string;
      riskClass: ProductRiskClass;
      /** §6.2 MEDIUM/B–C stricter conditions (false / empty: none). */
      extraGuarantee: boolean;
      /** A second approval by a staff member holding one of these roles (empty: none needed). */
      approvalBy: RiskApproverRole[];
      /** §6.2 LOW/A preferential terms on the product. */
      simplifiedProcedure: boolean;
      rateDiscountEligible: boolean;
      /** The conditions in plain words (empty when there are none). */
      reasons: string[];
      policyVersion: string;
    };

/**
 * §6.2 on what terms a customer rated `rating` may open the catalogue product `productCode`: refused
 * for a product not offered to its customer type or of a restricted risk class (HIGH / D); otherwise
 * allowed, with the stricter conditions (MEDIUM / B–C) above the rating's risk class and the
 * preferential flags (LOW / A). A RangeError for a product not in the catalogue.
 */
export function productOpeningTerms(rating: RiskRating, productCode: string, policy: Policy): ProductOpeningTerms {
  const product = policy.products.find((p) => p.code === productCode);
  if (!product) {
    throw new RangeError(`product ${JSON.stringify(productCode)} is not in the catalogue of policy ${policy.version}`);
  }
  const m = measuresFor(rating, policy);
  const base = { productCode, riskClass: product.riskClass, policyVersion: policy.version };
  if (!product.customerTypes.includes(m.customerType)) {
    return { allowed: false, ...base, reason: `${productCode} is not offered to ${m.customerType} customers` };
  }
  if (m.restrictedRiskClasses.includes(product.riskClass)) {
    return {
      allowed: false,
      ...base,
      reason: `§6.2 rating ${rating}: products of risk class ${product.riskClass} (${productCode}) may not be opened`,
    };
  }
  const sc = m.stricterConditions && product.riskClass > m.stricterConditions.aboveRiskClass ? m.stricterConditions : null;
  const reasons: string[] = [];
  if (sc) {
    const needs = [
      sc.extraGuarantee && 'an extra guarantee',
      sc.approvalBy.length > 0 && `a second approval by ${sc.approvalBy.join(' or ')}`,
    ].filter((n): n is string => typeof n === 'string');
    reasons.push(`§6.2 rating ${rating}: risk class ${product.riskClass} is above ${sc.aboveRiskClass}: needs ${needs.join(' and ')}`);
  }
  return {
    allowed: true,
    ...base,
    extraGuarantee: sc?.extraGuarantee ?? false,
    approvalBy: sc ? [...sc.approvalBy] : [],
    simplifiedProcedure: m.simplifiedProcedure,
    rateDiscountEligible: m.rateDiscountEligible,
    reasons,
  };
}
