/**
 * Use case (§3.1, §3.2, §5.2, §6.2): the processes still running for a customer, read from
 * PostgreSQL (the mirrors the activities keep), never from workflow queries — the onboarding review
 * (§2.3 step 3, `onboarding-<id>`) while undecided, the lifecycle (`customer-<id>`) until CLOSED,
 * each open feedback case (`feedback-<caseNo>`) the actor may see (as GET /feedback: service roles
 * all, others their departments' and their own), and the processes behind the customer's OPEN tasks
 * (reviews, meetings, contacts, §6.2 risk investigations and mitigation plans). Each with its
 * workflow id, so the staff console can link it into the Temporal UI (temporalWorkflowUrl).
 *
 * Same read scope as GET /customers/:id (a RELATIONSHIP_MANAGER: own customers, others 404); each read
 * recorded (`customer.read`, entity Process) in the read's transaction. Ids and codes only.
 */
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { customerScope, findCustomerIn } from '../customers/access';
import { departmentsOf, FEEDBACK_VIEW_ROLES, OPEN_STATUSES } from '../feedback/cases';
import type { Actor } from '../security/auth';

export interface OpenProcess {
  workflowId: string;
  /** ONBOARDING, CUSTOMER_LIFECYCLE, FEEDBACK, or the kinds of the open tasks it owns (e.g. RISK_INVESTIGATION). */
  kind: string;
  /** The business status as mirrored (lifecycle status, case status, onboarding state, "n open tasks"). */
  status: string;
  /** The earliest deadline known (a task's dueAt, a case's targetAt, the next review). */
  dueAt: string | null;
}

/** Statuses of a customer whose onboarding process (§2.3 step 3) still waits for a decision. */
const ONBOARDING_OPEN = ['PENDING_REVIEW', 'INFO_REQUESTED'] as const;

export async function listOpenProcesses(db: Db, actor: Actor, customerId: string, ctx: { requestId?: string } = {}): Promise<OpenProcess[]> {
  return db.$transaction(async (tx) => {
    const c = await findCustomerIn(tx, customerId, customerScope(actor));
    const caseScope = actor.roles.some((r) => (FEEDBACK_VIEW_ROLES as readonly string[]).includes(r))
      ? {}
      : { OR: [{ departmentCode: { in: await departmentsOf(tx, actor.staffId) } }, { handlerStaffId: actor.staffId }] };
    const [lifecycle, cases, tasks] = await Promise.all([
      tx.customerLifecycle.findUnique({ where: { customerId }, select: { workflowId: true, status: true, nextReviewAt: true } }),
      tx.feedbackCase.findMany({
        where: { AND: [{ customerId, status: { in: [...OPEN_STATUSES] } }, caseScope] },
        select: { workflowId: true, caseNo: true, status: true, targetAt: true },
        orderBy: { registeredAt: 'desc' },
      }),
      tx.task.findMany({ where: { customerId, status: 'OPEN', kind: { not: 'FEEDBACK_CASE' } }, select: { workflowId: true, kind: true, dueAt: true }, orderBy: { dueAt: 'asc' } }),
    ]);
    await writeAudit(tx, { actorStaffId: actor.staffId, action: 'customer.read', entity: 'Process', entityId: customerId, customerId, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) });

    const out: OpenProcess[] = [];
    if (c.review && (ONBOARDING_OPEN as readonly string[]).includes(c.status)) {
      out.push({ workflowId: c.review.workflowId, kind: 'ONBOARDING', status: c.status, dueAt: null });
    }
    if (lifecycle && lifecycle.status !== 'CLOSED') {
      out.push({ workflowId: lifecycle.workflowId, kind: 'CUSTOMER_LIFECYCLE', status: lifecycle.status, dueAt: lifecycle.nextReviewAt?.toISOString() ?? null });
    }
    for (const fc of cases) out.push({ workflowId: fc.workflowId, kind: 'FEEDBACK', status: `${fc.caseNo} ${fc.status}`, dueAt: fc.targetAt?.toISOString() ?? null });
    // Other processes that own open tasks of the customer (e.g. a §6.2 risk investigation), once each.
    const known = new Set(out.map((p) => p.workflowId));
    const byWorkflow = new Map<string, { kinds: Set<string>; count: number; dueAt: Date }>();
    for (const t of tasks) {
      if (known.has(t.workflowId)) continue;
      const entry = byWorkflow.get(t.workflowId) ?? { kinds: new Set<string>(), count: 0, dueAt: t.dueAt };
      entry.kinds.add(t.kind);
      entry.count += 1;
      if (t.dueAt < entry.dueAt) entry.dueAt = t.dueAt;
      byWorkflow.set(t.workflowId, entry);
    }
    for (const [workflowId, e] of byWorkflow) {
      out.push({ workflowId, kind: [...e.kinds].sort().join(', '), status: `${e.count} open task${e.count === 1 ? '' : 's'}`, dueAt: e.dueAt.toISOString() });
    }
    return out;
  });
}

/**
 * The Temporal UI page of a workflow (its most recent run): `<ui>/namespaces/<ns>/workflows/<id>`.
 * Pure; `uiBaseUrl` without a trailing slash is expected, one is tolerated.
 */
export function temporalWorkflowUrl(uiBaseUrl: string, namespace: string, workflowId: string): string {
  return `${uiBaseUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
