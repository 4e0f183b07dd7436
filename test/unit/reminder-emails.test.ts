/**
 * src/reminders/emails.ts: what a staff member and an escalation contact read. Subjects, names,
 * the due time in the bank's time zone with its abbreviation (never UTC ISO), the acknowledge path
 * with the URL-encoded key, the escalation delay in words, an HTML part with every value escaped,
 * and the idempotency keys of the two emails.
 */
import {
  describeDuration,
  reminderDueEmail,
  reminderEscalationEmail,
  reminderNotificationKey,
  type ReminderView,
  type StaffView,
} from '../../src/reminders/emails';

const NY = 'America/New_York';
const ann: StaffView = { name: 'Ann Lee', email: 'ann.lee@bank.example' };
const bob: StaffView = { name: 'Bob Stone', email: 'bob.stone@bank.example' };
const reminder: ReminderView = {
  key: 'case-42',
  subject: 'Call back customer C-1001 about the complaint',
  dueAt: new Date('2026-12-01T14:00:00.000Z'),
};

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** An ISO-8601 UTC time such as 2026-12-01T14:00:00Z or …00.000Z. */
const UTC_ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z/;

describe('reminderDueEmail', () => {
  it('renders the text the assignee reads', () => {
    const email = reminderDueEmail(reminder, ann, NY);
    expect(email.subject).toBe('Reminder: Call back customer C-1001 about the complaint');
    expect(email.text).toBe(
      [
        'Hello Ann Lee,',
        '',
        'This is your reminder. Please acknowledge it: if it is not acknowledged in time it will be escalated.',
        '',
        '  Reminder:     Call back customer C-1001 about the complaint',
        '  Due:          Tue 1 Dec 2026, 09:00 EST',
        '  Reminder key: case-42',
        '',
        'To acknowledge it: POST /reminders/case-42/acknowledge',
      ].join('\n'),
    );
  });

  it('has an HTML part with the same content', () => {
    const { html } = reminderDueEmail(reminder, ann, NY);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    for (const shown of ['Hello Ann Lee,', 'Call back customer C-1001 about the complaint', 'Tue 1 Dec 2026, 09:00 EST', 'case-42', 'POST /reminders/case-42/acknowledge']) {
      expect(html).toContain(shown);
    }
  });

  it('escapes a subject with markup in the HTML part (the text part shows it as written)', () => {
    const email = reminderDueEmail({ ...reminder, subject: 'Call <b>ACME</b> & "partners"' }, ann, NY);
    expect(email.subject).toBe('Reminder: Call <b>ACME</b> & "partners"');
    expect(email.html).toContain('Call &lt;b&gt;ACME&lt;/b&gt; &amp; &quot;partners&quot;');
    expect(email.html).not.toContain('<b>');
    expect(email.text).toContain('Call <b>ACME</b> & "partners"');
  });

  it.each<[key: string, path: string]>([
    ['case-42', '/reminders/case-42/acknowledge'],
    ['case:42', '/reminders/case%3A42/acknowledge'],
    ['fb.2026.0001', '/reminders/fb.2026.0001/acknowledge'],
    ['a/b', '/reminders/a%2Fb/acknowledge'],
    ['a b?c#d', '/reminders/a%20b%3Fc%23d/acknowledge'],
    ['100%', '/reminders/100%25/acknowledge'],
  ])('key %j → acknowledge path %s, key itself shown verbatim', (key, ackPath) => {
    const { text } = reminderDueEmail({ ...reminder, key }, ann, NY);
    expect(text).toContain(`To acknowledge it: POST ${ackPath}`);
    expect(text).toContain(`  Reminder key: ${key}\n`);
  });

  it.each<[Date, string]>([
    [new Date('2026-12-01T14:00:00Z'), 'Tue 1 Dec 2026, 09:00 EST'],
    [new Date('2026-12-01T15:00:00+01:00'), 'Tue 1 Dec 2026, 09:00 EST'],
    [new Date('2027-01-15T14:00:00Z'), 'Fri 15 Jan 2027, 09:00 EST'],
    [new Date('2027-07-15T13:00:00Z'), 'Thu 15 Jul 2027, 09:00 EDT'],
    [new Date('2027-01-01T00:00:00Z'), 'Thu 31 Dec 2026, 19:00 EST'], // New Year in UTC, still the old year at the bank
    [new Date(Date.UTC(2026, 1, 28, 18, 30, 5)), 'Sat 28 Feb 2026, 13:30 EST'],
  ])('due time %s is shown in the bank\'s time as %s, never as UTC ISO', (dueAt, shown) => {
    const { text, html } = reminderDueEmail({ ...reminder, dueAt }, ann, NY);
    expect(text).toContain(`  Due:          ${shown}\n`);
    expect(html).toContain(shown);
    expect(text).not.toMatch(UTC_ISO);
    expect(html).not.toMatch(UTC_ISO);
  });

  it('shows the time in the zone it is given', () => {
    expect(reminderDueEmail(reminder, ann, 'Europe/London').text).toContain('Due:          Tue 1 Dec 2026, 14:00 GMT');
  });

  it('greets the assignee by name and never shows another staff member', () => {
    const { text, html } = reminderDueEmail(reminder, bob, NY);
    expect(text.startsWith('Hello Bob Stone,\n')).toBe(true);
    expect(text).not.toContain('Ann');
    expect(html).not.toContain('Ann');
  });

  it('subject is the reminder subject prefixed with "Reminder: "', () => {
    expect(reminderDueEmail({ ...reminder, subject: 'Quarterly review — ACME Corp' }, ann, NY).subject).toBe('Reminder: Quarterly review — ACME Corp');
  });
});

