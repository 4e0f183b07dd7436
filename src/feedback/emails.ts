/**
 * §5.2 the emails of a feedback case: to staff (assignment, reminders before the deadline, the
 * escalations to the department head and the executive on duty, a reopened case to its supervisor)
 * and to the customer (the response, the resolution with the satisfaction survey link). Text and
 * HTML, times in the bank's time zone with its abbreviation; staff emails carry the case number,
 * the deadline and a link to the case. Pure: the activities send what these return.
 */
import { formatBankTime, renderEmail, type RenderedEmail } from '../mail/render';

export interface CaseFacts {
  caseNo: string;
  category: string;
  severity: string;
  departmentCode: string;
  registeredAt: Date;
  /** The response deadline (target) and the hard limit; null while the clock is paused. */
  targetAt: Date | null;
  hardLimitAt: Date | null;
  handlerName: string | null;
  /** The staff console's link to the case. */
  url: string;
}

const facts = (c: CaseFacts, tz: string): [string, string][] => [
  ['Case', c.caseNo],
  ['Category / severity', `${c.category} / ${c.severity}`],
  ['Department', c.departmentCode],
  ['Registered', formatBankTime(c.registeredAt, tz)],
  ['Response due', c.targetAt ? formatBankTime(c.targetAt, tz) : 'paused (waiting on the customer)'],
  ...(c.hardLimitAt && c.targetAt && c.hardLimitAt.getTime() !== c.targetAt.getTime() ? [['Hard limit', formatBankTime(c.hardLimitAt, tz)] as [string, string]] : []),
  ['Handler', c.handlerName ?? 'not assigned'],
];

const open = (c: CaseFacts) => ({ label: `Open case ${c.caseNo}`, url: c.url });

export function caseAssignedEmail(to: { name: string }, c: CaseFacts, tz: string): RenderedEmail {
  return renderEmail({
    subject: `Feedback case ${c.caseNo} assigned to you (response due ${c.targetAt ? formatBankTime(c.targetAt, tz) : 'when resumed'})`,
    greeting: `Hello ${to.name},`,
    paragraphs: ['A feedback case has been assigned to you. Please respond to the customer before the deadline below (§5.2).'],
    facts: facts(c, tz),
    action: open(c),
  });
}

export function caseReminderEmail(to: { name: string }, c: CaseFacts, n: number, tz: string): RenderedEmail {
  return renderEmail({
    subject: `Reminder ${n}: feedback case ${c.caseNo} needs a response by ${c.targetAt ? formatBankTime(c.targetAt, tz) : 'the deadline'}`,
    greeting: `Hello ${to.name},`,
    paragraphs: ['The customer has not had a response yet. If none is sent by the deadline, the case is escalated to the head of the department.'],
    facts: facts(c, tz),
    action: open(c),
  });
}

export function caseEscalationEmail(to: { name: string }, c: CaseFacts, level: 'HEAD' | 'EXECUTIVE', tz: string, onDutyNote?: string | null): RenderedEmail {
  const who = level === 'HEAD' ? 'you are the head of the department it was routed to' : 'you are the executive on duty';
  return renderEmail({
    subject: `Escalation${level === 'EXECUTIVE' ? ' (executive on duty)' : ''}: feedback case ${c.caseNo} missed its response deadline`,
    greeting: `Hello ${to.name},`,
    paragraphs: [
      `Feedback case ${c.caseNo} has had no response by its deadline (§5.2), and ${who}. Please make sure the customer gets an answer now.`,
      ...(onDutyNote ? [onDutyNote] : []),
    ],
    facts: facts(c, tz),
    action: open(c),
  });
}

export function caseReopenedEmail(to: { name: string }, c: CaseFacts, score: number, tz: string): RenderedEmail {
  return renderEmail({
    subject: `Feedback case ${c.caseNo} reopened: satisfaction score ${score} of 5`,
    greeting: `Hello ${to.name},`,
    paragraphs: [`The customer rated the resolution of case ${c.caseNo} ${score} of 5, so the case is open again with a new response deadline (§5.2).`],
    facts: facts(c, tz),
    action: open(c),
  });
}

/** To the customer: a response from the handler (the text they wrote). */
export function caseResponseEmail(to: { name: string | null }, caseNo: string, body: string): RenderedEmail {
  return renderEmail({
    subject: `Your feedback ${caseNo}: our response`,
    greeting: `Dear ${to.name ?? 'customer'},`,
    paragraphs: ['Thank you for your feedback. Our response:', body],
    facts: [['Your reference', caseNo]],
    footer: 'Reply to this email or call our service hotline quoting your reference.',
  });
}

/** To the customer: the resolution and the satisfaction survey (a signed link, valid until `surveyUntil`). */
export function caseResolutionEmail(to: { name: string | null }, caseNo: string, body: string, survey: { url: string; until: Date }, tz: string): RenderedEmail {
  return renderEmail({
    subject: `Your feedback ${caseNo} has been resolved`,
    greeting: `Dear ${to.name ?? 'customer'},`,
    paragraphs: ['We have resolved your feedback:', body, 'How satisfied are you with the outcome? It takes a minute and helps us improve.'],
    facts: [
      ['Your reference', caseNo],
      ['Survey open until', formatBankTime(survey.until, tz)],
    ],
    action: { label: 'Rate our answer', url: survey.url, instruction: 'The link opens a short form; nothing is recorded until you submit it.' },
  });
}
