/**
 * §3.1 "access is granted by role and need": who sees which customer. A RELATIONSHIP_MANAGER (with no
 * other role) sees only the customers they look after — `relationshipManagerId` is them, or they hold
 * an active RelationshipAssignment (§4 manager or team member). Every other role sees all customers.
 * A customer outside the actor's scope is reported as not found (404), so its existence is not leaked.
 */
import type { DbTx } from '../db/client';
import type { Prisma } from '../db/generated/client';
import type { Actor } from '../security/auth';
import { NotFoundError } from '../shared/errors';
import { customerInclude, type CustomerRow } from './customer-view';

/** True when the actor's only role is RELATIONSHIP_MANAGER: they see their own customers only. */
export function isManagerScoped(actor: Actor): boolean {
  return actor.roles.includes('RELATIONSHIP_MANAGER') && actor.roles.every((r) => r === 'RELATIONSHIP_MANAGER');
}

/** The customers `staffId` looks after (§4 coverage). */
export const managedBy = (staffId: string): Prisma.CustomerWhereInput => ({
  OR: [{ relationshipManagerId: staffId }, { assignments: { some: { staffId, endedAt: null } } }],
});

/** The actor's scope as a filter; `{}` for roles that see every customer. */
export function customerScope(actor: Actor): Prisma.CustomerWhereInput {
  return isManagerScoped(actor) ? managedBy(actor.staffId) : {};
}

/** Customers the actor may act on as a RELATIONSHIP_MANAGER ("own customers only", even with other roles). */
export function ownCustomerScope(actor: Actor, otherRolesSeeAll: readonly Actor['roles'][number][]): Prisma.CustomerWhereInput {
  return actor.roles.some((r) => otherRolesSeeAll.includes(r)) ? {} : managedBy(actor.staffId);
}

export const notFound = (id: string) => new NotFoundError(`customer ${id} does not exist`);

/** The customer with its profile, or NotFoundError when it does not exist or lies outside `scope`. */
export async function findCustomerIn(tx: DbTx, id: string, scope: Prisma.CustomerWhereInput): Promise<CustomerRow> {
  const row = await tx.customer.findFirst({ where: { AND: [{ id }, scope] }, include: customerInclude });
  if (!row) throw notFound(id);
  return row;
}
