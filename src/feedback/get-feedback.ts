/**
 * Use case (§5.2): one feedback case as staff work on it — the case in clear (contact details,
 * summary, description), its timeline (registration, routing, assignment, responses, notes marked
 * internal, pauses, escalations, resolution, survey) and its live state: status, handler, deadline,
 * remaining clock time (business time for an enterprise's case, src/domain/sla.ts `remaining`) and
 * escalation level, from the workflow's query `state` while it runs, else from the database
 * (`live.source` says which; a closed process, or Temporal not answering within 3 s).
 *
 * - Who: the members and head of the case's department, its handler, CUSTOMER_SERVICE, SUPERVISOR,
 *   ADMIN, AUDITOR (others 403). Unknown case → 404.
 * - §3.1 every access to customer data is recorded: `feedback.read`, committed before the data is returned.
 */
import { writeAudit } from '../audit/audit-log';
import type { Actor } from '../security/auth';
import { auditCtx, caseView, findCase, queryCase, requireView, type FeedbackCaseView, type FeedbackDeps } from './cases';

export async function getFeedback(deps: FeedbackDeps, actor: Actor, caseNo: string, ctx: { requestId?: string } = {}): Promise<FeedbackCaseView> {
  const c = await findCase(deps.db, caseNo);
  await requireView(deps.db, actor, c);
  const live = await queryCase(deps.temporal, c);
  await deps.db.$transaction((tx) =>
    writeAudit(tx, { actorStaffId: actor.staffId, action: 'feedback.read', entity: 'FeedbackCase', entityId: c.caseNo, ...(c.customerId ? { customerId: c.customerId } : {}), ...auditCtx(ctx) }),
  );
  const fresh = await findCase(deps.db, caseNo);
  return caseView(deps, fresh, typeof live === 'object' ? live : undefined);
}
