/**
 * The bank's customer management policy (../shared/policy.md) as one versioned, validated
 * configuration. Every number the rules and workflows use lives here, next to the clause that
 * sets it; nothing else in the code base carries a policy literal. A deployment may override the
 * defaults with a JSON file (POLICY_FILE); it is validated with the same schema, and its version
 * travels with every process it starts, so a running reminder keeps the terms it began under.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { NAICS_2022_SECTORS } from '../domain/naics';
import {
  EMPLOYMENT_TYPES,
  ENTERPRISE_RISK_RATINGS,
  INDIVIDUAL_RISK_RATINGS,
  PRODUCT_RISK_CLASSES,
  RISK_APPROVER_ROLES,
  RISK_DIRECTIONS,
} from '../domain/risk-scorecard';
import { durationMs, durationSchema, parseDurationMs } from './duration';
import { ASSESSABLE_ROLES, GROUP_IDS, INDICATOR_GROUPS, NO_DATA_GRADE } from '../staff-assessment/codes';

const positiveInt = z.number().int().positive();
/** A local time of day, HH:MM (24-hour), read in the bank's time zone (`onboarding.timeZone`). */
const localTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM (24-hour)');

/** §5.1 the periodic financial-news / product digest of one individual segment. */
const newsDigestSchema = z.strictObject({
  /** Sent every this many months, on `dayOfMonth` at `contact.newsDigestLocalTime`. */
  everyMonths: positiveInt,
  subject: z.string().regex(/\S/, 'a non-blank text'),
  /** The opening paragraph and the topics of the digest: product and market news, never personal data. */
  intro: z.string().regex(/\S/, 'a non-blank text'),
  topics: z.array(z.string().regex(/\S/, 'a non-blank text')).min(1, 'at least one topic'),
});
const usd = z.number().int().nonnegative();

/**
 * The segment codes (§2.1 asset tiers for individuals, §2.2 sizes for enterprises): the single code
 * a customer carries in the `Segment` search attribute and the key of its §4 service tier.
 */
export const INDIVIDUAL_SEGMENTS = ['REGULAR', 'VIP', 'HIGH_NET_WORTH'] as const;
export const ENTERPRISE_SEGMENTS = ['SMALL', 'MEDIUM', 'LARGE'] as const;
export const SEGMENTS = [...INDIVIDUAL_SEGMENTS, ...ENTERPRISE_SEGMENTS] as const;
export type IndividualSegment = (typeof INDIVIDUAL_SEGMENTS)[number];
export type EnterpriseSegment = (typeof ENTERPRISE_SEGMENTS)[number];
export type Segment = (typeof SEGMENTS)[number];

/** Entitlement and team-role codes: UPPER_SNAKE_CASE, e.g. DEDICATED_HOTLINE. */
const codeSchema = z.string().regex(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/, 'an UPPER_SNAKE_CASE code');
const textSchema = z.string().regex(/\S/, 'a non-blank text');

/** §4 one segment's service tier: what it is entitled to and who looks after it. */
const serviceTierSchema = z
  .strictObject({
    /** One line describing the tier, in the policy's words. */
    summary: textSchema,
    entitlements: z
      .array(z.strictObject({ code: codeSchema, description: textSchema }))
      .min(1, 'at least one entitlement'),
    /** Relationship coverage: a dedicated relationship manager, and the roles/expertise of a team (empty: none). */
    coverage: z.strictObject({ dedicatedManager: z.boolean(), team: z.array(codeSchema) }),
  })
  .superRefine((tier, ctx) => {
    const seen = new Set<string>();
    tier.entitlements.forEach(({ code }, i) => {
      if (seen.has(code)) ctx.addIssue({ code: 'custom', path: ['entitlements', i, 'code'], message: `duplicate entitlement code ${code}` });
      seen.add(code);
    });
    const roles = new Set<string>();
    tier.coverage.team.forEach((role, i) => {
      if (roles.has(role)) ctx.addIssue({ code: 'custom', path: ['coverage', 'team', i], message: `duplicate team role ${role}` });
      roles.add(role);
    });
  });
export type ServiceTierConfig = z.infer<typeof serviceTierSchema>;

// ---------------------------------------------------------------------------------------------
// §5.2 feedback and complaints
// ---------------------------------------------------------------------------------------------

/** §5.2 channels: the service hotline, the online service platform, the suggestion box. */
export const FEEDBACK_CHANNELS = ['HOTLINE', 'ONLINE', 'SUGGESTION_BOX'] as const;
/** §5.2 complexity of a case: decides which enterprise SLA applies. */
export const FEEDBACK_COMPLEXITIES = ['SIMPLE', 'COMPLEX'] as const;
/** §5.2 whose issue it is: an individual's (clock hours) or an enterprise's (business days). */
export const FEEDBACK_CUSTOMER_TYPES = ['INDIVIDUAL', 'ENTERPRISE'] as const;
export type FeedbackChannel = (typeof FEEDBACK_CHANNELS)[number];
export type FeedbackComplexity = (typeof FEEDBACK_COMPLEXITIES)[number];
export type FeedbackCustomerType = (typeof FEEDBACK_CUSTOMER_TYPES)[number];

/** The id `routeCase` reports when no routing rule matched and `defaultDepartmentCode` was used. */
export const DEFAULT_ROUTING_RULE_ID = 'default';

/** §5.2 one routing rule: every condition it names must hold (an omitted one matches anything). */
const feedbackRoutingRuleSchema = z.strictObject({
  /** Recorded with the routing decision; lower-case kebab-case, unique, never `default`. */
  id: z
    .string()
    .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'a lower-case kebab-case rule id, e.g. cards-to-cards')
    .refine((id) => id !== DEFAULT_ROUTING_RULE_ID, `"${DEFAULT_ROUTING_RULE_ID}" is reserved for the default route`),
  when: z.strictObject({
    category: codeSchema.optional(),
    severity: codeSchema.optional(),
    customerType: z.enum(FEEDBACK_CUSTOMER_TYPES, { error: `one of ${FEEDBACK_CUSTOMER_TYPES.join(', ')}` }).optional(),
    channel: z.enum(FEEDBACK_CHANNELS, { error: `one of ${FEEDBACK_CHANNELS.join(', ')}` }).optional(),
    complexity: z.enum(FEEDBACK_COMPLEXITIES, { error: `one of ${FEEDBACK_COMPLEXITIES.join(', ')}` }).optional(),
  }),
  /** A department's code (departments live in the database). */
  departmentCode: codeSchema,
});
export type FeedbackRoutingRule = z.infer<typeof feedbackRoutingRuleSchema>;

/** Adds "duplicate …" issues at `path.i` for repeated values of a list. */
function checkUnique(values: readonly string[], path: PropertyKey[], what: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (seen.has(value)) ctx.addIssue({ code: 'custom', path: [...path, i], message: `duplicate ${what} ${value}` });
    seen.add(value);
  });
}

/**
 * §5.2 feedback and complaints: response deadlines (the SLA clocks of src/domain/sla.ts), the
 * escalation ladder, the satisfaction follow-up, case numbers and routing
 * (src/domain/feedback-routing.ts, src/domain/case-number.ts).
 */
