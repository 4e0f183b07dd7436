/**
 * The customer lifecycle's contract (workflow id `customer-<id>`, §3.2 and §5.1): its input, its state
 * (plain JSON: ISO strings, numbers, arrays — it is carried across continue-as-new), and its messages.
 * Ids and codes only: no name, address, date of birth or free text ever enters Temporal; free text a
 * person records (review findings, meeting notes, a close reason) is written to PostgreSQL by the use
 * case first and the workflow is told only the task id.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Attention } from '../needs-attention';

const PREFIX = 'customer-';

/** The lifecycle's workflow id: the business key. */
export const customerWorkflowId = (customerId: string) => `${PREFIX}${customerId}`;

/** The inverse of customerWorkflowId (undefined for any other workflow id). */
export function customerIdFromWorkflowId(workflowId: string): string | undefined {
  return workflowId.startsWith(PREFIX) && workflowId.length > PREFIX.length ? workflowId.slice(PREFIX.length) : undefined;
}

export type CustomerType = 'INDIVIDUAL' | 'ENTERPRISE';
/** BusinessStatus in the Temporal UI (and CustomerLifecycle.status). */
export type LifecycleStatus = 'ACTIVE' | 'REVIEW_DUE' | 'REVIEW_OVERDUE' | 'CLOSED';
/** §5.1 regular contact the lifecycle makes. */
export type ContactKind = 'BIRTHDAY_GREETING' | 'NEWS_DIGEST' | 'QUARTERLY_MEETING';

export interface AgendaItem {
  kind: ContactKind;
  /** ISO instant. */
  at: string;
}

/**
 * The reminder ladder of a task the lifecycle opened: its Reminder record (`reminderKey`) and the
 * steps still to come, earliest first. The lifecycle runs them with the staff reminder's activities
 * (the reminder, a second one, the escalation) and drops the rest once the work is done.
 */
export type LadderStep = 'REMIND' | 'REMIND_AGAIN' | 'ESCALATE';
export interface Ladder {
  reminderKey: string;
  steps: { step: LadderStep; at: string }[];
}

export interface OpenReview {
  cycle: number;
  taskId: string;
  dueAt: string;
  overdueAt: string;
  ladder?: Ladder;
}

export interface OpenMeeting {
  quarter: string;
  taskId: string;
  escalatesAt: string;
  ladder?: Ladder;
}

export interface LifecycleState {
  customerId: string;
  customerType: CustomerType;
  status: LifecycleStatus;
  /** The policy version the current cycle runs under (loaded at the start of each cycle). */
  policyVersion: string;
  /** Reviews completed since approval. */
  cycle: number;
  /** Approval or the last completed review (ISO): the next review is counted from it. */
  lastReviewAt: string;
  /** ISO instant the next review falls due. */
  nextReviewAt: string;
  segment: string | null;
  /** The relationship manager (StaffId search attribute), if the segment has one. */
  managerId: string | null;
  review?: OpenReview;
  meeting?: OpenMeeting;
  agenda: AgendaItem[];
  /** §6: risk inputs changed at this time; the risk process re-assesses. */
  riskReassessmentDueAt?: string;
  /** §6 the customer's risk as the lifecycle follows it (absent in runs begun before the `lifecycle-risk` patch). */
  risk?: RiskState;
  counters: {
    runs: number;
    reviewsCompleted: number;
    reviewsOverdue: number;
    contacts: number;
    meetingsHeld: number;
    meetingsMissed: number;
    changes: number;
  };
  closedAt?: string;
  attention?: Attention;
  /** False when a run continued-as-new at the end of a review cycle: the next run begins a new one. */
  cycleBegun: boolean;
  /** Changes signalled while the run was ending: the next run applies them. */
  pendingChanges?: CustomerChangedInput[];
  /** Ratings signalled while the run was ending: the next run follows them. */
  pendingRiskRated?: RiskRatedInput[];
}

