/**
 * Use case (§6.2 MEDIUM / B–C "stricter conditions (… higher approval standard)"; HIGH / D likewise
 * for the classes it does not restrict): the second approval of a product that waits for it
 * (PENDING_APPROVAL, src/products/open-product.ts) → OPEN, with who approved it and when.
 *
 * - Who: a staff member holding one of the product's `approvalBy` roles (SUPERVISOR, RISK_OFFICER as
 *   the policy names them), never the one who requested it (maker-checker): 403 with the reason.
 *   Scope as every customer route (a RELATIONSHIP_MANAGER-only actor: 404 outside their customers).
 * - The product must still be PENDING_APPROVAL (409 otherwise: approved or closed meanwhile) and the
 *   customer APPROVED (409).
 * - The terms are checked again against the customer's rating *now*, under the §6 policy in force:
 *   a rating that meanwhile restricts the product, asks for a guarantee that was not given, or names
 *   other approvers refuses it (422 / 403 with the rule's reason). Nothing is written then.
 * - The status change and its audit record (`product.approve`) in one transaction.
 * - No body: the request is the approval. A body with any field is refused (400 naming the field,
 *   nothing written) rather than silently ignored; none, `null` or `{}` is fine.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import { customerScope } from '../customers/access';
import { RISK_APPROVER_ROLES } from '../domain/risk-scorecard';
import { ForbiddenError, requireRole, type Actor } from '../security/auth';
import { ConflictError, parseInput, RuleRefusalError } from '../shared/errors';
import { riskPolicyInForce } from '../risk/policy-in-force';
import { approvalRefusal, termsFor } from './product-rules';
import { lockedCustomer, lockedProduct, productIdOf, productSelect, requireApprovedCustomer, toProductView, type ProductDeps, type ProductView } from './products';

/** The approval takes no input: no body, `null` or `{}`. */
export const approveProductInput = z.strictObject({}, { error: 'no body expected: the request is the approval' }).nullable().optional();

export async function approveProduct(
  deps: ProductDeps,
  actor: Actor,
  customerId: string,
  productId: string,
  body?: unknown,
  ctx: { requestId?: string } = {},
): Promise<ProductView> {
  requireRole(actor, ...RISK_APPROVER_ROLES); // the roles a §6.2 second approval can name; the product's own below
  parseInput(approveProductInput, body);
  const id = productIdOf(productId);
  const at = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    const customer = await lockedCustomer(tx, customerId, customerScope(actor));
    const product = await lockedProduct(tx, customerId, id);
    if (product.status !== 'PENDING_APPROVAL') {
      throw new ConflictError(`product ${id} is ${product.status}: only a product waiting for its second approval (PENDING_APPROVAL) can be approved`);
    }
    requireApprovedCustomer(customer, 'have a product approved');

    const policy = await riskPolicyInForce(tx, deps.policy);
    if (!policy.products.some((p) => p.code === product.productCode)) {
      throw new RuleRefusalError(`product ${product.productCode} is no longer in the §6.2 catalogue of policy ${policy.version}: it can no longer be approved`);
    }
    const { terms, termsRating } = termsFor(customer.type, customer.riskRating, product.productCode, policy);
    const refusal = approvalRefusal(
      { approverStaffId: actor.staffId, approverRoles: actor.roles, requestedByStaffId: product.requestedByStaffId, approvalBy: product.approvalBy, guaranteeReference: product.guaranteeReference },
      terms,
      termsRating,
    );
    if (refusal?.kind === 'FORBIDDEN') throw new ForbiddenError(refusal.reason);
    if (refusal?.kind === 'REFUSED') throw new RuleRefusalError(refusal.reason);

    const { count } = await tx.customerProduct.updateMany({
      where: { id, status: 'PENDING_APPROVAL' },
      data: { status: 'OPEN', approvedByStaffId: actor.staffId, approvedAt: at, openedAt: at },
    });
    if (count === 0) throw new ConflictError(`product ${id} was approved or closed meanwhile`);
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'product.approve',
      entity: 'CustomerProduct',
      entityId: id,
      customerId,
      changes: {
        status: { before: 'PENDING_APPROVAL', after: 'OPEN' },
        approvedByStaffId: { before: null, after: actor.staffId },
        ratingAtApproval: { before: product.ratingAtOpening, after: termsRating.rated ? termsRating.rating : `${termsRating.rating} (unrated)` },
        policyVersion: { before: product.policyVersion, after: policy.version },
      },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return toProductView(await tx.customerProduct.findUniqueOrThrow({ where: { id }, select: productSelect }), policy);
  });
}