const feedbackSchema = z
  .strictObject({
    /** §5.2 an individual customer's issue: respond within this many clock hours (wall time). */
    individualResponseHours: positiveInt,
    /** §5.2 a COMPLEX enterprise issue: target, in business days … */
    enterpriseTargetBusinessDays: positiveInt,
    /** … and hard limit (§5.2 "within 3–5 business days"). */
    enterpriseLimitBusinessDays: positiveInt,
    /** A SIMPLE enterprise issue (§5.2 names only the complex one; ours): target in business days … */
    enterpriseSimpleTargetBusinessDays: positiveInt,
    /** … and hard limit. */
    enterpriseSimpleLimitBusinessDays: positiveInt,
    /**
     * §5.2 "reminder before the deadline": the handler is reminded when these fractions of the time
     * to the target have elapsed, in the clock's own units (pauses excluded). Each strictly between
     * 0 and 1, ascending; empty: no reminders.
     */
    reminderFractions: z.array(z.number().gt(0, 'a fraction above 0').lt(1, 'a fraction below 1 (the deadline itself escalates)')),
    /**
     * §5.2 "escalation to the department head at the deadline, then to the executive on duty": how
     * long after the target, still unresolved, the executive on duty is emailed — in the clock's own
     * units: clock hours for an individual's case, business days for an enterprise's.
     */
    executiveEscalationAfter: z.strictObject({ individualHours: positiveInt, enterpriseBusinessDays: positiveInt }),
    /** §5.2 satisfaction follow-up: a score (1–5) at or below this reopens the case, its supervisor informed. */
    lowSatisfactionScore: z.number().int().min(1, 'a score from 1').max(4, 'at most 4 (a score of 5 must be able to close a case)'),
    /** The signed survey link expires this many calendar days (wall time) after it is sent. */
    surveyLinkValidDays: positiveInt,
    /** Case numbers read <prefix>-<year>-<sequence>, e.g. FB-2026-000123. */
    caseNumberPrefix: z.string().regex(/^[A-Z]{2,8}$/, '2–8 capital letters A–Z, e.g. FB'),
    /** §5.2 "every item is classified": the category codes. */
    categories: z.array(codeSchema).min(1, 'at least one category'),
    /** The severity codes, from the least to the most severe. */
    severities: z.array(codeSchema).min(1, 'at least one severity'),
    /** §5.2 "routed to the responsible department": the first rule whose conditions all hold wins … */
    routing: z.array(feedbackRoutingRuleSchema),
    /** … and when none does, this department (the decision records rule id `default`). */
    defaultDepartmentCode: codeSchema,
  })
  .superRefine((f, ctx) => {
    if (f.enterpriseTargetBusinessDays > f.enterpriseLimitBusinessDays) {
      ctx.addIssue({ code: 'custom', path: ['enterpriseTargetBusinessDays'], message: 'the target may not exceed the hard limit (enterpriseLimitBusinessDays)' });
    }
    if (f.enterpriseSimpleTargetBusinessDays > f.enterpriseSimpleLimitBusinessDays) {
      ctx.addIssue({ code: 'custom', path: ['enterpriseSimpleTargetBusinessDays'], message: 'the target may not exceed the hard limit (enterpriseSimpleLimitBusinessDays)' });
    }
    f.reminderFractions.forEach((fraction, i) => {
      const before = f.reminderFractions[i - 1];
      if (before !== undefined && fraction <= before) {
        ctx.addIssue({ code: 'custom', path: ['reminderFractions', i], message: `must be above the fraction before it (${before}): fractions ascend` });
      }
    });
    checkUnique(f.categories, ['categories'], 'category', ctx);
    checkUnique(f.severities, ['severities'], 'severity', ctx);
    checkUnique(f.routing.map((r) => r.id), ['routing'], 'rule id', ctx);
    const categories = new Set(f.categories);
    const severities = new Set(f.severities);
    f.routing.forEach((rule, i) => {
      if (Object.values(rule.when).every((v) => v === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['routing', i, 'when'], message: 'names no condition (use defaultDepartmentCode for everything else)' });
      }
      if (rule.when.category !== undefined && !categories.has(rule.when.category)) {
        ctx.addIssue({ code: 'custom', path: ['routing', i, 'when', 'category'], message: `unknown category ${rule.when.category} (not in feedback.categories)` });
      }
      if (rule.when.severity !== undefined && !severities.has(rule.when.severity)) {
        ctx.addIssue({ code: 'custom', path: ['routing', i, 'when', 'severity'], message: `unknown severity ${rule.when.severity} (not in feedback.severities)` });
      }
    });
  });
export type FeedbackPolicy = z.infer<typeof feedbackSchema>;

// ---------------------------------------------------------------------------------------------
// §6 customer risk: the §6.1 scorecards, the §6.2 measures by rating, the product catalogue
// ---------------------------------------------------------------------------------------------

// The §6 codes (ratings, employment types, product risk classes, approver roles, risk directions)
// live in src/domain/risk-scorecard.ts, so that workflows can use them without this file (it reads files).

/** Points of a band: whole, 0 or more; higher points = higher risk. */
const pointsSchema = z.number().int('whole points').nonnegative('points are 0 or more (higher points = higher risk)');
const productRiskClassSchema = z.union(
  PRODUCT_RISK_CLASSES.map((c) => z.literal(c)),
  { error: `a product risk class, one of ${PRODUCT_RISK_CLASSES.join(', ')}` },
);

/**
 * §6.1 the missing-input rule of one factor — never silently "good":
 *   'WORST_BAND'          the factor scores its worst (highest-point) band, as if the input were as bad as it can be;
 *   { capRating: R }      the factor scores its best band's points (it is not guessed) and the rating is
 *                         no better than R, whatever the total (R may not be the best rating).
 */
function missingRuleSchema<const R extends readonly [string, ...string[]]>(ratings: R) {
  const best = ratings[0];
  return z.union(
    [
      z.literal('WORST_BAND'),
      z.strictObject({
        capRating: z
          .enum(ratings, { error: `one of ${ratings.join(', ')}` })
          .refine((r) => r !== best, `capping at ${best} (the best rating) would treat a missing input as good: cap at a worse rating or use WORST_BAND`),
      }),
    ],
    { error: `'WORST_BAND' or { "capRating": one of ${ratings.slice(1).join(', ')} }` },
  );
}

/**
 * §6.1 a numeric factor: ordered bands over the input value, each with points. The first band has no
 * `from` (it takes every value below the second band's); every other band starts at `from`
 * (inclusive) and runs to the next band's `from` (exclusive). `from` ascends strictly; points follow
 * `risk` (never fall as the risk direction rises).
 */
function numericFactorSchema<const R extends readonly [string, ...string[]]>(ratings: R) {
  return z
    .strictObject({
      risk: z.enum(RISK_DIRECTIONS, { error: `one of ${RISK_DIRECTIONS.join(', ')}` }),
      bands: z.array(z.strictObject({ from: z.number().finite().optional(), points: pointsSchema })).min(2, 'at least two bands'),
      missing: missingRuleSchema(ratings),
    })
    .superRefine((factor, ctx) => {
      factor.bands.forEach((band, i) => {
        const before = factor.bands[i - 1];
        if (i === 0) {
          if (band.from !== undefined) {
            ctx.addIssue({ code: 'custom', path: ['bands', 0, 'from'], message: 'the first band has no "from": it takes every value below the second band' });
          }
          return;
        }
        if (band.from === undefined) {
          ctx.addIssue({ code: 'custom', path: ['bands', i, 'from'], message: 'every band after the first needs "from" (inclusive)' });
          return;
        }
        if (before?.from !== undefined && band.from <= before.from) {
          ctx.addIssue({ code: 'custom', path: ['bands', i, 'from'], message: `must be above the band before it (${before.from}): bands ascend` });
        }
        if (before !== undefined) {
          const rises = factor.risk === 'RISES_WITH_VALUE';
          if (rises ? band.points < before.points : band.points > before.points) {
            ctx.addIssue({
              code: 'custom',
              path: ['bands', i, 'points'],
              message: rises
                ? `must not be below the band before it (${before.points}): risk ${factor.risk}, higher values score at least as many points`
                : `must not be above the band before it (${before.points}): risk ${factor.risk}, higher values score at most as many points`,
            });
          }
        }
      });
    });
}
export type NumericFactorConfig = z.infer<ReturnType<typeof numericFactorSchema>>;

/** §6.1 a factor scored by a code (employment type, NAICS sector): points for every code. */
function codeFactorSchema<const R extends readonly [string, ...string[]]>(
  ratings: R,
  codes: readonly string[],
  what: string,
  nameOf: (code: string) => string | undefined = () => undefined,
) {
  return z
    .strictObject({ points: z.record(z.string(), pointsSchema), missing: missingRuleSchema(ratings) })
    .superRefine((factor, ctx) => {
      for (const code of codes) {
        if (!Object.prototype.hasOwnProperty.call(factor.points, code)) {
          const name = nameOf(code);
          ctx.addIssue({ code: 'custom', path: ['points', code], message: `${what} ${code}${name ? ` ${name}` : ''} has no points (every ${what} needs a row)` });
        }
      }
      for (const code of Object.keys(factor.points)) {
        if (!codes.includes(code)) {
          ctx.addIssue({ code: 'custom', path: ['points', code], message: `unknown ${what} ${code} (one of ${codes.join(', ')})` });
        }
      }
    });
}
export type CodeFactorConfig = z.infer<ReturnType<typeof codeFactorSchema>>;

/**
 * §6.2 what a rating means for the customer. LOW / A: conveniences and preferential terms; MEDIUM /
 * B–C: closer monitoring and stricter conditions; HIGH / D: restrictions, an investigation and a
 * mitigation plan. Every rating states every measure (false / null / empty: not applied).
 */
