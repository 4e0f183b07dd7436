/**
 * §7.2 the assessment rules: indicators from a staff member's facts of one period, each scored by
 * the policy's line from `zeroAt` to `fullAt`, the groups, the overall score and the grade. Pure
 * functions over loaded facts (./facts.ts loads them): no clock, no database, no I/O.
 *
 * "No data" is never a good score: an indicator without a denominator (no cases handled, no
 * customers, no reviews settled) has value and score null and is left out, the rest re-weighted;
 * when the indicators with data carry less than `minimumCoverage` of the whole weight, there is no
 * overall score and the grade is NO_DATA.
 */
import type { IndicatorScoring, StaffAssessmentPolicy } from '../policy/policy';
import { COUNT_INDICATORS, GROUP_IDS, INDICATOR_GROUPS, NO_DATA_GRADE, type IndicatorGroup, type IndicatorId } from './codes';

/** What happened in the period, as counts and sums (./facts.ts explains how each is found). */
export interface AssessmentFacts {
  /** §7.2 satisfaction: survey scores (1–5) answered in the period on the feedback cases they handle. */
  surveyScores: number[];
  /** §7.2 satisfaction: the supervisors' phone follow-ups recorded in the period about their service. */
  phoneFollowUps: { outcome: string; score: number | null }[];
  /** Their customers: approved before the period's end and not gone before its start. */
  portfolio: number;
  /** §7.2 loyalty: of those, the customers holding a product opened before the period's end … */
  productHolders: number;
  /** … and of these, the customers whose second or later product was opened in the period (a repeat purchase). */
  repeatBuyers: number;
  /** §7.2 loyalty: of the portfolio, the customers who referred a customer first contacted in the period. */
  referrers: number;
  /** §7.2 growth: customers they entered whose record was approved in the period. */
  newCustomers: number;
  /** §7.2 growth: products they sold (requested) that opened in the period … */
  productsOpened: number;
  /** … those carrying an amount, and the amounts' sum (USD). */
  productsWithAmount: number;
  volumeUsd: number;
  /** §7.2 risk control (§3.2): periodic reviews settled in the period — done by their overdue time, or not. */
  reviews: { onTime: number; late: number };
  /** §7.2 risk control (§5.2): cases they handle whose response deadline fell in the period — met or breached. */
  slaCases: { met: number; breached: number };
  /** §7.2 risk control (§6.2): risk investigation and mitigation-plan tasks settled in the period. */
  investigations: { onTime: number; late: number };
  /** §7.2 risk events (§6): their customers downgraded to HIGH/D in the period. */
  riskEvents: number;
}

/** The facts of a period in which nothing happened (a new hire, a quiet quarter). */
export const EMPTY_FACTS: AssessmentFacts = {
  surveyScores: [],
  phoneFollowUps: [],
  portfolio: 0,
  productHolders: 0,
  repeatBuyers: 0,
  referrers: 0,
  newCustomers: 0,
  productsOpened: 0,
  productsWithAmount: 0,
  volumeUsd: 0,
  reviews: { onTime: 0, late: 0 },
  slaCases: { met: 0, breached: 0 },
  investigations: { onTime: 0, late: 0 },
  riskEvents: 0,
};

export interface IndicatorResult {
  id: IndicatorId;
  group: IndicatorGroup;
  /** The indicator's value (a mean 1–5, a rate 0–1, a count or USD); null: no data. */
  value: number | null;
  /** 0–100 (1 decimal); null: no data. */
  score: number | null;
  /** The indicator's share of the whole weight (group weight × its share of the group). */
  weight: number;
  /** The line it was scored on (counts: scaled to the period's quarters). */
  zeroAt: number;
  fullAt: number;
  /** What the value was computed from, in words and numbers (reports and emails show it). */
  basis: string;
}

export interface GroupResult {
  group: IndicatorGroup;
  weight: number;
  /** Weighted mean of its indicators with data; null when none has data. */
  score: number | null;
}

export interface AssessmentResult {
  indicators: IndicatorResult[];
  groups: GroupResult[];
  /** 0–100, 1 decimal; null when the indicators with data carry less than minimumCoverage. */
  score: number | null;
  /** Share (0–1, 4 decimals) of the whole weight carried by indicators with data. */
  coverage: number;
  grade: string;
}

const round = (x: number, decimals: number) => {
  const f = 10 ** decimals;
  return Math.round((x + Number.EPSILON) * f) / f;
};
const mean = (xs: number[]) => (xs.length === 0 ? null : round(xs.reduce((s, x) => s + x, 0) / xs.length, 2));
const rate = (part: number, whole: number) => (whole === 0 ? null : round(part / whole, 4));

