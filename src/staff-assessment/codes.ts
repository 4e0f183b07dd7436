/**
 * §7.2 staff assessment: the codes of its indicator groups, indicators and grades. Pure constants, so
 * the policy schema (src/policy/policy.ts), the rules (./indicators.ts) and workflow code share them
 * without importing anything that reads files or the database.
 */

/**
 * §7.2 "Indicators: customer satisfaction (surveys and phone follow-ups), loyalty (repeat purchase and
 * referral rates), business growth (new customers, sales volume), risk control (how the risk rules
 * were carried out, risk events)" — each group with its indicators, in the order reports show them.
 */
export const INDICATOR_GROUPS = {
  satisfaction: ['surveyScore', 'phoneFollowUpScore'],
  loyalty: ['repeatPurchaseRate', 'referralRate'],
  growth: ['newCustomers', 'productsOpened', 'productVolumeUsd'],
  riskControl: ['reviewsOnTimeRate', 'slaMetRate', 'investigationsOnTimeRate', 'riskEventRate'],
} as const;

export type IndicatorGroup = keyof typeof INDICATOR_GROUPS;
export type IndicatorId = (typeof INDICATOR_GROUPS)[IndicatorGroup][number];
export const GROUP_IDS = Object.keys(INDICATOR_GROUPS) as IndicatorGroup[];
export const INDICATOR_IDS: IndicatorId[] = GROUP_IDS.flatMap<IndicatorId>((g) => [...INDICATOR_GROUPS[g]]);

/**
 * Indicators that count what happened in the period (not a rate or a mean): their policy targets are
 * per quarter, and a year's target is the quarter's times the quarters in it.
 */
export const COUNT_INDICATORS: readonly IndicatorId[] = ['newCustomers', 'productsOpened', 'productVolumeUsd'];

/** The grade of an assessment without enough data for a score (never a good grade by default). */
export const NO_DATA_GRADE = 'NO_DATA';

/** The staff roles the policy may name as assessed (src/staff/create-staff.ts STAFF_ROLES). */
export const ASSESSABLE_ROLES = ['RELATIONSHIP_MANAGER', 'CUSTOMER_SERVICE', 'RISK_OFFICER', 'SUPERVISOR', 'AUDITOR', 'ADMIN'] as const;
export type AssessableRole = (typeof ASSESSABLE_ROLES)[number];

/** Period kinds: a calendar quarter (short-term, with guidance) and a calendar year (§7.2). */
export const PERIOD_KINDS = ['QUARTER', 'YEAR'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];
