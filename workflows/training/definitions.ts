/**
 * §7.1 the training workflow's messages and state (workflow `training-<staffId>-<programme>`): ids,
 * codes and times only — no names, no scores (the trainer's record is in PostgreSQL, on the module's
 * Task; the workflow is told the module code).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Attention } from '../needs-attention';

export const TRAINING_PREFIX = 'training-';

/** The business key: one process per staff member and programme. */
export const trainingWorkflowId = (staffId: string, programmeCode: string) => `${TRAINING_PREFIX}${staffId}-${programmeCode}`;

/** The inverse of trainingWorkflowId (programme codes are UPPER_SNAKE_CASE: no `-`, so the last `-` splits). */
export function trainingRefFromWorkflowId(workflowId: string): { staffId: string; programmeCode: string } | undefined {
  if (!workflowId.startsWith(TRAINING_PREFIX)) return undefined;
  const rest = workflowId.slice(TRAINING_PREFIX.length);
  const at = rest.lastIndexOf('-');
  if (at <= 0 || at === rest.length - 1) return undefined;
  return { staffId: rest.slice(0, at), programmeCode: rest.slice(at + 1) };
}

export type ModuleStepKind = 'REMIND' | 'ESCALATE';

export interface ModuleStep {
  step: ModuleStepKind;
  at: string;
}

/** One module as the workflow follows it: its task, its times, the ladder steps still to come. */
export interface ModulePlan {
  code: string;
  taskId: string;
  opensAt: string;
  dueAt: string;
  overdueAt: string;
  steps: ModuleStep[];
  done: boolean;
  escalated: boolean;
}

export type TrainingStatus = 'IN_PROGRESS' | 'MODULE_OVERDUE' | 'COMPLETED';

export interface TrainingState {
  enrolmentId: string;
  staffId: string;
  programmeCode: string;
  kind: 'FOUNDATION' | 'ADVANCED';
  status: TrainingStatus;
  policyVersion: string;
  modules: ModulePlan[];
  certificateId?: string;
  attention?: Attention;
  counters: { reminders: number; escalations: number; runs: number };
}

export interface TrainingInput {
  enrolmentId: string;
  staffId: string;
  programmeCode: string;
  /** Carried across continue-as-new. */
  state?: TrainingState;
}

/** The trainer recorded a module done (the use case closed its task first): the workflow re-reads the progress. */
export const moduleCompletedSignal = defineSignal<[{ moduleCode: string }]>('moduleCompleted');
export const trainingStateQuery = defineQuery<TrainingState | undefined>('state');

/** The earliest ladder step of a module not done yet, or undefined when none is left. Pure. */
export function nextModuleStep(state: TrainingState): { moduleCode: string; step: ModuleStep } | undefined {
  let best: { moduleCode: string; step: ModuleStep } | undefined;
  for (const m of state.modules) {
    const s = m.done ? undefined : m.steps[0];
    if (s && (!best || Date.parse(s.at) < Date.parse(best.step.at))) best = { moduleCode: m.code, step: s };
  }
  return best;
}

/** The status the process shows: COMPLETED, MODULE_OVERDUE while an escalated module is open, else IN_PROGRESS. Pure. */
export function statusOf(state: Pick<TrainingState, 'modules' | 'certificateId'>): TrainingStatus {
  if (state.certificateId) return 'COMPLETED';
  return state.modules.some((m) => m.escalated && !m.done) ? 'MODULE_OVERDUE' : 'IN_PROGRESS';
}
