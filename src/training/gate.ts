/**
 * §3.1 "Staff handling customer data are trained", §7.1: until a staff member's foundation course is
 * complete (StaffMember.foundationCompletedAt) they may not
 *   - be assigned customers — the assignment rules skip them: the least-loaded pickers of §4 coverage
 *     (src/customers/classify-customer.ts), of a customer's service-team work and risk tasks
 *     (src/tasks/tasks.ts leastLoadedWithRole) and of §5.2 feedback cases
 *     (src/departments/repository.ts leastLoadedHandler); a case assigned to them by name is refused
 *     with the reason (src/feedback/reassign-feedback.ts, register-feedback.ts);
 *   - act as an auditor (the §2.3 step 3 checker: src/reviews/decide-review.ts);
 *   - reveal identity numbers (src/customers/get-customer.ts `reveal=identity`).
 * The API and the CLI answer with the reason (403 here); GET /staff/:id/training shows it.
 */
import type { Db, DbTx } from '../db/client';
import type { Prisma } from '../db/generated/client';
import { ForbiddenError } from '../security/auth';
import { RuleRefusalError } from '../shared/errors';

/** The staff members the assignment rules may pick: foundation course complete. */
export const FOUNDATION_TRAINED: Prisma.StaffMemberWhereInput = { foundationCompletedAt: { not: null } };

export type GatedAction = 'be assigned customers' | 'act as an auditor' | 'reveal identity numbers';

export const GATED_ACTIONS: readonly GatedAction[] = ['be assigned customers', 'act as an auditor', 'reveal identity numbers'];

/** The reason an untrained staff member is refused `what`. */
export function untrainedReason(staffId: string, what: GatedAction): string {
  return `staff member ${staffId} has not completed the foundation course (§3.1, §7.1): they may not ${what} until it is complete (see GET /staff/${staffId}/training)`;
}

/** The reason for every gated action at once (GET /staff/:id/training). */
export function untrainedSummary(staffId: string): string {
  return `staff member ${staffId} has not completed the foundation course (§3.1, §7.1): they may not ${GATED_ACTIONS.join(', ')} until it is complete`;
}

/** Whether the staff member completed the foundation course (an unknown one has not). */
export async function isFoundationTrained(db: Db | DbTx, staffId: string): Promise<boolean> {
  const row = await db.staffMember.findUnique({ where: { id: staffId }, select: { foundationCompletedAt: true } });
  return (row?.foundationCompletedAt ?? null) !== null;
}

/** 403 with the reason unless the acting staff member completed the foundation course. */
export async function requireFoundationTrained(db: Db | DbTx, staffId: string, what: GatedAction): Promise<void> {
  if (!(await isFoundationTrained(db, staffId))) throw new ForbiddenError(untrainedReason(staffId, what));
}

/** 422 naming `field` unless the staff member someone assigns customer work to completed the foundation course. */
export async function requireAssignable(db: Db | DbTx, staffId: string, field: string): Promise<void> {
  if (await isFoundationTrained(db, staffId)) return;
  const reason = untrainedReason(staffId, 'be assigned customers');
  throw new RuleRefusalError(reason, [{ field, value: staffId, reason }]);
}
