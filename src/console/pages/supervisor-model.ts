/**
 * The staff console's supervisor page (issue 12 "Supervisor"): escalations and overdue work by team
 * and department, and the reassign form of each escalated feedback case — through the use cases the
 * API uses:
 *
 *   overdue tasks by team              overdueWork           (src/tasks/overdue-work.ts)      SUPERVISOR, ADMIN
 *   escalated / breached cases by dept feedbackEscalations   (src/feedback/escalations.ts)    SUPERVISOR, ADMIN
 *   who a case can go to               listDepartments       GET /departments                 any
 *   reassign                           reassignFeedback      POST /feedback/:caseNo/reassign  SUPERVISOR, ADMIN (§5.2)
 *   who an overdue task can go to      taskReassignChoices   the rules of reassignTask        (src/tasks/reassign-task.ts)
 *   reassign a task                    reassignTask          POST /tasks/:id/reassign         SUPERVISOR, ADMIN (issue 12)
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
import { REASSIGN_RULES, takerRefusal } from '../../tasks/reassign-task';
import type { TaskView } from '../../tasks/tasks';
import { FOUNDATION_TRAINED } from '../../training/gate';

/** Who may open the page: those the reassign and the lists allow (§5.2 supervisors). */
export const SUPERVISOR_PAGE_ROLES: readonly StaffRole[] = FEEDBACK_REASSIGN_ROLES;

export interface ReassignTarget {
  code: string;
  name: string;
  /** Active members who handle feedback, with their open-case load (least loaded first). */
  handlers: { staffId: string; name: string; openCases: number }[];
}

/** Who an overdue task can go to, by the rules of reassignTask; or why it cannot be reassigned (`refusal`). */
export interface TaskReassignChoice {
  /** Set: not reassignable (it belongs to one person); no form. */
  refusal: string | null;
  /** A §5.2 case's task: its form lists the departments' handlers (the case's own reassignment decides). */
  feedbackCase: boolean;
  /** The staff members who may take it (not its assignee), least loaded first. */
  takers: { staffId: string; name: string; openTasks: number }[];
}

export interface SupervisorPageModel {
  overdue: OverdueWork;
  /** Per overdue task id. */
  taskChoices: Record<string, TaskReassignChoice>;
  escalations: FeedbackEscalations;
  departments: ReassignTarget[];
  timeZone: string;
}

export async function supervisorPageModel(deps: { db: Db; clock: Clock; policy: Policy }, actor: Actor): Promise<SupervisorPageModel> {
  requireRole(actor, ...SUPERVISOR_PAGE_ROLES);
  const [overdue, escalations, { departments }] = await Promise.all([overdueWork(deps, actor), feedbackEscalations(deps, actor), listDepartments(deps, actor, {})]);
  return {
    overdue,
    taskChoices: await taskReassignChoices(deps.db, overdue.byTeam.flatMap((g) => g.items)),
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

/**
 * For each task, who may take it — the same rules as reassignTask (takerRefusal), so the select lists
 * only people the use case accepts: active staff whose foundation course is complete, with the kind's
 * role or in the task's team, and a RELATIONSHIP_MANAGER-only person only for customers they look
 * after. Three queries whatever the number of tasks (staff, the customers' managers and assignments).
 */
export async function taskReassignChoices(db: Db, tasks: readonly TaskView[]): Promise<Record<string, TaskReassignChoice>> {
  const choices: Record<string, TaskReassignChoice> = {};
  const open = tasks.filter((t) => !['personal', 'feedback-case'].includes(REASSIGN_RULES[t.kind].takers));
  const customerIds = [...new Set(open.flatMap((t) => (t.customerId ? [t.customerId] : [])))];
  const [staff, customers] = await Promise.all([
    open.length
      ? db.staffMember.findMany({
          where: { active: true, ...FOUNDATION_TRAINED },
          select: { id: true, name: true, roles: true, expertise: true, _count: { select: { tasks: { where: { status: 'OPEN' } } } } },
          orderBy: { id: 'asc' },
        })
      : Promise.resolve([]),
    customerIds.length
      ? db.customer.findMany({ where: { id: { in: customerIds } }, select: { id: true, relationshipManagerId: true, assignments: { where: { endedAt: null }, select: { staffId: true } } } })
      : Promise.resolve([]),
  ]);
  const lookers = new Map(customers.map((c) => [c.id, new Set([...(c.relationshipManagerId ? [c.relationshipManagerId] : []), ...c.assignments.map((a) => a.staffId)])]));
  for (const t of tasks) {
    const rule = REASSIGN_RULES[t.kind];
    if (rule.takers === 'personal') {
      choices[t.id] = { refusal: rule.reason, feedbackCase: false, takers: [] };
      continue;
    }
    if (rule.takers === 'feedback-case') {
      choices[t.id] = { refusal: null, feedbackCase: true, takers: [] };
      continue;
    }
    const looking = t.customerId ? lookers.get(t.customerId) : undefined;
    const takers = staff
      .filter((s) => s.id !== t.assigneeStaffId)
      .filter((s) => takerRefusal(t, { id: s.id, active: true, foundationTrained: true, roles: s.roles, expertise: s.expertise, looksAfterCustomer: looking?.has(s.id) ?? false }) === undefined)
      .map((s) => ({ staffId: s.id, name: s.name, openTasks: s._count.tasks }))
      .sort((a, b) => a.openTasks - b.openTasks || a.staffId.localeCompare(b.staffId));
    choices[t.id] = { refusal: null, feedbackCase: false, takers };
  }
  return choices;
}
