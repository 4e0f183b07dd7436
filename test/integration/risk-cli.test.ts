/**
 * `ccm risk financials add|list` (§6.1 enterprise financial risk) end to end: the real CLI
 * (`node bin/ccm.js …`, a child process) against this file's PostgreSQL database, Temporal's dev
 * server reachable. The same use cases as POST/GET /customers/:id/financials (tested through the API
 * in risk-inputs-api.test.ts); here what an operator meets: exit codes, one-line errors naming the
 * option, the table, --json, and a lifecycle that cannot be told (the statements stay recorded, §6
 * best effort). Policy: ../shared/policy.md §6.1, §3.1.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client';
import { calendarDateIn } from '../../src/domain/business-calendar';
import { aad } from '../../src/customers/encrypted-fields';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { encryptField } from '../../src/security/crypto';
import { ccmRunner, cliKeys, staffMembers } from '../support/cli';
import { testDb, unique } from '../support/fixtures';

const keys = cliKeys('rk-1');
const { ring } = keys;
const TZ = DEFAULT_POLICY.onboarding.timeZone; // the CLI's policy (POLICY_FILE unset)

const RM = 'rm-risk';
const OTHER_RM = 'rm-other';
const CS = 'cs-risk';
const RISK = 'ro-risk';

let db: Db;
// Temporal reachable, with no worker on the queue: the lifecycle the CLI tries to tell is not running.
const ccm = ccmRunner({ keys, taskQueue: unique('risk-cli') });

/** A customer written straight to the database (no onboarding process): APPROVED, managed by RM, with no lifecycle running. */
async function seedCustomer(type: 'INDIVIDUAL' | 'ENTERPRISE'): Promise<string> {
  const id = `cus_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await db.customer.create({
    data: {
      id,
      type,
      status: 'APPROVED',
      displayName: type === 'ENTERPRISE' ? 'Harbor Freight Lines LLC' : 'Ivy Individual',
      contactPreferences: { email: true },
      channel: 'BRANCH',
      createdByStaffId: CS,
      relationshipManagerId: RM,
      ...(type === 'ENTERPRISE'
        ? { enterpriseProfile: { create: { legalName: 'Harbor Freight Lines LLC', naicsCode: '484110' } } }
        : { individualProfile: { create: { firstName: 'Ivy', lastName: 'Individual', dateOfBirthCiphertext: encryptField(ring, '1980-01-01', aad.dateOfBirth(id)) } } }),
    },
  });
  return id;
}

const ADD = ['--period-end', '2025-12-31', '--revenue', '8_400_000', '--net-income', '-75000.25', '--ebit', '-20000', '--interest-expense', '95000', '--total-assets', '6200000', '--total-liabilities', '4100000', '--current-assets', '1900000', '--current-liabilities', '1500000'];
const option = (args: string[], name: string, value: string) => args.map((a, i) => (args[i - 1] === name ? value : a));

let enterpriseId: string;
let individualId: string;

beforeAll(async () => {
  db = testDb();
  await staffMembers(db, { [RM]: ['RELATIONSHIP_MANAGER'], [OTHER_RM]: ['RELATIONSHIP_MANAGER'], [CS]: ['CUSTOMER_SERVICE'], [RISK]: ['RISK_OFFICER'] });
  enterpriseId = await seedCustomer('ENTERPRISE');
  individualId = await seedCustomer('INDIVIDUAL');
});

afterAll(async () => {
  await db?.$disconnect();
});

test('risk financials add: the manager records a period (exit 0); the lifecycle that cannot be told is reported on stderr, the statements stay; audited', async () => {
  const added = await ccm(['--as', RM, 'risk', 'financials', 'add', enterpriseId, ...ADD, '--largest-customer-share', '0.3']);
  expect(added.code).toBe(0);
  const row = await db.financialStatement.findFirstOrThrow({ where: { customerId: enterpriseId } });
  expect(added.stdout).toBe(`${enterpriseId}: financial statements for the period ending 2025-12-31 recorded by ${RM} (${row.id})\n`);
  // APPROVED, but no customer-<id> runs for this seeded customer: best effort, logged (field names only).
  expect(added.stderr).toMatch(new RegExp(`customer ${enterpriseId} changed \\(financialStatements\\) but its lifecycle was not signalled`));
  expect([row.revenueUsd.toFixed(2), row.netIncomeUsd.toFixed(2), row.ebitUsd.toFixed(2), row.largestCustomerShare?.toFixed(4)]).toEqual(['8400000.00', '-75000.25', '-20000.00', '0.3000']);
  expect(await db.auditLog.count({ where: { customerId: enterpriseId, action: 'risk.financials.record', actorStaffId: RM, entityId: row.id } })).toBe(1);
});

test('refusals are one line, exit 1, nothing written: the same period (409 reason), inconsistent totals naming the option, a future period, an individual, CUSTOMER_SERVICE, another manager; a non-number is a usage error (exit 2)', async () => {
  const before = await db.financialStatement.count();
  const audits = await db.auditLog.count();
  const tomorrow = calendarDateIn(new Date(Date.now() + 86_400_000), TZ);
  const today = calendarDateIn(new Date(), TZ);
  const [duplicate, inconsistent, future, individual, cs, other, notANumber] = await Promise.all([
    ccm(['--as', RISK, 'risk', 'financials', 'add', enterpriseId, ...ADD]),
    ccm(['--as', RISK, 'risk', 'financials', 'add', enterpriseId, ...option(option(ADD, '--period-end', '2024-12-31'), '--current-assets', '6200000.01')]),
    ccm(['--as', RISK, 'risk', 'financials', 'add', enterpriseId, ...option(ADD, '--period-end', tomorrow)]),
    ccm(['--as', RISK, 'risk', 'financials', 'add', individualId, ...ADD]),
    ccm(['--as', CS, 'risk', 'financials', 'add', enterpriseId, ...ADD]),
    ccm(['--as', OTHER_RM, 'risk', 'financials', 'add', enterpriseId, ...ADD]),
    ccm(['--as', RISK, 'risk', 'financials', 'add', enterpriseId, ...option(ADD, '--revenue', 'lots')]),
  ]);
  expect([duplicate.code, duplicate.stdout]).toEqual([1, '']);
  expect(duplicate.stderr).toMatch(new RegExp(`^ccm: financial statements for the period ending 2025-12-31 are on file for customer ${enterpriseId} already \\(recorded \\S+ by ${RM}\\): one set per period \\(§6\\.1\\)\\n$`));
  expect([inconsistent.code, inconsistent.stderr]).toEqual([
    1,
    'ccm: --current-assets: must not exceed totalAssetsUsd (6200000): current assets are part of total assets (got 6200000.01)\n',
  ]);
  expect([future.code, future.stderr]).toEqual([1, `ccm: --period-end: must not be in the future (today is ${today}) (got "${tomorrow}")\n`]);
  expect(individual.code).toBe(1);
  expect(individual.stderr).toBe(
    `ccm: customer ${individualId} is an individual: financial statements are recorded for enterprise customers (§6.1 financial risk); an individual's risk inputs are in its profile\n`,
  );
  expect([cs.code, cs.stderr]).toEqual([1, `ccm: requires one of the roles RELATIONSHIP_MANAGER, RISK_OFFICER, SUPERVISOR, ADMIN; staff member ${CS} has CUSTOMER_SERVICE\n`]);
  expect([other.code, other.stderr]).toEqual([1, `ccm: customer ${enterpriseId} does not exist\n`]);
  expect([notANumber.code, notANumber.stderr]).toEqual([2, 'ccm: --revenue must be a number, got "lots"\n']);
  expect([await db.financialStatement.count(), await db.auditLog.count()]).toEqual([before, audits]);
});