export interface RiskState {
  /** The rating in force (RiskRating search attribute); null until the first assessment. */
  rating: string | null;
  /** The assessment that gave it. */
  assessmentId?: string;
  /** §6.2 closer monitoring (MEDIUM/C): the next re-assessment by this workflow's timer. */
  nextMonitoringAt?: string;
  /** §6.2 HIGH/D: the investigation in progress and the mitigation plan's reminder ladder. */
  investigation?: { assessmentId: string; investigationTaskId: string; planTaskId: string; planDueAt: string; ladder?: Ladder };
  /** Assessments already followed (the last few): a re-sent riskRated signal is ignored. */
  followed: string[];
  /** Input-change assessments made (their run keys count on it). */
  inputChanges: number;
}

export interface LifecycleInput {
  customerId: string;
  /** A customer brought in from an earlier system: when its last review was completed (ISO). */
  lastReviewAt?: string;
  /** Carried by continue-as-new. */
  state?: LifecycleState;
  /** Tests only: continue-as-new after this many handled events, so tests prove the state survives. */
  continueAsNewAfterEvents?: number;
}

/** The review's findings are on the task (written by the use case); the workflow closes it and plans the next. */
export interface CompleteReviewInput {
  staffId: string;
  taskId: string;
}

export interface ReviewCompleted {
  cycle: number;
  completedAt: string;
  nextReviewAt: string;
}

export interface MeetingHeldInput {
  staffId: string;
  taskId: string;
}

/** §3.2 dynamic update: which fields changed (names only, never values) and who changed them. */
export interface CustomerChangedInput {
  fields: string[];
  byStaffId?: string;
}

/**
 * §6 a portfolio run (quarterly, or a rescore) changed the customer's rating: the lifecycle takes the
 * rating (RiskRating search attribute, monthly monitoring for MEDIUM/C) and its §6.2 follow-up (a HIGH/D
 * investigation with its emails). Sent after the run's page committed; ids and codes only.
 */
export interface RiskRatedInput {
  assessmentId: string;
  rating: string;
  previousRating: string | null;
  /** QUARTERLY or RESCORE. */
  trigger: string;
  /** ISO instant of the assessment. */
  at: string;
}

/** The customer left: the use case has closed the record; the process acknowledges its reminders and ends. */
export interface CloseInput {
  staffId: string;
}

export const completeReviewUpdate = defineUpdate<ReviewCompleted, [CompleteReviewInput]>('completeReview');
export const meetingHeldUpdate = defineUpdate<LifecycleState, [MeetingHeldInput]>('meetingHeld');
export const closeUpdate = defineUpdate<LifecycleState, [CloseInput]>('close');
export const customerChangedSignal = defineSignal<[CustomerChangedInput]>('customerChanged');
export const riskRatedSignal = defineSignal<[RiskRatedInput]>('riskRated');
/** §6.2 a risk officer recorded the mitigation plan (the use case closed the task): its reminder ladder stops. */
export const riskTaskDoneSignal = defineSignal<[{ taskId: string }]>('riskTaskDone');
export const lifecycleStateQuery = defineQuery<LifecycleState>('state');

/** Why a review completion cannot apply now (undefined: it can). Pure: the validator and tests share it. */
export function completionRejection(state: LifecycleState | undefined, c: CompleteReviewInput): string | undefined {
  if (!c || typeof c.staffId !== 'string' || !c.staffId) return 'staffId is required';
  if (typeof c.taskId !== 'string' || !c.taskId) return 'taskId is required';
  if (!state) return 'the lifecycle is starting; retry in a moment';
  if (state.status === 'CLOSED') return 'the customer is CLOSED';
  if (!state.review) return `no periodic review is due (next: ${state.nextReviewAt})`;
  if (state.review.taskId !== c.taskId) return `task ${c.taskId} is not the open review (${state.review.taskId})`;
  return undefined;
}

export function meetingRejection(state: LifecycleState | undefined, m: MeetingHeldInput): string | undefined {
  if (!m || typeof m.staffId !== 'string' || !m.staffId) return 'staffId is required';
  if (typeof m.taskId !== 'string' || !m.taskId) return 'taskId is required';
  if (!state) return 'the lifecycle is starting; retry in a moment';
  if (state.customerType !== 'ENTERPRISE') return 'quarterly meetings are for enterprise customers (§5.1)';
  if (!state.meeting) return 'no quarterly meeting is open';
  if (state.meeting.taskId !== m.taskId) return `task ${m.taskId} is not the open meeting (${state.meeting.taskId})`;
  return undefined;
}
