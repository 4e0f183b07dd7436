/**
 * What a staff reminder and its escalation say (pure: the activities send what these return).
 * Carries the reminder key, so the recipient can acknowledge through the API.
 */
export interface ReminderView {
  key: string;
  subject: string;
  dueAt: Date;
}

export interface StaffView {
  name: string;
  email: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
}

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

export function reminderDueEmail(reminder: ReminderView, staff: StaffView): RenderedEmail {
  return {
    subject: `Reminder: ${reminder.subject}`,
    text: [
      `Hello ${staff.name},`,
      '',
      `This is your reminder, due ${iso(reminder.dueAt)}:`,
      `  ${reminder.subject}`,
      '',
      `Please acknowledge it (POST /reminders/${encodeURIComponent(reminder.key)}/acknowledge).`,
      'If it is not acknowledged in time it will be escalated.',
      '',
      `Reminder key: ${reminder.key}`,
    ].join('\n'),
  };
}

export function reminderEscalationEmail(
  reminder: ReminderView,
  assignee: StaffView,
  contact: StaffView,
  escalateAfterMs: number,
): RenderedEmail {
  return {
    subject: `Escalation: reminder not acknowledged: ${reminder.subject}`,
    text: [
      `Hello ${contact.name},`,
      '',
      `${assignee.name} <${assignee.email}> has not acknowledged a reminder within ${describeDuration(escalateAfterMs)} of it falling due.`,
      '',
      `  ${reminder.subject}`,
      `  due ${iso(reminder.dueAt)}`,
      '',
      'You are its escalation contact: please follow it up.',
      '',
      `Reminder key: ${reminder.key}`,
    ].join('\n'),
  };
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
