/**
 * What §7.1 training emails say (pure: the activities send what these return): text and HTML, times in
 * the bank's time zone. Module reminders and overdue escalations are the staff reminder's own emails
 * (activities/reminder-ladder.ts, activities/reminders.ts) over the module's Reminder records.
 */
import { formatBankDate, renderEmail, type RenderedEmail } from '../mail/render';

interface Person {
  name: string;
  email: string;
}

/** The course is complete: to the trainee (and, as `role: 'MANAGER'`, their manager). */
export function certificateEmail(to: Person, c: { trainee: Person; programmeCode: string; programmeName: string; certificateId: string; issuedAt: Date; foundation: boolean }, role: 'TRAINEE' | 'MANAGER', timeZone: string): RenderedEmail {
  return renderEmail({
    subject: `Training complete: ${c.programmeCode} (§7.1)`,
    greeting: `Hello ${to.name},`,
    paragraphs: [
      role === 'TRAINEE' ? `You have completed ${c.programmeName}. Your certificate is recorded.` : `${c.trainee.name} <${c.trainee.email}> has completed ${c.programmeName}. The certificate is recorded.`,
      ...(c.foundation ? [`With the foundation course complete, ${role === 'TRAINEE' ? 'you' : 'they'} may now be assigned customers, act as an auditor and reveal identity numbers where the role allows it (§3.1).`] : []),
    ],
    facts: [
      ['Programme', c.programmeCode],
      ['Certificate', c.certificateId],
      ['Issued', formatBankDate(c.issuedAt, timeZone)],
    ],
  });
}

/** §7.1 reminder to a serving staff member behind the year's pace of advanced courses. */
export function advancedBehindEmail(staff: Person, r: { year: number; month: number; required: number; completed: number; expected: number }): RenderedEmail {
  return renderEmail({
    subject: `Advanced training ${r.year}: ${r.completed} of ${r.required} courses completed (§7.1)`,
    greeting: `Hello ${staff.name},`,
    paragraphs: [
      `You have completed ${r.completed} of the ${r.required} advanced courses (new products, service skills, risk strategy) required of you in ${r.year}; by now ${r.expected} would be on pace.`,
      'Please ask your manager to enrol you in a course (GET /training/programmes lists them). A year that ends short is reported to your supervisor.',
    ],
    facts: [
      ['Year', String(r.year)],
      ['Required', String(r.required)],
      ['Completed', String(r.completed)],
    ],
  });
}

/** §7.1 to the supervisor: a staff member missed the year's advanced courses. */
export function advancedMissedEmail(supervisor: Person, staff: Person & { id: string }, r: { year: number; required: number; completed: number }): RenderedEmail {
  return renderEmail({
    subject: `Advanced training ${r.year} missed: staff ${staff.id} completed ${r.completed} of ${r.required} (§7.1)`,
    greeting: `Hello ${supervisor.name},`,
    paragraphs: [
      `${staff.name} <${staff.email}> completed ${r.completed} of the ${r.required} advanced courses required in ${r.year}.`,
      'Please agree a plan with them and enrol them in the courses they need (POST /staff/:id/training/enrolments).',
    ],
    facts: [
      ['Staff member', staff.id],
      ['Year', String(r.year)],
      ['Required', String(r.required)],
      ['Completed', String(r.completed)],
    ],
  });
}
