/**
 * §3.1 the feedback columns stored encrypted, each with its AAD: the ciphertext is bound to its column
 * and case (and, for a timeline event, to the event's idempotency key), so a value copied to another
 * row or column will not decrypt. The use cases (src/feedback/) write them; the activities
 * (activities/feedback.ts) read contact details and the bodies of responses and resolutions with
 * the same labels.
 */
import { randomUUID } from 'node:crypto';

export type CaseField = 'contactName' | 'contactEmail' | 'contactPhone' | 'summary' | 'description';

export const feedbackAad = {
  /** `FeedbackCase.<field>:<caseNo>` */
  caseField: (field: CaseField, caseNo: string) => `FeedbackCase.${field}:${caseNo}`,
  /** `FeedbackEvent.body:<caseNo>:<idempotencyKey>` */
  eventBody: (caseNo: string, idempotencyKey: string) => `FeedbackEvent.body:${caseNo}:${idempotencyKey}`,
};

/** The idempotency key of an event a person writes with a body: `<caseNo>:<kind>:<uuid>`. */
export const newEventKey = (caseNo: string, kind: string) => `${caseNo}:${kind}:${randomUUID()}`;

/** Blind-index kind of a non-customer's e-mail address (their earlier cases, without the address). */
export const CONTACT_EMAIL_INDEX = 'feedback-email';
export const normalizeEmailForIndex = (email: string) => email.trim().toLowerCase();
