/**
 * The bank's customer management policy (../shared/policy.md) as one versioned, validated
 * configuration. Every number the rules and workflows use lives here, next to the clause that
 * sets it; nothing else in the code base carries a policy literal. A deployment may override the
 * defaults with a JSON file (POLICY_FILE); it is validated with the same schema, and its version
 * travels with every process it starts, so a running reminder keeps the terms it began under.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { durationMs, durationSchema } from './duration';

const positiveInt = z.number().int().positive();
const usd = z.number().int().nonnegative();

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
    /** §3.2 periodic review cadence. */
    review: z.strictObject({ individualEveryMonths: positiveInt, enterpriseEveryMonths: positiveInt }),
    /** §5.2 feedback response deadlines. */
    feedback: z.strictObject({
      individualResponseHours: positiveInt,
      enterpriseTargetBusinessDays: positiveInt,
      enterpriseLimitBusinessDays: positiveInt,
    }),
    /** §6.2 re-assessment cadence. */
    risk: z.strictObject({ closeMonitoringEveryMonths: positiveInt, everyoneEveryMonths: positiveInt }),
    /** Staff reminders (the mechanism behind §5.2's "reminder before the deadline, escalation at it"). */
    reminders: z.strictObject({
      /** How long a due reminder may stay unacknowledged before its escalation contact is emailed. */
      escalateAfter: durationSchema,
    }),
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
    if (p.feedback.enterpriseTargetBusinessDays > p.feedback.enterpriseLimitBusinessDays) {
      ctx.addIssue({ code: 'custom', path: ['feedback'], message: 'the target may not exceed the hard limit' });
    }
  });

export type Policy = z.infer<typeof policySchema>;

/** The defaults policy.md gives ("the default given here is ours"). */
export const DEFAULT_POLICY: Policy = {
  version: '2026.11-1',
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
  feedback: { individualResponseHours: 24, enterpriseTargetBusinessDays: 3, enterpriseLimitBusinessDays: 5 }, // §5.2
  risk: { closeMonitoringEveryMonths: 1, everyoneEveryMonths: 3 }, // §6.2
  reminders: { escalateAfter: 'P2D' },
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

/** How long after a reminder falls due its escalation is sent. */
export function reminderEscalationDelayMs(policy: Policy): number {
  return durationMs(policy.reminders.escalateAfter);
}
