/**
 * `ccm feedback …` end to end, kept short (each call is a process of its own, about 3 s): the real CLI
 * (`node bin/ccm.js …`, a child process) against this file's PostgreSQL database and the Temporal dev
 * server, with a worker in this process running the real workflows and activities (payloads
 * encrypted with the CLI's keys) and a real SMTP server. §5.2: register from the hotline, the
 * suggestion box from a CSV file (all or nothing), respond (the customer's email), show, list; the
 * same validation messages as the API.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../src/db/client';
import { caseYear } from '../../src/domain/case-number';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { caseStateQuery, feedbackWorkflowId } from '../../workflows/feedback/definitions';
import { until } from '../support/api';
import { ccmRunner, cliKeys, staffMembers } from '../support/cli';
import { startApiStack, type ApiStack } from '../support/stack';

const keys = cliKeys('fb-1');
const policy = parsePolicy(DEFAULT_POLICY); // the CLI's policy too (POLICY_FILE unset)

const CS = 'cs-fbc';
const HEAD = 'head-fbc';
const H1 = 'h1-fbc';
const OUT = 'out-fbc';

/** The worker (real workflows and activities, the CLI's keys) and a real SMTP server (startApiStack: its API is not called here). */
let stack: ApiStack;
let db: Db;
const ccm = ccmRunner({ keys, taskQueue: () => stack.taskQueue, timeoutMs: 90_000 });

const dir = mkdtempSync(path.join(os.tmpdir(), 'ccm-feedback-cli-'));
const csv = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const seq = (n: number) => `FB-${caseYear(new Date(), policy)}-${String(n).padStart(6, '0')}`;

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: 'care@bank.test', ring: keys.ring });
  db = stack.db;
  await staffMembers(db, { [CS]: ['CUSTOMER_SERVICE'], [HEAD]: ['SUPERVISOR'], [H1]: ['RELATIONSHIP_MANAGER'], [OUT]: ['RELATIONSHIP_MANAGER'] });
  for (const code of ['CARDS', 'DIGITAL']) {
    await db.department.create({ data: { code, name: code, headStaffId: HEAD } });
    await db.departmentMember.create({ data: { departmentCode: code, staffId: H1 } });
  }
});

afterAll(() => stack?.stop());

const contactEmail = `paula-${randomUUID().slice(0, 6)}@example.com`;

test('register from the hotline, refusals with the API’s messages (nothing written), a CSV with a bad row registers nothing', async () => {
  const badCsv = csv('bad.csv', 'contactName,contactEmail,customerType,category,severity,complexity,summary\nAnn Box,ann@example.com,individual,digital,low,simple,App crashes\nBob Box,bob@example.com,INDIVIDUAL,GADGETS,LOW,SIMPLE,Too slow\n');
  const [ok, bad, forbidden, badImport] = await Promise.all([
    ccm(['--as', CS, 'feedback', 'register', '--channel', 'hotline', '--contact-name', 'Paula Prospect', '--contact-email', contactEmail, '--customer-type', 'individual', '--category', 'card', '--severity', 'medium', '--complexity', 'simple', '--summary', 'Card declined abroad']),
    ccm(['--as', CS, 'feedback', 'register', '--channel', 'HOTLINE', '--contact-name', 'Paula Prospect', '--contact-email', contactEmail, '--category', 'CARDS', '--severity', 'LOW', '--complexity', 'SIMPLE', '--summary', 'x']),
    ccm(['--as', OUT, 'feedback', 'register', '--channel', 'HOTLINE', '--customer', 'cus_x', '--category', 'CARD', '--severity', 'LOW', '--complexity', 'SIMPLE', '--summary', 'x']),
    ccm(['--as', OUT, 'feedback', 'import', badCsv]),
  ]);
  expect([ok.code, ok.stderr, ok.stdout]).toEqual([0, '', `registered ${seq(1)}: department CARDS (rule cards), status REGISTERED\n`]);
  expect([bad.code, bad.stdout]).toEqual([1, '']);
  expect(bad.stderr).toBe(`ccm: category: one of the policy's categories: ${policy.feedback.categories.join(', ')} (got "CARDS"); customerType: required for someone who is not a customer: INDIVIDUAL or ENTERPRISE (it decides the §5.2 SLA)\n`);
  expect([forbidden.code, forbidden.stderr]).toEqual([1, expect.stringMatching(/^ccm: the service hotline is entered by CUSTOMER_SERVICE, SUPERVISOR, ADMIN/)]);
  expect([badImport.code, badImport.stdout]).toEqual([1, '']);
  expect(badImport.stderr).toBe(`ccm: row 3, category: one of the policy's categories: ${policy.feedback.categories.join(', ')}\nccm: nothing registered (the file is registered all or nothing)\n`);
  expect(await db.feedbackCase.count()).toBe(1);
});

