/**
 * The rules of §7.1 staff training (issue 11): when each module of a course begins, is reminded, falls
 * due and becomes overdue; how the foundation course's modules spread over its weeks; and the §7.1
 * yearly requirement of advanced courses for serving staff — what a year requires, whether a staff
 * member is behind the year's pace, and whether a year was missed.
 *
 * Pure and deterministic, no Node built-ins, no clock: every instant is an argument and every number
 * comes from the `policy` argument (policy.training), so activities and tests compute the same dates.
 * Calendar days and local times are in the bank's time zone (`policy.onboarding.timeZone`, as
 * policy.ts `bankTimeZone`; only its types are imported here, as in lifecycle-schedule.ts).
 */
import { calendarDateIn, isIsoDate, zonedDateTimeToInstant } from './business-calendar';
import { parseDurationMs } from '../policy/duration';
import type { Policy } from '../policy/policy';

const DAY_MS = 86_400_000;

/** §7.1 the foundation course's subjects. */
export const FOUNDATION_TOPICS = ['CLASSIFICATION_IDENTIFICATION', 'INFORMATION_MANAGEMENT', 'SERVICE_STANDARDS'] as const;
/** §7.1 the advanced courses' subjects. */
export const ADVANCED_TOPICS = ['NEW_PRODUCTS', 'SERVICE_SKILLS', 'RISK_STRATEGY'] as const;
export const TRAINING_DELIVERIES = ['LECTURE', 'CASE_STUDY', 'SIMULATION'] as const;
export const TRAINING_PROVIDERS = ['INTERNAL', 'EXTERNAL'] as const;
export type TrainingDelivery = (typeof TRAINING_DELIVERIES)[number];

/** The code of the one foundation programme (seeded from the policy, src/training/programmes.ts). */
export const FOUNDATION_CODE = 'FOUNDATION';

/** What the schedule needs of a module. */
export interface ModuleTiming {
  code: string;
  /** First week of the course it runs in (1-based) … */
  week: number;
  /** … and for how many weeks. */
  weeks: number;
}

export interface ModuleSchedule {
  code: string;
  /** Its first session: the first day of its first week at training.moduleStartLocalTime. */
  opensAt: Date;
  /** The trainee and their manager are reminded: training.remindBefore before it opens. */
  remindAt: Date;
  /** Due: the last day of its last week at training.moduleDueLocalTime. */
  dueAt: Date;
  /** Overdue (escalated to the manager): training.overdueAfter after it was due. */
  overdueAt: Date;
}

/** `date` (YYYY-MM-DD) plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  if (!isIsoDate(date)) throw new RangeError(`not a date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

const ms = (duration: string): number => {
  const v = parseDurationMs(duration);
  if (v === undefined) throw new RangeError(`not a duration: ${duration}`);
  return v;
};

/**
 * §7.1 the module schedule of a course that starts on `startsOn` (its first day, bank time zone): week
 * n of the course is days 7(n−1) … 7n−1 after it. A module of weeks [w, w+k−1] opens on the first day
 * of week w and is due on the last day of week w+k−1.
 */
export function moduleSchedule(startsOn: string, modules: readonly ModuleTiming[], policy: Policy): ModuleSchedule[] {
  const t = policy.training;
  const tz = policy.onboarding.timeZone;
  return modules.map((m) => {
    if (!Number.isInteger(m.week) || m.week < 1 || !Number.isInteger(m.weeks) || m.weeks < 1) throw new RangeError(`module ${m.code}: week and weeks must be whole numbers ≥ 1`);
    const opensAt = zonedDateTimeToInstant(addDays(startsOn, (m.week - 1) * 7), t.moduleStartLocalTime, tz);
    const dueAt = zonedDateTimeToInstant(addDays(startsOn, (m.week - 1 + m.weeks) * 7 - 1), t.moduleDueLocalTime, tz);
    return {
      code: m.code,
      opensAt,
      remindAt: new Date(opensAt.getTime() - ms(t.remindBefore)),
      dueAt,
      overdueAt: new Date(dueAt.getTime() + ms(t.overdueAfter)),
    };
  });
}

/** A module is overdue from its overdueAt on (inclusive) while it is not done. */
export function isModuleOverdue(m: { overdueAt: Date; done: boolean }, now: Date): boolean {
  return !m.done && now.getTime() >= m.overdueAt.getTime();
}

/** Why a module layout does not fit a course of `courseWeeks` (field, value, reason), or [] when it does. */
export function moduleLayoutIssues(courseWeeks: number, modules: readonly ModuleTiming[]): { field: string; value: unknown; reason: string }[] {
  const issues: { field: string; value: unknown; reason: string }[] = [];
  const seen = new Set<string>();
  modules.forEach((m, i) => {
    if (seen.has(m.code)) issues.push({ field: `modules.${i}.code`, value: m.code, reason: 'each module code once' });
    seen.add(m.code);
    const last = m.week + m.weeks - 1;
    if (last > courseWeeks) issues.push({ field: `modules.${i}.week`, value: m.week, reason: `the module runs to week ${last}, after the course's last week ${courseWeeks}` });
  });
  return issues;
}

