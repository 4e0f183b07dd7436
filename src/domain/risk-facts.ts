/**
 * §6.1 from what the bank records to what the scorecards score: the inputs of an assessment are
 * derived from the customer's facts at the moment of the assessment (tenure and years in business
 * grow with time; ratios come from the latest financial statements). Pure: the same facts and
 * instant always give the same inputs.
 *
 * Derivations (each documented where a denominator can be zero; a missing fact gives a missing
 * input, which the policy scores as it says — never silently "good"):
 *   individual  creditScore, delinquencies, defaults  the credit bureau figures as recorded
 *               employmentTenureMonths                 whole months since employmentSince
 *               debtToIncome                           debts ÷ annual income; no debts → 0; debts with an income of 0
 *                                                      → Number.MAX_VALUE (the worst band: the factor takes no
 *                                                      Infinity); income not recorded → missing
 *   enterprise  yearsInBusiness                        whole years since establishedOn
 *               revenueTrend                           (latest revenue − previous) ÷ previous; missing without two
 *                                                      statements or when the previous revenue was 0
 *               customerConcentration                  the latest statement's largest customer's share
 *               leverage                               total liabilities ÷ total assets
 *               liquidity                              current assets ÷ current liabilities (Infinity without any)
 *               interestCover                          EBIT ÷ interest expense (Infinity without interest expense
 *                                                      and EBIT ≥ 0; a loss without interest: missing)
 *               profitability                          net income ÷ revenue (missing without revenue)
 */
import type { EmploymentType, EnterpriseRiskInputs, IndividualRiskInputs } from './risk-scorecard';
import { EMPLOYMENT_TYPES } from './risk-scorecard';

export interface CreditBureauFacts {
  score: number;
  delinquencies: number;
  defaults: number;
  reportedOn?: string;
}

export interface IndividualRiskFacts {
  creditBureau: CreditBureauFacts | null;
  employmentType: string | null;
  /** YYYY-MM-DD */
  employmentSince: string | null;
  incomeVariability: number | null;
  annualIncomeUsd: number | null;
  debtsUsd: number | null;
}

export interface StatementFacts {
  /** YYYY-MM-DD */
  periodEnd: string;
  revenueUsd: number;
  netIncomeUsd: number;
  ebitUsd: number;
  interestExpenseUsd: number;
  totalAssetsUsd: number;
  totalLiabilitiesUsd: number;
  currentAssetsUsd: number;
  currentLiabilitiesUsd: number;
  largestCustomerShare: number | null;
}

export interface EnterpriseRiskFacts {
  naicsCode: string | null;
  /** YYYY-MM-DD */
  establishedOn: string | null;
  /** The latest financial statements and the ones before them (null: none recorded). */
  latest: StatementFacts | null;
  previous: StatementFacts | null;
}

/** Whole calendar months from `from` (YYYY-MM-DD) to the UTC date of `at`; 0 when `from` is later. */
export function wholeMonthsBetween(from: string, at: Date): number {
  const [y, m, d] = from.split('-').map(Number) as [number, number, number];
  let months = (at.getUTCFullYear() - y) * 12 + (at.getUTCMonth() + 1 - m);
  if (at.getUTCDate() < d) months -= 1;
  return Math.max(0, months);
}

const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : a / b);

export function individualInputsFrom(f: IndividualRiskFacts, at: Date): IndividualRiskInputs {
  const employmentType = f.employmentType && (EMPLOYMENT_TYPES as readonly string[]).includes(f.employmentType) ? (f.employmentType as EmploymentType) : null;
  return {
    creditScore: f.creditBureau?.score ?? null,
    delinquencies: f.creditBureau?.delinquencies ?? null,
    defaults: f.creditBureau?.defaults ?? null,
    employmentType,
    employmentTenureMonths: f.employmentSince ? wholeMonthsBetween(f.employmentSince, at) : null,
    incomeVariability: f.incomeVariability,
    debtToIncome: f.debtsUsd === 0 ? 0 : f.debtsUsd !== null && f.annualIncomeUsd === 0 ? Number.MAX_VALUE : ratio(f.debtsUsd, f.annualIncomeUsd),
  };
}

export function enterpriseInputsFrom(f: EnterpriseRiskFacts, at: Date): EnterpriseRiskInputs {
  const s = f.latest;
  const p = f.previous;
  return {
    naicsCode: f.naicsCode,
    yearsInBusiness: f.establishedOn ? Math.floor(wholeMonthsBetween(f.establishedOn, at) / 12) : null,
    revenueTrend: s && p && p.revenueUsd > 0 ? Math.max(-1, (s.revenueUsd - p.revenueUsd) / p.revenueUsd) : null,
    customerConcentration: s?.largestCustomerShare ?? null,
    leverage: s && s.totalAssetsUsd > 0 ? s.totalLiabilitiesUsd / s.totalAssetsUsd : null,
    liquidity: s ? (s.currentLiabilitiesUsd === 0 ? Infinity : s.currentAssetsUsd / s.currentLiabilitiesUsd) : null,
    interestCover: s ? (s.interestExpenseUsd === 0 ? (s.ebitUsd >= 0 ? Infinity : null) : s.ebitUsd / s.interestExpenseUsd) : null,
    profitability: s && s.revenueUsd > 0 ? s.netIncomeUsd / s.revenueUsd : null,
  };
}
