/**
 * Use case (§6.2 measures by rating): a customer asks for a product of the bank's catalogue
 * (`policy.products`, each with a risk class 1–4), on the terms of its risk rating:
 *
 *   LOW / A      opened at once, with the preferential terms flagged on the product
 *                (`simplifiedProcedure`, `rateDiscountEligible`);
 *   MEDIUM / B–C above the rating's risk class: an extra guarantee (`guaranteeReference`, the
 *                collateral record) and/or a second approval by one of the roles the policy names —
 *                the product waits as PENDING_APPROVAL (src/products/approve-product.ts);
 *   HIGH / D     products of the restricted risk classes are refused; the others as the policy says.
 *
 * A customer not yet rated gets the terms of the middle rating, MEDIUM (individuals) or C
 * (enterprises): never silently "good", not the worst either (src/products/product-rules.ts).
 * The terms come from `productOpeningTerms` under the §6 policy in force (`riskPolicyInForce`).
 *
 * Who (§3.1): SUPERVISOR or ADMIN for any customer; a RELATIONSHIP_MANAGER for the customers they look
 * after (others 404, as every customer route). Answers: 201 with the product (OPEN or
 * PENDING_APPROVAL) and the terms applied; 400 naming a bad field (an unknown productCode lists the
 * catalogue); 404; 409 when the customer is not APPROVED; 422 when §6.2 refuses it (restricted class,
 * not offered to the customer's type) or asks for a guarantee not given (field `guaranteeReference`),
 * with the rule's reason. The product and its audit record (`product.open`) in one transaction, the
 * customer's row share-locked so its rating cannot change under the decision; nothing written when
 * refused.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import { ownCustomerScope } from '../customers/access';
import { requireRole, type Actor } from '../security/auth';
import { RuleRefusalError, ValidationError, parseInput } from '../shared/errors';
import { riskPolicyInForce } from '../risk/policy-in-force';
import { catalogueCodes, openingDecision, termsFor, type TermsRating } from './product-rules';
import {
  lockedCustomer,
  PRODUCT_ANY_CUSTOMER_ROLES,
  PRODUCT_WRITE_ROLES,
  productSelect,
  requireApprovedCustomer,
  toProductView,
  type ProductDeps,
  type ProductView,
} from './products';

/** Amounts in US dollars with cents at most (Decimal(18, 2)). */
const hasAtMostCents = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6;

export const openProductInput = z.strictObject({
  /** A code of the §6.2 catalogue in force, e.g. DEPOSIT_ACCOUNT, PERSONAL_LOAN. */
  productCode: z
    .string({ error: 'a product code of the §6.2 catalogue, e.g. DEPOSIT_ACCOUNT' })
    .trim()
    .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'a product code of the §6.2 catalogue (capital letters, digits and _), e.g. DEPOSIT_ACCOUNT'),
  /** The limit or the balance at opening, USD (for volume figures). */
  amountUsd: z
    .number({ error: 'a number of US dollars' })
    .finite('a number of US dollars')
    .positive('must be more than 0')
    .max(1e15, 'implausibly large')
    .refine(hasAtMostCents, 'at most 2 decimal places (cents)')
    .optional(),
  /** §6.2 MEDIUM/B–C extra guarantee: the reference of its collateral record. */
  guaranteeReference: z
    .string({ error: "text: the reference of the guarantee's collateral record" })
    .trim()
    .min(1, "must not be blank: the reference of the guarantee's collateral record")
    .max(100, 'at most 100 characters')
    .optional(),
});

export interface ProductOpened extends ProductView {
  /** §6.2 the terms it was opened on. */
  terms: {
    /** The rating whose terms applied (for an unrated customer, MEDIUM or C). */
    rating: string;
    /** False: the customer is not yet rated. */
    rated: boolean;
    /** The conditions in plain words (empty: none). */
    conditions: string[];
  };
}

export async function openProduct(deps: ProductDeps, actor: Actor, customerId: string, body: unknown, ctx: { requestId?: string } = {}): Promise<ProductOpened> {
  requireRole(actor, ...PRODUCT_WRITE_ROLES);
  const scope = ownCustomerScope(actor, PRODUCT_ANY_CUSTOMER_ROLES);
  const input = parseInput(openProductInput, body);
  const at = deps.clock.now();

  return deps.db.$transaction(async (tx) => {
    const customer = await lockedCustomer(tx, customerId, scope);
    const policy = await riskPolicyInForce(tx, deps.policy);
    if (!policy.products.some((p) => p.code === input.productCode)) {
      throw new ValidationError([
        { field: 'productCode', value: input.productCode, reason: `not in the §6.2 product catalogue of policy ${policy.version}: one of ${catalogueCodes(policy).join(', ')}` },
      ]);
    }
    requireApprovedCustomer(customer, 'open a product');

    const { terms, termsRating } = termsFor(customer.type, customer.riskRating, input.productCode, policy);
    const decision = openingDecision(terms, termsRating, input.guaranteeReference);
    if (decision.kind === 'REFUSED') {
      throw new RuleRefusalError(decision.reason, [{ field: 'productCode', value: input.productCode, reason: decision.reason }]);
    }
    if (decision.kind === 'GUARANTEE_REQUIRED') {
      throw new RuleRefusalError(decision.reason, [{ field: 'guaranteeReference', reason: decision.reason }]);
    }

    const open = decision.kind === 'OPEN';
    const row = await tx.customerProduct.create({
      data: {
        customerId,
        productCode: input.productCode,
        riskClass: terms.riskClass,
        status: decision.kind,
        ratingAtOpening: termsRating.rated ? termsRating.rating : null,
        policyVersion: policy.version,
        simplifiedProcedure: decision.simplifiedProcedure,
        rateDiscountEligible: decision.rateDiscountEligible,
        guaranteeReference: input.guaranteeReference ?? null,
        approvalBy: decision.approvalBy,
        amountUsd: input.amountUsd ?? null,
        requestedByStaffId: actor.staffId,
        requestedAt: at,
        openedAt: open ? at : null,
      },
      select: productSelect,
    });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'product.open',
      entity: 'CustomerProduct',
      entityId: row.id,
      customerId,
      changes: {
        status: { before: null, after: row.status },
        productCode: { before: null, after: row.productCode },
        riskClass: { before: null, after: row.riskClass },
        termsRating: { before: null, after: termsRatingText(termsRating) },
        policyVersion: { before: null, after: row.policyVersion },
        ...(decision.approvalBy.length ? { approvalBy: { before: null, after: decision.approvalBy } } : {}),
        ...(row.guaranteeReference ? { guaranteeReference: { before: null, after: row.guaranteeReference } } : {}),
        ...(row.simplifiedProcedure ? { simplifiedProcedure: { before: null, after: true } } : {}),
        ...(row.rateDiscountEligible ? { rateDiscountEligible: { before: null, after: true } } : {}),
        ...(row.amountUsd ? { amountUsd: { before: null, after: row.amountUsd.toString() } } : {}),
      },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return { ...toProductView(row, policy), terms: { rating: termsRating.rating, rated: termsRating.rated, conditions: decision.conditions } };
  });
}

/** 'MEDIUM', or 'MEDIUM (unrated)' when an unrated customer got the middle rating's terms. */
const termsRatingText = (r: TermsRating) => (r.rated ? r.rating : `${r.rating} (unrated)`);
