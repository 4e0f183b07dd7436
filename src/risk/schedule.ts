/**
 * §6 "Every customer's risk is re-assessed every quarter": the Temporal Schedule `risk-quarterly`
 * that starts the portfolio run (workflows/risk/portfolio.ts) on the first day of every quarter
 * (`risk.everyoneEveryMonths` = 3 → 1 January, April, July, October) at `risk.portfolioRunLocalTime`
 * (default 02:00) in the bank's time zone (`onboarding.timeZone`) — the calendar is the server's
 * (its tz data), so a daylight-saving change never moves the run off 02:00 local.
 *
 * Policies, chosen deliberately:
 * - overlap BUFFER_ONE: never two runs at once (they would lock the same customers, page for page),
 *   and never a quarter dropped — a run still going when the next falls due (a stuck worker, an
 *   outage) has the next one start as soon as it ends. SKIP would lose that quarter; ALLOW_ALL would
 *   run both over each other. More than one waiting is pointless: the latest run assesses everyone.
 * - catch-up window 30 days: a Temporal outage over a quarter start still runs that quarter when the
 *   server is back (within the quarter's first month); older misses are for an operator's backfill.
 * - a failed run does not pause the Schedule (pauseOnFailure false): the next quarter must run; the
 *   failure shows on the run (BusinessStatus FAILED, RiskPortfolioRun FAILED).
 * - backfills buffer ALL: every missed quarter of the range runs, one after another.
 *
 * Operators pause, resume, trigger and backfill from the Temporal UI (Schedules → risk-quarterly) or
 * with `ccm risk schedule …` (src/cli/risk-portfolio.ts); `ensure` creates or updates it (idempotent,
 * it keeps a pause).
 */
import { ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleOptionsAction, type ScheduleSpec } from '@temporalio/client';
import { bankTimeZone, type Policy } from '../policy/policy';
import { SA } from '../temporal/search-attributes';
import { existingSchedule, scheduleView, upsertSchedule, type ScheduleView } from '../temporal/schedules';
import { riskPortfolio } from '../../workflows/risk/portfolio';
import { PORTFOLIO_PREFIX, type PortfolioInput } from '../../workflows/risk/definitions';
import { ValidationError } from '../shared/errors';

export const RISK_SCHEDULE_ID = 'risk-quarterly';

/** The Schedule's id (tests use their own: the dev server is shared). */
export const riskScheduleId = (suffix?: string) => (suffix ? `${RISK_SCHEDULE_ID}-${suffix}` : RISK_SCHEDULE_ID);

/** The id of the workflows the Schedule starts; Temporal appends each run's scheduled time (…-2027-01-01T07:00:00Z). */
export const scheduledWorkflowIdPrefix = (scheduleId: string) => `${PORTFOLIO_PREFIX}${scheduleId.replace(/^risk-/, '')}`;

export const DEFAULT_RUN_LOCAL_TIME = '02:00';

const MONTHS = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'] as const;

/** §6 the calendar: the first day of each period of risk.everyoneEveryMonths at the policy's local time, in the bank's time zone. */
export function quarterlySpec(policy: Policy): ScheduleSpec {
  const every = policy.risk.everyoneEveryMonths;
  if (12 % every !== 0) {
    throw new ValidationError([{ field: 'risk.everyoneEveryMonths', value: every, reason: 'must divide 12 (1, 2, 3, 4, 6 or 12) for a calendar Schedule' }]);
  }
  const [hour, minute] = (policy.risk.portfolioRunLocalTime ?? DEFAULT_RUN_LOCAL_TIME).split(':').map(Number) as [number, number];
  const months = MONTHS.filter((_, i) => i % every === 0);
  return {
    calendars: [{ comment: `§6 every ${every} months: day 1 of ${months.join(', ')} at ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`, month: [...months], dayOfMonth: 1, hour, minute, second: 0 }],
    timezone: bankTimeZone(policy),
  };
}

export interface RiskScheduleSetup {
  policy: Policy;
  /** TASK_QUEUE: the portfolio workflow's own (a few tasks per page). */
  taskQueue: string;
  /** RISK_TASK_QUEUE: its page activities, on the risk worker. */
  activityTaskQueue: string;
  /** Default RISK_SCHEDULE_ID. */
  scheduleId?: string;
  /** Default quarterlySpec(policy); tests inject a short interval. */
  spec?: ScheduleSpec;
  /** Passed to every run (default the workflow's: 1000 customers per page, one lane). */
  pageSize?: number;
  lanes?: number;
}

