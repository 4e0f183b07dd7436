/**
 * The staff console in a real browser (issue 12): Debian's chromium driven by playwright-core, on
 * the real stack — the API on a real port with this file's PostgreSQL database, the Temporal dev
 * server with a worker running the real activities, a real SMTP server. Each page is checked with
 * axe-core (WCAG 2 A/AA: labels, contrast, keyboard names) and for Content-Security-Policy
 * violations, and the main pages are saved as screenshots (to docs/screenshots/, which the README
 * shows, with CCM_SCREENSHOTS=1: test/support/browser.ts).
 * Clause ids: ../shared/policy.md.
 *   §3.1 sign in with a personal API key; §2.3 maker-checker: the auditor who entered a record is
 *        refused, with the reason, and a second auditor approves it from the inbox;
 *   §3.2 the relationship manager completes a periodic review in place (a missing finding shown next
 *        to its field first);
 *   §5.2 a feedback case's handler opens the case from the inbox and resolves it;
 *   §6.2 a product of a class restricted for a HIGH-rated customer is refused, with the rule's reason.
 * Chromium: /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it), or CHROMIUM_PATH.
 */
import type { Browser, Page } from 'playwright-core';
import type { Client } from '@temporalio/client';
import type { Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';
import { ensureLifecycles } from '../../src/lifecycle/ensure-lifecycles';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { developmentKeyRing } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import { customerWorkflowId } from '../../workflows/lifecycle/definitions';
import { feedbackWorkflowId } from '../../workflows/feedback/definitions';
import { until } from '../support/api';
import { checkAndShoot, consoleStaff, startBrowserStack, person as personAt, signIn as signInAt, type BrowserStack, type ConsoleStaff } from '../support/browser';
import { unique } from '../support/fixtures';

const MAIL_FROM = 'care@bank.test';
// Case numbers prefixed FBCONS: the integration files share one Temporal namespace (feedback-<caseNo>).
const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.12-92', feedback: { ...DEFAULT_POLICY.feedback, caseNumberPrefix: 'FBCONS' } });
const ring = developmentKeyRing();

let stack: BrowserStack;
let db: Db;
let temporal: Client;
let baseUrl: string;
let browser: Browser;

const staff = {} as Record<'maker' | 'checker' | 'rm' | 'admin' | 'handler' | 'head', ConsoleStaff>;

const makeStaff = (prefix: string, roles: StaffRole[], name: string) => consoleStaff(db, prefix, roles, name);

async function api(method: string, url: string, as: ConsoleStaff, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${as.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Someone at a laptop (1280×860): their own cookies, CSP violations collected. */
const person = () => personAt(browser, { width: 1280, height: 860 });

/** Signs in with the inbox as the first page; `shoot`: the sign-in page checked and saved first. */
const signIn = (page: Page, who: ConsoleStaff, shoot?: string) => signInAt(page, baseUrl, who, shoot ? () => checkAndShoot(page, shoot) : undefined);

/** The inbox row of an item: its kind and id make the row's DOM id. */
const row = (page: Page, kind: string, itemId: string) => page.locator(`#item-${kind}-${itemId.replace(/[^A-Za-z0-9_-]/g, '-')}`);

let ssnCounter = 0;
const ssn = () => {
  const n = (Date.now() + ssnCounter++) % 1_000_000;
  return `${100 + (n % 566)}-${10 + (Math.floor(n / 566) % 90)}-${String(1000 + (n % 9000)).padStart(4, '0')}`;
};

let customerId: string;

beforeAll(async () => {
  stack = await startBrowserStack({ policy, mailFrom: MAIL_FROM, ring });
  ({ db, temporal, baseUrl, browser } = stack);
  staff.maker = await makeStaff('maker', ['CUSTOMER_SERVICE', 'AUDITOR'], 'Mia Maker');
  staff.checker = await makeStaff('checker', ['AUDITOR'], 'Chen Checker');
  staff.rm = await makeStaff('rm', ['RELATIONSHIP_MANAGER'], 'Rita Manager');
  staff.admin = await makeStaff('adm', ['ADMIN'], 'Ada Admin');
  staff.head = await makeStaff('head', ['SUPERVISOR'], 'Hedda Head');
  staff.handler = await makeStaff('h1', ['CUSTOMER_SERVICE'], 'Hal Handler');
  await db.department.create({ data: { code: 'CARDS', name: 'Cards', headStaffId: staff.head.id } });
  await db.departmentMember.create({ data: { departmentCode: 'CARDS', staffId: staff.handler.id } });
}, 60_000);

afterAll(() => stack?.stop());

test('§2.3 maker-checker: the auditor who entered the record is refused with the reason; a second auditor approves it from the inbox', async () => {
  const created = await api('POST', '/customers', staff.maker, {
    type: 'INDIVIDUAL',
    channel: 'BRANCH',
    firstName: 'Vera',
    lastName: 'Important',
    dateOfBirth: '1980-02-10',
    email: `${unique('vera')}@example.com`,
    totalAssetsUsd: 250_000,
    identity: { kind: 'SSN', number: ssn() },
  });
  expect(created.status).toBe(201);
  customerId = created.body.id;

  const maker = await person();
  await signIn(maker.page, staff.maker, 'console-sign-in');
  const item = row(maker.page, 'ONBOARDING_REVIEW', customerId);
  await expect(item.textContent()).resolves.toContain('Onboarding review (§2.3)');
  await item.locator('summary', { hasText: 'Decide' }).click();
  await item.getByRole('button', { name: 'Approve' }).click();
  await maker.page.waitForLoadState();
  const refusal = await maker.page.getByRole('alert').first().textContent();
  expect(refusal).toContain(`maker-checker (§2.3): ${staff.maker.id} entered this record and cannot review it`);
  await expect(row(maker.page, 'ONBOARDING_REVIEW', customerId).textContent()).resolves.toContain('another member of the audit team must decide');
  await checkAndShoot(maker.page, 'console-maker-checker-refused');
  expect((await db.customer.findUniqueOrThrow({ where: { id: customerId } })).status).toBe('PENDING_REVIEW');
  expect(maker.cspViolations).toEqual([]);
  await maker.context.close();

  const checker = await person();
  await signIn(checker.page, staff.checker);
  const pending = row(checker.page, 'ONBOARDING_REVIEW', customerId);
  await pending.locator('summary', { hasText: 'Decide' }).click();
  await pending.getByRole('button', { name: 'Approve' }).click();
  await checker.page.waitForURL(`${baseUrl}/console`);
  await expect(checker.page.getByRole('status').first().textContent()).resolves.toContain(`Customer ${customerId} approved.`);
  await until('the customer approved and its lifecycle running', async () => {
    const c = await db.customer.findUnique({ where: { id: customerId } });
    if (c?.status !== 'APPROVED' || !c.relationshipManagerId) return undefined;
    // Started through the outbox after the approval commits: not found for a moment.
    const described = await temporal.workflow.getHandle(customerWorkflowId(customerId)).describe().catch(() => undefined);
    return described?.status.name === 'RUNNING';
  });
  expect(checker.cspViolations).toEqual([]);
  await checker.context.close();
}, 60_000);

test('§3.2 the relationship manager completes the periodic review in place: a missing finding is shown next to its field, then it is done', async () => {
  expect((await db.customer.findUniqueOrThrow({ where: { id: customerId } })).relationshipManagerId).toBe(staff.rm.id);
  // The review falls due: the lifecycle restarted as a migrated customer's, last reviewed 185 days ago (as test/integration/lifecycle-api.test.ts).
  await temporal.workflow.getHandle(customerWorkflowId(customerId)).terminate('test: restarted as a migrated customer’s');
  await ensureLifecycles({ db, temporal, taskQueue: stack.taskQueue, policy, clock: systemClock }, { staffId: staff.admin.id, roles: ['ADMIN'] }, { customerId, lastReviewAt: new Date(Date.now() - 185 * 86_400_000).toISOString() });
  const task = await until('the review task', () => db.task.findFirst({ where: { customerId, kind: 'PERIODIC_REVIEW', status: 'OPEN' } }));

  const rm = await person();
  await signIn(rm.page, staff.rm);
  const item = row(rm.page, 'PERIODIC_REVIEW', task.id);
  await expect(item.textContent()).resolves.toContain('Periodic review (§3.2)');
  await expect(item.textContent()).resolves.toMatch(/overdue by \d|\d (d|h|min).* left/); // the time left on its clock
  await expect(item.textContent()).resolves.toMatch(/\d{2}:\d{2} E[SD]T/); // the deadline in the bank's time zone
  await checkAndShoot(rm.page, 'console-inbox');

  await item.locator('summary', { hasText: 'Complete the review' }).click();
  await item.getByLabel('Basic data checked (§3.2)').fill('Identity, address and phone checked with the customer.');
  await item.getByLabel('Changed needs').fill('Wants a savings plan for a house.');
  await item.getByRole('button', { name: 'Complete the review' }).click();
  await rm.page.waitForLoadState();
  const again = row(rm.page, 'PERIODIC_REVIEW', task.id);
  await expect(again.locator('.field.has-error').textContent()).resolves.toContain('Financial situation');
  await expect(again.locator('.field-error').first().textContent()).resolves.toBeTruthy();
  expect((await db.task.findUniqueOrThrow({ where: { id: task.id } })).status).toBe('OPEN');
  await checkAndShoot(rm.page, 'console-field-error');

  await again.getByLabel('Financial situation').fill('Salary unchanged; savings up 10 %.');
  await again.getByRole('button', { name: 'Complete the review' }).click();
  await rm.page.waitForLoadState();
  expect(await rm.page.locator('.form-error').allTextContents()).toEqual([]); // not refused again
  await rm.page.waitForURL(`${baseUrl}/console`);
  await expect(rm.page.getByRole('status').first().textContent()).resolves.toContain(`Periodic review of ${customerId} completed`);
  await until('the review task done', async () => (await db.task.findUniqueOrThrow({ where: { id: task.id } })).status === 'DONE');

  // Tablet, portrait: the inbox's table becomes cards.
  await rm.page.setViewportSize({ width: 820, height: 1180 });
  await rm.page.reload();
  await checkAndShoot(rm.page, 'console-inbox-tablet');
  expect(rm.cspViolations).toEqual([]);
  await rm.context.close();
}, 60_000);

test('§5.2 the handler opens a feedback case from the inbox and resolves it', async () => {
  const registered = await api('POST', '/feedback', staff.maker, {
    channel: 'HOTLINE',
    customerId,
    category: 'CARD',
    severity: 'MEDIUM',
    complexity: 'SIMPLE',
    summary: 'Card declined abroad',
    description: 'The card was declined twice in Lisbon.',
  });
  expect(registered.status).toBe(201);
  const caseNo = registered.body.caseNo as string;
  const task = await until('the case assigned', () => db.task.findFirst({ where: { workflowId: feedbackWorkflowId(caseNo), status: 'OPEN', assigneeStaffId: staff.handler.id } }));

  const handler = await person();
  await signIn(handler.page, staff.handler);
  const item = row(handler.page, 'FEEDBACK_CASE', task.id);
  await expect(item.textContent()).resolves.toContain('Feedback case (§5.2)');
  await item.getByRole('link', { name: `Open case ${caseNo}` }).click();
  await handler.page.waitForURL(`${baseUrl}/console/feedback/${caseNo}`);
  await expect(handler.page.locator('h1').textContent()).resolves.toBe(`Feedback case ${caseNo}`);
  await expect(handler.page.locator('main').textContent()).resolves.toMatch(/left|overdue by/);
  await checkAndShoot(handler.page, 'console-feedback-case');

  await handler.page.locator('summary', { hasText: /^Resolve$/ }).click();
  await handler.page.getByLabel('Resolution, as the customer will read it').fill('We lifted the block; the card works abroad again.');
  await handler.page.getByRole('button', { name: 'Resolve the case' }).click();
  await handler.page.waitForURL(`${baseUrl}/console/feedback/${caseNo}`);
  await expect(handler.page.getByRole('status').first().textContent()).resolves.toContain(`Case ${caseNo} resolved`);
  await until('the case resolved', async () => (await db.feedbackCase.findUniqueOrThrow({ where: { caseNo } })).status === 'RESOLVED');
  expect(handler.cspViolations).toEqual([]);
  await handler.context.close();
}, 60_000);

test('§6.2 a product of a class restricted for a HIGH-rated customer is refused, with the reason next to the product', async () => {
  await db.customer.update({ where: { id: customerId }, data: { riskRating: 'HIGH' } });
  const before = await db.customerProduct.count({ where: { customerId } });
  const rm = await person();
  await signIn(rm.page, staff.rm);
  await rm.page.goto(`${baseUrl}/console/products/new?customer=${customerId}`);
  await checkAndShoot(rm.page, null);
  await rm.page.getByLabel('Product (§6.2 catalogue)').selectOption('PERSONAL_LOAN');
  await rm.page.getByRole('button', { name: 'Request the product' }).click();
  await rm.page.waitForLoadState();
  const refusal = await rm.page.getByRole('alert').first().textContent();
  expect(refusal).toMatch(/^Refused: .*(restrict|HIGH)/i);
  await checkAndShoot(rm.page, 'console-product-refused');
  expect(await db.customerProduct.count({ where: { customerId } })).toBe(before);
  expect(rm.cspViolations).toEqual([]);
  await rm.context.close();
}, 60_000);