/** Whether a score passes an assessed module: at least its own pass score, else the policy's. */
export function passes(score: number, module: { passScore?: number | null }, policy: Policy): boolean {
  return score >= (module.passScore ?? policy.training.passScore);
}

/**
 * §7.1 the foundation course's modules (classification and identification, information management,
 * service standards — by lecture, case study and simulation), spread over the policy's weeks: module
 * i of n runs weeks ⌊i·W/n⌋+1 … ⌊(i+1)·W/n⌋ (at least one week each; a course of fewer weeks than
 * modules runs several in a week).
 */
export function foundationModules(policy: Policy): { code: string; title: string; topic: string; delivery: TrainingDelivery; week: number; weeks: number; assessed: boolean }[] {
  const W = policy.training.foundation.weeks;
  const plan = [
    { code: 'CLASSIFICATION_IDENTIFICATION', title: 'Customer classification and identification (§2)', topic: 'CLASSIFICATION_IDENTIFICATION', delivery: 'LECTURE' as const, assessed: false },
    { code: 'INFORMATION_MANAGEMENT', title: 'Customer information management and security (§3)', topic: 'INFORMATION_MANAGEMENT', delivery: 'CASE_STUDY' as const, assessed: true },
    { code: 'SERVICE_STANDARDS', title: 'Service standards by segment, contact and complaints (§4, §5)', topic: 'SERVICE_STANDARDS', delivery: 'SIMULATION' as const, assessed: true },
  ];
  const n = plan.length;
  return plan.map((m, i) => {
    const first = Math.min(W, Math.floor((i * W) / n) + 1);
    const last = Math.max(first, Math.floor(((i + 1) * W) / n));
    return { ...m, week: first, weeks: last - first + 1 };
  });
}

// ─────────────────────────── §7.1 advanced courses each year ───────────────────────────

/** The calendar year (bank time zone) an instant falls in. */
export function trainingYearOf(instant: Date, policy: Policy): number {
  return Number(calendarDateIn(instant, policy.onboarding.timeZone).slice(0, 4));
}

/**
 * §7.1 how many advanced courses a staff member owes for `year`: the policy's perYear when they were
 * serving (foundation complete) before the year began; for one who qualified during the year, the
 * share of the months left after the month they qualified, rounded down; none before they qualify.
 */
export function advancedRequired(year: number, servingSince: Date | null, policy: Policy): number {
  const perYear = policy.training.advanced.perYear;
  if (!servingSince) return 0;
  const since = calendarDateIn(servingSince, policy.onboarding.timeZone);
  const sinceYear = Number(since.slice(0, 4));
  if (sinceYear < year) return perYear;
  if (sinceYear > year) return 0;
  const monthsLeft = 12 - Number(since.slice(5, 7));
  return Math.floor((perYear * monthsLeft) / 12);
}

/**
 * §7.1 "reminders when behind": on the first day of `month` (2–12) the year's pace asks for
 * ⌈required · (month − 1) / 12⌉ courses done; fewer is behind. (Rounded up, so someone one course
 * short with a quarter left is still reminded.)
 */
export function advancedExpectedBy(month: number, required: number): number {
  if (!Number.isInteger(month) || month < 1 || month > 12) throw new RangeError(`month must be 1–12, got ${month}`);
  return Math.min(required, Math.ceil((required * (month - 1)) / 12));
}

export function isBehind(month: number, required: number, completed: number): boolean {
  return completed < advancedExpectedBy(month, required);
}

/** §7.1 a year is missed when fewer advanced courses were completed in it than it required. */
export function yearMissed(required: number, completed: number): boolean {
  return completed < required;
}

/**
 * What the yearly check does at `at` (a Schedule run, bank time zone): on 1 January the year just
 * ended is judged (its supervisor told when missed); on another checkpoint month staff behind the
 * current year's pace are reminded.
 */
export function yearlyCheckAt(at: Date, policy: Policy): { kind: 'YEAR_END'; year: number } | { kind: 'PACE'; year: number; month: number } {
  const date = calendarDateIn(at, policy.onboarding.timeZone);
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  return month === 1 ? { kind: 'YEAR_END', year: year - 1 } : { kind: 'PACE', year, month };
}

/** The instants (bank time zone) a calendar year spans: [start, end). */
export function yearBounds(year: number, policy: Policy): { start: Date; end: Date } {
  const tz = policy.onboarding.timeZone;
  const pad = (y: number) => String(y).padStart(4, '0');
  return { start: zonedDateTimeToInstant(`${pad(year)}-01-01`, '00:00', tz), end: zonedDateTimeToInstant(`${pad(year + 1)}-01-01`, '00:00', tz) };
}
