/**
 * What a staff reminder and its escalation say (pure: the activities send what these return): a
 * text and an HTML part, times in the bank's time zone. Carries the reminder key, so the recipient
 * can acknowledge it: with `links`, a link to the reminder's page in the staff console (issue 12);
 * without, the API call.
 */
import { formatBankTime, renderEmail, type RenderedEmail } from '../mail/render';
import type { ConsoleLinks } from '../console/links';

export interface ReminderView {
  key: string;
  subject: string;
  dueAt: Date;
}

export interface StaffView {
  name: string;
  email: string;
}

export type { RenderedEmail };

/** To the assignee at the due time. `timeZone`: the bank's (policy `onboarding.timeZone`). */
export function reminderDueEmail(reminder: ReminderView, staff: StaffView, timeZone: string, links?: ConsoleLinks): RenderedEmail {
  return renderEmail({
    subject: `Reminder: ${reminder.subject}`,
    greeting: `Hello ${staff.name},`,
    paragraphs: ['This is your reminder. Please acknowledge it: if it is not acknowledged in time it will be escalated.'],
    facts: [
      ['Reminder', reminder.subject],
      ['Due', formatBankTime(reminder.dueAt, timeZone)],
      ['Reminder key', reminder.key],
    ],
    action: links
      ? { label: 'Acknowledge it in the staff console', url: links.reminder(reminder.key) }
      : { label: 'To acknowledge it', instruction: `POST /reminders/${encodeURIComponent(reminder.key)}/acknowledge` },
  });
}

/** To the escalation contact once the grace period has passed without acknowledgement. */
export function reminderEscalationEmail(
  reminder: ReminderView,
  assignee: StaffView,
  contact: StaffView,
  escalateAfterMs: number,
  timeZone: string,
  links?: ConsoleLinks,
): RenderedEmail {
  return renderEmail({
    subject: `Escalation: reminder not acknowledged: ${reminder.subject}`,
    greeting: `Hello ${contact.name},`,
    paragraphs: [
      `${assignee.name} <${assignee.email}> has not acknowledged a reminder within ${describeDuration(escalateAfterMs)} of it falling due.`,
      'You are its escalation contact: please follow it up.',
    ],
    facts: [
      ['Reminder', reminder.subject],
      ['Due', formatBankTime(reminder.dueAt, timeZone)],
      ['Assigned to', `${assignee.name} <${assignee.email}>`],
      ['Reminder key', reminder.key],
    ],
    ...(links ? { action: { label: 'Open the reminder in the staff console', url: links.reminder(reminder.key) } } : {}),
  });
}

/** Idempotency keys of the emails one reminder can send: one of each, ever. */
export const reminderNotificationKey = {
  due: (key: string) => `reminder:${key}:due`,
  escalation: (key: string) => `reminder:${key}:escalation`,
};

/** "2 days", "36 hours", "90 minutes", "5 seconds": the largest unit that divides evenly. */
export function describeDuration(ms: number): string {
  const units: [string, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1000],
  ];
  for (const [name, size] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${ms} ms`;
}
