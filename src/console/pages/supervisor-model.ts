/**
 * The staff console's supervisor page (issue 12 "Supervisor"): escalations and overdue work by team
 * and department, and the reassign form of each escalated feedback case — through the use cases the
 * API uses:
 *
 *   overdue tasks by team              overdueWork           (src/tasks/overdue-work.ts)      SUPERVISOR, ADMIN
 *   escalated / breached cases by dept feedbackEscalations   (src/feedback/escalations.ts)    SUPERVISOR, ADMIN
 *   who a case can go to               listDepartments       GET /departments                 any
 *   reassign                           reassignFeedback      POST /feedback/:caseNo/reassign  SUPERVISOR, ADMIN (§5.2)
 *
 * Lists carry ids, codes and times only (as GET /tasks and GET /feedback): nothing to audit per read;
 * a reassignment is audited by its use case (feedback.reassign, via the case's workflow).
 */
import type { Db } from '../../db/client';
import type { StaffRole } from '../../db/generated/client';
import { listDepartments } from '../../departments/list-departments';
import { FEEDBACK_REASSIGN_ROLES } from '../../feedback/cases';
import { feedbackEscalations, type FeedbackEscalations } from '../../feedback/escalations';
import { bankTimeZone, type Policy } from '../../policy/policy';
import { requireRole, type Actor } from '../../security/auth';
import type { Clock } from '../../shared/clock';
import { overdueWork, type OverdueWork } from '../../tasks/overdue-work';

/** Who may open the page: those the reassign and the lists allow (§5.2 supervisors). */
export const SUPERVISOR_PAGE_ROLES: readonly StaffRole[] = FEEDBACK_REASSIGN_ROLES;

export interface ReassignTarget {
  code: string;
  name: string;
  /** Active members who handle feedback, with their open-case load (least loaded first). */
  handlers: { staffId: string; name: string; openCases: number }[];
}

export interface SupervisorPageModel {
  overdue: OverdueWork;
  escalations: FeedbackEscalations;
  departments: ReassignTarget[];
  timeZone: string;
}

export async function supervisorPageModel(deps: { db: Db; clock: Clock; policy: Policy }, actor: Actor): Promise<SupervisorPageModel> {
  requireRole(actor, ...SUPERVISOR_PAGE_ROLES);
  const [overdue, escalations, { departments }] = await Promise.all([overdueWork(deps, actor), feedbackEscalations(deps, actor), listDepartments(deps, actor, {})]);
  return {
    overdue,
    escalations,
    departments: departments.map((d) => ({
      code: d.code,
      name: d.name,
      handlers: d.members
        .filter((m) => m.active && m.handlesFeedback)
        .sort((a, b) => a.openCases - b.openCases || a.staffId.localeCompare(b.staffId))
        .map((m) => ({ staffId: m.staffId, name: m.name, openCases: m.openCases })),
    })),
    timeZone: bankTimeZone(deps.policy),
  };
}
