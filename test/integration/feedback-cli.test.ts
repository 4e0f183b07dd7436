/**
 * `ccm feedback …` end to end, kept short (each call is a process of its own, about 3 s): the real CLI
 * (`node bin/ccm.js …`, a child process) against this file's PostgreSQL database and the Temporal dev
 * server, with a worker in this process running the real workflows and activities (payloads
 * encrypted with the CLI's keys) and a real SMTP server. §5.2: register from the hotline, the
 * suggestion box from a CSV file (all or nothing), respond (the customer's email), show, list; the
 * same validation messages as the API.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { Db } from '../../src/db/client';
import { caseYear } from '../../src/domain/case-number';
import { createSmtpMailer, type Mailer } from '../../src/mail/mailer';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { keyRingFromEnv } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import { PROJECT_ROOT } from '../../src/temporal/binaries';
import { dataConverter } from '../../src/temporal/codec';
import { caseStateQuery, feedbackWorkflowId } from '../../workflows/feedback/definitions';
import { testDb, workflowBundle } from '../support/fixtures';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';
import { devServerAddress } from '../support/temporal';

const TASK_QUEUE = `feedback-cli-${randomUUID().slice(0, 8)}`;
const key = () => randomBytes(32).toString('base64');
const KEYS = { DATA_ENCRYPTION_KEYS: `fb-1:${key()}`, DATA_ENCRYPTION_KEY_ID: 'fb-1', BLIND_INDEX_KEY: key() };
const ring = keyRingFromEnv(KEYS);
const policy = parsePolicy(DEFAULT_POLICY); // the CLI's policy too (POLICY_FILE unset)

const CS = 'cs-fbc';
const HEAD = 'head-fbc';
const H1 = 'h1-fbc';
const OUT = 'out-fbc';

let db: Db;
let temporal: Client;
let smtp: TestSmtpServer;
let mailer: Mailer;
let nativeConnection: NativeConnection;
let worker: Worker;
let workerRun: Promise<void>;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ccm(args: string[]): Promise<CliResult> {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  delete inherited.CCM_STAFF_ID;
  delete inherited.POLICY_FILE;
  const env: NodeJS.ProcessEnv = { ...inherited, TEMPORAL_ADDRESS: devServerAddress(), TASK_QUEUE, ...KEYS, LOG_LEVEL: 'warn' };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'ccm.js'), ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'ccm-feedback-cli-'));
const csv = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const seq = (n: number) => `FB-${caseYear(new Date(), policy)}-${String(n).padStart(6, '0')}`;

beforeAll(async () => {
  db = testDb();
  for (const [id, roles] of [
    [CS, ['CUSTOMER_SERVICE']],
    [HEAD, ['SUPERVISOR']],
    [H1, ['RELATIONSHIP_MANAGER']],
    [OUT, ['RELATIONSHIP_MANAGER']],
  ] as const) {
    await db.staffMember.create({ data: { id, name: `Staff ${id}`, email: `${id}@bank.test`, roles: [...roles] } });
  }
  for (const code of ['CARDS', 'DIGITAL']) {
    await db.department.create({ data: { code, name: code, headStaffId: HEAD } });
    await db.departmentMember.create({ data: { departmentCode: code, staffId: H1 } });
  }
  const address = devServerAddress();
  temporal = new Client({ connection: await Connection.connect({ address }), dataConverter: dataConverter(ring) });
  smtp = await startTestSmtpServer();
  mailer = createSmtpMailer({ url: smtp.url, from: 'care@bank.test' });
  nativeConnection = await NativeConnection.connect({ address });
  worker = await Worker.create({
    connection: nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: workflowBundle(),
    activities: createActivities({ db, mailer, clock: systemClock, mailFrom: 'care@bank.test', policy, ring, temporal }),
    dataConverter: dataConverter(ring),
  });
  workerRun = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await workerRun;
  await nativeConnection?.close();
  await temporal?.connection.close();
  mailer?.close();
  await smtp?.close();
  await db?.$disconnect();
});

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
  await until(`${caseNo} begun`, async () => (await db.feedbackCase.findUnique({ where: { caseNo } }))?.status === 'IN_PROGRESS' && temporal.workflow.getHandle(feedbackWorkflowId(caseNo)).query(caseStateQuery));
  const responded = await ccm(['--as', H1, 'feedback', 'respond', caseNo, '--body', 'We have lifted the block.']);
  expect([responded.code, responded.stderr]).toEqual([0, '']);
  expect(responded.stdout).toMatch(new RegExp(`^${caseNo}: response recorded and sent \\(event \\d+\\); status RESPONDED, department CARDS, handler ${H1}, first response \\S+, escalation level 0\\n$`));
  await smtp.waitFor(() => smtp.to(contactEmail).some((m) => m.subject === `Your feedback ${caseNo}: our response` && m.text.includes('We have lifted the block.')));

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
