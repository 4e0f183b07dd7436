/**
 * Use case (§2.1/§2.2 segments, §4 service tiers, §3.1): a customer's segment and service-tier
 * history — every SegmentChange with the rule that caused it (the tier follows the segment: the
 * §4.1/§4.2 tier of a segment is the segment's own), the tier in force with its clause and summary,
 * and the §4 relationship coverage over time (RelationshipAssignment, active and ended).
 *
 * Same read scope as GET /customers/:id: any staff role, a RELATIONSHIP_MANAGER only the customers
 * they look after (others 404). Each read is recorded (`customer.read`, entity SegmentChange) in the
 * read's transaction: no record, no data. The staff console's customer page reads it
 * (src/console/pages/customer.ts).
 */
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import type { Policy, Segment } from '../policy/policy';
import type { Actor } from '../security/auth';
import { serviceTierFor } from '../domain/service-tiers';
import { customerScope, findCustomerIn } from './access';

export interface SegmentHistoryView {
  customerId: string;
  segment: string | null;
  serviceTier: string | null;
  /** The §4 tier in force under the current policy (null: not classified, or a segment the policy no longer knows). */
  tier: { clause: string; summary: string; dedicatedManager: boolean; team: string[] } | null;
  /** Newest first. */
  changes: { from: string | null; to: string; tierFrom: string | null; tierTo: string; reason: string; policyVersion: string; changedAt: string; actorStaffId: string | null }[];
  /** §4 coverage, newest first; `endedAt` null: in force. */
  assignments: { staffId: string; role: string; expertise: string | null; assignedAt: string; endedAt: string | null }[];
}

/** The §4 tier of a segment, or null when the policy has none for it (pure). */
export function tierOf(segment: string | null, policy: Policy): SegmentHistoryView['tier'] {
  if (!segment) return null;
  try {
    const t = serviceTierFor(segment as Segment, policy);
    return { clause: t.clause, summary: t.summary, dedicatedManager: t.coverage.dedicatedManager, team: t.coverage.team };
  } catch {
    return null;
  }
}

export async function getSegmentHistory(deps: { db: Db; policy: Policy }, actor: Actor, customerId: string, ctx: { requestId?: string } = {}): Promise<SegmentHistoryView> {
  return deps.db.$transaction(async (tx) => {
    const c = await findCustomerIn(tx, customerId, customerScope(actor));
    const [changes, assignments] = await Promise.all([
      tx.segmentChange.findMany({ where: { customerId }, orderBy: [{ changedAt: 'desc' }, { id: 'desc' }] }),
      tx.relationshipAssignment.findMany({ where: { customerId }, orderBy: [{ assignedAt: 'desc' }, { id: 'desc' }] }),
    ]);
    await writeAudit(tx, { actorStaffId: actor.staffId, action: 'customer.read', entity: 'SegmentChange', entityId: customerId, customerId, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) });
    return {
      customerId,
      segment: c.segment,
      serviceTier: c.serviceTier,
      tier: tierOf(c.serviceTier ?? c.segment, deps.policy),
      changes: changes.map((s) => ({
        from: s.fromSegment,
        to: s.toSegment,
        // §4: the service tier is the segment's (src/customers/classify-customer.ts applyClassification).
        tierFrom: s.fromSegment,
        tierTo: s.toSegment,
        reason: s.reason,
        policyVersion: s.policyVersion,
        changedAt: s.changedAt.toISOString(),
        actorStaffId: s.actorStaffId,
      })),
      assignments: assignments.map((a) => ({ staffId: a.staffId, role: a.role, expertise: a.expertise, assignedAt: a.assignedAt.toISOString(), endedAt: a.endedAt?.toISOString() ?? null })),
    };
  });
}
