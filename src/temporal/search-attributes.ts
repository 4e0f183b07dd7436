/**
 * Custom search attributes (a PostgreSQL-backed Temporal allows 10 Keyword and 3 Datetime per
 * namespace, and 3 Int; keys already in the workflow id, like a reminder's key, are not repeated here): every process is findable in the Temporal UI by business key, never by
 * personal data (ids and codes only). The dev server is started with these (src/temporal/dev-server.ts)
 * and docker-compose registers them at setup; test/unit/docker-compose.test.ts keeps the two in step.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  /** Business process kind: REMINDER, ONBOARDING, CUSTOMER_LIFECYCLE, FEEDBACK, RISK, RISK_PORTFOLIO (§6 portfolio runs). */
  ProcessKind: defineSearchAttributeKey('ProcessKind', SearchAttributeType.KEYWORD),
  /** Lifecycle state of the business object (e.g. SCHEDULED, DUE, ESCALATED). */
  BusinessStatus: defineSearchAttributeKey('BusinessStatus', SearchAttributeType.KEYWORD),
  StaffId: defineSearchAttributeKey('StaffId', SearchAttributeType.KEYWORD),
  DueAt: defineSearchAttributeKey('DueAt', SearchAttributeType.DATETIME),
  CustomerId: defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD),
  CustomerType: defineSearchAttributeKey('CustomerType', SearchAttributeType.KEYWORD),
  Segment: defineSearchAttributeKey('Segment', SearchAttributeType.KEYWORD),
  RiskRating: defineSearchAttributeKey('RiskRating', SearchAttributeType.KEYWORD),
  NextReviewAt: defineSearchAttributeKey('NextReviewAt', SearchAttributeType.DATETIME),
  CaseNo: defineSearchAttributeKey('CaseNo', SearchAttributeType.KEYWORD),
  SlaDeadline: defineSearchAttributeKey('SlaDeadline', SearchAttributeType.DATETIME),
  PolicyVersion: defineSearchAttributeKey('PolicyVersion', SearchAttributeType.KEYWORD),
  /** §5.2 the department a feedback case is routed to (the tenth and last Keyword slot). */
  Department: defineSearchAttributeKey('Department', SearchAttributeType.KEYWORD),
  /** §5.2 a feedback case's escalation level: 0 none, 1 department head, 2 executive on duty. */
  EscalationLevel: defineSearchAttributeKey('EscalationLevel', SearchAttributeType.INT),
} as const;

/** name → Temporal CLI type name, as `temporal server start-dev --search-attribute Name=Type` wants it. */
export const SEARCH_ATTRIBUTE_CLI_TYPES: Record<string, 'Keyword' | 'Datetime' | 'Int' | 'Double' | 'Bool' | 'Text'> =
  Object.fromEntries(
    Object.values(SA).map((key) => [
      key.name,
      key.type === SearchAttributeType.DATETIME ? 'Datetime' : key.type === SearchAttributeType.INT ? 'Int' : 'Keyword',
    ]),
  );
