/**
 * The staff console's pure parts (issue 12): where its pages are (the links every staff email
 * carries), how a deadline's time left reads on its own clock (§5.2 business time skips weekends
 * and US federal holidays), which `next` locations are safe after sign-in, when the session cookie
 * is Secure (§3.1), and the emails that now link into the console.
 */
import { consoleLinks } from '../../src/console/links';
import { formatDuration, timeLeft } from '../../src/console/format';
import { safeNext } from '../../src/console/page';
import { secureCookie, consoleSettings, consoleSettingsFromEnv } from '../../src/console/config';
import { reminderDueEmail, reminderEscalationEmail } from '../../src/reminders/emails';
import { reminderDigestEmail, secondReminderEmail } from '../../src/reminders/ladder-emails';
import { explainRefusal } from '../../src/console/pages/actions';

const NY = 'America/New_York';
const links = consoleLinks('https://care.bank.example/');

test('console links: one per page, ids encoded, on the public base URL', () => {
  expect(links.feedbackCase('FB-2026-000123')).toBe('https://care.bank.example/console/feedback/FB-2026-000123');
  expect(links.reminder('onboarding-review-cus_1/x')).toBe('https://care.bank.example/console/reminders/onboarding-review-cus_1%2Fx');
  expect(links.customer('cus_1')).toBe('https://care.bank.example/console/customers/cus_1');
  expect(links.inbox()).toBe('https://care.bank.example/console');
  expect(links.inbox({ kind: 'REMINDER', status: '' })).toBe('https://care.bank.example/console?kind=REMINDER');
  expect(links.supervisor()).toBe('https://care.bank.example/console/supervisor');
  expect(links.reports()).toBe('https://care.bank.example/console/reports');
  expect(links.signIn()).toBe('https://care.bank.example/console/sign-in');
});

test('staff reminder emails link to the reminder in the console (text and HTML); without links they keep the API call', () => {
  const reminder = { key: 'case-42', subject: 'Call back', dueAt: new Date('2026-12-01T14:00:00Z'), escalatesAt: new Date('2026-12-03T14:00:00Z') };
  const staff = { name: 'Ann Lee', email: 'ann@bank.example' };
  const url = 'https://care.bank.example/console/reminders/case-42';
  for (const email of [
    reminderDueEmail(reminder, staff, NY, links),
    reminderEscalationEmail(reminder, staff, { name: 'Sue', email: 'sue@bank.example' }, 86_400_000, NY, links),
    secondReminderEmail(reminder, staff, NY, links),
  ]) {
    expect(email.text).toContain(url);
    expect(email.html).toContain(`href="${url}"`);
  }
  expect(reminderDigestEmail(staff, '2026-12-01', [reminder], NY, links).text).toContain('https://care.bank.example/console?kind=REMINDER');
  expect(reminderDueEmail(reminder, staff, NY).text).toContain('To acknowledge it: POST /reminders/case-42/acknowledge');
});

test('time left: wall time, or §5.2 business time that skips a weekend and a federal holiday; overdue says by how much', () => {
  // Fri 4 Sep 2026 16:00 EDT → Tue 8 Sep 16:00 EDT: 96 h of wall time, but Sat, Sun and Labor Day (Mon 7 Sep) are not business days.
  const now = new Date('2026-09-04T20:00:00Z');
  const due = new Date('2026-09-08T20:00:00Z');
  expect(timeLeft(now, due, 'WALL', NY)).toEqual({ ms: 96 * 3_600_000, overdue: false, text: '4 d left' });
  expect(timeLeft(now, due, 'BUSINESS', NY)).toEqual({ ms: 24 * 3_600_000, overdue: false, text: '1 d of business time left' });
  expect(timeLeft(due, now, 'WALL', NY)).toMatchObject({ overdue: true, text: 'overdue by 4 d' });
  expect(timeLeft(due, now, 'BUSINESS', NY)).toMatchObject({ overdue: true, text: 'overdue by 1 d of business time' });
  expect(formatDuration(5 * 3_600_000 + 20 * 60_000)).toBe('5 h 20 min');
  expect(formatDuration(30_000)).toBe('under a minute');
});

test('after sign-in only a console path is followed: never another site, a scheme, // or a backslash', () => {
  expect(safeNext('/console?kind=REMINDER')).toBe('/console?kind=REMINDER');
  expect(safeNext('/console/feedback/FB-2026-000001')).toBe('/console/feedback/FB-2026-000001');
  for (const bad of ['https://evil.example/console', '//evil.example/console', '/console\\..\\evil', '/consoleevil', '/docs', 'javascript:alert(1)', '/console\n/x', undefined, 42]) {
    expect(safeNext(bad)).toBe('/console');
  }
});

test('§3.1 the session cookie is Secure unless staff reach the console at plain http on this machine', () => {
  expect(secureCookie('https://care.bank.example')).toBe(true);
  expect(secureCookie('http://care.bank.example')).toBe(true);
  expect(secureCookie('http://0.0.0.0:3000')).toBe(true);
  expect(secureCookie('http://localhost:3000')).toBe(false);
  expect(secureCookie('http://127.0.0.1:3000')).toBe(false);
  expect(secureCookie('not a url')).toBe(true);
});

test('settings: defaults, and the environment in minutes and hours', () => {
  expect(consoleSettings()).toEqual({ publicBaseUrl: 'http://127.0.0.1:3000', idleTimeoutMs: 15 * 60_000, maxSessionMs: 12 * 3_600_000, signInLinkValidMs: 15 * 60_000 });
  expect(consoleSettings(consoleSettingsFromEnv({ publicBaseUrl: 'https://care.bank.example/', CONSOLE_IDLE_TIMEOUT_MINUTES: 30, CONSOLE_SESSION_MAX_HOURS: 8 }))).toEqual({
    publicBaseUrl: 'https://care.bank.example',
    idleTimeoutMs: 30 * 60_000,
    maxSessionMs: 8 * 3_600_000,
    signInLinkValidMs: 15 * 60_000,
  });
});

test('§2.3 a maker-checker refusal is explained to the person refused; other refusals are shown as they are', () => {
  expect(explainRefusal('maker-checker (§2.3): s1 entered this record and cannot review it')).toContain('another member of the audit team must decide');
  expect(explainRefusal('onboarding is APPROVED: no further decisions')).toBe('onboarding is APPROVED: no further decisions');
});
