/**
 * Use case (§6.2, §3.1): a customer's products, newest request first, optionally of one status. Same
 * read scope as GET /customers/:id: any staff role, a RELATIONSHIP_MANAGER only for the customers they
 * look after (others 404). Each read is recorded (`customer.read`, entity CustomerProduct) in the
 * read's transaction: no record, no data. A customer holds a handful of products: no paging.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import { customerScope, notFound } from '../customers/access';
import type { Actor } from '../security/auth';
import { parseInput } from '../shared/errors';
import { riskPolicyInForce } from '../risk/policy-in-force';
import { PRODUCT_STATUSES, productSelect, toProductView, type ProductDeps, type ProductView } from './products';

export const listProductsQuery = z.strictObject({
  status: z.enum(PRODUCT_STATUSES, { error: `one of ${PRODUCT_STATUSES.join(', ')}` }).optional(),
});

export interface ProductList {
  customerId: string;
  items: ProductView[];
}

export async function listProducts(deps: Pick<ProductDeps, 'db' | 'policy'>, actor: Actor, customerId: string, query: unknown, ctx: { requestId?: string } = {}): Promise<ProductList> {
  const q = parseInput(listProductsQuery, query ?? {});
  return deps.db.$transaction(async (tx) => {
    const customer = await tx.customer.findFirst({ where: { AND: [{ id: customerId }, customerScope(actor)] }, select: { id: true } });
    if (!customer) throw notFound(customerId);
    const rows = await tx.customerProduct.findMany({
      where: { customerId, ...(q.status ? { status: q.status } : {}) },
      orderBy: [{ requestedAt: 'desc' }, { id: 'desc' }],
      select: productSelect,
    });
    await writeAudit(tx, { actorStaffId: actor.staffId, action: 'customer.read', entity: 'CustomerProduct', entityId: customerId, customerId, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) });
    const policy = await riskPolicyInForce(tx, deps.policy);
    return { customerId, items: rows.map((r) => toProductView(r, policy)) };
  });
}