const riskMeasuresSchema = z
  .strictObject({
    /** §6.2 LOW/A: simplified procedures. */
    simplifiedProcedure: z.boolean(),
    /** §6.2 LOW/A: eligible for rate discounts. */
    rateDiscountEligible: z.boolean(),
    /** §6.2 closer monitoring: re-assessed every `risk.closeMonitoringEveryMonths` instead of `risk.everyoneEveryMonths`. */
    closeMonitoring: z.boolean(),
    /**
     * §6.2 stricter conditions: opening a product of a risk class above `aboveRiskClass` needs an
     * extra guarantee and/or a second approval by a staff member holding one of `approvalBy`
     * (empty: none). null: no stricter conditions.
     */
    stricterConditions: z
      .strictObject({
        aboveRiskClass: productRiskClassSchema,
        extraGuarantee: z.boolean(),
        approvalBy: z.array(z.enum(RISK_APPROVER_ROLES, { error: `one of ${RISK_APPROVER_ROLES.join(', ')}` })),
      })
      .nullable(),
    /** §6.2 HIGH/D: product risk classes that may not be opened (empty: none). */
    restrictedRiskClasses: z.array(productRiskClassSchema),
    /** §6.2 HIGH/D: a risk investigation with a mitigation plan due this many business days after the rating. null: none. */
    investigation: z.strictObject({ mitigationPlanDueBusinessDays: positiveInt }).nullable(),
  })
  .superRefine((m, ctx) => {
    const sc = m.stricterConditions;
    if (sc) {
      if (!sc.extraGuarantee && sc.approvalBy.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['stricterConditions'], message: 'asks for nothing: set extraGuarantee or approvalBy (or use null)' });
      }
      if (sc.aboveRiskClass === PRODUCT_RISK_CLASSES[PRODUCT_RISK_CLASSES.length - 1]) {
        ctx.addIssue({ code: 'custom', path: ['stricterConditions', 'aboveRiskClass'], message: `no product risk class is above ${sc.aboveRiskClass}: use null` });
      }
      checkUnique(sc.approvalBy, ['stricterConditions', 'approvalBy'], 'approver role', ctx);
    }
    checkUnique(m.restrictedRiskClasses.map(String), ['restrictedRiskClasses'], 'risk class', ctx);
  });
export type RiskMeasuresConfig = z.infer<typeof riskMeasuresSchema>;

/**
 * A worse rating keeps every restriction of a better one and gains no preference it lacks
 * (§6.2: measures tighten as the rating worsens). `ratings` from the best to the worst.
 */
function checkMeasuresTighten(measures: Record<string, RiskMeasuresConfig>, ratings: readonly string[], ctx: z.RefinementCtx): void {
  ratings.forEach((rating, i) => {
    const better = i > 0 ? measures[ratings[i - 1] as string] : undefined;
    const worse = measures[rating];
    if (!better || !worse) return;
    const betterName = ratings[i - 1] as string;
    for (const c of better.restrictedRiskClasses) {
      if (!worse.restrictedRiskClasses.includes(c)) {
        ctx.addIssue({ code: 'custom', path: ['measures', rating, 'restrictedRiskClasses'], message: `must restrict risk class ${c} as ${betterName} does (a worse rating keeps every restriction)` });
      }
    }
    for (const flag of ['simplifiedProcedure', 'rateDiscountEligible'] as const) {
      if (worse[flag] && !better[flag]) {
        ctx.addIssue({ code: 'custom', path: ['measures', rating, flag], message: `may not be granted when the better rating ${betterName} does not have it` });
      }
    }
  });
}

/** The lowest and highest total a scorecard can give: every factor's fewest and most points. */
function totalRange(factors: Record<string, NumericFactorConfig | CodeFactorConfig>): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (const factor of Object.values(factors)) {
    const points = 'bands' in factor ? factor.bands.map((b) => b.points) : Object.values(factor.points);
    if (points.length === 0) continue;
    min += Math.min(...points);
    max += Math.max(...points);
  }
  return { min, max };
}

/**
 * Cut-offs ascend strictly, and every rating can be reached: the first cut-off lies above the lowest
 * possible total, the last at or below the highest possible total. `ratings` from the best to the worst.
 */
function checkCutOffs(
  card: { factors: Record<string, NumericFactorConfig | CodeFactorConfig>; ratingFrom: Record<string, number> },
  ratings: readonly string[],
  ctx: z.RefinementCtx,
): void {
  const cut = ratings.slice(1);
  cut.forEach((rating, i) => {
    const before = i > 0 ? cut[i - 1] : undefined;
    const from = card.ratingFrom[rating];
    const beforeFrom = before === undefined ? undefined : card.ratingFrom[before];
    if (from !== undefined && before !== undefined && beforeFrom !== undefined && from <= beforeFrom) {
      ctx.addIssue({ code: 'custom', path: ['ratingFrom', rating], message: `must be above ${before}'s cut-off (${beforeFrom}): cut-offs ascend` });
    }
  });
  const { min, max } = totalRange(card.factors);
  const first = cut[0];
  const last = cut[cut.length - 1];
  const firstFrom = first === undefined ? undefined : card.ratingFrom[first];
  const lastFrom = last === undefined ? undefined : card.ratingFrom[last];
  if (first !== undefined && firstFrom !== undefined && firstFrom <= min) {
    ctx.addIssue({ code: 'custom', path: ['ratingFrom', first], message: `must be above the lowest possible total (${min}): otherwise no customer could be rated ${ratings[0]}` });
  }
  if (last !== undefined && lastFrom !== undefined && lastFrom > max) {
    ctx.addIssue({ code: 'custom', path: ['ratingFrom', last], message: `must not exceed the highest possible total (${max}): otherwise no customer could be rated ${last}` });
  }
}

const NAICS_SECTOR_CODES = NAICS_2022_SECTORS.map((s) => s.code);

/**
 * §6.1 / §6.2 the individual scorecard: credit record (credit score, delinquencies, defaults), income
 * stability (employment type, months in the current employment, income variability) and debt
 * (debt-to-income) → LOW / MEDIUM / HIGH, and what each rating means.
 */
const individualScorecardSchema = z
  .strictObject({
    factors: z.strictObject({
      /** The bureau credit score on the credit record (FICO-style). */
      creditScore: numericFactorSchema(INDIVIDUAL_RISK_RATINGS),
      /** Payments 30+ days late on the credit record (a count). */
      delinquencies: numericFactorSchema(INDIVIDUAL_RISK_RATINGS),
      /** Defaults (charge-offs, collections, bankruptcies) on the credit record (a count). */
      defaults: numericFactorSchema(INDIVIDUAL_RISK_RATINGS),
      /** Points by EMPLOYMENT_TYPES code. */
      employmentType: codeFactorSchema(INDIVIDUAL_RISK_RATINGS, EMPLOYMENT_TYPES, 'employment type'),
      /** Months in the current employment, self-employment or retirement. */
      employmentTenureMonths: numericFactorSchema(INDIVIDUAL_RISK_RATINGS),
      /** Coefficient of variation of the monthly income (standard deviation ÷ mean), 0 = steady. */
      incomeVariability: numericFactorSchema(INDIVIDUAL_RISK_RATINGS),
      /** Debts ÷ annual income (IndividualProfile.debtsUsd ÷ annualIncomeUsd). */
      debtToIncome: numericFactorSchema(INDIVIDUAL_RISK_RATINGS),
    }),
    /** The rating starts at this total (inclusive); below MEDIUM's cut-off: LOW. */
    ratingFrom: z.strictObject({ MEDIUM: pointsSchema, HIGH: pointsSchema }),
    measures: z.strictObject({ LOW: riskMeasuresSchema, MEDIUM: riskMeasuresSchema, HIGH: riskMeasuresSchema }),
  })
  .superRefine((card, ctx) => {
    checkCutOffs(card, INDIVIDUAL_RISK_RATINGS, ctx);
    checkMeasuresTighten(card.measures, INDIVIDUAL_RISK_RATINGS, ctx);
  });

/**
 * §6.1 / §6.2 the enterprise scorecard: industry risk (points by NAICS sector), operating risk (years
 * in business, revenue trend, customer concentration) and financial risk from the latest financial
 * statements (leverage, liquidity, interest cover, profitability) → A / B / C / D, and what each
 * rating means.
 */
