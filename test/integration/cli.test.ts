/**
 * `ccm` end to end: the real CLI (`node bin/ccm.js …`, a child process) against PostgreSQL and the
 * Temporal dev server. This file runs in a database of its own, because key rotation rewrites every
 * encrypted row it finds and must not touch other test files' rows (they run in parallel).
 *
 * The CLI runs with explicit keys: two data keys (rot-2025 current at first, then rot_2025) and a blind-index key. The
 * in-test worker (needed to validate and apply review decisions) shares them through the codec.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createCustomer } from '../../src/customers/create-customer';
import { aad } from '../../src/customers/encrypted-fields';
import { feedbackAad } from '../../src/feedback/encrypted-fields';
import { createDb, type Db } from '../../src/db/client';
import { createSmtpMailer, type Mailer } from '../../src/mail/mailer';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { decryptField, encryptField, keyIdOf } from '../../src/security/crypto';
import { keyRingFromEnv, type KeyRing } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import { PROJECT_ROOT } from '../../src/temporal/binaries';
import { dataConverter } from '../../src/temporal/codec';
import { ADMIN_URL } from '../support/global-setup';
import { workflowBundle } from '../support/fixtures';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';
import { devServerAddress } from '../support/temporal';

const TASK_QUEUE = `cli-test-${randomUUID().slice(0, 8)}`;
const DB_NAME = `ccm_test_cli_${process.pid}_${Date.now()}`;
const key = () => randomBytes(32).toString('base64');
// Key ids that differ only by `-` vs `_`: a LIKE 'v1.rot_2025.%' filter would take values under
// rot-2025 for current ones and never rotate them (the `_` wildcard); rotation must compare exactly.
const OLD = 'rot-2025';
const NEW = 'rot_2025';
const KEYS = { DATA_ENCRYPTION_KEYS: `${OLD}:${key()},${NEW}:${key()}`, DATA_ENCRYPTION_KEY_ID: OLD, BLIND_INDEX_KEY: key() };
const ring: KeyRing = keyRingFromEnv(KEYS);
const policy = parsePolicy(DEFAULT_POLICY); // the CLI's policy too (POLICY_FILE unset)

const MAKER = 'cs-maker';
const CHECKER = 'aud-checker';
const SEED_SSN = '123-45-6789';

let databaseUrl: string;
let db: Db;
let temporal: Client;
let smtp: TestSmtpServer;
let mailer: Mailer;
let nativeConnection: NativeConnection;
let worker: Worker;
let workerRun: Promise<void>;
let workDir: string;
let seedId: string;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/ccm.js …` asynchronously (the worker in this process must keep running meanwhile). */
function ccm(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  delete inherited.CCM_STAFF_ID;
  delete inherited.POLICY_FILE;
  const childEnv: NodeJS.ProcessEnv = {
    ...inherited,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: devServerAddress(),
    TASK_QUEUE,
    ...KEYS,
    LOG_LEVEL: 'warn',
    ...env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'ccm.js'), ...args], { cwd: PROJECT_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function ensureStaff(id: string, roles: ('ADMIN' | 'AUDITOR' | 'CUSTOMER_SERVICE')[]) {
  await db.staffMember.upsert({ where: { id }, create: { id, name: `Staff ${id}`, email: `${id}@bank.test`, roles }, update: {} });
}

beforeAll(async () => {
  // A database of this file's own, migrated like the shared one (test/support/global-setup.ts).
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${DB_NAME}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${DB_NAME}`;
  databaseUrl = url.toString();
  const migrate = spawnSync(process.execPath, ['--experimental-wasm-modules', '--no-warnings', '--import', 'tsx', 'scripts/db.ts', 'migrate'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  db = createDb({ url: databaseUrl, max: 4 });
  await ensureStaff(MAKER, ['CUSTOMER_SERVICE', 'AUDITOR']);
  await ensureStaff(CHECKER, ['AUDITOR']);

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

  // An existing customer, entered through the same use case: the import's duplicate refers to it.
  const seed = await createCustomer(
    { db, temporal, taskQueue: TASK_QUEUE, policy, ring, clock: systemClock },
    { staffId: MAKER, roles: ['CUSTOMER_SERVICE', 'AUDITOR'] },
    { type: 'INDIVIDUAL', channel: 'BRANCH', firstName: 'Sam', lastName: 'Seed', dateOfBirth: '1975-04-04', email: 'sam@example.com', identity: { kind: 'SSN', number: SEED_SSN } },
  );
  seedId = seed.id;
  workDir = mkdtempSync(path.join(os.tmpdir(), 'ccm-cli-test-'));
});

afterAll(async () => {
  worker?.shutdown();
  await workerRun;
  await nativeConnection?.close();
  await temporal?.connection.close();
  mailer?.close();
  await smtp?.close();
  await db?.$disconnect();
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${DB_NAME}" WITH (FORCE)`);
  await admin.end();
});

