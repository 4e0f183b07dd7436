/** Use case (§2.3): the audit team's queue — records waiting for review or for the customer, oldest first. */
import type { Db } from '../db/client';
import { requireRole, type Actor } from '../security/auth';

export interface PendingReview {
  customerId: string;
  type: string;
  status: string;
  displayName: string;
  enteredByStaffId: string;
  submittedAt: string;
  infoRequestedAt: string | null;
}

export async function listPendingReviews(db: Db, actor: Actor, limit = 100): Promise<PendingReview[]> {
  requireRole(actor, 'AUDITOR', 'SUPERVISOR', 'ADMIN');
  const rows = await db.customer.findMany({
    where: { status: { in: ['PENDING_REVIEW', 'INFO_REQUESTED'] } },
    include: { review: true },
    orderBy: { createdAt: 'asc' },
    take: limit,
  });
  return rows.map((c) => ({
    customerId: c.id,
    type: c.type,
    status: c.status,
    displayName: c.displayName,
    enteredByStaffId: c.createdByStaffId,
    submittedAt: (c.review?.submittedAt ?? c.createdAt).toISOString(),
    infoRequestedAt: c.review?.infoRequestedAt?.toISOString() ?? null,
  }));
}