const enterpriseScorecardSchema = z
  .strictObject({
    factors: z.strictObject({
      /** Points by 2022 NAICS sector code (src/domain/naics.ts): every sector, no other. */
      industry: codeFactorSchema(ENTERPRISE_RISK_RATINGS, NAICS_SECTOR_CODES, 'NAICS sector', (code) => NAICS_2022_SECTORS.find((s) => s.code === code)?.name),
      /** Years since the business started trading. */
      yearsInBusiness: numericFactorSchema(ENTERPRISE_RISK_RATINGS),
      /** Year-over-year change of revenue as a fraction (-0.1 = fell 10 %). */
      revenueTrend: numericFactorSchema(ENTERPRISE_RISK_RATINGS),
      /** The largest customer's share of revenue, 0–1. */
      customerConcentration: numericFactorSchema(ENTERPRISE_RISK_RATINGS),
      /** Total liabilities ÷ total assets. */
      leverage: numericFactorSchema(ENTERPRISE_RISK_RATINGS),
      /** Current ratio: current assets ÷ current liabilities. */
      liquidity: numericFactorSchema(ENTERPRISE_RISK_RATINGS),
      /** Interest cover: EBIT ÷ interest expense. */
      interestCover: numericFactorSchema(ENTERPRISE_RISK_RATINGS),
      /** Net profit margin: net income ÷ revenue. */
      profitability: numericFactorSchema(ENTERPRISE_RISK_RATINGS),
    }),
    /** The rating starts at this total (inclusive); below B's cut-off: A. */
    ratingFrom: z.strictObject({ B: pointsSchema, C: pointsSchema, D: pointsSchema }),
    measures: z.strictObject({ A: riskMeasuresSchema, B: riskMeasuresSchema, C: riskMeasuresSchema, D: riskMeasuresSchema }),
  })
  .superRefine((card, ctx) => {
    checkCutOffs(card, ENTERPRISE_RISK_RATINGS, ctx);
    checkMeasuresTighten(card.measures, ENTERPRISE_RISK_RATINGS, ctx);
  });

/** §6.1 the transparent points-based scorecards (src/domain/risk-scorecard.ts). Higher points = higher risk. */
const riskScorecardsSchema = z.strictObject({
  individual: individualScorecardSchema,
  enterprise: enterpriseScorecardSchema,
  /** An assessment explains itself with this many top reasons (the factors with the most points), besides its missing-input notes. */
  topReasons: positiveInt,
});
export type RiskScorecardsConfig = z.infer<typeof riskScorecardsSchema>;
export type IndividualScorecardConfig = RiskScorecardsConfig['individual'];
export type EnterpriseScorecardConfig = RiskScorecardsConfig['enterprise'];

/** The customer types a product may be sold to. */
const PRODUCT_CUSTOMER_TYPES = ['INDIVIDUAL', 'ENTERPRISE'] as const;

/** §6.2 the product catalogue: what a customer may open, each product with its risk class. */
const productsSchema = z
  .array(
    z.strictObject({
      code: codeSchema,
      name: textSchema,
      customerTypes: z
        .array(z.enum(PRODUCT_CUSTOMER_TYPES, { error: `one of ${PRODUCT_CUSTOMER_TYPES.join(', ')}` }))
        .min(1, 'at least one customer type'),
      riskClass: productRiskClassSchema,
    }),
  )
  .min(1, 'at least one product')
  .superRefine((products, ctx) => {
    checkUnique(products.map((p) => p.code), [], 'product code', ctx);
    products.forEach((p, i) => checkUnique(p.customerTypes, [i, 'customerTypes'], 'customer type', ctx));
  });
export type ProductConfig = z.infer<typeof productsSchema>[number];

// ---------------------------------------------------------------------------------------------
// §7.2 staff assessment (src/staff-assessment/): indicators, weights, targets, the scoring rule
// ---------------------------------------------------------------------------------------------

/**
 * §7.2 one indicator's scoring: its weight within its group, and a straight line from `zeroAt` (score
 * 0) to `fullAt` (score 100), clamped. fullAt above zeroAt: higher is better (rates, means, counts);
 * fullAt below zeroAt: lower is better (the risk-event rate). Counts' values are per quarter (a year's
 * are four times). An indicator without data (no cases, no customers) has no score: it is left out
 * and the rest re-weighted — never counted as perfect.
 */
const indicatorScoringSchema = z
  .strictObject({
    weight: z.number().positive('a weight above 0 (drop an indicator by giving the others its weight, not 0)'),
    zeroAt: z.number().finite(),
    fullAt: z.number().finite(),
  })
  .refine((i) => i.zeroAt !== i.fullAt, { path: ['fullAt'], message: 'must differ from zeroAt (the line from score 0 to 100 needs two points)' });

function indicatorGroupSchema<const K extends readonly [string, ...string[]]>(ids: K) {
  return z.strictObject({
    /** The group's share of the overall score (the groups' weights add up to 1). */
    weight: z.number().positive('a weight above 0'),
    indicators: z.strictObject(Object.fromEntries(ids.map((id) => [id, indicatorScoringSchema])) as { [P in K[number]]: typeof indicatorScoringSchema }),
  });
}

/** §7.2 staff assessment: who is assessed, the indicators' weights and targets, the grades, the guidance. */
const staffAssessmentSchema = z
  .strictObject({
    /** Active staff holding one of these roles are assessed each quarter and each year. */
    assessedRoles: z.array(z.enum(ASSESSABLE_ROLES, { error: `one of ${ASSESSABLE_ROLES.join(', ')}` })).min(1, 'at least one role'),
    groups: z.strictObject({
      satisfaction: indicatorGroupSchema(INDICATOR_GROUPS.satisfaction),
      loyalty: indicatorGroupSchema(INDICATOR_GROUPS.loyalty),
      growth: indicatorGroupSchema(INDICATOR_GROUPS.growth),
      riskControl: indicatorGroupSchema(INDICATOR_GROUPS.riskControl),
    }),
    /**
     * The overall score is given only when the indicators with data carry at least this share (0–1)
     * of the whole weight; below it the assessment is NO_DATA (too little to judge), never a score
     * made up of one lucky indicator.
     */
    minimumCoverage: z.number().gt(0, 'above 0 (an assessment with no data at all has no score)').max(1, 'at most 1'),
    /** Grades by overall score (0–100): the first whose `from` the score reaches; `from` descends to 0. */
    grades: z.array(z.strictObject({ grade: codeSchema, from: z.number().min(0).max(100) })).min(1, 'at least one grade'),
    /** §7.2 the quarterly assessment "with guidance": the manager's task to write guidance notes. */
    guidance: z.strictObject({
      /** The task is due (and its manager reminded) this many business days after the run began … */
      dueBusinessDays: positiveInt,
      /** … escalated to a supervisor `reminders.escalateAfter` later; the run closes after this many (results without notes emailed, tasks MISSED). */
      closeAfterBusinessDays: positiveInt,
    }),
    /** The Schedules start the quarter's run on the next quarter's first day, the year's on 1 January, at this local time (bank time zone). */
    runLocalTime: localTimeSchema,
    /** Staff assessed per activity page (one transaction each). */
    pageSize: positiveInt,
  })
  .superRefine((a, ctx) => {
    const total = GROUP_IDS.reduce((sum, g) => sum + a.groups[g].weight, 0);
    if (Math.abs(total - 1) > 1e-9) ctx.addIssue({ code: 'custom', path: ['groups'], message: `the groups' weights must add up to 1 (they add up to ${total})` });
    checkUnique(a.assessedRoles, ['assessedRoles'], 'role', ctx);
    checkUnique(a.grades.map((g) => g.grade), ['grades'], 'grade', ctx);
    a.grades.forEach((g, i) => {
      const before = a.grades[i - 1];
      if (g.grade === NO_DATA_GRADE) ctx.addIssue({ code: 'custom', path: ['grades', i, 'grade'], message: `${NO_DATA_GRADE} is reserved for an assessment without enough data` });
      if (before && g.from >= before.from) ctx.addIssue({ code: 'custom', path: ['grades', i, 'from'], message: `must be below the grade before it (${before.from}): grades descend` });
    });
    const last = a.grades[a.grades.length - 1];
    if (last && last.from !== 0) ctx.addIssue({ code: 'custom', path: ['grades', a.grades.length - 1, 'from'], message: 'the last grade must start at 0 (every score gets a grade)' });
    if (a.guidance.dueBusinessDays >= a.guidance.closeAfterBusinessDays) {
      ctx.addIssue({ code: 'custom', path: ['guidance', 'closeAfterBusinessDays'], message: 'must be after dueBusinessDays (the run closes after the guidance is due)' });
    }
  });
export type StaffAssessmentPolicy = z.infer<typeof staffAssessmentSchema>;
export type IndicatorScoring = z.infer<typeof indicatorScoringSchema>;

