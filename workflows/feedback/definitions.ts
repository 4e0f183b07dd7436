/**
 * The feedback case's contract (workflow id `feedback-<caseNo>`, §5.2): its input, its state (plain
 * JSON) and its messages. Ids, codes and instants only: the summary, description, responses, notes,
 * the resolution and a survey comment are written to PostgreSQL (encrypted) by the use case first,
 * and the workflow is told only the FeedbackEvent id.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SlaKind } from '../../src/domain/sla';
import type { Attention } from '../needs-attention';

export { caseNoFromWorkflowId, feedbackWorkflowId } from '../../src/domain/case-number';

/** BusinessStatus in the Temporal UI, as FeedbackCase.status. */
export type CaseStatus = 'REGISTERED' | 'IN_PROGRESS' | 'WAITING_ON_CUSTOMER' | 'RESPONDED' | 'RESOLVED' | 'CLOSED' | 'REOPENED';

/** §5.2 the ladder: reminders to the handler before the deadline, the department head at it, then the executive on duty. */
export type LadderStepKind = 'REMINDER' | 'HEAD' | 'EXECUTIVE';
export interface LadderStep {
  kind: LadderStepKind;
  /** REMINDER: which of the policy's reminder fractions (0, 1, …); 0 otherwise. */
  index: number;
  /** ISO instant, or null while the clock is paused (not known until it resumes). */
  at: string | null;
}

/** The SLA as last computed by the activity (pure rules of src/domain/sla.ts on the database's pauses). */
export interface CaseSla {
  kind: SlaKind;
  policyVersion: string;
  /** When this SLA's clock started: registration, or the reopening. */
  clockStartAt: string;
  targetAt: string | null;
  hardLimitAt: string | null;
  executiveAt: string | null;
  reminderAts: (string | null)[];
  paused: boolean;
}

export interface CaseState {
  caseNo: string;
  status: CaseStatus;
  departmentCode: string;
  handlerStaffId: string | null;
  customerId: string | null;
  /** The survey round (0 before the first resolution); a reopened case is surveyed again. */
  round: number;
  /** The SLA round the ladder belongs to: 0 at registration, +1 per reopening. */
  slaRound: number;
  sla: CaseSla;
  firstResponseAt: string | null;
  /** 0 none, 1 department head, 2 executive on duty. */
  escalationLevel: number;
  /** Ladder steps already taken in this SLA round (`REMINDER:0`, `HEAD:0`, …): never twice. */
  done: string[];
  resolvedAt: string | null;
  /** Until when the survey link of the current round is accepted (ISO). */
  surveyUntil: string | null;
  attention?: Attention;
}

export interface FeedbackCaseInput {
  caseNo: string;
}

// ── Messages. Every update returns once the change is recorded; the ladder re-arms at once. ──

export interface ActorInput {
  staffId: string;
  /** Why (pause, resume, reassignment, reopening): stored with the event, shown in the timeline. */
  reason?: string;
}

/** A response was written (FeedbackEvent RESPONSE): the first one meets the response SLA and stops the ladder. */
export const respondUpdate = defineUpdate<CaseState, [{ staffId: string; eventId: string }]>('respond');
/** The clock stops while the case waits on the customer (§5.2 pause, measured in the clock's own units). */
export const pauseUpdate = defineUpdate<CaseState, [ActorInput]>('pause');
/** The customer answered: the clock runs again and the deadlines are recomputed. */
export const resumeUpdate = defineUpdate<CaseState, [ActorInput]>('resume');
/** To another handler (a supervisor) and/or department; the SLA is recomputed by the policy. */
export const reassignUpdate = defineUpdate<CaseState, [ActorInput & { toStaffId?: string; departmentCode?: string }]>('reassign');
/** Category, severity, complexity or customer type changed (recorded by the use case): SLA recomputed. */
export const reclassifyUpdate = defineUpdate<CaseState, [ActorInput]>('reclassify');
/** The resolution was written (FeedbackEvent RESOLVED): it goes to the customer with the survey link. */
export const resolveUpdate = defineUpdate<CaseState, [{ staffId: string; eventId: string }]>('resolve');
/** The customer answered the survey (SurveyResponse written by the public endpoint). */
export const surveyAnsweredSignal = defineSignal<[{ round: number; score: number }]>('surveyAnswered');
export const caseStateQuery = defineQuery<CaseState>('state');

const OPEN: CaseStatus[] = ['REGISTERED', 'IN_PROGRESS', 'RESPONDED', 'REOPENED', 'WAITING_ON_CUSTOMER'];

/**
 * Why a change does not apply to a case in this state (the API answers 409 with it), or undefined.
 * Pure: the workflow's validators and the tests share it.
 */
export function transitionRejection(state: CaseState | undefined, change: 'respond' | 'pause' | 'resume' | 'reassign' | 'reclassify' | 'resolve'): string | undefined {
  if (!state) return 'the case is still being registered; retry in a moment';
  const closedFor = `case ${state.caseNo} is ${state.status}`;
  switch (change) {
    case 'pause':
      if (state.status === 'WAITING_ON_CUSTOMER') return `${closedFor}: the clock is already paused`;
      return OPEN.includes(state.status) ? undefined : `${closedFor}: only an open case can wait on the customer`;
    case 'resume':
      return state.status === 'WAITING_ON_CUSTOMER' ? undefined : `${closedFor}: only a case waiting on the customer can resume`;
    default:
      return OPEN.includes(state.status) ? undefined : `${closedFor}: ${change} applies to open cases only`;
  }
}

/** The ladder steps of an SLA round, earliest first, those done and those moot left out. Pure. */
export function pendingSteps(state: CaseState): LadderStep[] {
  if (state.firstResponseAt || !OPEN.includes(state.status)) return [];
  const steps: LadderStep[] = [
    ...state.sla.reminderAts.map((at, index) => ({ kind: 'REMINDER' as const, index, at })),
    { kind: 'HEAD', index: 0, at: state.sla.targetAt },
    { kind: 'EXECUTIVE', index: 0, at: state.sla.executiveAt },
  ];
  return steps.filter((s) => !state.done.includes(stepKey(s)));
}

export const stepKey = (s: Pick<LadderStep, 'kind' | 'index'>) => `${s.kind}:${s.index}`;