test('respond (emailed to the contact), show (timeline, live state), list; a good CSV registers every row', async () => {
  const caseNo = seq(1);
  await until(`${caseNo} begun`, async () => (await db.feedbackCase.findUnique({ where: { caseNo } }))?.status === 'IN_PROGRESS' && stack.temporal.workflow.getHandle(feedbackWorkflowId(caseNo)).query(caseStateQuery));
  const responded = await ccm(['--as', H1, 'feedback', 'respond', caseNo, '--body', 'We have lifted the block.']);
  expect([responded.code, responded.stderr]).toEqual([0, '']);
  expect(responded.stdout).toMatch(new RegExp(`^${caseNo}: response recorded and sent \\(event \\d+\\); status RESPONDED, department CARDS, handler ${H1}, first response \\S+, escalation level 0\\n$`));
  await stack.smtp.waitFor(() => stack.smtp.to(contactEmail).some((m) => m.subject === `Your feedback ${caseNo}: our response` && m.text.includes('We have lifted the block.')));

  const goodCsv = csv('good.csv', 'contactName,contactEmail,customerType,category,severity,complexity,summary\nAnn Box,ann@example.com,individual,digital,low,simple,App crashes\n"Bob Box",bob@example.com,INDIVIDUAL,DIGITAL,LOW,SIMPLE,"Login ""slow"""\n');
  const [shown, listed, imported] = await Promise.all([
    ccm(['--as', H1, 'feedback', 'show', caseNo]),
    ccm(['--as', CS, 'feedback', 'list', '--department', 'CARDS']),
    ccm(['--as', OUT, 'feedback', 'import', goodCsv]),
  ]);
  expect([shown.code, shown.stderr]).toEqual([0, '']);
  expect(shown.stdout).toContain(`${caseNo}  HOTLINE  CARD/MEDIUM/SIMPLE  INDIVIDUAL`);
  expect(shown.stdout).toContain(`from: Paula Prospect ${contactEmail}`);
  expect(shown.stdout).toContain('live (workflow): status RESPONDED');
  expect(shown.stdout).toMatch(new RegExp(`RESPONSE by ${H1}  "We have lifted the block\\."`));
  expect([listed.code, listed.stderr]).toEqual([0, '']);
  expect(listed.stdout.split('\n')[0]).toMatch(/^CASE\s+STATUS\s+DEPARTMENT\s+HANDLER\s+REGISTERED\s+DEADLINE\s+ESC\s+BREACHED$/);
  expect(listed.stdout).toMatch(new RegExp(`^${caseNo}\\s+RESPONDED\\s+CARDS\\s+${H1}\\s`, 'm'));
  expect([imported.code, imported.stderr]).toEqual([0, '']);
  expect(imported.stdout).toBe(`registered 2 cases from ${goodCsv}:\n  ${seq(2)}  department DIGITAL (rule digital)\n  ${seq(3)}  department DIGITAL (rule digital)\n`);
  expect((await db.feedbackCase.findUniqueOrThrow({ where: { caseNo: seq(3) } })).channel).toBe('SUGGESTION_BOX');
});
