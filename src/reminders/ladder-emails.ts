/**
 * The second reminder and the staff digest (issue 8, §3.2): text and HTML, times in the bank's time
 * zone. Pure: the activities send what these return. Subjects and lines carry ids and codes only.
 */
import { formatBankDate, formatBankTime, renderEmail, type RenderedEmail } from '../mail/render';
import type { ReminderView, StaffView } from './emails';
import type { ConsoleLinks } from '../console/links';

export function secondReminderEmail(reminder: ReminderView & { escalatesAt: Date }, staff: StaffView, timeZone: string, links?: ConsoleLinks): RenderedEmail {
  return renderEmail({
    subject: `Second reminder: ${reminder.subject}`,
    greeting: `Hello ${staff.name},`,
    paragraphs: [
      'This is still open. Please deal with it: if it is not done by the time below it is escalated to your supervisor.',
    ],
    facts: [
      ['Reminder', reminder.subject],
      ['Was due', formatBankTime(reminder.dueAt, timeZone)],
      ['Escalated at', formatBankTime(reminder.escalatesAt, timeZone)],
      ['Reminder key', reminder.key],
    ],
    ...(links ? { action: { label: 'Open the reminder in the staff console', url: links.reminder(reminder.key) } } : {}),
  });
}

/** One email listing the reminders due to `staff` on `date` (its local date, YYYY-MM-DD). */
export function reminderDigestEmail(staff: StaffView, date: string, reminders: (ReminderView & { escalatesAt: Date })[], timeZone: string, links?: ConsoleLinks): RenderedEmail {
  const day = formatBankDate(reminders[0]?.dueAt ?? new Date(`${date}T12:00:00Z`), timeZone);
  const n = reminders.length;
  return renderEmail({
    subject: `Your reminders for ${day}: ${n} due`,
    greeting: `Hello ${staff.name},`,
    paragraphs: [
      `${n === 1 ? 'This item falls' : `These ${n} items fall`} due today. Each one is escalated to your supervisor on its own if it is not done in time.`,
    ],
    items: reminders.map((r) => `${r.subject} — due ${formatBankTime(r.dueAt, timeZone)}, escalated ${formatBankTime(r.escalatesAt, timeZone)} (reminder ${r.key})`),
    ...(links ? { action: { label: 'Open your reminders in the staff console', url: links.inbox({ kind: 'REMINDER' }) } } : {}),
    footer: 'One digest a day lists every reminder due to you that day (policy lifecycle.reviewDigest).',
  });
}
