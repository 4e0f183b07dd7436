/** Every workflow the worker runs. Deterministic code only (see eslint.config.mjs). */
export { staffReminder } from './staff-reminder';
export { onboarding } from './onboarding';
export { staffDigest } from './staff-digest';
export { customerLifecycle } from './lifecycle/customer-lifecycle';
export { feedbackCase } from './feedback/feedback-case';
export { riskPortfolio } from './risk/portfolio';
export { trainingEnrolment } from './training/enrolment'; // §7.1 a staff member's course (training-<staffId>-<programme>)
export { trainingYearCheck } from './training/yearly'; // §7.1 the yearly advanced-course check (Schedule training-yearly)
export { staffAssessment, staffAssessmentScheduled } from './staff-assessment/run'; // §7.2 staff assessment (issue 11)
export { taskReassignedNotice } from './task-notice'; // issue 12: the email of a supervisor's task reassignment (task-reassigned-<taskId>-<n>)