// §7.2 staff assessment (ours: policy.md names the indicators, the bank sets weights and targets).
// Customer-facing staff are assessed. Targets are per quarter; a score is a straight line from
// zeroAt (0) to fullAt (100). Satisfaction counts most (the policy's first indicator); the risk
// rules next with growth; loyalty least (slowest to move within a quarter).
export const DEFAULT_STAFF_ASSESSMENT_POLICY: StaffAssessmentPolicy = {
  assessedRoles: ['RELATIONSHIP_MANAGER', 'CUSTOMER_SERVICE'],
  groups: {
    satisfaction: {
      weight: 0.3,
      indicators: {
        surveyScore: { weight: 2, zeroAt: 1, fullAt: 4.5 }, // mean survey score 1–5 of the cases they handled
        phoneFollowUpScore: { weight: 1, zeroAt: 1, fullAt: 4.5 }, // mean score 1–5 of the supervisors' phone follow-ups
      },
    },
    loyalty: {
      weight: 0.2,
      indicators: {
        repeatPurchaseRate: { weight: 1, zeroAt: 0, fullAt: 0.3 }, // 30 % of product holders buying again: full marks
        referralRate: { weight: 1, zeroAt: 0, fullAt: 0.1 }, // 1 customer in 10 bringing someone: full marks
      },
    },
    growth: {
      weight: 0.25,
      indicators: {
        newCustomers: { weight: 1, zeroAt: 0, fullAt: 10 }, // per quarter
        productsOpened: { weight: 1, zeroAt: 0, fullAt: 15 }, // per quarter
        productVolumeUsd: { weight: 1, zeroAt: 0, fullAt: 1_000_000 }, // per quarter, products with an amount
      },
    },
    riskControl: {
      weight: 0.25,
      indicators: {
        reviewsOnTimeRate: { weight: 1, zeroAt: 0.5, fullAt: 1 }, // §3.2 periodic reviews done before they were overdue
        slaMetRate: { weight: 1, zeroAt: 0.5, fullAt: 1 }, // §5.2 cases answered by their response deadline
        investigationsOnTimeRate: { weight: 1, zeroAt: 0.5, fullAt: 1 }, // §6.2 investigation and plan tasks done by their due time
        riskEventRate: { weight: 1, zeroAt: 0.2, fullAt: 0 }, // §6 their customers newly rated HIGH/D, per customer: lower is better
      },
    },
  },
  minimumCoverage: 0.5,
  grades: [
    { grade: 'EXCELLENT', from: 90 },
    { grade: 'GOOD', from: 75 },
    { grade: 'SATISFACTORY', from: 60 },
    { grade: 'NEEDS_IMPROVEMENT', from: 0 },
  ],
  guidance: { dueBusinessDays: 10, closeAfterBusinessDays: 20 },
  runLocalTime: '03:00',
  pageSize: 100,
};

/** §7.1 the roles of serving staff who owe advanced courses each year (codes of src/staff/create-staff.ts STAFF_ROLES). */
const TRAINING_ROLE_CODES = ['ADMIN', 'AUDITOR', 'RELATIONSHIP_MANAGER', 'CUSTOMER_SERVICE', 'RISK_OFFICER', 'SUPERVISOR'] as const;

/**
 * §7.1 staff training (issue 11; src/domain/training.ts, src/training/). A policy document written
 * before issue 11 (a POLICY_FILE, an adopted risk policy) gets these defaults.
 */
const trainingSchema = z
  .strictObject({
    /** §7.1 "a customer-management foundation course of a set number of weeks" for new staff. */
    foundation: z.strictObject({ weeks: z.number().int().min(1, 'at least 1 week').max(52, 'at most 52 weeks') }),
    /** A module begins on the first day of its first week at this local time … */
    moduleStartLocalTime: localTimeSchema,
    /** … and is due on the last day of its last week at this local time. */
    moduleDueLocalTime: localTimeSchema,
    /** The trainee and their manager are reminded this long before each module begins. */
    remindBefore: durationSchema,
    /** A module not completed this long after it was due is overdue: escalated to the manager. */
    overdueAfter: durationSchema,
    /** An assessed module passes with at least this score (0–100), unless the module sets its own. */
    passScore: z.number().int().min(0).max(100),
    /** §7.1 serving staff: regular advanced courses. */
    advanced: z.strictObject({
      /** Advanced courses each serving staff member completes in a calendar year (bank time zone). */
      perYear: z.number().int().min(0).max(52),
      /** The staff roles that owe them (a staff member with any of these). */
      roles: z.array(z.enum(TRAINING_ROLE_CODES)).min(1, 'at least one role'),
      /** Months (2–12) on whose first day staff behind the year's pace are reminded; on 1 January the supervisor hears of a year missed. */
      reminderMonths: z.array(z.number().int().min(2, 'February to December (1 January is the year-end check)').max(12)).min(1, 'at least one month'),
      /** The local time of those checks. */
      checkLocalTime: localTimeSchema,
    }),
  })
  .superRefine((t, ctx) => {
    if (new Set(t.advanced.reminderMonths).size !== t.advanced.reminderMonths.length) {
      ctx.addIssue({ code: 'custom', path: ['advanced', 'reminderMonths'], message: 'each month once' });
    }
  });
export type TrainingPolicy = z.infer<typeof trainingSchema>;

/** §7.1 defaults (ours: policy.md leaves the numbers open). */
export const DEFAULT_TRAINING_POLICY: TrainingPolicy = {
  foundation: { weeks: 4 },
  moduleStartLocalTime: '09:00',
  moduleDueLocalTime: '17:00',
  remindBefore: 'P1D',
  overdueAfter: 'P2D',
  passScore: 70,
  advanced: { perYear: 2, roles: ['AUDITOR', 'RELATIONSHIP_MANAGER', 'CUSTOMER_SERVICE', 'RISK_OFFICER', 'SUPERVISOR'], reminderMonths: [7, 10], checkLocalTime: '08:00' },
};

/**
 * §3.1 "access is granted by role and need", as the API enforces it (src/api/hardening.ts,
 * src/staff/api-keys.ts): how long a staff API key lives and how fast a key or an address may call.
 */
const rateWindowSchema = z.strictObject({
  /** Requests (or failures) allowed in one window … */
  max: positiveInt,
  /** … of this length; the 429's Retry-After says when the window ends. */
  window: durationSchema,
});
const securitySchema = z
  .strictObject({
    apiKeys: z.strictObject({
      /** A key issued without an expiry lives this long (ccm staff key issue, POST /staff/:id/keys). */
      defaultExpiresIn: durationSchema,
      /** No key may be issued for longer than this. */
      maxExpiresIn: durationSchema,
    }),
    rateLimits: z.strictObject({
      /** Requests one API key may make per window (every authenticated route). */
      perApiKey: rateWindowSchema,
      /** Failed authentications one client address may make per window; past it every request from the address gets 429 until the window ends. */
      authFailuresPerIp: rateWindowSchema,
    }),
  })
  .superRefine((s, ctx) => {
    const [given, max] = [parseDurationMs(s.apiKeys.defaultExpiresIn), parseDurationMs(s.apiKeys.maxExpiresIn)];
    if (given !== undefined && max !== undefined && given > max) {
      ctx.addIssue({ code: 'custom', path: ['apiKeys', 'defaultExpiresIn'], message: 'must not exceed maxExpiresIn' });
    }
  });
export type SecurityPolicy = z.infer<typeof securitySchema>;

/** §3.1 defaults (ours: policy.md sets no numbers). */
export const DEFAULT_SECURITY_POLICY: SecurityPolicy = {
  apiKeys: { defaultExpiresIn: 'P90D', maxExpiresIn: 'P365D' },
  rateLimits: {
    // A staff member's busiest screen makes a few requests a second; an import runs through the CLI, not the API.
    perApiKey: { max: 600, window: 'PT1M' },
    // Ten wrong keys in 15 minutes is no typo: the address waits out the window.
    authFailuresPerIp: { max: 10, window: 'PT15M' },
  },
};

