/**
 * src/products/product-rules.ts: §6.2 "measures by rating" applied to one request to open a product,
 * and to the second approval of one that waits for it, under DEFAULT_POLICY's catalogue and measures.
 *   - an unrated customer gets the terms of the middle rating (MEDIUM / C): never the LOW/A preferential
 *     terms, never the HIGH/D restrictions;
 *   - LOW/A opens at once with the preferential flags; MEDIUM/C above class 2 needs a guarantee and a
 *     second approver; B above class 3 only the approver; HIGH/D refuses classes 3–4 with the reason;
 *   - the second approval: one of the product's roles, never the requester (maker-checker), and the
 *     rating *now* must still allow it.
 */
import { productOpeningTerms, type RiskRating } from '../../src/domain/risk-scorecard';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import {
  approvalRefusal,
  catalogueCodes,
  openingDecision,
  termsFor,
  termsRatingOf,
  UNRATED_TERMS_RATING,
  type ApprovalRequest,
} from '../../src/products/product-rules';

const P = DEFAULT_POLICY;

const decide = (type: 'INDIVIDUAL' | 'ENTERPRISE', rating: string | null, code: string, guarantee?: string) => {
  const { terms, termsRating } = termsFor(type, rating, code, P);
  return openingDecision(terms, termsRating, guarantee);
};

describe('§6.2 the rating whose terms apply', () => {
  test('a rated customer: its own rating', () => {
    expect(termsRatingOf('INDIVIDUAL', 'LOW')).toEqual({ rating: 'LOW', rated: true });
    expect(termsRatingOf('ENTERPRISE', 'D')).toEqual({ rating: 'D', rated: true });
  });

  test('not yet rated: MEDIUM for individuals, C for enterprises (the middle rating, never silently good)', () => {
    expect(UNRATED_TERMS_RATING).toEqual({ INDIVIDUAL: 'MEDIUM', ENTERPRISE: 'C' });
    expect(termsRatingOf('INDIVIDUAL', null)).toEqual({ rating: 'MEDIUM', rated: false });
    expect(termsRatingOf('ENTERPRISE', null)).toEqual({ rating: 'C', rated: false });
  });

  test("a stored rating of the other customer type's scale (or garbage) counts as unrated", () => {
    expect(termsRatingOf('INDIVIDUAL', 'A')).toEqual({ rating: 'MEDIUM', rated: false });
    expect(termsRatingOf('ENTERPRISE', 'LOW')).toEqual({ rating: 'C', rated: false });
    expect(termsRatingOf('ENTERPRISE', 'c')).toEqual({ rating: 'C', rated: false });
  });

  test('the catalogue codes come from the policy', () => {
    expect(catalogueCodes(P)).toEqual(P.products.map((p) => p.code));
    expect(catalogueCodes(P)).toContain('PERSONAL_LOAN');
  });
});

