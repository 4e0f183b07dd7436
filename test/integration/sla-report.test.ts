/**
 * §5.2 response deadlines, issue 9 "GET /reports/sla … counts by status, breach rate, mean and p90
 * time to first response and to resolution, by department and customer type, as JSON and CSV" — on
 * real parts: HTTP → use case → one SQL statement over this file's PostgreSQL database, and the CLI
 * (`ccm reports sla`) as an operator runs it. The cases are written straight into the database with
 * known instants, so every figure is asserted exactly.
 *
 * The data set (window March 2026 in the bank's time zone: [2026-03-01T05:00Z, 2026-04-01T04:00Z) —
 * EST at the start, EDT at the end), hours after registration:
 *   dept A: c1 INDIVIDUAL CLOSED     target +24, first response +2,   resolved +10
 *           c2 INDIVIDUAL RESOLVED   target +24, first response +30 (breached), resolved +48
 *           c3 ENTERPRISE RESPONDED  target +72, first response +5.1 (5 h 6 min)
 *           c7 INDIVIDUAL REGISTERED target in 2099 (not yet due)
 *           c8 INDIVIDUAL CLOSED     registered exactly at `from`; target +24, first response +1.5, resolved +4
 *   dept B: c4 INDIVIDUAL IN_PROGRESS target +24 passed, no response (breached)
 *           c5 ENTERPRISE WAITING_ON_CUSTOMER, no target (paused: not breached)
 *           c6 ENTERPRISE REOPENED (reopenCount 1), target in 2099
 *           c11 INDIVIDUAL CLOSED    target +24, first response +24 exactly (on time, not breached), resolved +26
 *   outside: c9 registered exactly at `to`; c10 the day before `from` (both breached: they must not count).
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client';
import type { CustomerType, FeedbackStatus } from '../../src/db/generated/client';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { encryptField } from '../../src/security/crypto';
import { developmentKeyRing } from '../../src/security/keyring';
import { apiCaller, staffWithKey, staffWithKeys, type ApiResponse, type ApiStaff } from '../support/api';
import { ccmRunner } from '../support/cli';
import { startApi, type ApiOnly } from '../support/stack';

const ring = developmentKeyRing();
const HOUR = 3_600_000;
const NOW = new Date('2026-06-01T12:00:00.000Z');
const FAR = new Date('2099-01-01T00:00:00.000Z');
const FROM = '2026-03-01T05:00:00.000Z';
const TO = '2026-04-01T04:00:00.000Z';

let stack: ApiOnly;
let db: Db;
let baseUrl: string;
const staff = {} as Record<'sup' | 'admin' | 'cs' | 'rm' | 'auditor', ApiStaff>;
let A = '';
let B = '';

// ─────────────────────────────────────────── fixtures ───────────────────────────────────────────

let counter = 0;
interface CaseSpec {
  dept: string;
  type: CustomerType;
  status: FeedbackStatus;
  registeredAt: string;
  /** Hours after registration, or an absolute instant. */
  target?: number | Date;
  firstResponse?: number;
  resolved?: number;
  reopenCount?: number;
}

async function feedbackCase(spec: CaseSpec): Promise<string> {
  const caseNo = `FB-2026-${String(800_000 + counter++).padStart(6, '0')}`;
  const registeredAt = new Date(spec.registeredAt);
  const after = (h: number | undefined) => (h === undefined ? null : new Date(registeredAt.getTime() + h * HOUR));
  await db.feedbackCase.create({
    data: {
      caseNo,
      channel: 'HOTLINE',
      category: 'CARD_FEES',
      severity: 'MEDIUM',
      complexity: spec.type === 'ENTERPRISE' ? 'COMPLEX' : 'SIMPLE',
      customerType: spec.type,
      summaryCiphertext: encryptField(ring, 'summary', `FeedbackCase.summary:${caseNo}`),
      departmentCode: spec.dept,
      routingRuleId: 'test-rule',
      status: spec.status,
      registeredAt,
      targetAt: spec.target instanceof Date ? spec.target : after(spec.target),
      hardLimitAt: spec.target instanceof Date ? spec.target : after(spec.target),
      firstResponseAt: after(spec.firstResponse),
      resolvedAt: after(spec.resolved),
      closedAt: spec.status === 'CLOSED' ? after(spec.resolved) : null,
      reopenCount: spec.reopenCount ?? 0,
      workflowId: `feedback-${caseNo}`,
      policyVersion: DEFAULT_POLICY.version,
    },
  });
  return caseNo;
}

