/**
 * Every activity the worker registers, built from injected dependencies so tests run the real code
 * against a real database and SMTP server (createActivities({ db, mailer, clock, mailFrom })).
 */
import type { NotificationDeps } from './notifications';
import { createReminderActivities } from './reminders';

export type ActivityDeps = NotificationDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createReminderActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