export const policySchema = z
  .object({
    /** Changes whenever any value changes; recorded on every process and notification. */
    version: z.string().regex(/^\d{4}\.(0[1-9]|1[0-2])-\d+$/, 'YYYY.MM-N'),
    /** §2.1 individual segmentation. */
    individual: z.strictObject({
      minimumAgeYears: positiveInt,
      ageGroups: z.strictObject({ youngMaxAge: positiveInt, middleAgedMaxAge: positiveInt }),
      assetTiers: z.strictObject({ vipFromUsd: usd, highNetWorthFromUsd: usd }),
    }),
    /** §2.2 enterprise size. LARGE if any "large" bound is reached; SMALL if all "small" bounds hold. */
    enterprise: z.strictObject({
      large: z.strictObject({ employeesFrom: positiveInt, revenueFromUsd: usd, assetsFromUsd: usd }),
      small: z.strictObject({ employeesBelow: positiveInt, revenueBelowUsd: usd }),
    }),
    /** §3.2 periodic review cadence (counted from approval or the last completed review, on the bank's calendar). */
    review: z.strictObject({ individualEveryMonths: positiveInt, enterpriseEveryMonths: positiveInt }),
    /** §3.2 the periodic review as work for a person: when it falls due, reminders, escalation. */
    lifecycle: z.strictObject({
      /** The local time a review falls due on its day (its task opens and its reminder goes out). */
      reviewDueLocalTime: localTimeSchema,
      /** A second reminder this many business days after the review fell due … */
      reviewSecondReminderAfterBusinessDays: positiveInt,
      /** … and the review is overdue, escalated to a supervisor, this many business days after. */
      reviewOverdueAfterBusinessDays: positiveInt,
      /** One digest email per staff member listing the reviews due that day, instead of one email each (escalations stay one by one). */
      reviewDigest: z.boolean(),
      /** How long the day's digest waits after the due time to collect every review due at it. */
      digestDelay: durationSchema,
    }),
    /** §5.1 regular contact. */
    contact: z.strictObject({
      /** Individuals: a birthday greeting at this local time (29 February birthdays on 28 February in common years). */
      birthdayGreetingLocalTime: localTimeSchema,
      /** Individuals: the digest of each segment, sent on this day of the month (1–28) at this local time. */
      newsDigestDayOfMonth: z.number().int().min(1).max(28, 'at most 28 (every month has it)'),
      newsDigestLocalTime: localTimeSchema,
      newsDigest: z.strictObject({ REGULAR: newsDigestSchema, VIP: newsDigestSchema, HIGH_NET_WORTH: newsDigestSchema }),
      /** Enterprises: one communication meeting each quarter; its task opens on the quarter's first business day. */
      meeting: z.strictObject({
        /** The relationship manager is reminded this many business days into the quarter … */
        firstReminderAfterBusinessDays: positiveInt,
        /** … and again after this many; a quarter that ends without a meeting is escalated to a supervisor. */
        secondReminderAfterBusinessDays: positiveInt,
      }),
    }),
    /** §5.2 feedback and complaints: deadlines, escalation, satisfaction follow-up, case numbers, routing. */
    feedback: feedbackSchema,
    /** §6.2 re-assessment cadence. */
    risk: z.strictObject({
      closeMonitoringEveryMonths: positiveInt,
      everyoneEveryMonths: positiveInt,
      /**
       * §6 the portfolio re-assessment (src/risk/schedule.ts) starts on the first day of each period of
       * `everyoneEveryMonths` (quarters: 1 Jan, Apr, Jul, Oct) at this local time of the bank's time
       * zone; default 02:00, a quiet hour.
       */
      portfolioRunLocalTime: localTimeSchema.optional(),
    }),
    /** §6.1 the scorecards and §6.2 the measures of each rating. */
    riskScorecards: riskScorecardsSchema,
    /** §6.2 the product catalogue with each product's risk class. */
    products: productsSchema,
    /** §4.1 (individual) and §4.2 (enterprise) service tier of every segment; none may be missing. */
    serviceTiers: z.strictObject({
      REGULAR: serviceTierSchema,
      VIP: serviceTierSchema,
      HIGH_NET_WORTH: serviceTierSchema,
      SMALL: serviceTierSchema,
      MEDIUM: serviceTierSchema,
      LARGE: serviceTierSchema,
    }),
    /** §2.3 step 3: the audit team's review of a new record; business days in `timeZone` (§5.2 calendar). */
    onboarding: z.strictObject({
      /** IANA time zone of the bank's business days (deadlines keep the local time of day). */
      timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as America/New_York'),
      /** A review still waiting after this many business days makes the audit team's staff reminder. */
      reviewReminderAfterBusinessDays: positiveInt,
      /** After requesting information, the customer is reminded after this many business days … */
      infoReminderAfterBusinessDays: positiveInt,
      /** … and the onboarding closes as INCOMPLETE after this many. */
      infoLimitBusinessDays: positiveInt,
    }),
    /** §7.2 staff assessment (src/staff-assessment/); a policy file written before it gets the defaults. */
    staffAssessment: staffAssessmentSchema.default(DEFAULT_STAFF_ASSESSMENT_POLICY),
    /** Staff reminders (the mechanism behind §5.2's "reminder before the deadline, escalation at it"). */
    reminders: z.strictObject({
      /** How long a due reminder may stay unacknowledged before its escalation contact is emailed. */
      escalateAfter: durationSchema,
    }),
    /** §7.1 staff training (issue 11). */
    training: trainingSchema.default(DEFAULT_TRAINING_POLICY),
    /** §3.1 API keys' lifetime and the API's rate limits (issue 13); a policy file written before it gets the defaults. */
    security: securitySchema.default(DEFAULT_SECURITY_POLICY),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.individual.ageGroups.youngMaxAge >= p.individual.ageGroups.middleAgedMaxAge) {
      ctx.addIssue({ code: 'custom', path: ['individual', 'ageGroups'], message: 'youngMaxAge must be below middleAgedMaxAge' });
    }
    if (p.individual.minimumAgeYears > p.individual.ageGroups.youngMaxAge) {
      ctx.addIssue({ code: 'custom', path: ['individual', 'minimumAgeYears'], message: 'must not exceed youngMaxAge (the young band would be empty)' });
    }
    if (p.individual.assetTiers.vipFromUsd >= p.individual.assetTiers.highNetWorthFromUsd) {
      ctx.addIssue({ code: 'custom', path: ['individual', 'assetTiers'], message: 'vipFromUsd must be below highNetWorthFromUsd' });
    }
    if (p.onboarding.infoReminderAfterBusinessDays >= p.onboarding.infoLimitBusinessDays) {
      ctx.addIssue({ code: 'custom', path: ['onboarding', 'infoReminderAfterBusinessDays'], message: 'the reminder must come before the limit' });
    }
    if (p.lifecycle.reviewSecondReminderAfterBusinessDays >= p.lifecycle.reviewOverdueAfterBusinessDays) {
      ctx.addIssue({ code: 'custom', path: ['lifecycle', 'reviewSecondReminderAfterBusinessDays'], message: 'the second reminder must come before the review is overdue' });
    }
    if (p.risk.closeMonitoringEveryMonths > p.risk.everyoneEveryMonths) {
      ctx.addIssue({ code: 'custom', path: ['risk', 'closeMonitoringEveryMonths'], message: 'must not exceed everyoneEveryMonths (closer monitoring is at least as frequent)' });
    }
    if (p.contact.meeting.firstReminderAfterBusinessDays >= p.contact.meeting.secondReminderAfterBusinessDays) {
      ctx.addIssue({ code: 'custom', path: ['contact', 'meeting', 'firstReminderAfterBusinessDays'], message: 'the first reminder must come before the second' });
    }
  });

