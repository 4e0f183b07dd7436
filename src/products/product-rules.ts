/**
 * §6.2 "measures by rating" applied to opening a product — the pure decisions the use cases of this
 * bounded context share (src/products/open-product.ts, approve-product.ts). The terms themselves come
 * from the policy in force (`productOpeningTerms`, src/domain/risk-scorecard.ts); this module decides
 * what they mean for one request.
 *
 * A customer not yet rated (§6.1 no assessment yet: `Customer.riskRating` null) — or whose stored
 * rating is not one of its customer type's scale — is treated as rated MEDIUM (individuals) or C
 * (enterprises): the stricter conditions of the middle of the scale (closer scrutiny, an extra
 * guarantee and a second approver above the rating's risk class), never silently "good" (no LOW/A
 * preferential terms), and not the restrictions of the worst rating (HIGH/D would refuse ordinary
 * lending to every new customer before its first assessment). The product records the rating actually
 * stored (`ratingAtOpening`, null when unrated); the response and the audit record name the rating
 * whose terms applied.
 */
import type { StaffRole } from '../db/generated/client';
import {
  ENTERPRISE_RISK_RATINGS,
  INDIVIDUAL_RISK_RATINGS,
  productOpeningTerms,
  type ProductOpeningTerms,
  type RiskApproverRole,
  type RiskRating,
} from '../domain/risk-scorecard';
import type { Policy } from '../policy/policy';

export type CustomerType = 'INDIVIDUAL' | 'ENTERPRISE';

/** §6.2 the rating whose terms an unrated customer gets (see the module comment). */
export const UNRATED_TERMS_RATING: Readonly<Record<CustomerType, RiskRating>> = { INDIVIDUAL: 'MEDIUM', ENTERPRISE: 'C' };

export interface TermsRating {
  /** The rating whose §6.2 terms apply. */
  rating: RiskRating;
  /** False when the customer has no (valid) rating and `rating` is UNRATED_TERMS_RATING's. */
  rated: boolean;
}

/** The rating whose §6.2 terms apply to a customer of `type` whose stored rating is `stored`. */
export function termsRatingOf(type: CustomerType, stored: string | null): TermsRating {
  const scale: readonly string[] = type === 'INDIVIDUAL' ? INDIVIDUAL_RISK_RATINGS : ENTERPRISE_RISK_RATINGS;
  if (stored !== null && scale.includes(stored)) return { rating: stored as RiskRating, rated: true };
  return { rating: UNRATED_TERMS_RATING[type], rated: false };
}

/** The product codes of the policy's §6.2 catalogue, in catalogue order. */
export const catalogueCodes = (policy: Policy): string[] => policy.products.map((p) => p.code);

/** The §6.2 terms for a customer of `type` and stored rating `stored`, with the rating they were taken from. */
export function termsFor(type: CustomerType, stored: string | null, productCode: string, policy: Policy): { terms: ProductOpeningTerms; termsRating: TermsRating } {
  const termsRating = termsRatingOf(type, stored);
  return { terms: productOpeningTerms(termsRating.rating, productCode, policy), termsRating };
}

/** Said after a rule's reason when the customer is unrated (the reason names the rating whose terms applied). */
const unratedNote = ({ rating, rated }: TermsRating) => (rated ? '' : ` (the customer is not yet rated: the terms of rating ${rating} apply)`);

export type OpeningDecision =
  /** Refused by the rule (restricted risk class, not offered to this customer type). */
  | { kind: 'REFUSED'; reason: string }
  /** Allowed only with an extra guarantee, and none was given. */
  | { kind: 'GUARANTEE_REQUIRED'; reason: string }
  /** Created at once (OPEN) or waiting for a second approver (PENDING_APPROVAL). */
  | {
      kind: 'OPEN' | 'PENDING_APPROVAL';
      approvalBy: RiskApproverRole[];
      simplifiedProcedure: boolean;
      rateDiscountEligible: boolean;
      /** The conditions in plain words (empty: none). */
      conditions: string[];
    };

/** §6.2 what a request to open a product on `terms` leads to, given the guarantee offered (if any). */
export function openingDecision(terms: ProductOpeningTerms, termsRating: TermsRating, guaranteeReference: string | undefined): OpeningDecision {
  if (!terms.allowed) return { kind: 'REFUSED', reason: `${terms.reason}${unratedNote(termsRating)}` };
  if (terms.extraGuarantee && guaranteeReference === undefined) {
    return {
      kind: 'GUARANTEE_REQUIRED',
      reason: `required: ${terms.reasons.join('; ')}${unratedNote(termsRating)}; give the reference of the guarantee's collateral record`,
    };
  }
  return {
    kind: terms.approvalBy.length > 0 ? 'PENDING_APPROVAL' : 'OPEN',
    approvalBy: [...terms.approvalBy],
    simplifiedProcedure: terms.simplifiedProcedure,
    rateDiscountEligible: terms.rateDiscountEligible,
    conditions: termsRating.rated ? [...terms.reasons] : [`§6.2 the customer is not yet rated: the terms of rating ${termsRating.rating} apply`, ...terms.reasons],
  };
}

/** Who asks to approve a product waiting for its second approval. */
export interface ApprovalRequest {
  approverStaffId: string;
  approverRoles: readonly StaffRole[];
  requestedByStaffId: string;
  /** The roles the product was requested with (one of them must approve). */
  approvalBy: readonly StaffRole[];
  guaranteeReference: string | null;
}

export type ApprovalRefusal =
  /** §3.1 not the approver's role, or §6.2 maker-checker: 403. */
  | { kind: 'FORBIDDEN'; reason: string }
  /** §6.2 the current rating's terms no longer allow it as requested: 422. */
  | { kind: 'REFUSED'; reason: string };

/**
 * §6.2 "a higher approval standard": may this staff member give the second approval now? Null when
 * yes. A holder of one of the product's `approvalBy` roles, not the staff member who requested it
 * (maker-checker), and the terms of the customer's rating *now* (`current`) must still allow the
 * product as requested: not restricted meanwhile, any extra guarantee they ask for given, and when
 * they name approvers, the approver one of them too.
 */
export function approvalRefusal(req: ApprovalRequest, current: ProductOpeningTerms, currentRating: TermsRating): ApprovalRefusal | null {
  if (!req.approverRoles.some((r) => req.approvalBy.includes(r))) {
    return { kind: 'FORBIDDEN', reason: `§6.2 this product needs the approval of a ${req.approvalBy.join(' or ')}; staff member ${req.approverStaffId} holds ${req.approverRoles.join(', ') || 'no role'}` };
  }
  if (req.approverStaffId === req.requestedByStaffId) {
    return { kind: 'FORBIDDEN', reason: `§6.2 second approval: staff member ${req.approverStaffId} requested this product and cannot also approve it (maker-checker)` };
  }
  const now = `the customer's rating is now ${currentRating.rating}${unratedNote(currentRating)}`;
  if (!current.allowed) return { kind: 'REFUSED', reason: `${now}: ${current.reason}; it can no longer be approved` };
  if (current.extraGuarantee && req.guaranteeReference === null) {
    return { kind: 'REFUSED', reason: `${now}: ${current.reasons.join('; ')}, and no guarantee was given: close this request and open it again with guaranteeReference` };
  }
  if (current.approvalBy.length > 0 && !req.approverRoles.some((r) => (current.approvalBy as readonly string[]).includes(r))) {
    return { kind: 'FORBIDDEN', reason: `${now}: §6.2 the approval must come from a ${current.approvalBy.join(' or ')}` };
  }
  return null;
}