test('risk financials list: newest period first as a table, or --json; another manager is told the customer does not exist', async () => {
  const second = await ccm(['--as', RISK, 'risk', 'financials', 'add', enterpriseId, ...option(ADD, '--period-end', '2024-12-31')]);
  expect(second.code).toBe(0);

  const table = await ccm(['--as', RM, 'risk', 'financials', 'list', enterpriseId]);
  expect(table.code).toBe(0);
  const lines = table.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^PERIOD END\s+REVENUE\s+NET INCOME\s+EBIT\s+INTEREST\s+ASSETS\s+LIABILITIES\s+CUR\. ASSETS\s+CUR\. LIAB\.\s+TOP CUSTOMER\s+RECORDED BY$/);
  expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([
    ['2025-12-31', '8400000', '-75000.25', '-20000', '95000', '6200000', '4100000', '1900000', '1500000', '0.3', RM],
    ['2024-12-31', '8400000', '-75000.25', '-20000', '95000', '6200000', '4100000', '1900000', '1500000', '-', RISK],
  ]);

  const json = await ccm(['--as', CS, '--json', 'risk', 'financials', 'list', enterpriseId, '--page-size', '1']);
  expect(json.code).toBe(0);
  const page = JSON.parse(json.stdout);
  expect([page.items.map((s: { periodEnd: string }) => s.periodEnd), page.pageSize, typeof page.nextCursor]).toEqual([['2025-12-31'], 1, 'string']);

  const other = await ccm(['--as', OTHER_RM, 'risk', 'financials', 'list', enterpriseId]);
  expect([other.code, other.stderr]).toEqual([1, `ccm: customer ${enterpriseId} does not exist\n`]);
  expect(await db.auditLog.count({ where: { customerId: enterpriseId, action: 'customer.read', entity: 'FinancialStatement' } })).toBe(2);
});
