/**
 * `ccm` end to end: the real CLI (`node bin/ccm.js …`, a child process) against PostgreSQL and the
 * Temporal dev server. Key rotation rewrites every encrypted row it finds: it must see this file's
 * rows only, which holds as every test file has a database of its own (test/support/own-database.ts).
 *
 * The CLI runs with explicit keys: two data keys (rot-2025 current at first, then rot_2025) and a blind-index key. The
 * in-test worker (needed to validate and apply review decisions) shares them through the codec.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createCustomer } from '../../src/customers/create-customer';
import { aad } from '../../src/customers/encrypted-fields';
import { feedbackAad } from '../../src/feedback/encrypted-fields';
import type { Db } from '../../src/db/client';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { decryptField, encryptField, keyIdOf } from '../../src/security/crypto';
import { keyRingFromEnv } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import { ccmRunner, cliKeys, staffMembers } from '../support/cli';
import { startApiStack, type ApiStack } from '../support/stack';

// Key ids that differ only by `-` vs `_`: a LIKE 'v1.rot_2025.%' filter would take values under
// rot-2025 for current ones and never rotate them (the `_` wildcard); rotation must compare exactly.
const OLD = 'rot-2025';
const NEW = 'rot_2025';
const keys = cliKeys(OLD, NEW);
const KEYS = keys.env;
const { ring } = keys;
const policy = parsePolicy(DEFAULT_POLICY); // the CLI's policy too (POLICY_FILE unset)

const MAKER = 'cs-maker';
const CHECKER = 'aud-checker';
const SEED_SSN = '123-45-6789';

/** The worker (real workflows and activities, the CLI's keys; needed to validate and apply review decisions) and a real SMTP server (startApiStack: its API is not called here). */
let stack: ApiStack;
let db: Db;
let temporal: Client;
let workDir: string;
let seedId: string;
const ccm = ccmRunner({ keys, taskQueue: () => stack.taskQueue, timeoutMs: 45_000 });

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: 'care@bank.test', ring });
  ({ db, temporal } = stack);
  await staffMembers(db, { [MAKER]: ['CUSTOMER_SERVICE', 'AUDITOR'], [CHECKER]: ['AUDITOR'] });

  // An existing customer, entered through the same use case: the import's duplicate refers to it.
  const seed = await createCustomer(
    { db, temporal, taskQueue: stack.taskQueue, policy, ring, clock: systemClock },
    { staffId: MAKER, roles: ['CUSTOMER_SERVICE', 'AUDITOR'] },
    { type: 'INDIVIDUAL', channel: 'BRANCH', firstName: 'Sam', lastName: 'Seed', dateOfBirth: '1975-04-04', email: 'sam@example.com', identity: { kind: 'SSN', number: SEED_SSN } },
  );
  seedId = seed.id;
  workDir = mkdtempSync(path.join(os.tmpdir(), 'ccm-cli-test-'));
});

afterAll(() => stack?.stop());

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
    expect([described.type, described.status.name, described.taskQueue]).toEqual(['onboarding', 'RUNNING', stack.taskQueue]);
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
  await staffMembers(db, { 'adm-rot': ['ADMIN'] });
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
