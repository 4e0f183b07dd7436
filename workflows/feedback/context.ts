/**
 * What the feedback case's workflow shares: its state, the activity proxies (each with a summary in
 * the Temporal UI), steps that record a failure for good instead of jamming (issue 7), and the
 * Temporal UI's view of the case (search attributes and current details; ids, codes, instants only).
 */
import { patched, proxyActivities, proxyLocalActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { FeedbackActivities } from '../../activities/feedback';
import { SA } from '../../src/temporal/search-attributes';
import { EMAIL, LOCAL_EMAIL, RECORD } from '../activity-options';
import { failedForGood, needsAttention, NEEDS_ATTENTION } from '../needs-attention';
import { pendingSteps, type CaseState } from './definitions';

const withSummary = (summary: string, options = RECORD) => proxyActivities<FeedbackActivities>({ ...options, summary });

/**
 * Patch `feedback-local-escalation` (issue 9, the escalation benchmark): a rung's reminder or
 * escalation email runs as a local activity (workflows/activity-options.ts LOCAL_EMAIL), inside the
 * workflow task its timer wakes — no activity task to schedule, dispatch and report, and one
 * workflow task per rung instead of two, so the email leaves sooner and the server does less per
 * escalation. Its key still makes it once-only (activities/notifications.ts): a worker killed
 * mid-send is noticed when the workflow task times out and the same local activity runs again.
 * Runs that reached a rung before the patch keep the activity for it (replay).
 */
export const LOCAL_ESCALATION_PATCH = 'feedback-local-escalation';

/**
 * Patch `feedback-escalation-activity-again` (issue 9): the local escalation was slower, not faster.
 * `npm run bench:feedback -- --cases 2000` on the quiet machine (2026-12-03 22:18): escalation p99
 * 8,756 ms against raw timers 970 ms (9.03×), where the activity gave p99 1,557 ms against 761 ms
 * (2.05×) — a local activity holds its workflow task (and its slot) open for the whole send, so
 * the woken cases queued behind it (timer fired → workflow task started 1.4 s at p50, 5.8 s for the
 * slowest). New runs use the activity again; runs that took the local path keep it on replay.
 */
export const ESCALATION_ACTIVITY_AGAIN_PATCH = 'feedback-escalation-activity-again';

const escalateLocally = proxyLocalActivities<FeedbackActivities>({ ...LOCAL_EMAIL, summary: 'reminder or escalation email (§5.2)' }).escalateCase;
const escalateAsActivity = withSummary('reminder or escalation email (§5.2)', EMAIL).escalateCase;

export const acts = {
  beginCase: withSummary('assign a handler, open the task, compute the SLA (§5.2)').beginCase,
  recordCaseChange: withSummary('record the change and recompute the SLA (§5.2)', EMAIL).recordCaseChange,
  escalateCase: (...args: Parameters<FeedbackActivities['escalateCase']>) =>
    (patched(LOCAL_ESCALATION_PATCH) && !patched(ESCALATION_ACTIVITY_AGAIN_PATCH) ? escalateLocally : escalateAsActivity)(...args),
  followUpSurvey: withSummary('close the case or reopen it on a low score (§5.2)', EMAIL).followUpSurvey,
};

export interface CaseCtx {
  readonly caseNo: string;
  state: CaseState;
}

export const nowIso = () => new Date(Date.now()).toISOString();
export const msUntil = (iso: string) => Math.max(0, Date.parse(iso) - Date.now());

/** Runs one step; a failure no retry can fix is recorded once (NEEDS_ATTENTION) and yields undefined. */
export async function step<T>(ctx: CaseCtx, name: string, run: () => Promise<T>, actorStaffId?: string): Promise<T | undefined> {
  try {
    const result = await run();
    if (ctx.state?.attention?.step === name) ctx.state.attention = undefined;
    return result;
  } catch (err) {
    const failure = failedForGood(err);
    if (!failure) throw err;
    const attention = await needsAttention(name, failure, { ...(ctx.state?.customerId ? { customerId: ctx.state.customerId } : {}), ...(actorStaffId ? { actorStaffId } : {}) });
    if (ctx.state) ctx.state.attention = attention;
    return undefined;
  }
}

/** The search attributes operators query (README: "Finding a feedback case"), and the current details. */
export function reflect(ctx: CaseCtx): void {
  const s = ctx.state;
  const deadline = s.firstResponseAt ? null : (s.sla.targetAt ?? null);
  upsertSearchAttributes([
    { key: SA.ProcessKind, value: 'FEEDBACK' },
    { key: SA.CaseNo, value: s.caseNo },
    { key: SA.BusinessStatus, value: s.attention && s.status !== 'CLOSED' ? NEEDS_ATTENTION : s.status },
    { key: SA.Department, value: s.departmentCode },
    { key: SA.StaffId, value: s.handlerStaffId },
    { key: SA.CustomerId, value: s.customerId },
    { key: SA.SlaDeadline, value: deadline ? new Date(deadline) : null },
    { key: SA.EscalationLevel, value: s.escalationLevel },
    { key: SA.PolicyVersion, value: s.sla.policyVersion },
  ]);
  const next = pendingSteps(s).find((x) => x.at !== null);
  setCurrentDetails(
    [
      `**Case ${s.caseNo}** · ${s.sla.kind} · department ${s.departmentCode} · handler ${s.handlerStaffId ?? 'none yet'} · policy ${s.sla.policyVersion}`,
      `Status **${s.status}**${s.attention ? ` · NEEDS_ATTENTION (${s.attention.step}: ${s.attention.errorType})` : ''} · escalation level ${s.escalationLevel}`,
      s.firstResponseAt
        ? `First response ${s.firstResponseAt} (the response SLA is met)`
        : s.sla.paused
          ? 'Waiting on the customer: the SLA clock is paused'
          : `Target ${s.sla.targetAt} · hard limit ${s.sla.hardLimitAt} · executive ${s.sla.executiveAt}`,
      ...(next ? [`Next: ${next.kind}${next.kind === 'REMINDER' ? ` ${next.index + 1}` : ''} at ${next.at}`] : []),
      ...(s.status === 'RESOLVED' ? [`Resolved ${s.resolvedAt}; survey round ${s.round} open until ${s.surveyUntil}`] : []),
    ].join('\n\n'),
  );
}