const minorDateOfBirth = `${new Date().getUTCFullYear() - 10}-06-15`;
const HEADER =
  'type,firstName,lastName,dateOfBirth,email,phone,identityKind,identityNumber,identityCountry,totalAssetsUsd,legalName,registrationState,naicsCode,employees,annualRevenueUsd,identityState';
const CSV = [
  HEADER,
  'INDIVIDUAL,Grace,Hopper,1966-12-09,grace@example.com,,SSN,234-56-7891,,"1,500,000",,,,,,', // row 2: good
  'ENTERPRISE,,,,cfo@acme.example,,EIN,12-3456789,,9000000,Acme Widgets LLC,DE,332710,120,"12,500,000",', // row 3: good
  'INDIVIDUAL,Bad,Number,1980-01-01,bad@example.com,,SSN,000-12-3456,,,,,,,,', // row 4: malformed SSN
  `INDIVIDUAL,Young,Person,${minorDateOfBirth},young@example.com,,SSN,345-67-8912,,,,,,,,`, // row 5: a minor
  `INDIVIDUAL,Dup,Licate,1970-03-03,dup@example.com,,SSN,${SEED_SSN},,,,,,,,`, // row 6: duplicate identity
  'INDIVIDUAL,Pat,Passport,1990-07-07,,+33 1 42 68 53 00,PASSPORT,X1234567,FRA,,,,,,,', // row 7: good
].join('\n');
const IDENTITY_VALUES = ['234-56-7891', '12-3456789', '000-12-3456', '345-67-8912', SEED_SSN, 'X1234567', '123456789', '234567891'];

let imported: { row: number; id: string }[] = [];

test('staff add --bootstrap makes the first ADMIN without --as, only once; the ADMIN registers staff and issues an API key', async () => {
  const first = await ccm(['staff', 'add', 'adm-1', '--name', 'Ada Admin', '--email', 'adm-1@bank.test', '--roles', 'ADMIN', '--bootstrap']);
  expect(first).toMatchObject({ code: 0, stdout: 'staff member adm-1 (Ada Admin <adm-1@bank.test>) roles ADMIN\n' });
  const [again, added, issued, refused] = await Promise.all([
    ccm(['staff', 'add', 'adm-2', '--name', 'Eve', '--email', 'adm-2@bank.test', '--roles', 'ADMIN', '--bootstrap']),
    ccm(['--as', 'adm-1', 'staff', 'add', 'hnw-1', '--name', 'Ian Vest', '--email', 'hnw-1@bank.test', '--roles', 'relationship_manager', '--expertise', 'INVESTMENT_EXPERT,legal_expert']),
    ccm(['keys', 'issue', CHECKER, '--label', 'laptop'], { CCM_STAFF_ID: 'adm-1' }),
    ccm(['--as', CHECKER, 'staff', 'add', 'x-1', '--name', 'X', '--email', 'x-1@bank.test', '--roles', 'ADMIN']),
  ]);
  expect([again.code, again.stderr]).toEqual([2, 'ccm: an active ADMIN exists already (adm-1): --bootstrap only creates the first one; use --as <adminId>\n']);
  expect([added.code, added.stderr]).toEqual([0, '']);
  expect(await db.staffMember.findUnique({ where: { id: 'hnw-1' } })).toMatchObject({ roles: ['RELATIONSHIP_MANAGER'], expertise: ['INVESTMENT_EXPERT', 'LEGAL_EXPERT'] });
  expect([issued.code, issued.stderr]).toEqual([0, expect.stringMatching(/^\[ccm\] API key \S+ issued to aud-checker \(laptop\)/)]);
  expect(issued.stdout).toMatch(/^ccm_[A-Za-z0-9_-]{43}\n$/);
  const stored = await db.apiKey.findMany({ where: { staffId: CHECKER } });
  expect(stored).toHaveLength(1);
  expect(stored[0]!.keyHash).not.toContain(issued.stdout.trim());
  expect([refused.code, refused.stderr]).toEqual([1, `ccm: requires one of the roles ADMIN; staff member ${CHECKER} has AUDITOR\n`]);
  expect(await db.staffMember.count({ where: { id: { in: ['adm-2', 'x-1'] } } })).toBe(0);
});

