/**
 * What the §7.1 training use cases, activities and views share: the modules an enrolment was planned
 * with (a snapshot in TrainingEnrolment.modules), the module's Task id and its reminder records' keys.
 */
import { taskId } from '../tasks/tasks';

export interface EnrolledModule {
  code: string;
  title: string;
  topic: string;
  delivery: 'LECTURE' | 'CASE_STUDY' | 'SIMULATION';
  week: number;
  weeks: number;
  assessed: boolean;
  passScore: number | null;
}

/** The snapshot as stored (JSON written by the enrolment use case). */
export function enrolledModules(json: unknown): EnrolledModule[] {
  return Array.isArray(json) ? (json as EnrolledModule[]) : [];
}

export const moduleTaskId = (e: { staffId: string; programmeCode: string }, moduleCode: string) => taskId.training(e.staffId, e.programmeCode, moduleCode);

/** The module's two reminder records: the trainee's (escalated to the manager when overdue) and the manager's. */
export const moduleReminderKey = {
  trainee: (enrolmentId: string, moduleCode: string) => `training-${enrolmentId}-${moduleCode}-trainee`,
  manager: (enrolmentId: string, moduleCode: string) => `training-${enrolmentId}-${moduleCode}-manager`,
};

/** What the trainer recorded on the module's Task (outcome). */
export interface ModuleOutcome {
  score?: number;
  passed?: boolean;
  notes?: string;
  recordedByStaffId?: string;
  completedAt?: string;
  /** Assessed attempts that did not pass (the module stays open). */
  attempts?: { score: number; at: string; recordedByStaffId: string }[];
}

export const outcomeOf = (json: unknown): ModuleOutcome => (json !== null && typeof json === 'object' && !Array.isArray(json) ? json : {});