/** GET /reports/sla<query> as `as` (default the supervisor; null: no key). */
function report(query: string, opts: { as?: keyof typeof staff | null; accept?: string } = {}): Promise<ApiResponse> {
  const as = opts.as === undefined ? 'sup' : opts.as;
  return apiCaller(() => baseUrl)('GET', `/reports/sla${query}`, { as: as && staff[as], headers: opts.accept ? { accept: opts.accept } : {} });
}

const zeroStatuses = { REGISTERED: 0, IN_PROGRESS: 0, WAITING_ON_CUSTOMER: 0, RESPONDED: 0, RESOLVED: 0, CLOSED: 0, REOPENED: 0 };
const statuses = (s: Partial<Record<FeedbackStatus, number>>) => ({ ...zeroStatuses, ...s });

beforeAll(async () => {
  stack = await startApi({ ring, clock: { now: () => NOW } });
  ({ db, baseUrl } = stack);
  await staffWithKeys(db, staff, { sup: ['SUPERVISOR'], admin: ['ADMIN'], cs: ['CUSTOMER_SERVICE'], rm: ['RELATIONSHIP_MANAGER'], auditor: ['AUDITOR'] });
  const supId = staff.sup.id;
  const suffix = randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase();
  A = `A_${suffix}`;
  B = `B_${suffix}`;
  // Names a spreadsheet would misread: a comma and quotes, and a formula.
  await db.department.create({ data: { code: A, name: 'Cards, "Gold" & more', headStaffId: supId } });
  await db.department.create({ data: { code: B, name: '=HYPERLINK("http://x")', headStaffId: supId } });

  await feedbackCase({ dept: A, type: 'INDIVIDUAL', status: 'CLOSED', registeredAt: '2026-03-02T10:00:00Z', target: 24, firstResponse: 2, resolved: 10 }); // c1
  await feedbackCase({ dept: A, type: 'INDIVIDUAL', status: 'RESOLVED', registeredAt: '2026-03-03T10:00:00Z', target: 24, firstResponse: 30, resolved: 48 }); // c2
  await feedbackCase({ dept: A, type: 'ENTERPRISE', status: 'RESPONDED', registeredAt: '2026-03-04T10:00:00Z', target: 72, firstResponse: 5.1 }); // c3
  await feedbackCase({ dept: B, type: 'INDIVIDUAL', status: 'IN_PROGRESS', registeredAt: '2026-03-05T10:00:00Z', target: 24 }); // c4
  await feedbackCase({ dept: B, type: 'ENTERPRISE', status: 'WAITING_ON_CUSTOMER', registeredAt: '2026-03-06T10:00:00Z' }); // c5
  await feedbackCase({ dept: B, type: 'ENTERPRISE', status: 'REOPENED', registeredAt: '2026-03-07T10:00:00Z', target: FAR, reopenCount: 1 }); // c6
  await feedbackCase({ dept: A, type: 'INDIVIDUAL', status: 'REGISTERED', registeredAt: '2026-03-31T23:00:00Z', target: FAR }); // c7
  await feedbackCase({ dept: A, type: 'INDIVIDUAL', status: 'CLOSED', registeredAt: FROM, target: 24, firstResponse: 1.5, resolved: 4 }); // c8
  await feedbackCase({ dept: B, type: 'INDIVIDUAL', status: 'IN_PROGRESS', registeredAt: TO, target: 1 }); // c9: outside
  await feedbackCase({ dept: B, type: 'INDIVIDUAL', status: 'IN_PROGRESS', registeredAt: '2026-02-28T10:00:00Z', target: 1 }); // c10: outside
  await feedbackCase({ dept: B, type: 'INDIVIDUAL', status: 'CLOSED', registeredAt: '2026-03-10T10:00:00Z', target: 24, firstResponse: 24, resolved: 26 }); // c11
});

afterAll(async () => {
  await stack?.stop();
});

// ─────────────────────────────────────────── expected ───────────────────────────────────────────