test('customers import: good rows land PENDING_REVIEW with their onboarding workflows; the bad, the minor and the duplicate are reported, exit 1', async () => {
  const file = path.join(workDir, 'customers.csv');
  const reportFile = path.join(workDir, 'report.json');
  writeFileSync(file, CSV);
  const before = await db.customer.count();

  const res = await ccm(['--as', MAKER, 'customers', 'import', file, '--report', reportFile]);

  expect(res.code).toBe(1);
  const lines = res.stdout.trimEnd().split('\n');
  expect(lines).toEqual([
    'row 4, identityNumber: area number (first 3 digits) 000 is never assigned',
    `row 5, dateOfBirth: §2.1: a primary customer must be at least ${policy.individual.minimumAgeYears}`,
    `row 6, identityNumber: duplicate: a customer with this identity number already exists: ${seedId}`,
    'imported 3, skipped 3 (duplicates 1)',
  ]);
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  expect(report).toMatchObject({ rows: 6, imported: 3, skipped: 3, duplicates: 1, notAttempted: 0, channel: 'IMPORT', actorStaffId: MAKER });
  expect(report.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
    [4, 'identityNumber'],
    [5, 'dateOfBirth'],
    [6, 'identityNumber'],
  ]);
  expect(report.customers.map((c: { row: number }) => c.row)).toEqual([2, 3, 7]);
  imported = report.customers;
  // §3.1: no identity number in any output, in any spelling.
  for (const text of [res.stdout, res.stderr, readFileSync(reportFile, 'utf8')]) {
    for (const value of IDENTITY_VALUES) expect(text).not.toContain(value);
  }

  expect(await db.customer.count()).toBe(before + 3);
  const rows = await db.customer.findMany({ where: { id: { in: imported.map((c) => c.id) } }, include: { identity: true, enterpriseProfile: true }, orderBy: { displayName: 'asc' } });
  expect(rows.map((c) => [c.displayName, c.type, c.status, c.channel, c.createdByStaffId, c.identity?.kind, c.identity?.keyId])).toEqual([
    ['Acme Widgets LLC', 'ENTERPRISE', 'PENDING_REVIEW', 'IMPORT', MAKER, 'EIN', OLD],
    ['Grace Hopper', 'INDIVIDUAL', 'PENDING_REVIEW', 'IMPORT', MAKER, 'SSN', OLD],
    ['Pat Passport', 'INDIVIDUAL', 'PENDING_REVIEW', 'IMPORT', MAKER, 'PASSPORT', OLD],
  ]);
  expect(rows[0]!.enterpriseProfile).toMatchObject({ employees: 120, naicsCode: '332710', registrationState: 'DE' });
  expect(rows[0]!.enterpriseProfile!.annualRevenueUsd!.toString()).toBe('12500000');
  for (const c of imported) {
    const described = await temporal.workflow.getHandle(`onboarding-${c.id}`).describe();
    expect([described.type, described.status.name, described.taskQueue]).toEqual(['onboarding', 'RUNNING', TASK_QUEUE]);
  }
  expect(await db.auditLog.count({ where: { action: 'customer.create', actorStaffId: MAKER, customerId: { in: imported.map((c) => c.id) } } })).toBe(3);
});