describe('§6.2 opening a product', () => {
  test('LOW: a class-4 product opens at once with the preferential terms (simplified procedure, rate discount)', () => {
    expect(decide('INDIVIDUAL', 'LOW', 'CREDIT_LINE')).toEqual({ kind: 'OPEN', approvalBy: [], simplifiedProcedure: true, rateDiscountEligible: true, conditions: [] });
  });

  test('A: likewise for an enterprise', () => {
    expect(decide('ENTERPRISE', 'A', 'PROJECT_FINANCE')).toMatchObject({ kind: 'OPEN', simplifiedProcedure: true, rateDiscountEligible: true });
  });

  test('MEDIUM: class 2 and below open at once, without preferential terms', () => {
    expect(decide('INDIVIDUAL', 'MEDIUM', 'CREDIT_CARD')).toEqual({ kind: 'OPEN', approvalBy: [], simplifiedProcedure: false, rateDiscountEligible: false, conditions: [] });
  });

  test('MEDIUM: class 3 without a guarantee → guarantee required, with the §6.2 reason', () => {
    const d = decide('INDIVIDUAL', 'MEDIUM', 'PERSONAL_LOAN');
    expect(d.kind).toBe('GUARANTEE_REQUIRED');
    expect(d).toMatchObject({ reason: expect.stringContaining('§6.2 rating MEDIUM: risk class 3 is above 2: needs an extra guarantee') });
  });

  test('MEDIUM: class 3 with a guarantee → waits for a SUPERVISOR or RISK_OFFICER', () => {
    expect(decide('INDIVIDUAL', 'MEDIUM', 'PERSONAL_LOAN', 'COLL-1')).toEqual({
      kind: 'PENDING_APPROVAL',
      approvalBy: ['SUPERVISOR', 'RISK_OFFICER'],
      simplifiedProcedure: false,
      rateDiscountEligible: false,
      conditions: ['§6.2 rating MEDIUM: risk class 3 is above 2: needs an extra guarantee and a second approval by SUPERVISOR or RISK_OFFICER'],
    });
  });

  test('B: class 4 needs a second approver but no guarantee; class 3 opens at once', () => {
    expect(decide('ENTERPRISE', 'B', 'TRADE_FINANCE')).toMatchObject({ kind: 'PENDING_APPROVAL', approvalBy: ['SUPERVISOR', 'RISK_OFFICER'] });
    expect(decide('ENTERPRISE', 'B', 'WORKING_CAPITAL_LOAN')).toMatchObject({ kind: 'OPEN', approvalBy: [] });
  });

  test.each<[RiskRating, 'INDIVIDUAL' | 'ENTERPRISE', string]>([
    ['HIGH', 'INDIVIDUAL', 'PERSONAL_LOAN'],
    ['HIGH', 'INDIVIDUAL', 'CREDIT_LINE'],
    ['D', 'ENTERPRISE', 'WORKING_CAPITAL_LOAN'],
    ['D', 'ENTERPRISE', 'PROJECT_FINANCE'],
  ])('%s: %s %s (class 3–4) is refused with the §6.2 reason, whatever the guarantee', (rating, type, code) => {
    const d = decide(type, rating, code, 'COLL-1');
    expect(d).toEqual({ kind: 'REFUSED', reason: expect.stringMatching(new RegExp(`^§6\\.2 rating ${rating}: products of risk class [34] \\(${code}\\) may not be opened`)) });
  });

  test('HIGH: class 2 needs a guarantee and a RISK_OFFICER; class 1 opens at once', () => {
    expect(decide('INDIVIDUAL', 'HIGH', 'CREDIT_CARD').kind).toBe('GUARANTEE_REQUIRED');
    expect(decide('INDIVIDUAL', 'HIGH', 'CREDIT_CARD', 'COLL-1')).toMatchObject({ kind: 'PENDING_APPROVAL', approvalBy: ['RISK_OFFICER'] });
    expect(decide('INDIVIDUAL', 'HIGH', 'DEPOSIT_ACCOUNT')).toMatchObject({ kind: 'OPEN' });
  });

  test('a product not offered to the customer type is refused, naming it', () => {
    expect(decide('INDIVIDUAL', 'LOW', 'TRADE_FINANCE')).toEqual({ kind: 'REFUSED', reason: 'TRADE_FINANCE is not offered to INDIVIDUAL customers' });
    expect(decide('ENTERPRISE', 'A', 'MORTGAGE')).toEqual({ kind: 'REFUSED', reason: 'MORTGAGE is not offered to ENTERPRISE customers' });
  });

  test('unrated: the middle rating’s conditions, said so, no preferential terms', () => {
    expect(decide('INDIVIDUAL', null, 'PERSONAL_LOAN')).toMatchObject({ kind: 'GUARANTEE_REQUIRED', reason: expect.stringContaining('not yet rated: the terms of rating MEDIUM apply') });
    const pending = decide('ENTERPRISE', null, 'TRADE_FINANCE', 'COLL-9');
    expect(pending).toMatchObject({ kind: 'PENDING_APPROVAL', simplifiedProcedure: false, rateDiscountEligible: false });
    expect(pending.kind === 'PENDING_APPROVAL' && pending.conditions[0]).toBe('§6.2 the customer is not yet rated: the terms of rating C apply');
    expect(decide('INDIVIDUAL', null, 'DEPOSIT_ACCOUNT')).toMatchObject({ kind: 'OPEN', simplifiedProcedure: false, rateDiscountEligible: false });
  });

  test('an unknown product code is the caller’s to check (RangeError from the policy rule)', () => {
    expect(() => termsFor('INDIVIDUAL', 'LOW', 'NOPE', P)).toThrow(RangeError);
  });
});

describe('§6.2 the second approval', () => {
  const request = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
    approverStaffId: 'risk-1',
    approverRoles: ['RISK_OFFICER'],
    requestedByStaffId: 'rm-1',
    approvalBy: ['SUPERVISOR', 'RISK_OFFICER'],
    guaranteeReference: 'COLL-1',
    ...over,
  });
  const now = (rating: RiskRating, code = 'PERSONAL_LOAN') => [productOpeningTerms(rating, code, P), { rating, rated: true }] as const;

  test('a RISK_OFFICER who did not request it may approve a MEDIUM class-3 product', () => {
    expect(approvalRefusal(request(), ...now('MEDIUM'))).toBeNull();
  });

  test('a role the product does not name: forbidden, naming the roles', () => {
    expect(approvalRefusal(request({ approverRoles: ['RELATIONSHIP_MANAGER', 'ADMIN'] }), ...now('MEDIUM'))).toEqual({
      kind: 'FORBIDDEN',
      reason: expect.stringContaining('needs the approval of a SUPERVISOR or RISK_OFFICER'),
    });
  });

  test('maker-checker: the requester may not approve, even with the role', () => {
    expect(approvalRefusal(request({ approverStaffId: 'sup-1', approverRoles: ['SUPERVISOR'], requestedByStaffId: 'sup-1' }), ...now('MEDIUM'))).toEqual({
      kind: 'FORBIDDEN',
      reason: expect.stringContaining('maker-checker'),
    });
  });

  test('the rating worsened to HIGH meanwhile: class 3 is restricted now → refused with the reason', () => {
    expect(approvalRefusal(request(), ...now('HIGH'))).toEqual({
      kind: 'REFUSED',
      reason: expect.stringMatching(/^the customer's rating is now HIGH: §6\.2 rating HIGH: products of risk class 3 \(PERSONAL_LOAN\) may not be opened/),
    });
  });

  test('B → C meanwhile: a guarantee is needed now and none was given → refused', () => {
    expect(approvalRefusal(request({ guaranteeReference: null }), ...now('C', 'TRADE_FINANCE'))).toMatchObject({ kind: 'REFUSED', reason: expect.stringContaining('no guarantee was given') });
  });

  test('the rating now names other approvers (HIGH class 2: RISK_OFFICER only) → a SUPERVISOR may not', () => {
    const r = request({ approverStaffId: 'sup-1', approverRoles: ['SUPERVISOR'] });
    expect(approvalRefusal(r, ...now('HIGH', 'CREDIT_CARD'))).toMatchObject({ kind: 'FORBIDDEN', reason: expect.stringContaining('must come from a RISK_OFFICER') });
  });

  test('the rating improved meanwhile (LOW: no conditions) → the approval still goes through', () => {
    expect(approvalRefusal(request(), ...now('LOW'))).toBeNull();
  });
});
