/**
 * What the task emails say (issue 12 supervisor reassign): text and HTML parts, times in the bank's
 * time zone with its abbreviation, a link to the staff console. Pure: the activity sends what this returns.
 * Ids and codes only (the task's subject is written in codes, src/tasks/tasks.ts): no customer data.
 */
import type { ConsoleLinks } from '../console/links';
import { formatBankTime, renderEmail, type RenderedEmail } from '../mail/render';

export interface ReassignedTaskFacts {
  id: string;
  kind: string;
  subject: string;
  customerId: string | null;
  dueAt: Date;
  overdueAt: Date | null;
}

/** To the new assignee of a task a supervisor reassigned. */
export function taskReassignedEmail(
  task: ReassignedTaskFacts,
  to: { name: string },
  by: { id: string; name: string },
  from: string | null,
  reason: string | null,
  timeZone: string,
  links: ConsoleLinks,
  now: Date,
): RenderedEmail {
  const overdue = task.overdueAt !== null && task.overdueAt.getTime() <= now.getTime();
  return renderEmail({
    subject: `Task reassigned to you: ${task.subject}`,
    greeting: `Hello ${to.name},`,
    paragraphs: [
      `${by.name} (${by.id}) has reassigned a task to you${from ? ` from ${from}` : ''}.${overdue ? ' It is overdue: please take it up first.' : ''}`,
      'Its remaining reminders now come to you, and it is in your inbox in the staff console.',
    ],
    facts: [
      ['Task', task.subject],
      ['Kind', task.kind],
      ['Task id', task.id],
      ...(task.customerId ? ([['Customer', task.customerId]] as [string, string][]) : []),
      ['Due', formatBankTime(task.dueAt, timeZone)],
      ...(task.overdueAt ? ([[overdue ? 'Overdue since' : 'Overdue from', formatBankTime(task.overdueAt, timeZone)]] as [string, string][]) : []),
      ...(reason ? ([['Reason', reason]] as [string, string][]) : []),
    ],
    action: { label: 'Open your inbox in the staff console', url: links.inbox({ kind: task.kind }) },
  });
}
