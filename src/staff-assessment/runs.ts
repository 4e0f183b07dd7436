/**
 * Use case (§7.2): POST /reports/staff/runs { period } — a SUPERVISOR starts the period's run now, as
 * the Schedules would (workflow `staff-assessment-<period>`: every assessed staff member's record,
 * for a quarter the managers' guidance tasks and reminders, then the result emails). A period still
 * in progress is assessed as far as it has gone. One run per period: a run in progress is answered
 * as it is (`RUNNING`); a period whose run has ended → 409 (recompute it instead: POST /reports/staff/recompute).
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { z } from 'zod';
import { bankTimeZone, type Policy } from '../policy/policy';
import type { Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { ConflictError, parseInput } from '../shared/errors';
import { SA } from '../temporal/search-attributes';
import { staffAssessment } from '../../workflows/staff-assessment/run';
import { runStateQuery, staffAssessmentWorkflowId, type StaffAssessmentState } from '../../workflows/staff-assessment/definitions';
import { periodField, requireSupervisor } from './access';

export const startRunInput = z.strictObject({ period: z.string({ error: 'a quarter YYYY-Qn (e.g. 2026-Q4) or a year YYYY' }) });

export interface RunStarted {
  workflowId: string;
  period: string;
  status: 'STARTED' | 'RUNNING';
}

export async function startAssessmentRun(deps: { temporal: Client; taskQueue: string; policy: Policy; clock: Clock }, actor: Actor, body: unknown): Promise<RunStarted> {
  requireSupervisor(actor);
  const input = parseInput(startRunInput, body ?? {});
  const period = periodField(input.period, 'period', bankTimeZone(deps.policy), deps.clock.now());
  const workflowId = staffAssessmentWorkflowId(period.id);
  const ended = () => new ConflictError(`the ${period.id} run (${workflowId}) has ended: recompute the period instead (POST /reports/staff/recompute)`);
  const existing = await deps.temporal.workflow.getHandle(workflowId).describe().catch((err: unknown) => {
    if ((err as Error).name === 'WorkflowNotFoundError') return undefined;
    throw err;
  });
  if (existing) {
    if (existing.status.name === 'RUNNING') return { workflowId, period: period.id, status: 'RUNNING' };
    throw ended();
  }
  try {
    await deps.temporal.workflow.start(staffAssessment, {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [{ period: period.id, startedByStaffId: actor.staffId }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [{ key: SA.ProcessKind, value: 'STAFF_ASSESSMENT' }],
      staticSummary: `§7.2 staff assessment of ${period.id}, started by ${actor.staffId}`,
      staticDetails: 'Assesses every assessed staff member from the system’s data; a quarter waits for the managers’ guidance notes, then emails each result. Query `state`.',
    });
    return { workflowId, period: period.id, status: 'STARTED' };
  } catch (err) {
    // Started meanwhile by the Schedule or another supervisor.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, period: period.id, status: 'RUNNING' };
    throw err;
  }
}

/** A run's state (the workflow's `state` query). */
export async function runState(temporal: Client, period: string): Promise<StaffAssessmentState> {
  return temporal.workflow.getHandle(staffAssessmentWorkflowId(period)).query(runStateQuery);
}
