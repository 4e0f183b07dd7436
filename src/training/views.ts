/**
 * §7.1 what a staff member's training looks like to people (GET /staff/:id/training, `ccm training
 * show`): each enrolment with its modules — from the module's Task (status, due and overdue times,
 * escalation, the trainer's record) — and its certificate. Ids, codes, times and scores.
 */
import type { Db, DbTx } from '../db/client';
import type { Task, TrainingCertificate, TrainingEnrolment } from '../db/generated/client';
import { enrolledModules, moduleTaskId, outcomeOf } from './records';

export interface EnrolledModuleView {
  code: string;
  title: string;
  topic: string;
  delivery: string;
  week: number;
  weeks: number;
  assessed: boolean;
  passScore: number | null;
  taskId: string;
  /** OPEN, OVERDUE (open past its overdue time), DONE; PLANNED before the workflow opened its task. */
  status: 'PLANNED' | 'OPEN' | 'OVERDUE' | 'DONE' | 'CANCELLED' | 'MISSED';
  dueAt: string | null;
  overdueAt: string | null;
  escalatedAt: string | null;
  completedAt: string | null;
  score: number | null;
  passed: boolean | null;
  recordedByStaffId: string | null;
  failedAttempts: number;
}

export interface CertificateView {
  id: string;
  programmeCode: string;
  kind: 'FOUNDATION' | 'ADVANCED';
  topic: string | null;
  provider: 'INTERNAL' | 'EXTERNAL';
  issuedAt: string;
  modules: unknown;
}

export interface EnrolmentView {
  id: string;
  staffId: string;
  programmeCode: string;
  workflowId: string;
  status: 'ENROLLED' | 'IN_PROGRESS' | 'COMPLETED';
  startsOn: string;
  managerStaffId: string;
  trainerStaffId: string | null;
  enrolledByStaffId: string;
  enrolledAt: string;
  completedAt: string | null;
  policyVersion: string;
  modules: EnrolledModuleView[];
  certificate: CertificateView | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const certificateView = (c: TrainingCertificate): CertificateView => ({
  id: c.id,
  programmeCode: c.programmeCode,
  kind: c.kind,
  topic: c.topic,
  provider: c.provider,
  issuedAt: c.issuedAt.toISOString(),
  modules: c.modules,
});

export function moduleViews(e: TrainingEnrolment, tasks: Map<string, Task>, now: Date): EnrolledModuleView[] {
  return enrolledModules(e.modules).map((m) => {
    const id = moduleTaskId(e, m.code);
    const t = tasks.get(id);
    const o = outcomeOf(t?.outcome ?? null);
    const overdue = t?.status === 'OPEN' && t.overdueAt !== null && t.overdueAt.getTime() <= now.getTime();
    return {
      code: m.code,
      title: m.title,
      topic: m.topic,
      delivery: m.delivery,
      week: m.week,
      weeks: m.weeks,
      assessed: m.assessed,
      passScore: m.passScore,
      taskId: id,
      status: !t ? 'PLANNED' : overdue ? 'OVERDUE' : t.status,
      dueAt: iso(t?.dueAt ?? null),
      overdueAt: iso(t?.overdueAt ?? null),
      escalatedAt: iso(t?.escalatedAt ?? null),
      completedAt: t?.status === 'DONE' ? iso(t.closedAt) : null,
      score: o.score ?? null,
      passed: o.passed ?? null,
      recordedByStaffId: t?.status === 'DONE' ? (t.closedByStaffId ?? null) : null,
      failedAttempts: o.attempts?.length ?? 0,
    };
  });
}

export async function enrolmentView(db: Db | DbTx, e: TrainingEnrolment & { certificate: TrainingCertificate | null }, now: Date): Promise<EnrolmentView> {
  const ids = enrolledModules(e.modules).map((m) => moduleTaskId(e, m.code));
  const tasks = new Map((await db.task.findMany({ where: { id: { in: ids } } })).map((t) => [t.id, t]));
  return {
    id: e.id,
    staffId: e.staffId,
    programmeCode: e.programmeCode,
    workflowId: e.workflowId,
    status: e.status,
    startsOn: e.startsOn.toISOString().slice(0, 10),
    managerStaffId: e.managerStaffId,
    trainerStaffId: e.trainerStaffId,
    enrolledByStaffId: e.enrolledByStaffId,
    enrolledAt: e.enrolledAt.toISOString(),
    completedAt: iso(e.completedAt),
    policyVersion: e.policyVersion,
    modules: moduleViews(e, tasks, now),
    certificate: e.certificate ? certificateView(e.certificate) : null,
  };
}
