/**
 * Use cases (§6.2 HIGH/D "investigate the cause; a targeted mitigation plan (more collateral, a
 * changed cooperation model)"): a risk officer records the cause analysis of the open investigation,
 * and the mitigation plan. POST /customers/:id/risk/investigation and /customers/:id/risk/mitigation-plan,
 * `ccm risk investigation` and `ccm risk plan`.
 *
 * - Who: RISK_OFFICER or SUPERVISOR (others 403, before anything is read).
 * - What: the customer's open RISK_INVESTIGATION (or MITIGATION_PLAN) task is closed DONE with what
 *   was recorded; none open → 409 naming what is open. Bad input → 400 naming the field; nothing written.
 * - Task and audit record (`risk.investigation.findings`, `risk.mitigation_plan.record`; codes only,
 *   the free text stays on the task) in one transaction. The plan's reminder is answered (CANCELLED
 *   before it went out, ACKNOWLEDGED after), and after the commit the customer's lifecycle is told
 *   (`riskTaskDone`) so the plan's reminder ladder stops (best effort: a ladder step finds the
 *   reminder answered and sends nothing).
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import type { StaffRole, TaskKind } from '../db/generated/client';
import { customerScope, findCustomerIn } from '../customers/access';
import { requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { ConflictError, parseInput } from '../shared/errors';
import { answerTaskReminders, closeTask, toTaskView, type TaskView } from '../tasks/tasks';
import { customerWorkflowId, riskTaskDoneSignal } from '../../workflows/lifecycle/definitions';

export const RISK_WORK_ROLES = ['RISK_OFFICER', 'SUPERVISOR'] as const satisfies readonly StaffRole[];

/** §6.2 the targeted measures a mitigation plan may take. */
export const MITIGATION_ACTIONS = ['MORE_COLLATERAL', 'CHANGED_COOPERATION_MODEL', 'REDUCED_LIMITS', 'CLOSER_MONITORING', 'EXIT_RELATIONSHIP'] as const;

const text = (max: number) => z.string({ error: 'text' }).trim().min(10, 'at least 10 characters').max(max, `at most ${max} characters`);

export const investigationInput = z.strictObject({
  /** What caused the high risk, in the officer's words. */
  causeAnalysis: text(4000),
});

export const mitigationPlanInput = z.strictObject({
  actions: z
    .array(z.enum(MITIGATION_ACTIONS, { error: `one of ${MITIGATION_ACTIONS.join(', ')}` }), { error: `a list of ${MITIGATION_ACTIONS.join(', ')}` })
    .min(1, 'at least one action')
    .refine((a) => new Set(a).size === a.length, 'each action once'),
  description: text(4000),
});

export interface RiskWorkDeps {
  db: Db;
  clock: Clock;
  temporal?: Client;
  log?: (line: string) => void;
}

async function closeRiskTask(
  deps: RiskWorkDeps,
  actor: Actor,
  customerId: string,
  kind: Extract<TaskKind, 'RISK_INVESTIGATION' | 'MITIGATION_PLAN'>,
  outcome: Record<string, unknown>,
  audit: { action: 'risk.investigation.findings' | 'risk.mitigation_plan.record'; changes: Record<string, { before: unknown; after: unknown }> },
  ctx: { requestId?: string },
): Promise<TaskView> {
  const at = deps.clock.now();
  const task = await deps.db.$transaction(async (tx) => {
    await findCustomerIn(tx, customerId, customerScope(actor));
    const open = await tx.task.findFirst({ where: { customerId, kind, status: 'OPEN' }, orderBy: { createdAt: 'asc' } });
    if (!open) {
      const others = await tx.task.findMany({ where: { customerId, kind: { in: ['RISK_INVESTIGATION', 'MITIGATION_PLAN'] }, status: 'OPEN' }, select: { id: true } });
      throw new ConflictError(`customer ${customerId} has no open ${kind} task (§6.2: one is opened when the rating becomes HIGH or D)${others.length ? `; open: ${others.map((o) => o.id).join(', ')}` : ''}`);
    }
    if (!(await closeTask(tx, { id: open.id, status: 'DONE', at, byStaffId: actor.staffId, outcome: { ...outcome, recordedByStaffId: actor.staffId } }))) {
      throw new ConflictError(`task ${open.id} was closed meanwhile`);
    }
    await answerTaskReminders(tx, open.id, actor.staffId, at);
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: audit.action,
      entity: 'Task',
      entityId: open.id,
      customerId,
      changes: { status: { before: 'OPEN', after: 'DONE' }, ...audit.changes },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return tx.task.findUniqueOrThrow({ where: { id: open.id } });
  });
  if (kind === 'MITIGATION_PLAN' && deps.temporal) {
    try {
      await deps.temporal.workflow.getHandle(customerWorkflowId(customerId)).signal(riskTaskDoneSignal, { taskId: task.id });
    } catch (err) {
      deps.log?.(`mitigation plan ${task.id} recorded but customer ${customerId}'s lifecycle was not told (${(err as Error).name}); its next ladder step finds the reminder answered`);
    }
  }
  return toTaskView(task, at);
}

/** §6.2 the cause analysis of the open risk investigation. */
export async function recordInvestigation(deps: RiskWorkDeps, actor: Actor, customerId: string, body: unknown, ctx: { requestId?: string } = {}): Promise<TaskView> {
  requireRole(actor, ...RISK_WORK_ROLES);
  const input = parseInput(investigationInput, body);
  return closeRiskTask(deps, actor, customerId, 'RISK_INVESTIGATION', { causeAnalysis: input.causeAnalysis }, { action: 'risk.investigation.findings', changes: { causeAnalysis: { before: null, after: 'recorded' } } }, ctx);
}

/** §6.2 the targeted mitigation plan. */
export async function recordMitigationPlan(deps: RiskWorkDeps, actor: Actor, customerId: string, body: unknown, ctx: { requestId?: string } = {}): Promise<TaskView> {
  requireRole(actor, ...RISK_WORK_ROLES);
  const input = parseInput(mitigationPlanInput, body);
  return closeRiskTask(
    deps,
    actor,
    customerId,
    'MITIGATION_PLAN',
    { actions: input.actions, description: input.description },
    { action: 'risk.mitigation_plan.record', changes: { actions: { before: null, after: input.actions } } },
    ctx,
  );
}
