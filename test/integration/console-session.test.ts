/**
 * The staff console's session security (issue 12, §3.1), on real parts: the API on a real port with
 * this file's PostgreSQL database (sessions in ConsoleSession), the Temporal dev server, a real SMTP
 * server for the emailed sign-in link. Requests as a browser sends them (cookie, form posts), pages
 * asserted by what a person reads.
 *   - no session → the sign-in page (a GET keeps where it was going); the JSON API stays key-only;
 *   - sign-in by API key: an HttpOnly, SameSite=Lax session cookie (not Secure on http://127.0.0.1),
 *     only a hash of its id stored; a bad key is refused next to its field;
 *   - a form without its CSRF token → 403 and nothing written (with it, the same form works);
 *   - idle timeout: a session idle past it is over; sign-out ends the session for good;
 *   - a relationship manager cannot act on another manager's customer (404, as the API says);
 *   - the emailed one-time link: GET changes nothing (mail scanners), POST signs in once; forged,
 *     expired and used links are refused; an unknown address gets the same answer and no email.
 */
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server';
import type { Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { developmentKeyRing } from '../../src/security/keyring';
import { createSignedToken } from '../../src/security/signed-links';
import { hashSessionId } from '../../src/console/session-store';
import { CONSOLE_COOKIE } from '../../src/console/index';
import { SIGN_IN_LINK_PURPOSE } from '../../src/console/email-link';
import { staffWithKey } from '../support/api';
import { unique } from '../support/fixtures';
import { startApiStack, type ApiStack } from '../support/stack';
import { ConsoleBrowser, csrfOf } from '../support/console-browser';

const MAIL_FROM = 'care@bank.test';
const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.12-93' });
const ring = developmentKeyRing();

let stack: ApiStack;
let db: Db;
let baseUrl: string;

interface Staff {
  id: string;
  key: string;
  email: string;
}

const makeStaff = (prefix: string, roles: StaffRole[]): Promise<Staff> => staffWithKey(db, prefix, roles, { label: 'console-session test' });

const browser = () => new ConsoleBrowser(baseUrl);

/** The unsigned session id in a cookie value `<id>.<signature>` (URL-encoded by the cookie plugin). */
const sessionIdOf = (b: ConsoleBrowser) => decodeURIComponent(b.cookies.get(CONSOLE_COOKIE)!.value).split('.')[0]!;

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: MAIL_FROM, ring });
  ({ db, baseUrl } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

test('without a session every console page sends you to sign in, and back where you were going afterwards; the JSON API still wants a key', async () => {
  const cs = await makeStaff('cs', ['CUSTOMER_SERVICE']);
  const b = browser();
  const first = await b.request('GET', '/console?kind=REMINDER');
  expect(first.status).toBe(303);
  expect(first.headers.get('location')).toBe(`/console/sign-in?next=${encodeURIComponent('/console?kind=REMINDER')}`);
  expect(b.cookies.size).toBe(0); // nothing stored for an anonymous page view

  const signInPage = await b.get(first.headers.get('location')!);
  expect(signInPage.status).toBe(200);
  expect(signInPage.text).toContain('Sign in to the staff console');
  expect(signInPage.html).not.toMatch(/<script>|style="/); // CSP without 'unsafe-inline': no inline script or style

  const after = await b.submit(signInPage, '/console/sign-in/api-key', { apiKey: cs.key, next: '/console?kind=REMINDER' });
  expect(after.status).toBe(200);
  expect(after.text).toContain(`Signed in as ${cs.id}`);
  expect(after.text).toContain('Inbox');

  // The console's rule is narrow: the JSON API under the same server still answers 401 without a key.
  const api = await fetch(`${baseUrl}/tasks`, { headers: { cookie: b.cookieHeader() } });
  expect(api.status).toBe(401);
});

test('sign-in by API key: an HttpOnly SameSite=Lax cookie, only its hash stored; a bad key is refused next to its field', async () => {
  const rm = await makeStaff('rm', ['RELATIONSHIP_MANAGER']);
  const b = browser();
  const page = await b.get('/console/sign-in');
  const refused = await b.request('POST', '/console/sign-in/api-key', { _csrf: csrfOf(page), apiKey: 'ccm_not-a-key', next: '/console' });
  expect(refused.status).toBe(401);
  expect(refused.text).toContain('Personal API key'); // the field is there again…
  expect(refused.html).toMatch(/aria-invalid="true" aria-describedby="error-apiKey"/); // …marked, with its error next to it
  expect(refused.text).toContain('this key does not sign anyone in');
  expect(refused.text).not.toContain('Signed in as');

  await b.submit(refused, '/console/sign-in/api-key', { apiKey: rm.key, next: '/console' });
  const cookie = b.cookies.get(CONSOLE_COOKIE)!;
  expect(cookie.attributes).toMatch(/HttpOnly/i);
  expect(cookie.attributes).toMatch(/SameSite=Lax/i);
  expect(cookie.attributes).toMatch(/Path=\//i);
  expect(cookie.attributes).not.toMatch(/Secure/i); // the public base URL is http://127.0.0.1: development
  const id = sessionIdOf(b);
  const rows = await db.consoleSession.findMany({ where: { staffId: rm.id } });
  expect(rows).toHaveLength(1);
  expect(rows[0]!.id).toBe(hashSessionId(id));
  expect(rows[0]!.id).not.toContain(id);
  expect(JSON.stringify(rows[0]!.data)).not.toContain(rm.key);
});

test('a form without its CSRF token is refused (403) and writes nothing; the same form with it works', async () => {
  const cs = await makeStaff('cs', ['CUSTOMER_SERVICE']);
  const taskId = `contact:${unique('cus')}:PHONE_CHECK`;
  await db.task.create({ data: { id: taskId, kind: 'CUSTOMER_CONTACT', subject: 'phone check', assigneeStaffId: cs.id, dueAt: new Date(Date.now() + 86_400_000), workflowId: 'test', policyVersion: policy.version } });
  const b = browser();
  const inbox = await b.signIn(cs.key);
  expect(inbox.html).toContain(`id="item-CUSTOMER_CONTACT-${taskId.replace(/[^A-Za-z0-9_-]/g, '-')}"`);

  const forged = await b.request('POST', `/console/act/contact/${encodeURIComponent(taskId)}`, { outcome: 'REACHED', next: '/console' });
  expect(forged.status).toBe(403);
  expect(forged.text).toContain('Form expired');
  const wrongToken = await b.request('POST', `/console/act/contact/${encodeURIComponent(taskId)}`, { _csrf: 'x'.repeat(40), outcome: 'REACHED', next: '/console' });
  expect(wrongToken.status).toBe(403);
  expect((await db.task.findUniqueOrThrow({ where: { id: taskId } })).status).toBe('OPEN');
  expect(await db.auditLog.count({ where: { entityId: taskId } })).toBe(0);
  // Sign-out is a form too: without the token the session goes on.
  expect((await b.request('POST', '/console/sign-out', {})).status).toBe(403);
  expect((await b.request('GET', '/console')).status).toBe(200);

  const done = await b.submit(inbox, `/console/act/contact/${encodeURIComponent(taskId)}`, { outcome: 'REACHED', next: '/console' });
  expect(done.text).toContain('Contact outcome recorded.');
  expect((await db.task.findUniqueOrThrow({ where: { id: taskId } })).status).toBe('DONE');
});

describe('a session that ends', () => {
  let shortApi: FastifyInstance;
  let shortUrl: string;
  const IDLE_MS = 1500;

  beforeAll(async () => {
    shortApi = await buildApi({ db, temporal: stack.temporal, taskQueue: stack.taskQueue, policy, ring, logLevel: 'silent', reconcile: false, console: { idleTimeoutMs: IDLE_MS } });
    shortUrl = await shortApi.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await shortApi?.close();
  });

  test('idle past the idle timeout (polling the live counts is not activity): the next page is the sign-in page, saying why', async () => {
    const cs = await makeStaff('cs', ['CUSTOMER_SERVICE']);
    const b = new ConsoleBrowser(shortUrl);
    await b.signIn(cs.key);
    // Activity keeps it alive: two requests each within the timeout.
    await new Promise((r) => setTimeout(r, IDLE_MS * 0.6));
    expect((await b.request('GET', '/console')).status).toBe(200);
    await new Promise((r) => setTimeout(r, IDLE_MS * 0.6));
    expect((await b.request('GET', '/console')).status).toBe(200);

    // The live counts (polled by an open tab) are read, but do not keep the session alive.
    await new Promise((r) => setTimeout(r, IDLE_MS * 0.6));
    expect((await fetch(`${shortUrl}/console/inbox/counts`, { headers: { cookie: b.cookieHeader() } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, IDLE_MS * 0.6));
    const after = await b.request('GET', '/console');
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe(`/console/sign-in?next=${encodeURIComponent('/console')}&ended=1`);
    const page = await b.get(after.headers.get('location')!);
    expect(page.text).toContain('Your session has ended');
    expect(page.text).not.toContain('Signed in as');
  });

  test('sign-out ends the session for good: its row is deleted, and the old cookie signs nobody in', async () => {
    const cs = await makeStaff('cs', ['CUSTOMER_SERVICE']);
    const b = browser();
    const inbox = await b.signIn(cs.key);
    const stolen = b.cookieHeader();
    const id = sessionIdOf(b);
    expect(await db.consoleSession.count({ where: { id: hashSessionId(id) } })).toBe(1);

    const out = await b.submit(inbox, '/console/sign-out', {});
    expect(out.text).toContain('You have signed out.');
    expect(await db.consoleSession.count({ where: { id: hashSessionId(id) } })).toBe(0);
    // §3.1 both ends of the session are in the audit log, with how the staff member signed in.
    const audit = await db.auditLog.findMany({ where: { actorStaffId: cs.id, action: { startsWith: 'staff.console.' } }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.entityId, a.changes])).toEqual([
      ['staff.console.sign_in', cs.id, { method: { before: null, after: 'api-key' } }],
      ['staff.console.sign_out', cs.id, { session: { before: 'open', after: 'ended' } }],
    ]);
    const replay = await fetch(`${baseUrl}/console`, { headers: { cookie: stolen }, redirect: 'manual' });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toMatch(/^\/console\/sign-in/);
  });

  test('a deactivated staff member is signed out at their next page', async () => {
    const cs = await makeStaff('cs', ['CUSTOMER_SERVICE']);
    const b = browser();
    await b.signIn(cs.key);
    await db.staffMember.update({ where: { id: cs.id }, data: { active: false } });
    expect((await b.request('GET', '/console')).status).toBe(303);
  });
});

test("a relationship manager cannot act on another manager's customer: 404, as the API answers, nothing written", async () => {
  const rmA = await makeStaff('rma', ['RELATIONSHIP_MANAGER']);
  const rmB = await makeStaff('rmb', ['RELATIONSHIP_MANAGER']);
  const customerId = unique('cus');
  await db.customer.create({
    data: { id: customerId, type: 'INDIVIDUAL', status: 'APPROVED', displayName: 'Bea Other', email: `${customerId}@example.com`, contactPreferences: {}, channel: 'BRANCH', createdByStaffId: rmB.id, relationshipManagerId: rmB.id },
  });
  const taskId = `contact:${customerId}:PHONE_CHECK`;
  await db.task.create({ data: { id: taskId, kind: 'CUSTOMER_CONTACT', subject: 'phone check', customerId, team: 'RELATIONSHIP_MANAGER', dueAt: new Date(Date.now() + 86_400_000), workflowId: 'test', policyVersion: policy.version } });
  const b = browser();
  const inbox = await b.signIn(rmA.key);

  const review = await b.submit(inbox, `/console/act/periodic-review/${customerId}`, { 'findings.basicData': 'checked it all', 'findings.financialSituation': 'fine', 'findings.changedNeeds': 'none', next: '/console' });
  expect(review.status).toBe(404);
  expect(review.text).toContain(`customer ${customerId} does not exist`);
  const contact = await b.submit(inbox, `/console/act/contact/${encodeURIComponent(taskId)}`, { outcome: 'REACHED', next: '/console' });
  expect(contact.status).toBe(404);
  expect((await db.task.findUniqueOrThrow({ where: { id: taskId } })).status).toBe('OPEN');
  expect(await db.auditLog.count({ where: { customerId, actorStaffId: rmA.id } })).toBe(0);

  // Their own manager can (the positive control: the same form, the other actor).
  const own = browser();
  const ownInbox = await own.signIn(rmB.key);
  const done = await own.submit(ownInbox, `/console/act/contact/${encodeURIComponent(taskId)}`, { outcome: 'REACHED', next: '/console' });
  expect(done.text).toContain('Contact outcome recorded.');
});

describe('the emailed one-time sign-in link', () => {
  async function requestLink(b: ConsoleBrowser, email: string) {
    const page = await b.get('/console/sign-in');
    return b.submit(page, '/console/sign-in/email-link', { email, next: '/console' });
  }

  test('GET shows a confirmation and changes nothing; POST signs in once; a second use is refused', async () => {
    const auditor = await makeStaff('aud', ['AUDITOR']);
    const b = browser();
    const answer = await requestLink(b, auditor.email.toUpperCase());
    expect(answer.text).toContain('If that address belongs to a member of staff, a sign-in link is on its way');
    await stack.smtp.waitFor(() => stack.smtp.to(auditor.email).length === 1);
    const mail = stack.smtp.to(auditor.email)[0]!;
    expect(mail.subject).toBe('Your sign-in link to the staff console');
    expect(mail.text).toMatch(/Valid until: .* (EST|EDT)/);
    const link = /(http:\/\/[^\s]+\/console\/sign-in\/email-link\/[A-Za-z0-9._-]+)/.exec(mail.text ?? '')![1]!;
    expect(link.startsWith('http://127.0.0.1')).toBe(true);
    const path = new URL(link).pathname;

    // A mail scanner opens it: nothing is used, nobody is signed in.
    const scanner = browser();
    const scanned = await scanner.get(path);
    expect(scanned.status).toBe(200);
    expect(path.length).toBeLessThan(160);
    expect(scanned.text).toContain(`This link signs in ${auditor.id}`);
    expect(await db.consoleSignInLink.count({ where: { staffId: auditor.id, usedAt: { not: null } } })).toBe(0);
    expect((await scanner.request('GET', '/console')).status).toBe(303);

    // The person confirms.
    const confirm = await b.get(path);
    const inside = await b.submit(confirm, path, { next: '/console' });
    expect(inside.text).toContain(`Signed in as ${auditor.id}`);
    expect(await db.consoleSignInLink.count({ where: { staffId: auditor.id, usedAt: { not: null } } })).toBe(1);

    const again = browser();
    const confirmAgain = await again.get(path);
    expect(confirmAgain.status).toBe(409); // used: said at once
    const refused = await again.submit(await again.get('/console/sign-in'), path, { next: '/console' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('this sign-in link was used already');
    expect((await again.request('GET', '/console')).status).toBe(303);
  });

  test('forged and expired links are refused; an unknown address gets the same answer and no email', async () => {
    await makeStaff('cs', ['CUSTOMER_SERVICE']); // a staff member exists: the answer for an unknown address is the same
    const b = browser();
    const nobody = `nobody-${unique('x')}@bank.test`;
    const answer = await requestLink(b, nobody);
    expect(answer.text).toContain('If that address belongs to a member of staff, a sign-in link is on its way');
    expect(stack.smtp.to(nobody)).toHaveLength(0); // sent before the answer when there is one to send

    const expired = createSignedToken(SIGN_IN_LINK_PURPOSE, 'cs1', { fields: ['nonce123'], expiresAt: new Date(Date.now() - 1000) }, ring);
    const expiredPage = await b.get(`/console/sign-in/email-link/${expired}`);
    expect(expiredPage.status).toBe(410);
    expect(expiredPage.text).toContain('this sign-in link expired');

    const good = createSignedToken(SIGN_IN_LINK_PURPOSE, 'cs1', { fields: ['nonce123'], expiresAt: new Date(Date.now() + 60_000) }, ring);
    const forged = `${good.split('.')[0]}.${'A'.repeat(43)}`;
    const forgedPage = await b.get(`/console/sign-in/email-link/${forged}`);
    expect(forgedPage.status).toBe(400);
    expect(forgedPage.text).toContain('not issued by the bank, or it was altered');
    // A genuine signature whose nonce was never issued signs nobody in either.
    const unknown = await b.get(`/console/sign-in/email-link/${good}`);
    expect(unknown.status).toBe(409);
    expect(unknown.text).toContain('this sign-in link is not valid');
    const refused = await b.submit(await b.get('/console/sign-in'), `/console/sign-in/email-link/${good}`, { next: '/console' });
    expect(refused.status).toBe(409);
    expect((await b.request('GET', '/console')).status).toBe(303);
  });
});