/** Each indicator's value from the facts, with what it was computed from (null: no data). */
export function indicatorValues(f: AssessmentFacts): Record<IndicatorId, { value: number | null; basis: string }> {
  const phoneScores = f.phoneFollowUps.filter((p) => p.outcome === 'REACHED' && p.score !== null).map((p) => p.score!);
  const reviews = f.reviews.onTime + f.reviews.late;
  const sla = f.slaCases.met + f.slaCases.breached;
  const investigations = f.investigations.onTime + f.investigations.late;
  return {
    surveyScore: { value: mean(f.surveyScores), basis: `${f.surveyScores.length} survey answer(s)` },
    phoneFollowUpScore: { value: mean(phoneScores), basis: `${phoneScores.length} of ${f.phoneFollowUps.length} phone follow-up(s) reached with a score` },
    repeatPurchaseRate: { value: rate(f.repeatBuyers, f.productHolders), basis: `${f.repeatBuyers} of ${f.productHolders} product-holding customer(s) bought again` },
    referralRate: { value: rate(f.referrers, f.portfolio), basis: `${f.referrers} of ${f.portfolio} customer(s) referred someone` },
    newCustomers: { value: f.newCustomers, basis: `${f.newCustomers} customer(s) approved` },
    productsOpened: { value: f.productsOpened, basis: `${f.productsOpened} product(s) opened` },
    productVolumeUsd: {
      value: f.productsWithAmount === 0 ? null : round(f.volumeUsd, 2),
      basis: `${f.productsWithAmount} of ${f.productsOpened} product(s) opened with an amount`,
    },
    reviewsOnTimeRate: { value: rate(f.reviews.onTime, reviews), basis: `${f.reviews.onTime} of ${reviews} periodic review(s) on time` },
    slaMetRate: { value: rate(f.slaCases.met, sla), basis: `${f.slaCases.met} of ${sla} case(s) answered by the deadline (${f.slaCases.breached} SLA breach(es))` },
    investigationsOnTimeRate: { value: rate(f.investigations.onTime, investigations), basis: `${f.investigations.onTime} of ${investigations} risk investigation task(s) on time` },
    riskEventRate: { value: rate(f.riskEvents, f.portfolio), basis: `${f.riskEvents} risk event(s) among ${f.portfolio} customer(s)` },
  };
}

/** The policy's line for an indicator over a period of `quarters` quarters (counts' targets scale with it). */
export function lineFor(id: IndicatorId, scoring: IndicatorScoring, quarters: number): { zeroAt: number; fullAt: number } {
  const k = COUNT_INDICATORS.includes(id) ? quarters : 1;
  return { zeroAt: scoring.zeroAt * k, fullAt: scoring.fullAt * k };
}

/** Score 0–100 (1 decimal) of `value` on the line from zeroAt (0) to fullAt (100), clamped; works in either direction. */
export function scoreOnLine(value: number, line: { zeroAt: number; fullAt: number }): number {
  const t = (value - line.zeroAt) / (line.fullAt - line.zeroAt);
  return round(Math.min(1, Math.max(0, t)) * 100, 1);
}

/** The grade of a score: the first grade whose `from` it reaches (grades descend to 0); NO_DATA without a score. */
export function gradeOf(score: number | null, grades: StaffAssessmentPolicy['grades']): string {
  if (score === null) return NO_DATA_GRADE;
  return (grades.find((g) => score >= g.from) ?? grades[grades.length - 1])!.grade;
}

/** §7.2 the whole assessment of one staff member's period. */
export function assess(f: AssessmentFacts, policy: StaffAssessmentPolicy, quarters: number): AssessmentResult {
  const values = indicatorValues(f);
  const indicators: IndicatorResult[] = [];
  const groups: GroupResult[] = [];
  /** Unrounded effective weights of the indicators with data (the results show them rounded). */
  const scored: { weight: number; score: number }[] = [];
  for (const group of GROUP_IDS) {
    const g = policy.groups[group];
    const ids = INDICATOR_GROUPS[group] as readonly IndicatorId[];
    const configs = g.indicators as Record<string, IndicatorScoring>;
    const groupWeight = ids.reduce((s, id) => s + configs[id]!.weight, 0);
    let weighted = 0;
    let withData = 0;
    for (const id of ids) {
      const scoring = configs[id]!;
      const line = lineFor(id, scoring, quarters);
      const { value, basis } = values[id];
      const score = value === null ? null : scoreOnLine(value, line);
      const weight = (g.weight * scoring.weight) / groupWeight;
      indicators.push({ id, group, value, score, weight: round(weight, 6), ...line, basis });
      if (score !== null) {
        weighted += weight * score;
        withData += weight;
        scored.push({ weight, score });
      }
    }
    groups.push({ group, weight: g.weight, score: withData === 0 ? null : round(weighted / withData, 1) });
  }
  const coverageExact = scored.reduce((s, i) => s + i.weight, 0);
  const coverage = round(coverageExact, 4);
  const enough = scored.length > 0 && coverageExact + 1e-9 >= policy.minimumCoverage;
  const score = enough ? round(scored.reduce((s, i) => s + i.weight * i.score, 0) / coverageExact, 1) : null;
  return { indicators, groups, score, coverage, grade: gradeOf(score, policy.grades) };
}
