/**
 * §7.2 staff assessment's process contract: the period's run (workflow `staff-assessment-<period>`,
 * e.g. staff-assessment-2026-Q4 or staff-assessment-2026) and the Schedules' thin starter. Input,
 * state (plain JSON, carried across continue-as-new), messages. Ids, codes, counts and times only:
 * no personal data and no guidance text enters Temporal (the notes stay in PostgreSQL).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PeriodKind } from '../../src/staff-assessment/codes';

export const STAFF_ASSESSMENT_PREFIX = 'staff-assessment-';

/** The run of a period: its business key. */
export const staffAssessmentWorkflowId = (period: string) => `${STAFF_ASSESSMENT_PREFIX}${period}`;

/** The period of a run's workflow id (undefined for another id, e.g. a Schedule's starter). */
export function periodFromWorkflowId(workflowId: string): string | undefined {
  const rest = workflowId.startsWith(STAFF_ASSESSMENT_PREFIX) ? workflowId.slice(STAFF_ASSESSMENT_PREFIX.length) : '';
  return /^\d{4}(-Q[1-4])?$/.test(rest) ? rest : undefined;
}

/** The Schedules' action id: Temporal appends the scheduled time (`staff-assessment-scheduled-quarter-2027-01-01T08:00:00Z`). */
export const scheduledStarterId = (kind: PeriodKind) => `${STAFF_ASSESSMENT_PREFIX}scheduled-${kind.toLowerCase()}`;

export type RunPhase = 'BEGINNING' | 'ASSESSING' | 'GUIDANCE' | 'CLOSING' | 'COMPLETED';

export interface GuidanceTimes {
  /** The guidance tasks are due and their managers reminded (ISO). */
  dueAt: string;
  /** Escalated to a supervisor when still not written. */
  escalatesAt: string;
  /** The run closes: results without notes emailed, open guidance tasks MISSED. */
  closesAt: string;
  reminded: boolean;
  escalated: boolean;
}

export interface StaffAssessmentState {
  period: string;
  kind: PeriodKind | null;
  phase: RunPhase;
  policyVersion: string | null;
  /** Keyset cursor: the last staff id assessed. */
  after: string | null;
  /** Staff assessed (created, updated or unchanged), and those the records changed for. */
  assessed: number;
  changed: number;
  pages: number;
  /** Quarters only (§7.2 "with guidance"). */
  guidance: GuidanceTimes | null;
  /** Results emailed. */
  emailed: number;
  /** A guidanceRecorded signal arrived since the results were last sent. */
  wake: boolean;
  /** Runs of this workflow (continue-as-new count + 1). */
  runs: number;
}

export interface StaffAssessmentInput {
  period: string;
  /** Who started it by hand (null: a Schedule). */
  startedByStaffId?: string | null;
  state?: StaffAssessmentState;
}

/** A manager wrote guidance notes (the record is in PostgreSQL): the run emails the results that are ready. */
export const guidanceRecordedSignal = defineSignal<[{ staffId: string }]>('guidanceRecorded');
export const runStateQuery = defineQuery<StaffAssessmentState>('state');

/** Pages per run before continuing as new (history stays small whatever the staff count). */
export const PAGES_PER_RUN = 50;
/** Results emailed per activity (it heartbeats per email). */
export const EMAILS_PER_CALL = 50;

export interface ScheduledInput {
  kind: PeriodKind;
}

export const initialState = (period: string): StaffAssessmentState => ({
  period,
  kind: null,
  phase: 'BEGINNING',
  policyVersion: null,
  after: null,
  assessed: 0,
  changed: 0,
  pages: 0,
  guidance: null,
  emailed: 0,
  wake: false,
  runs: 0,
});