const OVERALL = {
  cases: 9,
  byStatus: statuses({ REGISTERED: 1, IN_PROGRESS: 1, WAITING_ON_CUSTOMER: 1, RESPONDED: 1, RESOLVED: 1, CLOSED: 3, REOPENED: 1 }),
  breached: 2,
  breachRate: 0.2222,
  reopened: 1,
  // [1.5, 2, 5.1, 24, 30]: mean 12.52; p90 at rank 3.6 → 24 + 0.6 × 6 = 27.6
  firstResponse: { count: 5, meanHours: 12.5, p90Hours: 27.6 },
  // [4, 10, 26, 48]: mean 22; p90 at rank 2.7 → 26 + 0.7 × 22 = 41.4
  resolution: { count: 4, meanHours: 22, p90Hours: 41.4 },
};
const DEPT_A = {
  cases: 5,
  byStatus: statuses({ REGISTERED: 1, RESPONDED: 1, RESOLVED: 1, CLOSED: 2 }),
  breached: 1,
  breachRate: 0.2,
  reopened: 0,
  // [1.5, 2, 5.1, 30]: mean exactly 9.65 → 9.7 (half away from zero); p90 at rank 2.7 → 5.1 + 0.7 × 24.9 = 22.53
  firstResponse: { count: 4, meanHours: 9.7, p90Hours: 22.5 },
  // [4, 10, 48]: mean 20.67; p90 at rank 1.8 → 10 + 0.8 × 38 = 40.4
  resolution: { count: 3, meanHours: 20.7, p90Hours: 40.4 },
};
const DEPT_B = {
  cases: 4,
  byStatus: statuses({ IN_PROGRESS: 1, WAITING_ON_CUSTOMER: 1, CLOSED: 1, REOPENED: 1 }),
  breached: 1,
  breachRate: 0.25,
  reopened: 1,
  firstResponse: { count: 1, meanHours: 24, p90Hours: 24 },
  resolution: { count: 1, meanHours: 26, p90Hours: 26 },
};
const INDIVIDUAL = {
  cases: 6,
  byStatus: statuses({ REGISTERED: 1, IN_PROGRESS: 1, RESOLVED: 1, CLOSED: 3 }),
  breached: 2,
  breachRate: 0.3333,
  reopened: 0,
  // [1.5, 2, 24, 30]: mean 14.375 → 14.4; p90 at rank 2.7 → 24 + 0.7 × 6 = 28.2
  firstResponse: { count: 4, meanHours: 14.4, p90Hours: 28.2 },
  resolution: { count: 4, meanHours: 22, p90Hours: 41.4 },
};
const ENTERPRISE = {
  cases: 3,
  byStatus: statuses({ WAITING_ON_CUSTOMER: 1, RESPONDED: 1, REOPENED: 1 }),
  breached: 0,
  breachRate: 0,
  reopened: 1,
  firstResponse: { count: 1, meanHours: 5.1, p90Hours: 5.1 },
  resolution: { count: 0, meanHours: null, p90Hours: null },
};

const HEADER =
  'group,key,name,cases,REGISTERED,IN_PROGRESS,WAITING_ON_CUSTOMER,RESPONDED,RESOLVED,CLOSED,REOPENED,breached,breachRate,reopened,' +
  'firstResponses,meanFirstResponseHours,p90FirstResponseHours,resolved,meanResolutionHours,p90ResolutionHours';
const csvLines = () => [
  HEADER,
  'overall,,,9,1,1,1,1,1,3,1,2,0.2222,1,5,12.5,27.6,4,22,41.4',
  `department,${A},"Cards, ""Gold"" & more",5,1,0,0,1,1,2,0,1,0.2,0,4,9.7,22.5,3,20.7,40.4`,
  `department,${B},"'=HYPERLINK(""http://x"")",4,0,1,1,0,0,1,1,1,0.25,1,1,24,24,1,26,26`,
  'customerType,INDIVIDUAL,,6,1,1,0,0,1,3,0,2,0.3333,0,4,14.4,28.2,4,22,41.4',
  'customerType,ENTERPRISE,,3,0,0,1,1,0,0,1,0,0,1,1,5.1,5.1,0,,',
];

// ───────────────────────────────────────────── tests ─────────────────────────────────────────────

