/**
 * §7.1 "serving staff: regular advanced courses": the Temporal Schedule `training-yearly` that starts
 * the yearly check (workflows/training/yearly.ts) on 1 January (the year just ended: a supervisor is
 * told of each staff member who missed it) and on the first day of each of the policy's
 * `training.advanced.reminderMonths` (staff behind the year's pace are reminded), at
 * `training.advanced.checkLocalTime` in the bank's time zone. The patterns of src/risk/schedule.ts.
 *
 * Why a Schedule and not the training workflow's timers: the requirement is per staff member and
 * calendar year, for as long as they serve — decades — while a training workflow lives for one course
 * and ends with its certificate. A timer per staff member would need an entity workflow per person
 * that never ends, for a check that is the same for everyone on the same days; one Schedule makes
 * one visible run per checkpoint that operators can pause, trigger and backfill, and a run judges
 * everyone from the database (certificates are the truth) with keyed emails and audit records, so a
 * re-run or backfill never tells anyone twice.
 *
 * Policies, as the risk Schedule: overlap BUFFER_ONE (never two checks at once, never one dropped),
 * catch-up window 30 days (an outage over 1 January still judges the year, within January), a failed
 * run does not pause it. `ccm training schedule ensure` creates or updates it (keeping a pause).
 */
import type { Client, ScheduleOptionsAction, ScheduleSpec } from '@temporalio/client';
import { bankTimeZone, type Policy } from '../policy/policy';
import { SA } from '../temporal/search-attributes';
import { existingSchedule, scheduleView, upsertSchedule, type ScheduleView } from '../temporal/schedules';
import { trainingYearCheck } from '../../workflows/training/yearly';

export const TRAINING_SCHEDULE_ID = 'training-yearly';

const MONTHS = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'] as const;

/** §7.1 the calendar: day 1 of January and of each reminder month, at the check's local time, in the bank's time zone. */
export function yearlySpec(policy: Policy): ScheduleSpec {
  const a = policy.training.advanced;
  const [hour, minute] = a.checkLocalTime.split(':').map(Number) as [number, number];
  const months = [1, ...a.reminderMonths].sort((x, y) => x - y).map((m) => MONTHS[m - 1]!);
  return {
    calendars: [{ comment: `§7.1 day 1 of ${months.join(', ')} at ${a.checkLocalTime} (January: the year just ended)`, month: months, dayOfMonth: 1, hour, minute, second: 0 }],
    timezone: bankTimeZone(policy),
  };
}

function action(taskQueue: string, scheduleId: string): ScheduleOptionsAction {
  return {
    type: 'startWorkflow',
    workflowType: trainingYearCheck,
    workflowId: `training-check-${scheduleId.replace(/^training-/, '')}`,
    taskQueue,
    args: [{}],
    typedSearchAttributes: [{ key: SA.ProcessKind, value: 'TRAINING_YEARLY' }],
    staticSummary: '§7.1 advanced courses: reminders when behind the year, the supervisor told of a year missed',
    staticDetails: 'One activity over the serving staff: certificates of the year against the policy\'s training.advanced.perYear.',
  };
}

export interface TrainingScheduleView extends ScheduleView {
  outcome?: 'CREATED' | 'UPDATED';
}

async function describe(client: Client, scheduleId: string): Promise<TrainingScheduleView> {
  return scheduleView(scheduleId, await (await existingSchedule(client, scheduleId, 'ccm training schedule ensure')).describe());
}

/** Creates the Schedule, or brings an existing one to this spec and action (keeping a pause). Idempotent. */
export async function ensureTrainingSchedule(client: Client, s: { policy: Policy; taskQueue: string; scheduleId?: string; spec?: ScheduleSpec }): Promise<TrainingScheduleView> {
  const scheduleId = s.scheduleId ?? TRAINING_SCHEDULE_ID;
  const outcome = await upsertSchedule(client, { scheduleId, spec: s.spec ?? yearlySpec(s.policy), action: action(s.taskQueue, scheduleId), note: 'created by ccm training schedule ensure (§7.1)' });
  return { ...(await describe(client, scheduleId)), outcome };
}

export const describeTrainingSchedule = (client: Client, scheduleId = TRAINING_SCHEDULE_ID) => describe(client, scheduleId);

/** Runs the check now, as the Schedule would. */
export async function triggerTrainingSchedule(client: Client, scheduleId = TRAINING_SCHEDULE_ID): Promise<void> {
  await describe(client, scheduleId);
  await client.schedule.getHandle(scheduleId).trigger();
}
