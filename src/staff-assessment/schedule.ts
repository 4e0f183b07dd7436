/**
 * §7.2 "Assessed each quarter … and each year": two Temporal Schedules, in the bank's time zone
 * (`onboarding.timeZone`), at `staffAssessment.runLocalTime` (default 03:00 — after the risk run's 02:00):
 *
 *   staff-assessment-quarterly  day 1 of January, April, July, October: the quarter just ended
 *   staff-assessment-annual     1 January: the year just ended
 *
 * Each starts the thin workflow staffAssessmentScheduled (workflows/staff-assessment/run.ts), which
 * finds the period just ended and starts its run `staff-assessment-<period>` once (a run of that
 * period that exists already — a trigger, a backfill, a supervisor's run — is left as it is).
 *
 * Policies, the same for every Schedule of the product (src/temporal/schedules.ts): overlap BUFFER_ONE
 * (never two starters at once, never a period dropped), catch-up window 30 days (an outage over the
 * firing still runs the period when Temporal is back), a failure does not pause the Schedule.
 * Operators pause, resume and trigger with `ccm staff-assessment schedule …` or from the Temporal UI
 * (which also backfills); `ensure` creates or updates both (idempotent, keeps a pause).
 */
import type { Client, ScheduleOptionsAction, ScheduleSpec } from '@temporalio/client';
import { bankTimeZone, type Policy } from '../policy/policy';
import { SA } from '../temporal/search-attributes';
import { existingSchedule, scheduleView, upsertSchedule, type ScheduleView } from '../temporal/schedules';
import { staffAssessmentScheduled } from '../../workflows/staff-assessment/run';
import { scheduledStarterId } from '../../workflows/staff-assessment/definitions';
import type { PeriodKind } from './codes';

export const STAFF_SCHEDULE_IDS: Record<PeriodKind, string> = { QUARTER: 'staff-assessment-quarterly', YEAR: 'staff-assessment-annual' };

const QUARTER_MONTHS = ['JANUARY', 'APRIL', 'JULY', 'OCTOBER'] as const;

/** §7.2 the calendar of `kind` at the policy's local time, in the bank's time zone. */
export function staffScheduleSpec(kind: PeriodKind, policy: Policy): ScheduleSpec {
  const time = policy.staffAssessment.runLocalTime;
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const months = kind === 'QUARTER' ? [...QUARTER_MONTHS] : (['JANUARY'] as const);
  return {
    calendars: [{ comment: `§7.2 ${kind === 'QUARTER' ? 'the quarter just ended' : 'the year just ended'}: day 1 of ${months.join(', ')} at ${time}`, month: [...months], dayOfMonth: 1, hour, minute, second: 0 }],
    timezone: bankTimeZone(policy),
  };
}

export interface StaffScheduleSetup {
  policy: Policy;
  taskQueue: string;
  /** Tests use their own ids (the dev server is shared) and a short interval. */
  scheduleIds?: Partial<Record<PeriodKind, string>>;
  specs?: Partial<Record<PeriodKind, ScheduleSpec>>;
}

const idOf = (kind: PeriodKind, s?: Pick<StaffScheduleSetup, 'scheduleIds'>) => s?.scheduleIds?.[kind] ?? STAFF_SCHEDULE_IDS[kind];

function action(kind: PeriodKind, s: StaffScheduleSetup): ScheduleOptionsAction {
  return {
    type: 'startWorkflow',
    workflowType: staffAssessmentScheduled,
    workflowId: scheduledStarterId(kind),
    taskQueue: s.taskQueue,
    args: [{ kind }],
    typedSearchAttributes: [{ key: SA.ProcessKind, value: 'STAFF_ASSESSMENT' }],
    staticSummary: `§7.2 ${kind === 'QUARTER' ? 'quarterly' : 'annual'} staff assessment: starts the run of the period just ended`,
  };
}

export interface EnsureResult {
  scheduleId: string;
  outcome: 'CREATED' | 'UPDATED';
  paused: boolean;
  timezone: string | undefined;
  nextRuns: string[];
}

/** Creates both Schedules, or brings existing ones to this spec, action and policies (keeping a pause). Idempotent. */
export async function ensureStaffSchedules(client: Client, s: StaffScheduleSetup): Promise<EnsureResult[]> {
  const results: EnsureResult[] = [];
  for (const kind of ['QUARTER', 'YEAR'] as const) {
    const scheduleId = idOf(kind, s);
    const spec = s.specs?.[kind] ?? staffScheduleSpec(kind, s.policy);
    const outcome = await upsertSchedule(client, { scheduleId, spec, action: action(kind, s), note: 'created by ccm staff-assessment schedule ensure (§7.2)' });
    const d = await client.schedule.getHandle(scheduleId).describe();
    results.push({ scheduleId, outcome, paused: d.state.paused, timezone: d.spec.timezone, nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()) });
  }
  return results;
}

const handleOf = (client: Client, scheduleId: string) => existingSchedule(client, scheduleId, 'ccm staff-assessment schedule ensure');

export async function pauseStaffSchedule(client: Client, kind: PeriodKind, note: string): Promise<void> {
  await (await handleOf(client, idOf(kind))).pause(note);
}

export async function resumeStaffSchedule(client: Client, kind: PeriodKind, note: string): Promise<void> {
  await (await handleOf(client, idOf(kind))).unpause(note);
}

/** Fires now, as the Schedule would: the run of the period just ended (left as it is when it exists). */
export async function triggerStaffSchedule(client: Client, kind: PeriodKind): Promise<void> {
  await (await handleOf(client, idOf(kind))).trigger();
}

export type StaffScheduleView = ScheduleView;

export async function describeStaffSchedule(client: Client, kind: PeriodKind, scheduleId = idOf(kind)): Promise<StaffScheduleView> {
  return scheduleView(scheduleId, await (await handleOf(client, scheduleId)).describe());
}