export type Policy = z.infer<typeof policySchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The defaults policy.md gives ("the default given here is ours"). */
export const DEFAULT_POLICY: Policy = {
  version: '2026.12-5', // -5: §3.1 security (API key lifetime, rate limits; issue 13); -4: §7.1 training and §7.2 staff assessment (issue 11)
  individual: {
    minimumAgeYears: 18, // §2.1 under 18: not onboarded as a primary customer
    ageGroups: { youngMaxAge: 35, middleAgedMaxAge: 60 }, // §2.1 young 18–35, middle-aged 36–60, senior over 60
    assetTiers: { vipFromUsd: 100_000, highNetWorthFromUsd: 1_000_000 }, // §2.1
  },
  enterprise: {
    large: { employeesFrom: 1_000, revenueFromUsd: 500_000_000, assetsFromUsd: 500_000_000 }, // §2.2
    small: { employeesBelow: 100, revenueBelowUsd: 10_000_000 }, // §2.2
  },
  review: { individualEveryMonths: 6, enterpriseEveryMonths: 3 }, // §3.2
  lifecycle: { reviewDueLocalTime: '09:00', reviewSecondReminderAfterBusinessDays: 5, reviewOverdueAfterBusinessDays: 10, reviewDigest: true, digestDelay: 'PT15M' }, // §3.2
  contact: {
    // §5.1
    birthdayGreetingLocalTime: '09:00',
    newsDigestDayOfMonth: 1,
    newsDigestLocalTime: '10:00',
    newsDigest: {
      REGULAR: {
        everyMonths: 3,
        subject: 'Your quarterly update from the bank',
        intro: 'A short update on our services and the markets this quarter.',
        topics: ['Savings and deposit rates', 'Card security tips', 'New online self-service features'],
      },
      VIP: {
        everyMonths: 1,
        subject: 'Your monthly market and product update',
        intro: 'Your monthly update from your dedicated advisory team.',
        topics: ['Market outlook', 'Investment products this month', 'Upcoming VIP events'],
      },
      HIGH_NET_WORTH: {
        everyMonths: 1,
        subject: 'Your monthly wealth briefing',
        intro: 'Your monthly briefing from your investment, legal and accounting team.',
        topics: ['Markets and asset allocation', 'Tax planning this month', 'Trust and estate topics'],
      },
    },
    meeting: { firstReminderAfterBusinessDays: 20, secondReminderAfterBusinessDays: 40 },
  },
  feedback: {
    // §5.2
    individualResponseHours: 24,
    enterpriseTargetBusinessDays: 3, // a complex enterprise issue: §5.2 "3–5 business days", target 3 …
    enterpriseLimitBusinessDays: 5, // … hard limit 5
    // A simple enterprise issue (ours; §5.2 sets only the complex one): one business day, the
    // business-day counterpart of an individual's 24 hours, so a business is not answered more slowly
    // than a person for the same kind of question; the hard limit of 2 leaves a day for a handover
    // and still ends before the complex target of 3.
    enterpriseSimpleTargetBusinessDays: 1,
    enterpriseSimpleLimitBusinessDays: 2,
    reminderFractions: [0.5, 0.8], // §5.2 reminders before the deadline: at half and at 80 % of the time
    // After the department head (at the target): the executive on duty a working shift later for an
    // individual's 24-hour clock, one business day later for an enterprise's (still before the
    // complex hard limit of 5: 3 + 1).
    executiveEscalationAfter: { individualHours: 8, enterpriseBusinessDays: 1 },
    lowSatisfactionScore: 2, // §5.2 satisfaction follow-up: 1 or 2 out of 5 reopens the case
    surveyLinkValidDays: 14,
    caseNumberPrefix: 'FB',
    categories: ['ACCOUNT', 'CARD', 'LOAN', 'PAYMENT', 'SERVICE_QUALITY', 'FEES', 'DIGITAL', 'OTHER'],
    severities: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'],
    routing: [
      // First match wins. Critical cases and complaints about the service itself go to the
      // complaints unit whatever the product; then by product; the rest to customer service.
      { id: 'critical-to-complaints', when: { severity: 'CRITICAL' }, departmentCode: 'COMPLAINTS' },
      { id: 'service-quality-to-complaints', when: { category: 'SERVICE_QUALITY' }, departmentCode: 'COMPLAINTS' },
      { id: 'high-fees-to-complaints', when: { category: 'FEES', severity: 'HIGH' }, departmentCode: 'COMPLAINTS' },
      { id: 'cards', when: { category: 'CARD' }, departmentCode: 'CARDS' },
      { id: 'loans', when: { category: 'LOAN' }, departmentCode: 'LENDING' },
      { id: 'payments', when: { category: 'PAYMENT' }, departmentCode: 'PAYMENTS' },
      { id: 'digital', when: { category: 'DIGITAL' }, departmentCode: 'DIGITAL' },
    ],
    defaultDepartmentCode: 'CUSTOMER_SERVICE',
  },
  risk: { closeMonitoringEveryMonths: 1, everyoneEveryMonths: 3 }, // §6.2
  // §6.1 scorecards (ours: policy.md names the factors, the bank sets the points). Higher points =
  // higher risk; a value exactly at a band's `from` is in that band. A missing input is never good:
  // the credit score, the tenure, the industry and the years in business score their worst band;
  // every other missing input caps the rating (individuals at best MEDIUM; enterprises at best B
  // without the revenue history or customer split, at best C without financial statements). So a
  // customer the bank knows nothing about yet is MEDIUM / C (monitored monthly), never LOW / A.
  riskScorecards: {
    individual: {
      factors: {
        // §6.1 credit record
        creditScore: { risk: 'FALLS_WITH_VALUE', bands: [{ points: 40 }, { from: 580, points: 25 }, { from: 670, points: 10 }, { from: 740, points: 0 }], missing: 'WORST_BAND' },
        delinquencies: { risk: 'RISES_WITH_VALUE', bands: [{ points: 0 }, { from: 1, points: 10 }, { from: 3, points: 25 }], missing: { capRating: 'MEDIUM' } },
        defaults: { risk: 'RISES_WITH_VALUE', bands: [{ points: 0 }, { from: 1, points: 60 }], missing: { capRating: 'MEDIUM' } }, // one default alone: HIGH
        // §6.1 income stability
        employmentType: {
          points: { PERMANENT: 0, FIXED_TERM: 5, SELF_EMPLOYED: 10, RETIRED: 5, STUDENT: 15, UNEMPLOYED: 25 },
          missing: { capRating: 'MEDIUM' },
        },
        employmentTenureMonths: { risk: 'FALLS_WITH_VALUE', bands: [{ points: 15 }, { from: 6, points: 10 }, { from: 24, points: 5 }, { from: 60, points: 0 }], missing: 'WORST_BAND' },
        incomeVariability: { risk: 'RISES_WITH_VALUE', bands: [{ points: 0 }, { from: 0.1, points: 5 }, { from: 0.25, points: 10 }, { from: 0.5, points: 20 }], missing: { capRating: 'MEDIUM' } },
        // §6.1 debt: debts ÷ annual income
        debtToIncome: { risk: 'RISES_WITH_VALUE', bands: [{ points: 0 }, { from: 0.5, points: 10 }, { from: 1.5, points: 20 }, { from: 3, points: 35 }], missing: { capRating: 'MEDIUM' } },
      },
      ratingFrom: { MEDIUM: 35, HIGH: 60 },
      measures: {
        // §6.2 LOW: conveniences and preferential terms
        LOW: { simplifiedProcedure: true, rateDiscountEligible: true, closeMonitoring: false, stricterConditions: null, restrictedRiskClasses: [], investigation: null },
        // §6.2 MEDIUM: monthly re-assessment; products of class 3–4 need a guarantee and a second approver
        MEDIUM: {
          simplifiedProcedure: false,
          rateDiscountEligible: false,
          closeMonitoring: true,
          stricterConditions: { aboveRiskClass: 2, extraGuarantee: true, approvalBy: ['SUPERVISOR', 'RISK_OFFICER'] },
          restrictedRiskClasses: [],
          investigation: null,
        },
        // §6.2 HIGH: classes 3–4 restricted, class 2 needs a guarantee and a risk officer; investigation and mitigation plan
        HIGH: {
          simplifiedProcedure: false,
          rateDiscountEligible: false,
          closeMonitoring: false,
          stricterConditions: { aboveRiskClass: 1, extraGuarantee: true, approvalBy: ['RISK_OFFICER'] },
          restrictedRiskClasses: [3, 4],
          investigation: { mitigationPlanDueBusinessDays: 10 },
        },
      },
    },
    enterprise: {
      factors: {
        // §6.1 industry risk by 2022 NAICS sector: cyclical and thin-margin sectors score highest
        industry: {
          points: {
            '11': 15, '21': 20, '22': 5, '23': 20, '31-33': 10, '42': 10, '44-45': 15, '48-49': 15, '51': 10, '52': 10,
            '53': 15, '54': 5, '55': 5, '56': 10, '61': 5, '62': 5, '71': 20, '72': 20, '81': 15, '92': 0,
          },
          missing: 'WORST_BAND',
        },
        // §6.1 operating risk
        yearsInBusiness: { risk: 'FALLS_WITH_VALUE', bands: [{ points: 20 }, { from: 2, points: 10 }, { from: 5, points: 5 }, { from: 10, points: 0 }], missing: 'WORST_BAND' },
        revenueTrend: { risk: 'FALLS_WITH_VALUE', bands: [{ points: 20 }, { from: -0.1, points: 10 }, { from: 0, points: 5 }, { from: 0.05, points: 0 }], missing: { capRating: 'B' } },
        customerConcentration: { risk: 'RISES_WITH_VALUE', bands: [{ points: 0 }, { from: 0.2, points: 5 }, { from: 0.35, points: 10 }, { from: 0.5, points: 20 }], missing: { capRating: 'B' } },
        // §6.1 financial risk, from the latest financial statements
        leverage: { risk: 'RISES_WITH_VALUE', bands: [{ points: 0 }, { from: 0.4, points: 10 }, { from: 0.6, points: 20 }, { from: 0.8, points: 35 }], missing: { capRating: 'C' } },
        liquidity: { risk: 'FALLS_WITH_VALUE', bands: [{ points: 25 }, { from: 1, points: 15 }, { from: 1.2, points: 5 }, { from: 1.5, points: 0 }], missing: { capRating: 'C' } },
        interestCover: { risk: 'FALLS_WITH_VALUE', bands: [{ points: 30 }, { from: 1.5, points: 15 }, { from: 3, points: 5 }, { from: 5, points: 0 }], missing: { capRating: 'C' } },
        profitability: { risk: 'FALLS_WITH_VALUE', bands: [{ points: 25 }, { from: 0, points: 10 }, { from: 0.03, points: 5 }, { from: 0.08, points: 0 }], missing: { capRating: 'C' } },
      },
      ratingFrom: { B: 25, C: 50, D: 80 },
      measures: {
        // §6.2 A: conveniences and preferential terms
        A: { simplifiedProcedure: true, rateDiscountEligible: true, closeMonitoring: false, stricterConditions: null, restrictedRiskClasses: [], investigation: null },
        // §6.2 B: class 4 products need a second approver
        B: {
          simplifiedProcedure: false,
          rateDiscountEligible: false,
          closeMonitoring: false,
          stricterConditions: { aboveRiskClass: 3, extraGuarantee: false, approvalBy: ['SUPERVISOR', 'RISK_OFFICER'] },
          restrictedRiskClasses: [],
          investigation: null,
        },
        // §6.2 C: monthly re-assessment; class 3–4 products need a guarantee and a second approver
        C: {
          simplifiedProcedure: false,
          rateDiscountEligible: false,
          closeMonitoring: true,
          stricterConditions: { aboveRiskClass: 2, extraGuarantee: true, approvalBy: ['SUPERVISOR', 'RISK_OFFICER'] },
          restrictedRiskClasses: [],
          investigation: null,
        },
        // §6.2 D: classes 3–4 restricted, class 2 needs a guarantee and a risk officer; investigation and mitigation plan
        D: {
          simplifiedProcedure: false,
          rateDiscountEligible: false,
          closeMonitoring: false,
          stricterConditions: { aboveRiskClass: 1, extraGuarantee: true, approvalBy: ['RISK_OFFICER'] },
          restrictedRiskClasses: [3, 4],
          investigation: { mitigationPlanDueBusinessDays: 10 },
        },
      },
    },
    topReasons: 3,
  },
  // §6.2 the product catalogue (ours): risk class 1 deposits and payments … 4 revolving and structured credit
  products: [
    { code: 'DEPOSIT_ACCOUNT', name: 'Deposit account', customerTypes: ['INDIVIDUAL', 'ENTERPRISE'], riskClass: 1 },
    { code: 'TERM_DEPOSIT', name: 'Term deposit', customerTypes: ['INDIVIDUAL', 'ENTERPRISE'], riskClass: 1 },
    { code: 'TRANSFERS', name: 'Domestic and international transfers', customerTypes: ['INDIVIDUAL', 'ENTERPRISE'], riskClass: 1 },
    { code: 'DEBIT_CARD', name: 'Debit card', customerTypes: ['INDIVIDUAL', 'ENTERPRISE'], riskClass: 1 },
    { code: 'CREDIT_CARD', name: 'Credit card', customerTypes: ['INDIVIDUAL', 'ENTERPRISE'], riskClass: 2 },
    { code: 'PERSONAL_LOAN', name: 'Personal loan', customerTypes: ['INDIVIDUAL'], riskClass: 3 },
    { code: 'MORTGAGE', name: 'Mortgage loan', customerTypes: ['INDIVIDUAL'], riskClass: 3 },
    { code: 'WORKING_CAPITAL_LOAN', name: 'Working-capital loan', customerTypes: ['ENTERPRISE'], riskClass: 3 },
    { code: 'CREDIT_LINE', name: 'Revolving credit line', customerTypes: ['INDIVIDUAL', 'ENTERPRISE'], riskClass: 4 },
    { code: 'TRADE_FINANCE', name: 'Trade finance (letters of credit, guarantees)', customerTypes: ['ENTERPRISE'], riskClass: 4 },
    { code: 'PROJECT_FINANCE', name: 'Project finance', customerTypes: ['ENTERPRISE'], riskClass: 4 },
  ],
  serviceTiers: {
    // §4.1 individuals. Each tier lists what the policy names for it; it does not repeat a lower tier's list.
    REGULAR: {
      summary: 'Standard services (deposits, transfers, cards), self-service online, branch guides',
      entitlements: [
        { code: 'DEPOSITS', description: 'Deposit accounts' },
        { code: 'TRANSFERS', description: 'Transfers' },
        { code: 'CARDS', description: 'Cards' },
        { code: 'ONLINE_SELF_SERVICE', description: 'Self-service online' },
        { code: 'BRANCH_GUIDES', description: 'Branch guides' },
      ],
      coverage: { dedicatedManager: false, team: [] },
    },
    VIP: {
      summary: 'Dedicated service channel and hotline, a dedicated financial advisor, personal financial plan, regular VIP events',
      entitlements: [
        { code: 'DEDICATED_CHANNEL', description: 'Dedicated service channel' },
        { code: 'DEDICATED_HOTLINE', description: 'Dedicated hotline' },
        { code: 'DEDICATED_FINANCIAL_ADVISOR', description: 'A dedicated financial advisor' },
        { code: 'PERSONAL_FINANCIAL_PLAN', description: 'Personal financial plan' },
        { code: 'VIP_EVENTS', description: 'Regular VIP events' },
      ],
      coverage: { dedicatedManager: true, team: [] },
    },
    HIGH_NET_WORTH: {
      summary: 'Tailored solutions (asset management, tax planning, trusts) from a team of investment, legal and accounting experts',
      entitlements: [
        { code: 'TAILORED_ASSET_MANAGEMENT', description: 'Tailored asset management' },
        { code: 'TAX_PLANNING', description: 'Tax planning' },
        { code: 'TRUSTS', description: 'Trusts' },
        { code: 'EXPERT_TEAM', description: 'A team of investment, legal and accounting experts' },
      ],
      coverage: { dedicatedManager: true, team: ['INVESTMENT_EXPERT', 'LEGAL_EXPERT', 'ACCOUNTING_EXPERT'] },
    },
    // §4.2 enterprises.
    SMALL: {
      summary: 'Small-business loans with a simplified, faster approval; advisory on finance and tax',
      entitlements: [
        { code: 'SMALL_BUSINESS_LOANS', description: 'Small-business loans' },
        { code: 'SIMPLIFIED_FAST_APPROVAL', description: 'Simplified, faster loan approval' },
        { code: 'FINANCE_TAX_ADVISORY', description: 'Advisory on finance and tax' },
      ],
      coverage: { dedicatedManager: false, team: [] },
    },
    MEDIUM: {
      summary: 'Working-capital, project and trade finance; regular contact with the finance lead',
      entitlements: [
        { code: 'WORKING_CAPITAL_FINANCE', description: 'Working-capital finance' },
        { code: 'PROJECT_FINANCE', description: 'Project finance' },
        { code: 'TRADE_FINANCE', description: 'Trade finance' },
        { code: 'FINANCE_LEAD_CONTACT', description: "Regular contact with the customer's finance lead" },
      ],
      coverage: { dedicatedManager: true, team: [] },
    },
    LARGE: {
      summary: 'A dedicated relationship team, one-stop service, project financing and capital-markets services, coordination with headquarters and branches',
      entitlements: [
        { code: 'DEDICATED_RELATIONSHIP_TEAM', description: 'A dedicated relationship team' },
        { code: 'ONE_STOP_SERVICE', description: 'One-stop service' },
        { code: 'PROJECT_FINANCING', description: 'Project financing' },
        { code: 'CAPITAL_MARKETS', description: 'Capital-markets services' },
        { code: 'HQ_BRANCH_COORDINATION', description: 'Coordination with headquarters and branches' },
      ],
      coverage: { dedicatedManager: true, team: ['RELATIONSHIP_TEAM'] },
    },
  },
  onboarding: { timeZone: 'America/New_York', reviewReminderAfterBusinessDays: 2, infoReminderAfterBusinessDays: 5, infoLimitBusinessDays: 10 }, // §2.3
  staffAssessment: DEFAULT_STAFF_ASSESSMENT_POLICY, // §7.2
  reminders: { escalateAfter: 'P2D' },
  training: DEFAULT_TRAINING_POLICY, // §7.1
  security: DEFAULT_SECURITY_POLICY, // §3.1 API keys and rate limits
};

export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** Validates a policy document; the error lists every bad field as `path: reason`. */
export function parsePolicy(input: unknown): Policy {
  const result = policySchema.safeParse(input);
  if (result.success) return result.data;
  throw new PolicyError(
    `invalid policy: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
  );
}

/** The policy in force: POLICY_FILE (JSON) when set, else the defaults. */
export function loadPolicy(file: string | undefined = process.env.POLICY_FILE): Policy {
  if (!file) return parsePolicy(DEFAULT_POLICY);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PolicyError(`POLICY_FILE=${file} could not be read as JSON: ${(err as Error).message}`);
  }
  return parsePolicy(raw);
}

/** The bank's time zone: business days, due times and the times emails show. */
export const bankTimeZone = (policy: Policy): string => policy.onboarding.timeZone;

/** How long after a reminder falls due its escalation is sent. */
export function reminderEscalationDelayMs(policy: Policy): number {
  return durationMs(policy.reminders.escalateAfter);
}