function action(s: RiskScheduleSetup, scheduleId: string): ScheduleOptionsAction {
  const args: PortfolioInput = {
    kind: 'QUARTERLY',
    activityTaskQueue: s.activityTaskQueue,
    ...(s.pageSize !== undefined ? { pageSize: s.pageSize } : {}),
    ...(s.lanes !== undefined ? { lanes: s.lanes } : {}),
  };
  return {
    type: 'startWorkflow',
    workflowType: riskPortfolio,
    workflowId: scheduledWorkflowIdPrefix(scheduleId),
    taskQueue: s.taskQueue,
    args: [args],
    typedSearchAttributes: [{ key: SA.ProcessKind, value: 'RISK_PORTFOLIO' }],
    staticSummary: '§6 quarterly risk re-assessment of every APPROVED customer',
    staticDetails: 'Pages through the portfolio by customer id on the risk task queue; query `progress`, or `ccm risk progress <workflowId>`.',
  };
}

export interface EnsureResult {
  scheduleId: string;
  outcome: 'CREATED' | 'UPDATED';
  paused: boolean;
  timezone: string | undefined;
  nextRuns: string[];
}

/** Creates the Schedule, or brings an existing one to this spec, action and policies (keeping a pause). Idempotent. */
export async function ensureRiskSchedule(client: Client, s: RiskScheduleSetup): Promise<EnsureResult> {
  const scheduleId = s.scheduleId ?? RISK_SCHEDULE_ID;
  const outcome = await upsertSchedule(client, { scheduleId, spec: s.spec ?? quarterlySpec(s.policy), action: action(s, scheduleId), note: 'created by ccm risk schedule ensure (§6)' });
  const d = await client.schedule.getHandle(scheduleId).describe();
  return { scheduleId, outcome, paused: d.state.paused, timezone: d.spec.timezone, nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()) };
}

const handleOf = (client: Client, scheduleId: string) => existingSchedule(client, scheduleId, 'ccm risk schedule ensure');

export async function pauseRiskSchedule(client: Client, note: string, scheduleId = RISK_SCHEDULE_ID): Promise<void> {
  await (await handleOf(client, scheduleId)).pause(note);
}

export async function resumeRiskSchedule(client: Client, note: string, scheduleId = RISK_SCHEDULE_ID): Promise<void> {
  await (await handleOf(client, scheduleId)).unpause(note);
}

/** Starts a run now, as the Schedule would (its overlap policy: buffered behind a running one). */
export async function triggerRiskSchedule(client: Client, scheduleId = RISK_SCHEDULE_ID): Promise<void> {
  await (await handleOf(client, scheduleId)).trigger();
}

/** The runs the Schedule would have started in [from, to) — quarters missed — one after another (BUFFER_ALL). */
export async function backfillRiskSchedule(client: Client, range: { from: Date; to: Date }, scheduleId = RISK_SCHEDULE_ID): Promise<void> {
  const issues = [];
  if (Number.isNaN(range.from.getTime())) issues.push({ field: 'from', value: String(range.from), reason: 'not a date' });
  if (Number.isNaN(range.to.getTime())) issues.push({ field: 'to', value: String(range.to), reason: 'not a date' });
  else if (!issues.length && range.to <= range.from) issues.push({ field: 'to', value: range.to.toISOString(), reason: 'must be after from' });
  if (issues.length) throw new ValidationError(issues);
  await (await handleOf(client, scheduleId)).backfill({ start: range.from, end: range.to, overlap: ScheduleOverlapPolicy.BUFFER_ALL });
}

export interface RiskScheduleView extends ScheduleView {
  overlap: string;
  catchupWindowMs: number;
  running: string[];
}

export async function describeRiskSchedule(client: Client, scheduleId = RISK_SCHEDULE_ID): Promise<RiskScheduleView> {
  const d: ScheduleDescription = await (await handleOf(client, scheduleId)).describe();
  return {
    ...scheduleView(scheduleId, d),
    overlap: String(d.policies.overlap),
    catchupWindowMs: d.policies.catchupWindow,
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
  };
}
