/**
 * Every activity the worker registers, built from injected dependencies so tests run the real code
 * against a real database and SMTP server (createActivities({ db, mailer, clock, mailFrom, policy, ring })).
 *
 * Each one is wrapped by `failDeterministicErrorsForGood`: a data error that a retry cannot fix
 * (PostgreSQL class 22/23, validation) becomes a non-retryable `DataError`, so the workflow learns
 * at once and records it (BusinessStatus NEEDS_ATTENTION) instead of retrying for ever (issue 7).
 */
import { ApplicationFailure } from '@temporalio/common';
import { isDeterministicDataError, sqlStateOf } from '../src/db/data-errors';
import { createOnboardingActivities, type OnboardingDeps } from './onboarding';
import { createProcessActivities } from './processes';
import { createReminderActivities } from './reminders';
import { createReminderLadderActivities } from './reminder-ladder';
import { createLifecycleActivities } from './lifecycle';
import { createFeedbackActivities, type FeedbackDeps } from './feedback';
import { createRiskPortfolioActivities } from './risk-portfolio';
import { createRiskActivities } from './risk';
import { createStaffAssessmentActivities } from './staff-assessment';
import { createTrainingActivities } from './training';
import { createTaskNoticeActivities } from './task-notice';

export type ActivityDeps = OnboardingDeps & Pick<FeedbackDeps, 'publicBaseUrl'>;

export const DATA_ERROR = 'DataError';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => Promise<unknown>;

export function failDeterministicErrorsForGood<T extends Record<string, AnyFn>>(activities: T): T {
  const wrapped: Record<string, AnyFn> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        if (!(err instanceof ApplicationFailure) && isDeterministicDataError(err)) {
          const state = sqlStateOf(err);
          const detail = (err as Error).message.split('\n').filter(Boolean).at(-1) ?? 'data error';
          throw ApplicationFailure.create({ type: DATA_ERROR, nonRetryable: true, message: `${name}: ${state ? `SQLSTATE ${state}: ` : ''}${detail}`.slice(0, 1000) });
        }
        throw err;
      }
    };
  }
  return wrapped as T;
}

export function createActivities(deps: ActivityDeps) {
  return failDeterministicErrorsForGood({
    ...createReminderActivities(deps),
    ...createOnboardingActivities(deps),
    ...createProcessActivities(deps),
    ...createReminderLadderActivities(deps),
    ...createLifecycleActivities(deps),
    ...createFeedbackActivities(deps),
    ...createRiskPortfolioActivities(deps), // §6 portfolio runs: pages on the risk worker's queue, progress as a local activity
    ...createRiskActivities(deps),
    ...createStaffAssessmentActivities(deps), // §7.2 staff assessment runs: pages of staff, guidance tasks, result emails
    ...createTrainingActivities(deps), // §7.1 staff training: module plan, reminders, escalation, certificate, yearly check
    ...createTaskNoticeActivities(deps), // issue 12: the email to the new assignee of a reassigned task
  });
}

export type Activities = ReturnType<typeof createActivities>;
