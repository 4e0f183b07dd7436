/**
 * Every activity the worker registers, built from injected dependencies so tests run the real code
 * against a real database and SMTP server (createActivities({ db, mailer, clock, mailFrom, policy, ring })).
 */
import { createOnboardingActivities, type OnboardingDeps } from './onboarding';
import { createReminderActivities } from './reminders';

export type ActivityDeps = OnboardingDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createReminderActivities(deps),
    ...createOnboardingActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
