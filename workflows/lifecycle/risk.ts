/**
 * §6 the customer's risk, followed by its lifecycle (patch `lifecycle-risk`):
 *
 *   - the first cycle under this code assesses the customer (INITIAL) when it has no rating yet;
 *   - a change of §6.1 risk inputs (a dynamic update, new financial statements) re-assesses it at
 *     once (INPUT_CHANGE) — "at once when its inputs change";
 *   - MEDIUM/C are re-assessed monthly by this workflow's timer (MONITORING, §6.2 closer monitoring);
 *   - a quarterly or rescore portfolio run that changed the rating tells it by the `riskRated`
 *     signal (the run recorded the assessment; a re-sent signal is ignored);
 *   - a changed rating is followed (§6.2): the RiskRating search attribute, the monitoring timer, a
 *     HIGH/D investigation with its mitigation-plan reminder ladder, or — on recovery — the
 *     investigation's open tasks cancelled (the assessment lifted its measures).
 *
 * Runs begun before the patch carry no `risk` state and make none of these commands until their
 * next cycle begins under the patch (replay tests over recorded histories prove both branches).
 */
import { patched } from '@temporalio/workflow';
import type { RiskRatedInput, RiskState } from './definitions';
import { acts, type Ctx, nowIso, reflect, runLadderStep, step } from './context';

export const RISK_PATCH = 'lifecycle-risk';
/** How many followed assessment ids the state keeps (a re-sent signal comes soon after the first). */
const FOLLOWED_KEPT = 5;

const riskOf = (ctx: Ctx): RiskState => (ctx.state.risk ??= { rating: null, followed: [], inputChanges: 0 });

/** At the start of a cycle: a customer this lifecycle has not rated yet is assessed (INITIAL). */
export async function beginRisk(ctx: Ctx): Promise<void> {
  if (ctx.state.risk || !patched(RISK_PATCH)) return;
  riskOf(ctx);
  await assess(ctx, 'INITIAL', 'lifecycle:initial');
}

/** §6 risk inputs changed (noted by changes.ts): re-assessed at once. */
export async function inputsChanged(ctx: Ctx): Promise<void> {
  if (!ctx.state.risk && !patched(RISK_PATCH)) return;
  const risk = riskOf(ctx);
  risk.inputChanges += 1;
  await assess(ctx, 'INPUT_CHANGE', `lifecycle:input:${risk.inputChanges}`);
}

/** §6.2 closer monitoring fell due. */
export async function monitor(ctx: Ctx): Promise<void> {
  const risk = riskOf(ctx);
  const due = risk.nextMonitoringAt!;
  risk.nextMonitoringAt = undefined;
  await assess(ctx, 'MONITORING', `lifecycle:monitoring:${due}`);
}

/** The next step of the mitigation plan's reminder ladder (the reminder at the deadline, then the escalation). */
export async function planLadderStep(ctx: Ctx): Promise<void> {
  const investigation = ctx.state.risk!.investigation!;
  await runLadderStep(ctx, investigation.ladder!);
  if (investigation.ladder && investigation.ladder.steps.length === 0) investigation.ladder = undefined;
}

/** A portfolio run changed the rating (and recorded it): follow it, once per assessment. */
export async function riskRated(ctx: Ctx, signals: RiskRatedInput[]): Promise<void> {
  const risk = riskOf(ctx);
  for (const s of signals) {
    if (risk.followed.includes(s.assessmentId)) continue;
    risk.rating = s.rating;
    risk.assessmentId = s.assessmentId;
    await follow(ctx, s.assessmentId);
  }
}

/** The mitigation plan was recorded: its ladder stops. */
export function riskTaskDone(ctx: Ctx, taskId: string): void {
  const investigation = ctx.state?.risk?.investigation;
  if (investigation?.planTaskId === taskId) investigation.ladder = undefined;
}

async function assess(ctx: Ctx, trigger: 'INITIAL' | 'INPUT_CHANGE' | 'MONITORING', runKey: string): Promise<void> {
  const risk = riskOf(ctx);
  const out = await step(ctx, 'assessRisk', () => acts.assessRisk({ customerId: ctx.state.customerId, runKey, trigger, at: nowIso() }));
  ctx.state.riskReassessmentDueAt = undefined;
  if (!out) {
    reflect(ctx);
    return; // not APPROVED, or recorded as NEEDS_ATTENTION
  }
  risk.rating = out.rating;
  risk.assessmentId = out.assessmentId;
  risk.nextMonitoringAt = out.nextMonitoringAt ?? undefined;
  if (out.changed && !risk.followed.includes(out.assessmentId)) await follow(ctx, out.assessmentId);
  else reflect(ctx);
}

async function follow(ctx: Ctx, assessmentId: string): Promise<void> {
  const risk = riskOf(ctx);
  risk.followed = [...risk.followed, assessmentId].slice(-FOLLOWED_KEPT);
  const f = await step(ctx, 'followRiskRating', () => acts.followRiskRating({ customerId: ctx.state.customerId, workflowId: ctx.workflowId, assessmentId, at: nowIso() }));
  if (f) {
    risk.rating = f.rating;
    risk.nextMonitoringAt = f.nextMonitoringAt ?? undefined;
    risk.investigation = f.investigation
      ? {
          assessmentId: f.investigation.assessmentId,
          investigationTaskId: f.investigation.investigationTaskId,
          planTaskId: f.investigation.planTaskId,
          planDueAt: f.investigation.planDueAt,
          ...(f.investigation.ladder && f.investigation.ladder.steps.length > 0 ? { ladder: f.investigation.ladder } : {}),
        }
      : undefined;
  }
  reflect(ctx);
}
