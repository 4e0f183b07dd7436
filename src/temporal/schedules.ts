/**
 * The product's Temporal Schedules — §6 `risk-quarterly` (src/risk/schedule.ts), §7.1 `training-yearly`
 * (src/training/schedule.ts), §7.2 `staff-assessment-quarterly|annual` (src/staff-assessment/schedule.ts)
 * — are created, kept and shown alike; each module says only its calendar and its action:
 *
 *   - overlap BUFFER_ONE: never two runs of one Schedule at once, and none dropped (a late one waits);
 *   - a catch-up window of 30 days: a Temporal outage over a run's time still runs it when the
 *     server is back, older misses are an operator's backfill;
 *   - no pause on failure: a failed run shows on its workflow, and the next period must still run;
 *   - `ensure` is idempotent: it creates the Schedule or brings it to this spec and action, and keeps
 *     an operator's pause.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptionsAction,
  type ScheduleSpec,
} from '@temporalio/client';
import { NotFoundError } from '../shared/errors';

export const SCHEDULE_CATCHUP_WINDOW = '30 days' as const;

export const SCHEDULE_POLICIES = { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: SCHEDULE_CATCHUP_WINDOW, pauseOnFailure: false } as const;

/** Creates the Schedule, or brings an existing one to this spec, action and policies (keeping a pause). */
export async function upsertSchedule(
  client: Client,
  s: { scheduleId: string; spec: ScheduleSpec; action: ScheduleOptionsAction; note: string },
): Promise<'CREATED' | 'UPDATED'> {
  try {
    await client.schedule.create({ scheduleId: s.scheduleId, spec: s.spec, action: s.action, policies: SCHEDULE_POLICIES, state: { note: s.note } });
    return 'CREATED';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(s.scheduleId).update((prev) => ({ ...prev, spec: s.spec, action: s.action, policies: SCHEDULE_POLICIES }));
    return 'UPDATED';
  }
}

/** The handle of a Schedule that exists; otherwise a NotFoundError naming the command that creates it. */
export async function existingSchedule(client: Client, scheduleId: string, ensureCommand: string): Promise<ScheduleHandle> {
  const handle = client.schedule.getHandle(scheduleId);
  try {
    await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new NotFoundError(`schedule ${scheduleId} does not exist: run \`${ensureCommand}\` first`);
    throw err;
  }
  return handle;
}

export interface ScheduleView {
  scheduleId: string;
  paused: boolean;
  note: string | undefined;
  timezone: string | undefined;
  /** Each calendar's comment (the plain-words rule) or its spec, and any intervals. */
  calendar: string[];
  nextRuns: string[];
  recentRuns: { scheduledAt: string; workflowId: string }[];
}

/** What an operator reads of a Schedule (`ccm … schedule show`). */
export function scheduleView(scheduleId: string, d: ScheduleDescription): ScheduleView {
  return {
    scheduleId,
    paused: d.state.paused,
    note: d.state.note,
    timezone: d.spec.timezone,
    calendar: [...(d.spec.calendars ?? []).map((c) => c.comment ?? JSON.stringify(c)), ...(d.spec.intervals ?? []).map((i) => `every ${JSON.stringify(i.every)}`)],
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId })),
  };
}
