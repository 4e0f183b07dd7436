/**
 * §3.1 "every access to and change of customer data is recorded": the audit actions, one typed list.
 * A writer names one of these (a typo does not compile), and GET /audit?action= accepts only these.
 * Reads record who looked; changes record what changed, and are written only when something did.
 */
export const AUDIT_CHANGE_ACTIONS = [
  'customer.create',
  'customer.update',
  'customer.profile.update',
  'customer.classify',
  'onboarding.pending_review',
  'onboarding.info_requested',
  'onboarding.approved',
  'onboarding.rejected',
  'onboarding.incomplete',
  'reminder.create',
  'reminder.acknowledge',
  'reminder.cancel',
  'keys.rotate',
  /** §3.2 / §5.1 the customer lifecycle (workflow customer-<id>). */
  'lifecycle.start',
  'review.open',
  'review.overdue',
  'review.complete',
  'meeting.open',
  'meeting.held',
  'meeting.missed',
  'task.complete',
  /** Issue 12: a supervisor gave an open task (and its reminders still to come) to another staff member (src/tasks/reassign-task.ts). */
  'task.reassign',
  'customer.close',
  /** §6 risk inputs changed: a re-assessment is due. */
  'risk.reassessment_due',
  /** §6.1 an enterprise's financial statements for a period recorded (src/risk/record-financials.ts). */
  'risk.financials.record',
  /** §6.1 an assessment changed the customer's rating (actor null: the lifecycle or a portfolio run); §6.2 measures applied and lifted with it. */
  'risk.rating.change',
  /** §6.2 HIGH/D: the risk investigation's cause analysis, and the mitigation plan, recorded by a risk officer. */
  'risk.investigation.findings',
  'risk.mitigation_plan.record',
  /** §6 `ccm risk rescore --policy` adopted a risk policy version. */
  'risk.policy.adopt',
  /** §6.2 a customer's products (src/products/): requested and opened, approved by a second approver, closed. */
  'product.open',
  'product.approve',
  'product.close',
  /** §5.2 the customer answered a feedback case's satisfaction survey (actor null: the customer, by the signed link). */
  'feedback.survey.answer',
  /** §5.2 departments that feedback is routed to, their heads and members (src/departments/). */
  'department.create',
  'department.update',
  'department.deactivate',
  'department.reactivate',
  'department.member.add',
  'department.member.update',
  'department.member.remove',
  /** §5.2 the executive-on-duty rota. */
  'rota.shift.create',
  'rota.shift.delete',
  'rota.shift.end',
  /** §5.2 a feedback case's process (activities/feedback.ts). */
  'feedback.assign',
  'feedback.escalate',
  'feedback.pause',
  'feedback.resume',
  'feedback.reassign',
  'feedback.respond',
  'feedback.resolve',
  'feedback.reopen',
  'feedback.close',
  /** §5.2 feedback cases as people register and work on them (src/feedback/). */
  'feedback.register',
  'feedback.reclassify',
  'feedback.response.record',
  'feedback.resolution.record',
  'feedback.note.record',
  /** §7.1 training programmes (ADMIN; the foundation course seeded from the policy on first use), src/training/. */
  'training.programme.create',
  'training.programme.update',
  'training.programme.deactivate',
  'training.programme.seed',
  /** §7.1 an enrolment (workflow training-<staffId>-<programme>): enrolled, its module tasks opened, modules done or failed or overdue, the certificate. */
  'training.enrol',
  'training.enrolment.start',
  'training.module.complete',
  'training.module.attempt',
  'training.module.overdue',
  'training.certificate.issue',
  /** §3.1, §7.1 the foundation course complete: the gate lifted; staff present at issue 11's migration marked trained by it. */
  'training.foundation.complete',
  'training.foundation.grandfather',
  /** §7.1 the yearly advanced-course requirement: a staff member reminded when behind, the supervisor told of a year missed. */
  'training.advanced.behind',
  'training.advanced.missed',
  /** §7.2 staff assessment (src/staff-assessment/): a period's record computed, recomputed with changed inputs, its guidance notes, a guidance task missed; a supervisor's phone follow-up. */
  'staff.assessment.create',
  'staff.assessment.update',
  'staff.assessment.guidance',
  'staff.assessment.guidance_missed',
  'staff.phone_follow_up.record',
  /** A process step failed for good and waits for an operator (BusinessStatus NEEDS_ATTENTION). */
  'process.needs_attention',
  /** §3.1 a staff API key issued (with its expiry) or revoked by an ADMIN (src/staff/api-keys.ts, issue 13); never the key. */
  'staff.api_key.issue',
  'staff.api_key.revoke',
  /** §3.1 a staff member signed in to the staff console (its method: API key or emailed link) or signed out (src/console/index.ts). */
  'staff.console.sign_in',
  'staff.console.sign_out',
] as const;

export const AUDIT_READ_ACTIONS = ['customer.read', 'customer.identity.read', 'customer.credit_bureau.read', 'customer.list', 'customer.audit.read', 'feedback.read'] as const;

export const AUDIT_ACTIONS = [...AUDIT_CHANGE_ACTIONS, ...AUDIT_READ_ACTIONS] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

const reads: ReadonlySet<string> = new Set(AUDIT_READ_ACTIONS);
export const isReadAction = (a: AuditAction) => reads.has(a);

/** The audit action of an onboarding status (§2.3). */
export const onboardingAction = (status: 'PENDING_REVIEW' | 'INFO_REQUESTED' | 'APPROVED' | 'REJECTED' | 'INCOMPLETE'): AuditAction =>
  `onboarding.${status.toLowerCase()}` as AuditAction;