test('reviews approve: the maker is refused (maker-checker, exit 1); another AUDITOR approves', async () => {
  const grace = imported.find((c) => c.row === 2)?.id ?? seedId;

  const byMaker = await ccm(['--as', MAKER, 'reviews', 'approve', grace]);
  expect([byMaker.code, byMaker.stdout]).toEqual([1, '']);
  expect(byMaker.stderr).toBe(`ccm: maker-checker (§2.3): ${MAKER} entered this record and cannot review it\n`);
  expect((await db.customer.findUniqueOrThrow({ where: { id: grace } })).status).toBe('PENDING_REVIEW');

  const list = await ccm(['--as', CHECKER, '--json', 'reviews', 'list']);
  expect(list.code).toBe(0);
  expect(JSON.parse(list.stdout).reviews.map((r: { customerId: string }) => r.customerId)).toContain(grace);

  const byChecker = await ccm(['--as', CHECKER, 'reviews', 'approve', grace]);
  expect(byChecker.stderr).toBe('');
  expect(byChecker.code).toBe(0);
  expect(byChecker.stdout).toBe(`${grace}: APPROVE accepted from ${CHECKER}; onboarding status APPROVED\n`);
  expect((await db.customer.findUniqueOrThrow({ where: { id: grace } })).status).toBe('APPROVED');

  const noReason = await ccm(['--as', CHECKER, 'reviews', 'reject', grace]);
  expect(noReason.code).toBe(2);
  expect(noReason.stderr).toMatch(/required option '--reason <text>' not specified/);
});