describe('reminderEscalationEmail', () => {
  it('renders the text the escalation contact reads', () => {
    const email = reminderEscalationEmail(reminder, ann, bob, 2 * DAY, NY);
    expect(email.subject).toBe('Escalation: reminder not acknowledged: Call back customer C-1001 about the complaint');
    expect(email.text).toBe(
      [
        'Hello Bob Stone,',
        '',
        'Ann Lee <ann.lee@bank.example> has not acknowledged a reminder within 2 days of it falling due.',
        '',
        'You are its escalation contact: please follow it up.',
        '',
        '  Reminder:     Call back customer C-1001 about the complaint',
        '  Due:          Tue 1 Dec 2026, 09:00 EST',
        '  Assigned to:  Ann Lee <ann.lee@bank.example>',
        '  Reminder key: case-42',
      ].join('\n'),
    );
  });

  it('has an HTML part, the assignee\'s address and a subject with markup escaped', () => {
    const { subject, html } = reminderEscalationEmail({ ...reminder, subject: 'Call <b>ACME</b>' }, ann, bob, DAY, NY);
    expect(subject).toBe('Escalation: reminder not acknowledged: Call <b>ACME</b>');
    expect(html).toContain('Call &lt;b&gt;ACME&lt;/b&gt;');
    expect(html).toContain('Ann Lee &lt;ann.lee@bank.example&gt; has not acknowledged');
    expect(html).not.toContain('<b>');
    expect(html).toContain('Tue 1 Dec 2026, 09:00 EST');
  });

  it.each<[number, string]>([
    [DAY, '1 day'],
    [2 * DAY, '2 days'],
    [36 * HOUR, '36 hours'],
    [90 * MINUTE, '90 minutes'],
    [SECOND, '1 second'],
  ])('states the escalation delay %d ms as "%s"', (ms, words) => {
    expect(reminderEscalationEmail(reminder, ann, bob, ms, NY).text).toContain(`within ${words} of it falling due.`);
  });

  it('addresses the contact and names the assignee with their address, not the other way round', () => {
    const { text } = reminderEscalationEmail(reminder, bob, ann, DAY, NY);
    expect(text.startsWith('Hello Ann Lee,\n')).toBe(true);
    expect(text).toContain('Bob Stone <bob.stone@bank.example> has not acknowledged');
    expect(text).not.toContain('ann.lee@bank.example');
  });

  it('shows the key verbatim and the due time in the bank\'s time (summer: EDT)', () => {
    const { text, html } = reminderEscalationEmail({ ...reminder, key: 'case:7', dueAt: new Date('2026-07-08T07:15:00+02:00') }, ann, bob, DAY, NY);
    expect(text).toContain('  Due:          Wed 8 Jul 2026, 01:15 EDT\n');
    expect(text.split('\n').at(-1)).toBe('  Reminder key: case:7');
    expect(text).not.toMatch(UTC_ISO);
    expect(html).not.toMatch(UTC_ISO);
  });
});

describe('describeDuration', () => {
  it.each<[number, string]>([
    [DAY, '1 day'],
    [2 * DAY, '2 days'],
    [7 * DAY, '7 days'],
    [36 * HOUR, '36 hours'],
    [25 * HOUR, '25 hours'],
    [HOUR, '1 hour'],
    [23 * HOUR, '23 hours'],
    [90 * MINUTE, '90 minutes'],
    [MINUTE, '1 minute'],
    [DAY + MINUTE, '1441 minutes'],
    [SECOND, '1 second'],
    [2 * SECOND, '2 seconds'],
    [61 * SECOND, '61 seconds'],
    [DAY + SECOND, '86401 seconds'],
    [1500, '1500 ms'],
    [999, '999 ms'],
    [1, '1 ms'],
    [0, '0 ms'],
  ])('%d ms → "%s" (largest unit that divides evenly)', (ms, words) => {
    expect(describeDuration(ms)).toBe(words);
  });
});

describe('reminderNotificationKey', () => {
  it.each<[string, string, string]>([
    ['case-42', 'reminder:case-42:due', 'reminder:case-42:escalation'],
    ['case:42', 'reminder:case:42:due', 'reminder:case:42:escalation'],
  ])('key %s → %s / %s', (key, due, escalation) => {
    expect(reminderNotificationKey.due(key)).toBe(due);
    expect(reminderNotificationKey.escalation(key)).toBe(escalation);
  });

  it('the two emails of one reminder have different keys, and different reminders never share one', () => {
    const keys = ['a', 'b', 'a-1', 'a.1'].flatMap((k) => [reminderNotificationKey.due(k), reminderNotificationKey.escalation(k)]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('is stable: the same reminder always gets the same keys (retries send at most once)', () => {
    expect(reminderNotificationKey.due('case-42')).toBe(reminderNotificationKey.due('case-42'));
    expect(reminderNotificationKey.escalation('case-42')).toBe(reminderNotificationKey.escalation('case-42'));
  });
});
