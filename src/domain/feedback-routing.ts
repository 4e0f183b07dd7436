/**
 * §5.2 "every item is classified and registered, then routed to the responsible department": the
 * routing rules of `policy.feedback.routing`, first match wins, else `defaultDepartmentCode`. The
 * decision names the rule that made it (`default` when none matched) and the policy version, so
 * it can be recorded and explained later.
 *
 * Pure and deterministic, no Node built-ins, policy types only: workflows may import it.
 * Departments themselves live in the database; a rule names a department by its code.
 */
import {
  DEFAULT_ROUTING_RULE_ID,
  FEEDBACK_CHANNELS,
  FEEDBACK_COMPLEXITIES,
  FEEDBACK_CUSTOMER_TYPES,
  type FeedbackChannel,
  type FeedbackComplexity,
  type FeedbackCustomerType,
  type FeedbackRoutingRule,
  type Policy,
} from '../policy/policy';

export { DEFAULT_ROUTING_RULE_ID };

/** What a case is routed on: its §5.2 classification and the channel it came in by. */
export interface RoutingInput {
  /** One of `policy.feedback.categories`. */
  category: string;
  /** One of `policy.feedback.severities`. */
  severity: string;
  customerType: FeedbackCustomerType;
  channel: FeedbackChannel;
  complexity: FeedbackComplexity;
}

export interface RoutingDecision {
  departmentCode: string;
  /** The id of the rule that matched, or `default` (DEFAULT_ROUTING_RULE_ID). */
  ruleId: string;
  policyVersion: string;
}

function requireOneOf(field: keyof RoutingInput, value: unknown, allowed: readonly string[], where: string): void {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new RangeError(`${field} ${JSON.stringify(value)} is not one of ${where}: ${allowed.join(', ')}`);
  }
}

/** True when every condition the rule names holds for the input. */
export function ruleMatches(rule: FeedbackRoutingRule, input: RoutingInput): boolean {
  const { category, severity, customerType, channel, complexity } = rule.when;
  return (
    (category === undefined || category === input.category) &&
    (severity === undefined || severity === input.severity) &&
    (customerType === undefined || customerType === input.customerType) &&
    (channel === undefined || channel === input.channel) &&
    (complexity === undefined || complexity === input.complexity)
  );
}

/**
 * §5.2 the department a case goes to: the first rule of `policy.feedback.routing` whose conditions
 * all hold, else `policy.feedback.defaultDepartmentCode` with rule id `default`.
 * @throws RangeError naming the field when the category or severity is not one the policy lists, or
 *   the customer type, channel or complexity is unknown
 */
export function routeCase(input: RoutingInput, policy: Policy): RoutingDecision {
  const f = policy.feedback;
  requireOneOf('category', input.category, f.categories, `the policy's categories (${policy.version})`);
  requireOneOf('severity', input.severity, f.severities, `the policy's severities (${policy.version})`);
  requireOneOf('customerType', input.customerType, FEEDBACK_CUSTOMER_TYPES, 'the customer types');
  requireOneOf('channel', input.channel, FEEDBACK_CHANNELS, 'the §5.2 channels');
  requireOneOf('complexity', input.complexity, FEEDBACK_COMPLEXITIES, 'the complexities');
  const rule = f.routing.find((r) => ruleMatches(r, input));
  return rule
    ? { departmentCode: rule.departmentCode, ruleId: rule.id, policyVersion: policy.version }
    : { departmentCode: f.defaultDepartmentCode, ruleId: DEFAULT_ROUTING_RULE_ID, policyVersion: policy.version };
}

/** Every department code the policy may route to (rules and default), sorted, without repeats: the departments that must exist. */
export function routedDepartmentCodes(policy: Policy): string[] {
  return [...new Set([...policy.feedback.routing.map((r) => r.departmentCode), policy.feedback.defaultDepartmentCode])].sort();
}