test('keys rotate (§3.1): every ciphertext moves from the old key to the new one and decrypts without the old key; ADMIN only; a second run finds nothing', async () => {
  await ensureStaff('adm-rot', ['ADMIN']);
  // A credit record and the §6.1 credit bureau figures under the old key, as the deeper profile writes them.
  const bureau = JSON.stringify({ score: 741, delinquencies: 0, defaults: 0, reportedOn: '2026-11-02' });
  await db.individualProfile.update({
    where: { customerId: seedId },
    data: {
      creditRecordCiphertext: encryptField(ring, 'no defaults in 10 years', `IndividualProfile.creditRecord:${seedId}`),
      creditBureauCiphertext: encryptField(ring, bureau, `IndividualProfile.creditBureau:${seedId}`),
    },
  });
  // A feedback case (§5.2) from someone who is not a customer, under the old key.
  const caseNo = 'FB-2026-000001';
  await db.department.create({ data: { code: 'ROT', name: 'Rotation desk', headStaffId: 'adm-rot' } });
  await db.feedbackCase.create({
    data: {
      caseNo,
      channel: 'ONLINE',
      category: 'SERVICE',
      severity: 'LOW',
      complexity: 'SIMPLE',
      customerType: 'INDIVIDUAL',
      contactEmailCiphertext: encryptField(ring, 'visitor@example.com', feedbackAad.caseField('contactEmail', caseNo)),
      summaryCiphertext: encryptField(ring, 'Card declined abroad', feedbackAad.caseField('summary', caseNo)),
      departmentCode: 'ROT',
      routingRuleId: 'default',
      registeredAt: new Date(),
      workflowId: `feedback-${caseNo}`,
      policyVersion: policy.version,
    },
  });
  const docs = await db.identityDocument.findMany({ orderBy: { customerId: 'asc' } });
  const profiles = await db.individualProfile.findMany({ orderBy: { customerId: 'asc' } });
  expect(docs.length).toBeGreaterThanOrEqual(4);
  expect(new Set([...docs.map((d) => keyIdOf(d.numberCiphertext)), ...docs.map((d) => d.keyId), ...profiles.map((p) => keyIdOf(p.dateOfBirthCiphertext))])).toEqual(new Set([OLD]));
  const plainNumbers = docs.map((d) => decryptField(ring, d.numberCiphertext, aad.identityNumber(d.customerId)));
  const plainDates = profiles.map((p) => decryptField(ring, p.dateOfBirthCiphertext, aad.dateOfBirth(p.customerId)));
  const newCurrent = { DATA_ENCRYPTION_KEY_ID: NEW };

  const forbidden = await ccm(['--as', MAKER, 'keys', 'rotate'], newCurrent);
  expect([forbidden.code, forbidden.stderr]).toEqual([1, `ccm: requires one of the roles ADMIN; staff member ${MAKER} has CUSTOMER_SERVICE, AUDITOR\n`]);
  expect((await db.identityDocument.findMany({ orderBy: { customerId: 'asc' } })).map((d) => d.numberCiphertext)).toEqual(docs.map((d) => d.numberCiphertext));

  const rotated = await ccm(['--as', 'adm-rot', 'keys', 'rotate', '--batch', '2'], newCurrent);
  expect(rotated.code).toBe(0);
  expect(rotated.stdout).toBe(
    [
      `current key ${NEW}`,
      `identity numbers re-encrypted: ${docs.length}`,
      `dates of birth re-encrypted: ${profiles.length}`,
      'credit records re-encrypted: 1',
      'credit bureau figures re-encrypted: 1',
      'feedback contact details re-encrypted: 1',
      'feedback summaries and descriptions re-encrypted: 1',
      'feedback timeline bodies re-encrypted: 0',
      'survey comments re-encrypted: 0',
      'failures: 0',
      '',
    ].join('\n'),
  );

  // Decrypt with a ring that no longer holds the old key at all.
  const [, newEntry] = KEYS.DATA_ENCRYPTION_KEYS.split(',');
  const newOnly = keyRingFromEnv({ ...KEYS, DATA_ENCRYPTION_KEYS: newEntry!, DATA_ENCRYPTION_KEY_ID: NEW });
  const after = await db.identityDocument.findMany({ orderBy: { customerId: 'asc' } });
  const profilesAfter = await db.individualProfile.findMany({ orderBy: { customerId: 'asc' } });
  expect(after.map((d) => [d.keyId, keyIdOf(d.numberCiphertext)])).toEqual(docs.map(() => [NEW, NEW]));
  expect(after.map((d) => decryptField(newOnly, d.numberCiphertext, aad.identityNumber(d.customerId)))).toEqual(plainNumbers);
  expect(profilesAfter.map((p) => decryptField(newOnly, p.dateOfBirthCiphertext, aad.dateOfBirth(p.customerId)))).toEqual(plainDates);
  const seedProfile = profilesAfter.find((p) => p.customerId === seedId)!;
  expect(decryptField(newOnly, seedProfile.creditRecordCiphertext!, `IndividualProfile.creditRecord:${seedId}`)).toBe('no defaults in 10 years');
  expect(keyIdOf(seedProfile.creditBureauCiphertext!)).toBe(NEW);
  expect(decryptField(newOnly, seedProfile.creditBureauCiphertext!, `IndividualProfile.creditBureau:${seedId}`)).toBe(bureau);
  const profileRotations = await db.auditLog.findMany({ where: { action: 'keys.rotate', actorStaffId: 'adm-rot', entity: 'IndividualProfile' } });
  expect(profileRotations.filter((a) => (a.changes as Record<string, unknown>).creditBureauCiphertext === 'changed')).toHaveLength(1);
  expect(JSON.stringify(profileRotations.map((a) => a.changes))).not.toContain('741');
  const feedbackCase = await db.feedbackCase.findUniqueOrThrow({ where: { caseNo } });
  expect(decryptField(newOnly, feedbackCase.contactEmailCiphertext!, feedbackAad.caseField('contactEmail', caseNo))).toBe('visitor@example.com');
  expect(decryptField(newOnly, feedbackCase.summaryCiphertext, feedbackAad.caseField('summary', caseNo))).toBe('Card declined abroad');
  expect(await db.auditLog.count({ where: { action: 'keys.rotate', actorStaffId: 'adm-rot' } })).toBeGreaterThanOrEqual(3);

  const again = await ccm(['--as', 'adm-rot', 'keys', 'rotate'], newCurrent);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/identity numbers re-encrypted: 0\ndates of birth re-encrypted: 0\ncredit records re-encrypted: 0\ncredit bureau figures re-encrypted: 0\nfeedback contact details re-encrypted: 0\nfeedback summaries and descriptions re-encrypted: 0\nfeedback timeline bodies re-encrypted: 0\nsurvey comments re-encrypted: 0\n/);
  expect((await db.identityDocument.findMany({ orderBy: { customerId: 'asc' } })).map((d) => d.numberCiphertext)).toEqual(after.map((d) => d.numberCiphertext));
});

test('configuration and identity errors are one line: no DATABASE_URL → exit 2; an unknown staff member → exit 1', async () => {
  const [noDb, unknown] = await Promise.all([
    ccm(['--as', MAKER, 'reviews', 'list'], { DATABASE_URL: '' }),
    ccm(['--as', 'nobody', 'reviews', 'list']),
  ]);
  expect([noDb.code, noDb.stderr]).toEqual([2, 'ccm: DATABASE_URL is not set: expected the PostgreSQL URL, e.g. postgresql://user@127.0.0.1:5432/ccm\n']);
  expect([unknown.code, unknown.stderr]).toEqual([1, 'ccm: staff member nobody does not exist\n']);
});