describe('GET /reports/sla', () => {
  test('JSON: exact counts by status, breaches, breach rate, mean and p90 hours — overall, by department, by customer type', async () => {
    const res = await report(`?from=${FROM}&to=${TO}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      from: FROM,
      to: TO,
      generatedAt: NOW.toISOString(),
      timeZone: 'America/New_York',
      definitions: expect.objectContaining({ breached: expect.stringMatching(/targetAt/), firstResponse: expect.stringMatching(/90th percentile/) }),
      overall: OVERALL,
      byDepartment: [
        { departmentCode: A, departmentName: 'Cards, "Gold" & more', ...DEPT_A },
        { departmentCode: B, departmentName: '=HYPERLINK("http://x")', ...DEPT_B },
      ],
      byCustomerType: [
        { customerType: 'INDIVIDUAL', ...INDIVIDUAL },
        { customerType: 'ENTERPRISE', ...ENTERPRISE },
      ],
    });
  });

  test('dates are days in the bank’s time zone: 2026-03-01 to 2026-04-01 is the same window (EST start, EDT end); `from` included, `to` excluded', async () => {
    const res = await report('?from=2026-03-01&to=2026-04-01', { as: 'admin' });
    expect(res.status).toBe(200);
    expect([res.body.from, res.body.to, res.body.overall]).toEqual([FROM, TO, OVERALL]);
    // One millisecond later on both ends: c8 (at `from`) leaves, c9 (at `to`) comes in.
    const shifted = await report('?from=2026-03-01T05:00:00.001Z&to=2026-04-01T04:00:00.001Z');
    expect([shifted.body.overall.cases, shifted.body.overall.breached]).toEqual([9, 3]);
  });

  test('CSV with format=csv: a header row, one row per group, an attachment; quoting and the formula guard for names', async () => {
    const res = await report(`?from=${FROM}&to=${TO}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="sla-report_20260301T050000Z_20260401T040000Z.csv"');
    expect(res.text).toBe(`${csvLines().join('\r\n')}\r\n`);
  });

  test('CSV with Accept: text/csv; format=json wins over Accept', async () => {
    const csv = await report(`?from=${FROM}&to=${TO}`, { accept: 'text/csv' });
    expect([csv.status, csv.headers.get('content-type'), csv.text.split('\r\n')[1]]).toEqual([200, 'text/csv; charset=utf-8', csvLines()[1]]);
    const json = await report(`?from=${FROM}&to=${TO}&format=json`, { accept: 'text/csv' });
    expect([json.status, json.body.overall]).toEqual([200, OVERALL]);
  });

  test('a window without cases: zeros, nulls, no departments, both customer types', async () => {
    const res = await report('?from=2025-01-01&to=2025-02-01');
    const empty = { cases: 0, byStatus: zeroStatuses, breached: 0, breachRate: null, reopened: 0, firstResponse: { count: 0, meanHours: null, p90Hours: null }, resolution: { count: 0, meanHours: null, p90Hours: null } };
    expect(res.status).toBe(200);
    expect([res.body.overall, res.body.byDepartment, res.body.byCustomerType]).toEqual([empty, [], [{ customerType: 'INDIVIDUAL', ...empty }, { customerType: 'ENTERPRISE', ...empty }]]);
    const csv = await report('?from=2025-01-01&to=2025-02-01&format=csv');
    expect(csv.text).toBe(
      [HEADER, 'overall,,,0,0,0,0,0,0,0,0,0,,0,0,,,0,,', 'customerType,INDIVIDUAL,,0,0,0,0,0,0,0,0,0,,0,0,,,0,,', 'customerType,ENTERPRISE,,0,0,0,0,0,0,0,0,0,,0,0,,,0,,', ''].join('\r\n'),
    );
  });

  test('§3.1 SUPERVISOR and ADMIN only: CUSTOMER_SERVICE, RELATIONSHIP_MANAGER, AUDITOR → 403; no key → 401', async () => {
    expect((await report(`?from=${FROM}&to=${TO}`, { as: 'sup' })).status).toBe(200);
    expect((await report(`?from=${FROM}&to=${TO}`, { as: 'admin' })).status).toBe(200);
    for (const as of ['cs', 'rm', 'auditor'] as const) {
      const res = await report(`?from=${FROM}&to=${TO}&format=csv`, { as });
      expect([res.status, res.body.error, res.body.message]).toEqual([403, 'forbidden', expect.stringMatching(/requires one of the roles SUPERVISOR, ADMIN/)]);
    }
    expect((await report(`?from=${FROM}&to=${TO}`, { as: null })).status).toBe(401);
  });

  test.each([
    ['no from', '?to=2026-04-01', 'from', /^required/],
    ['no to', '?from=2026-03-01', 'to', /^required/],
    ['neither', '', 'from', /^required/],
    ['to before from', '?from=2026-04-01&to=2026-03-01', 'to', /must be after from \(2026-04-01T04:00:00.000Z\)/],
    ['to equal to from', `?from=${FROM}&to=${FROM}`, 'to', /must be after from/],
    ['a window of 367 days', '?from=2026-01-01&to=2027-01-03', 'to', /at most 366 days/],
    ['a date that is not one', '?from=2026-02-30&to=2026-04-01', 'from', /a date YYYY-MM-DD or an ISO instant/],
    ['an instant without a zone', '?from=2026-03-01T00:00:00&to=2026-04-01', 'from', /with a zone/],
    ['words', '?from=yesterday&to=today', 'from', /a date YYYY-MM-DD/],
    ['an unknown format', `?from=${FROM}&to=${TO}&format=xml`, 'format', /one of json, csv/],
    ['an unknown parameter', `?from=${FROM}&to=${TO}&department=CARDS`, 'department', /unknown field/],
  ])('%s → 400 naming the field', async (_what, query, field, reason) => {
    const res = await report(query);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.issues).toEqual(expect.arrayContaining([expect.objectContaining({ field, reason: expect.stringMatching(reason) })]));
  });

  test('a window of exactly 366 days is allowed', async () => {
    expect((await report('?from=2026-01-01T00:00:00Z&to=2027-01-02T00:00:00Z')).status).toBe(200);
  });
});

