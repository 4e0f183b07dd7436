/**
 * Use case (§6.2): a customer's product is closed — an OPEN product ends, or a request waiting for its
 * second approval (PENDING_APPROVAL) is withdrawn. Who (§3.1): SUPERVISOR or ADMIN for any customer; a
 * RELATIONSHIP_MANAGER for the customers they look after (others 404). A product CLOSED already: 409.
 * Any customer status (a customer who left may still have products to close). The status change and
 * its audit record (`product.close`, with the reason) in one transaction.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import { ownCustomerScope } from '../customers/access';
import { requireRole, type Actor } from '../security/auth';
import { ConflictError, parseInput } from '../shared/errors';
import { riskPolicyInForce } from '../risk/policy-in-force';
import { lockedCustomer, lockedProduct, PRODUCT_ANY_CUSTOMER_ROLES, PRODUCT_WRITE_ROLES, productIdOf, productSelect, toProductView, type ProductDeps, type ProductView } from './products';

export const closeProductInput = z.strictObject({
  /** Why it is closed (recorded in the audit record). */
  reason: z.string({ error: 'text: why the product is closed' }).trim().min(1, 'must not be blank: say why the product is closed').max(500, 'at most 500 characters'),
});

export async function closeProduct(deps: ProductDeps, actor: Actor, customerId: string, productId: string, body: unknown, ctx: { requestId?: string } = {}): Promise<ProductView> {
  requireRole(actor, ...PRODUCT_WRITE_ROLES);
  const scope = ownCustomerScope(actor, PRODUCT_ANY_CUSTOMER_ROLES);
  const id = productIdOf(productId);
  const { reason } = parseInput(closeProductInput, body);
  const at = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    await lockedCustomer(tx, customerId, scope);
    const product = await lockedProduct(tx, customerId, id);
    if (product.status === 'CLOSED') throw new ConflictError(`product ${id} is CLOSED already (since ${product.closedAt?.toISOString() ?? 'unknown'})`);
    const { count } = await tx.customerProduct.updateMany({ where: { id, status: product.status }, data: { status: 'CLOSED', closedAt: at } });
    if (count === 0) throw new ConflictError(`product ${id} changed meanwhile; read it again`);
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'product.close',
      entity: 'CustomerProduct',
      entityId: id,
      customerId,
      changes: { status: { before: product.status, after: 'CLOSED' }, reason: { before: null, after: reason } },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    const policy = await riskPolicyInForce(tx, deps.policy);
    return toProductView(await tx.customerProduct.findUniqueOrThrow({ where: { id }, select: productSelect }), policy);
  });
}
