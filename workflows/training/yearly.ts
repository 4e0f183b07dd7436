/**
 * trainingYearCheck (§7.1 "serving staff: regular advanced courses"), started by the Temporal Schedule
 * `training-yearly` (src/training/schedule.ts) on 1 January and on the policy's reminder months: on
 * 1 January the year just ended is judged and the supervisor of each staff member who missed it is
 * told; on the other months staff behind the year's pace are reminded. One activity does the work
 * (staff are hundreds, not millions), heartbeating per staff member; every email and audit record
 * is keyed by staff member and year (and month), so a retried or re-triggered run sends nothing twice.
 *
 * `at`: the instant to judge (a backfill or a test); default the workflow's start time — for a
 * Schedule's run its scheduled time, or within the catch-up window after it, still in the same month.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { TrainingActivities } from '../../activities/training';

const { advancedTrainingCheck } = proxyActivities<TrainingActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  summary: 'yearly advanced-course check: reminders when behind, the supervisor told of a year missed (§7.1)',
});

export interface TrainingYearCheckInput {
  at?: string;
}

export async function trainingYearCheck(input: TrainingYearCheckInput = {}): Promise<{ kind: 'YEAR_END' | 'PACE'; year: number; checked: number; notified: string[] }> {
  return advancedTrainingCheck({ at: input.at ?? new Date(Date.now()).toISOString() });
}