// ───────────────────────────────────────────── CLI ─────────────────────────────────────────────

const ccm = ccmRunner();

describe('ccm reports sla', () => {
  // The CLI reports as of the real clock: every deadline in the data set is either long past or in 2099, so the figures are the same.
  test('--csv prints the same CSV as the API; --json the same figures; the table by default', async () => {
    const csv = await ccm(['--as', staff.sup.id, 'reports', 'sla', '--from', '2026-03-01', '--to', '2026-04-01', '--csv']);
    expect([csv.code, csv.stderr]).toEqual([0, '']);
    expect(csv.stdout).toBe(`${csvLines().join('\r\n')}\r\n`);

    const json = await ccm(['--as', staff.sup.id, '--json', 'reports', 'sla', '--from', FROM, '--to', TO]);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout);
    expect([body.overall, body.byDepartment.map((d: { departmentCode: string }) => d.departmentCode), body.byCustomerType[1]]).toEqual([OVERALL, [A, B], { customerType: 'ENTERPRISE', ...ENTERPRISE }]);

    const text = await ccm(['--as', staff.sup.id, 'reports', 'sla', '--from', '2026-03-01', '--to', '2026-04-01']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`SLA report: cases registered from ${FROM} to ${TO} (bank time zone America/New_York)`);
    expect(text.stdout).toMatch(/^overall\s+9\s+2\s+22\.2%\s+1\s+5\s+12\.5\s+27\.6\s+4\s+22\s+41\.4$/m);
    expect(text.stdout).toMatch(new RegExp(`^customer type ENTERPRISE\\s+3\\s+0\\s+0\\.0%\\s+1\\s+1\\s+5\\.1\\s+5\\.1\\s+0\\s+-\\s+-$`, 'm'));
  });

  test('refusals: a role other than SUPERVISOR/ADMIN (exit 1), a bad window (exit 1, the field named), a missing option (exit 2)', async () => {
    const cs = await staffWithKey(db, 'cs-cli', ['CUSTOMER_SERVICE']);
    const forbidden = await ccm(['--as', cs.id, 'reports', 'sla', '--from', '2026-03-01', '--to', '2026-04-01']);
    expect([forbidden.code, forbidden.stdout, forbidden.stderr]).toEqual([1, '', expect.stringMatching(/^ccm: requires one of the roles SUPERVISOR, ADMIN/)]);
    const bad = await ccm(['--as', staff.sup.id, 'reports', 'sla', '--from', '2026-04-01', '--to', '2026-03-01']);
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringMatching(/^ccm: to: must be after from/)]);
    const missing = await ccm(['--as', staff.sup.id, 'reports', 'sla', '--from', '2026-04-01']);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/--to/)]);
  });
});
