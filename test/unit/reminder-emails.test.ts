/**
 * src/reminders/emails.ts: what a staff member and an escalation contact read. Subjects, names,
 * the due time (UTC ISO-8601 without milliseconds), the acknowledge path with the URL-encoded key,
 * the escalation delay in words, and the idempotency keys of the two emails.
 */
import {
  describeDuration,
  reminderDueEmail,
  reminderEscalationEmail,
  reminderNotificationKey,
  type ReminderView,
  type StaffView,
} from '../../src/reminders/emails';

const ann: StaffView = { name: 'Ann Lee', email: 'ann.lee@bank.example' };
const bob: StaffView = { name: 'Bob Stone', email: 'bob.stone@bank.example' };
const reminder: ReminderView = {
  key: 'case-42',
  subject: 'Call back customer C-1001 about the complaint',
  dueAt: new Date('2026-12-01T09:00:00.000Z'),
};

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('reminderDueEmail', () => {
  it('renders the full email the assignee receives', () => {
    expect(reminderDueEmail(reminder, ann)).toEqual({
      subject: 'Reminder: Call back customer C-1001 about the complaint',
      text: [
        'Hello Ann Lee,',
        '',
        'This is your reminder, due 2026-12-01T09:00:00Z:',
        '  Call back customer C-1001 about the complaint',
        '',
        'Please acknowledge it (POST /reminders/case-42/acknowledge).',
        'If it is not acknowledged in time it will be escalated.',
        '',
        'Reminder key: case-42',
      ].join('\n'),
    });
  });

  it.each<[key: string, path: string]>([
    ['case-42', '/reminders/case-42/acknowledge'],
    ['case:42', '/reminders/case%3A42/acknowledge'],
    ['fb.2026.0001', '/reminders/fb.2026.0001/acknowledge'],
    ['a/b', '/reminders/a%2Fb/acknowledge'],
    ['a b?c#d', '/reminders/a%20b%3Fc%23d/acknowledge'],
    ['100%', '/reminders/100%25/acknowledge'],
  ])('key %j → acknowledge path %s, key itself shown verbatim', (key, ackPath) => {
    const { text } = reminderDueEmail({ ...reminder, key }, ann);
    expect(text).toContain(`(POST ${ackPath})`);
    expect(text.split('\n').at(-1)).toBe(`Reminder key: ${key}`);
  });

  it.each<[Date, string]>([
    [new Date('2026-12-01T09:00:00Z'), '2026-12-01T09:00:00Z'],
    [new Date('2026-12-01T10:00:00+01:00'), '2026-12-01T09:00:00Z'],
    [new Date('2026-12-31T23:59:59Z'), '2026-12-31T23:59:59Z'],
    [new Date('2027-01-01T00:00:00Z'), '2027-01-01T00:00:00Z'],
    [new Date(Date.UTC(2026, 1, 28, 18, 30, 5)), '2026-02-28T18:30:05Z'],
  ])('due time %s is shown in UTC without milliseconds as %s', (dueAt, shown) => {
    const { text } = reminderDueEmail({ ...reminder, dueAt }, ann);
    expect(text).toContain(`due ${shown}:`);
    expect(text).not.toMatch(/\.\d{3}Z/);
  });

  it('greets the assignee by name and never shows another staff member', () => {
    const { text } = reminderDueEmail(reminder, bob);
    expect(text.startsWith('Hello Bob Stone,\n')).toBe(true);
    expect(text).not.toContain('Ann');
  });

  it('subject is the reminder subject prefixed with "Reminder: "', () => {
    expect(reminderDueEmail({ ...reminder, subject: 'Quarterly review — ACME Corp' }, ann).subject).toBe(
      'Reminder: Quarterly review — ACME Corp',
    );
  });
});

describe('reminderEscalationEmail', () => {
  it('renders the full email the escalation contact receives', () => {
    expect(reminderEscalationEmail(reminder, ann, bob, 2 * DAY)).toEqual({
      subject: 'Escalation: reminder not acknowledged: Call back customer C-1001 about the complaint',
      text: [
        'Hello Bob Stone,',
        '',
        'Ann Lee <ann.lee@bank.example> has not acknowledged a reminder within 2 days of it falling due.',
        '',
        '  Call back customer C-1001 about the complaint',
        '  due 2026-12-01T09:00:00Z',
        '',
        'You are its escalation contact: please follow it up.',
        '',
        'Reminder key: case-42',
      ].join('\n'),
    });
  });

  it.each<[number, string]>([
    [DAY, '1 day'],
    [2 * DAY, '2 days'],
    [36 * HOUR, '36 hours'],
    [90 * MINUTE, '90 minutes'],
    [SECOND, '1 second'],
  ])('states the escalation delay %d ms as "%s"', (ms, words) => {
    expect(reminderEscalationEmail(reminder, ann, bob, ms).text).toContain(`within ${words} of it falling due.`);
  });

  it('addresses the contact and names the assignee with their address, not the other way round', () => {
    const { text } = reminderEscalationEmail(reminder, bob, ann, DAY);
    expect(text.startsWith('Hello Ann Lee,\n')).toBe(true);
    expect(text).toContain('Bob Stone <bob.stone@bank.example> has not acknowledged');
    expect(text).not.toContain('ann.lee@bank.example');
  });

  it('shows the key verbatim and the due time without milliseconds', () => {
    const { text } = reminderEscalationEmail(
      { ...reminder, key: 'case:7', dueAt: new Date('2026-03-08T07:15:00+02:00') },
      ann,
      bob,
      DAY,
    );
    expect(text).toContain('  due 2026-03-08T05:15:00Z\n');
    expect(text.split('\n').at(-1)).toBe('Reminder key: case:7');
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
