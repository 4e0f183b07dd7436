/**
 * src/domain/feedback-routing.ts: §5.2 "every item is classified and registered, then routed to the
 * responsible department" by the policy's rules, first match wins, else the default department; the
 * decision names the rule (or `default`) and the policy version.
 */
import { DEFAULT_ROUTING_RULE_ID, routeCase, routedDepartmentCodes, ruleMatches, type RoutingInput } from '../../src/domain/feedback-routing';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../src/policy/policy';

const P = DEFAULT_POLICY;
const base: RoutingInput = { category: 'ACCOUNT', severity: 'LOW', customerType: 'INDIVIDUAL', channel: 'ONLINE', complexity: 'SIMPLE' };

function policyWith(change: (p: Record<string, any>) => void): Policy {
  const copy = structuredClone(DEFAULT_POLICY) as Record<string, any>;
  change(copy);
  return parsePolicy(copy);
}

describe('§5.2 routing with the default rules', () => {
  it.each<[why: string, change: Partial<RoutingInput>, departmentCode: string, ruleId: string]>([
    ['§5.2 an account question goes to customer service by default', {}, 'CUSTOMER_SERVICE', 'default'],
    ['§5.2 OTHER by default', { category: 'OTHER' }, 'CUSTOMER_SERVICE', 'default'],
    ['§5.2 a card issue to CARDS', { category: 'CARD' }, 'CARDS', 'cards'],
    ['§5.2 a loan issue to LENDING', { category: 'LOAN', customerType: 'ENTERPRISE', complexity: 'COMPLEX' }, 'LENDING', 'loans'],
    ['§5.2 a payment issue to PAYMENTS', { category: 'PAYMENT', channel: 'HOTLINE' }, 'PAYMENTS', 'payments'],
    ['§5.2 a digital issue to DIGITAL', { category: 'DIGITAL', channel: 'SUGGESTION_BOX' }, 'DIGITAL', 'digital'],
    ['§5.2 service quality to COMPLAINTS', { category: 'SERVICE_QUALITY' }, 'COMPLAINTS', 'service-quality-to-complaints'],
    ['§5.2 FEES at LOW severity by default', { category: 'FEES' }, 'CUSTOMER_SERVICE', 'default'],
    ['§5.2 FEES at HIGH severity to COMPLAINTS (both conditions hold)', { category: 'FEES', severity: 'HIGH' }, 'COMPLAINTS', 'high-fees-to-complaints'],
    ['§5.2 first match wins: a CRITICAL card issue goes to COMPLAINTS, not CARDS', { category: 'CARD', severity: 'CRITICAL' }, 'COMPLAINTS', 'critical-to-complaints'],
    ['§5.2 first match wins: a CRITICAL loan issue too', { category: 'LOAN', severity: 'CRITICAL' }, 'COMPLAINTS', 'critical-to-complaints'],
  ])('%s', (_why, change, departmentCode, ruleId) => {
    expect(routeCase({ ...base, ...change }, P)).toEqual({ departmentCode, ruleId, policyVersion: P.version });
  });

  it('names every department the defaults may route to (they must exist in the database)', () => {
    expect(routedDepartmentCodes(P)).toEqual(['CARDS', 'COMPLAINTS', 'CUSTOMER_SERVICE', 'DIGITAL', 'LENDING', 'PAYMENTS']);
  });

  it('the default route’s id is "default"', () => {
    expect(DEFAULT_ROUTING_RULE_ID).toBe('default');
  });
});

describe('§5.2 routing follows the policy’s rules', () => {
  const policy = policyWith((p) => {
    p.version = '2027.02-1';
    p.feedback.routing = [
      { id: 'enterprise-complex', when: { customerType: 'ENTERPRISE', complexity: 'COMPLEX' }, departmentCode: 'CORPORATE' },
      { id: 'hotline-cards', when: { channel: 'HOTLINE', category: 'CARD' }, departmentCode: 'CARD_HOTLINE' },
      { id: 'cards', when: { category: 'CARD' }, departmentCode: 'CARDS' },
      { id: 'box', when: { channel: 'SUGGESTION_BOX' }, departmentCode: 'QUALITY' },
    ];
    p.feedback.defaultDepartmentCode = 'FRONT_OFFICE';
  });

  it.each<[change: Partial<RoutingInput>, departmentCode: string, ruleId: string]>([
    [{ customerType: 'ENTERPRISE', complexity: 'COMPLEX', category: 'CARD', channel: 'HOTLINE' }, 'CORPORATE', 'enterprise-complex'],
    [{ customerType: 'ENTERPRISE', complexity: 'SIMPLE', category: 'CARD', channel: 'HOTLINE' }, 'CARD_HOTLINE', 'hotline-cards'],
    [{ category: 'CARD', channel: 'ONLINE' }, 'CARDS', 'cards'],
    [{ category: 'CARD', channel: 'SUGGESTION_BOX' }, 'CARDS', 'cards'],
    [{ category: 'LOAN', channel: 'SUGGESTION_BOX' }, 'QUALITY', 'box'],
    [{ category: 'LOAN', channel: 'HOTLINE' }, 'FRONT_OFFICE', 'default'],
  ])('%j → %s by %s', (change, departmentCode, ruleId) => {
    expect(routeCase({ ...base, ...change }, policy)).toEqual({ departmentCode, ruleId, policyVersion: '2027.02-1' });
  });

  it('with no rules at all everything takes the default route', () => {
    const none = policyWith((p) => { p.feedback.routing = []; });
    expect(routeCase({ ...base, category: 'CARD', severity: 'CRITICAL' }, none)).toMatchObject({ departmentCode: 'CUSTOMER_SERVICE', ruleId: 'default' });
  });

  it('ruleMatches: every named condition must hold, omitted ones match anything', () => {
    const rule = { id: 'x', when: { category: 'CARD', severity: 'HIGH' }, departmentCode: 'CARDS' };
    expect(ruleMatches(rule, { ...base, category: 'CARD', severity: 'HIGH' })).toBe(true);
    expect(ruleMatches(rule, { ...base, category: 'CARD', severity: 'LOW' })).toBe(false);
    expect(ruleMatches(rule, { ...base, category: 'LOAN', severity: 'HIGH' })).toBe(false);
  });
});

describe('§5.2 routing rejects a classification the policy does not know', () => {
  it.each<[change: Record<string, unknown>, message: string]>([
    [{ category: 'CRYPTO' }, `category "CRYPTO" is not one of the policy's categories (${DEFAULT_POLICY.version}): ACCOUNT, CARD, LOAN, PAYMENT, SERVICE_QUALITY, FEES, DIGITAL, OTHER`],
    [{ severity: 'URGENT' }, `severity "URGENT" is not one of the policy's severities (${DEFAULT_POLICY.version}): LOW, MEDIUM, HIGH, CRITICAL`],
    [{ customerType: 'PERSON' }, 'customerType "PERSON" is not one of the customer types: INDIVIDUAL, ENTERPRISE'],
    [{ channel: 'EMAIL' }, 'channel "EMAIL" is not one of the §5.2 channels: HOTLINE, ONLINE, SUGGESTION_BOX'],
    [{ complexity: 'MODERATE' }, 'complexity "MODERATE" is not one of the complexities: SIMPLE, COMPLEX'],
    [{ category: undefined }, 'category undefined is not one of'],
  ])('%j', (change, message) => {
    expect(() => routeCase({ ...base, ...change }, P)).toThrow(RangeError);
    expect(() => routeCase({ ...base, ...change }, P)).toThrow(message);
  });
});
