/**
 * The staff console's customer, supervisor and reports pages (issue 12) in a real browser: Debian's
 * chromium driven by playwright-core, on the real stack (the API on a real port with this file's
 * PostgreSQL database, the Temporal dev server with a worker running the real activities). Each page
 * is checked with axe-core (WCAG 2 A/AA) at a laptop's 1280×800 and a tablet's 768×1024, for
 * Content-Security-Policy violations (no inline script or style), and is saved as a screenshot (to
 * docs/screenshots/, which the README shows, with CCM_SCREENSHOTS=1: test/support/browser.ts).
 * Clause ids: ../shared/policy.md.
 *   §3.1 the auditor reveals an identity number with the page's button (a POST with the page's token),
 *        recorded; the keyboard reaches and opens a case's reassign form;
 *   §5.2 the supervisor reassigns an escalated case from the page;
 *   reports: the charts are drawn (Chart.js from the console's assets) from the page's JSON block.
 * Chromium: /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it), or CHROMIUM_PATH.
 */
import type { Browser } from 'playwright-core';
import type { Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';
import { aad } from '../../src/customers/encrypted-fields';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { encryptField } from '../../src/security/crypto';
import { developmentKeyRing } from '../../src/security/keyring';
import { until } from '../support/api';
import { checkAndShootAtBothSizes, consoleStaff, startBrowserStack, person, signIn, type BrowserStack, type ConsoleStaff, type Person } from '../support/browser';
import { unique } from '../support/fixtures';

// Case numbers prefixed FBPGUI: the integration files share one Temporal namespace (feedback-<caseNo>).
const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.12-93', feedback: { ...DEFAULT_POLICY.feedback, caseNumberPrefix: 'FBPGUI' } });
const ring = developmentKeyRing();
const DAY = 86_400_000;

let stack: BrowserStack;
let db: Db;
let baseUrl: string;
let browser: Browser;

const staff = {} as Record<'auditor' | 'supervisor' | 'rm' | 'cs' | 'head' | 'h1' | 'h2', ConsoleStaff>;

const makeStaff = (prefix: string, roles: StaffRole[], name: string) => consoleStaff(db, prefix, roles, name);

/** A signed-in browser context at the laptop size (its own cookies) with CSP violations collected. */
async function signedIn(who: ConsoleStaff): Promise<Person> {
  const someone = await person(browser);
  await signIn(someone.page, baseUrl, who);
  return someone;
}

let customerId: string;
let caseNo: string;

beforeAll(async () => {
  stack = await startBrowserStack({ policy, mailFrom: 'care@bank.test', ring });
  ({ db, baseUrl, browser } = stack);
  staff.auditor = await makeStaff('aud', ['AUDITOR'], 'Ava Auditor');
  staff.supervisor = await makeStaff('sup', ['SUPERVISOR'], 'Sue Pervisor');
  staff.rm = await makeStaff('rm', ['RELATIONSHIP_MANAGER'], 'Rita Manager');
  staff.cs = await makeStaff('cs', ['CUSTOMER_SERVICE'], 'Cal Service');
  staff.head = await makeStaff('head', ['RELATIONSHIP_MANAGER'], 'Hedda Head');
  staff.h1 = await makeStaff('h1', ['RELATIONSHIP_MANAGER'], 'Hal One');
  staff.h2 = await makeStaff('h2', ['RELATIONSHIP_MANAGER'], 'Hanna Two');
  await db.department.create({ data: { code: 'CARDS', name: 'Cards', headStaffId: staff.head.id } });
  await db.department.create({ data: { code: 'COMPLAINTS', name: 'Complaints unit', headStaffId: staff.head.id } });
  await db.department.create({ data: { code: 'CUSTOMER_SERVICE', name: 'Customer service', headStaffId: staff.head.id } });
  await db.departmentMember.createMany({ data: [{ departmentCode: 'CARDS', staffId: staff.h1.id }, { departmentCode: 'CARDS', staffId: staff.h2.id }, { departmentCode: 'COMPLAINTS', staffId: staff.h2.id }, { departmentCode: 'CUSTOMER_SERVICE', staffId: staff.h1.id }] });

  customerId = unique('cus');
  const now = Date.now();
  await db.customer.create({
    data: {
      id: customerId,
      type: 'INDIVIDUAL',
      status: 'APPROVED',
      displayName: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: '+12125550100',
      contactPreferences: { email: true, sms: false, phone: true, marketingOptOut: false },
      channel: 'BRANCH',
      createdByStaffId: staff.cs.id,
      relationshipManagerId: staff.rm.id,
      segment: 'VIP',
      serviceTier: 'VIP',
      riskRating: 'LOW',
      identity: { create: { kind: 'SSN', numberCiphertext: encryptField(ring, '078051120', aad.identityNumber(customerId)), numberBlindIndex: unique('bi'), last4: '1120', keyId: ring.currentKeyId, issuingCountry: 'US' } },
      individualProfile: { create: { firstName: 'Ada', lastName: 'Lovelace', dateOfBirthCiphertext: encryptField(ring, '1980-02-03', aad.dateOfBirth(customerId)) } },
    },
  });
  await db.segmentChange.create({ data: { customerId, fromSegment: 'REGULAR', toSegment: 'VIP', reason: 'total assets reached the VIP threshold', policyVersion: policy.version, changedAt: new Date(now - 30 * DAY) } });
  await db.riskAssessment.create({ data: { customerId, runKey: 'q3', trigger: 'QUARTERLY', customerType: 'INDIVIDUAL', rating: 'LOW', previousRating: 'MEDIUM', total: 20, factors: [], groups: [], reasons: ['stable employment for 8 years'], policyVersion: policy.version, assessedAt: new Date(now - 10 * DAY) } });
  await db.customerLifecycle.create({ data: { customerId, workflowId: `customer-${customerId}`, status: 'ACTIVE', lastReviewAt: new Date(now - 100 * DAY), nextReviewAt: new Date(now + 80 * DAY), policyVersion: policy.version } });
  await db.task.create({ data: { id: `review:${customerId}:1`, kind: 'PERIODIC_REVIEW', subject: `periodic review of ${customerId}`, customerId, assigneeStaffId: staff.rm.id, dueAt: new Date(now - 12 * DAY), overdueAt: new Date(now - 11 * DAY), workflowId: `customer-${customerId}`, policyVersion: policy.version } });

  const res = await fetch(`${baseUrl}/feedback`, {
    method: 'POST',
    headers: { authorization: `Bearer ${staff.cs.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'HOTLINE', customerId, category: 'CARD', severity: 'MEDIUM', complexity: 'SIMPLE', summary: 'Card declined abroad' }),
  });
  expect(res.status).toBe(201);
  caseNo = ((await res.json()) as { caseNo: string }).caseNo;
  await until(`${caseNo} assigned`, async () => (await db.feedbackCase.findUnique({ where: { caseNo } }))?.handlerStaffId);
  // The case missed its response deadline and went to the department head.
  await db.feedbackCase.update({ where: { caseNo }, data: { targetAt: new Date(now - 2 * 3_600_000), escalationLevel: 1 } });
}, 90_000);

afterAll(() => stack?.stop());

test('§3.1 the customer page: masked, accessible on a laptop and a tablet; the auditor reveals the identity number with the button, recorded', async () => {
  const auditor = await signedIn(staff.auditor);
  const { page } = auditor;
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByLabel('Customer id').fill(customerId);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.waitForURL(`${baseUrl}/console/customers/${customerId}`);
  await expect(page.locator('h1').textContent()).resolves.toContain('Ada Lovelace');
  await expect(page.locator('#identity-number').textContent()).resolves.toBe('•••••1120');
  await expect(page.getByRole('link', { name: `Open customer-${customerId} in the Temporal UI (opens in a new tab)` }).getAttribute('href')).resolves.toBe(
    `http://localhost:8233/namespaces/default/workflows/customer-${customerId}`,
  );
  await checkAndShootAtBothSizes(page, 'console-customer');

  await page.getByRole('button', { name: 'Reveal identity number' }).click();
  await page.waitForLoadState();
  await expect(page.locator('#identity-number').textContent()).resolves.toBe('078051120');
  expect(await db.auditLog.count({ where: { actorStaffId: staff.auditor.id, customerId, action: 'customer.identity.read' } })).toBe(1);
  expect(auditor.cspViolations).toEqual([]);
  await auditor.close();
}, 90_000);

test('§5.2 the supervisor page: the keyboard opens a case’s reassign form; the case goes to another handler', async () => {
  const sup = await signedIn(staff.supervisor);
  const { page } = sup;
  await page.goto(`${baseUrl}/console/supervisor`);
  const before = (await db.feedbackCase.findUniqueOrThrow({ where: { caseNo } })).handlerStaffId!;
  const target = before === staff.h1.id ? staff.h2 : staff.h1;
  await checkAndShootAtBothSizes(page, 'console-supervisor');

  const summary = page.getByText(`Reassign ${caseNo}`, { exact: true });
  await summary.focus();
  await page.keyboard.press('Enter');
  const form = page.locator(`form[action="/console/supervisor/cases/${caseNo}/reassign"]`);
  await expect(form.isVisible()).resolves.toBe(true);
  await form.getByLabel('New handler').selectOption(target.id);
  await form.getByLabel('Reason').fill('evening out the load');
  await form.getByRole('button', { name: 'Reassign' }).click();
  await page.waitForURL(`${baseUrl}/console/supervisor`);
  await expect(page.getByRole('status').first().textContent()).resolves.toContain(`Case ${caseNo} reassigned to ${target.id}`);
  expect((await db.feedbackCase.findUniqueOrThrow({ where: { caseNo } })).handlerStaffId).toBe(target.id);
  expect(sup.cspViolations).toEqual([]);
  await sup.close();
}, 90_000);

test('reports: four tables with their charts drawn from the page’s data, accessible on a laptop and a tablet, no CSP violation', async () => {
  const sup = await signedIn(staff.supervisor);
  const { page } = sup;
  await page.getByRole('link', { name: 'Reports' }).click();
  await page.waitForURL(`${baseUrl}/console/reports`);
  await page.waitForFunction(`window.Chart && document.querySelectorAll('canvas[data-chart]').length === 4 && [...document.querySelectorAll('canvas[data-chart]')].every((c) => window.Chart.getChart(c))`);
  await expect(page.getByRole('table', { name: 'Overdue reviews by assignee, days past the due date' }).textContent()).resolves.toContain('Rita Manager');
  await expect(page.getByRole('link', { name: 'Download the risk distribution (CSV)' }).getAttribute('href')).resolves.toBe('/console/reports/risk-distribution.csv');
  await checkAndShootAtBothSizes(page, 'console-reports');
  expect(sup.cspViolations).toEqual([]);
  await sup.close();
}, 90_000);
