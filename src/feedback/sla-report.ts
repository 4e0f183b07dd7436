/**
 * Use case (§5.2 "response deadlines", issue 9 "reports"): the SLA report over the feedback cases
 * registered in a window — how many, in which status, how many missed their response deadline, and
 * how long customers waited for a first response and for the resolution; overall, by department and
 * by customer type. JSON (`SlaReport`) or CSV (`slaReportCsv`: a header row, one row per group).
 *
 * - Who: SUPERVISOR or ADMIN (others 403, before anything is read).
 * - Query: `from`, `to` (required): a date YYYY-MM-DD (the start of that day in the bank's time zone)
 *   or an ISO instant with a zone; cases with `from` ≤ registeredAt < `to`; `to` after `from`; at most
 *   MAX_REPORT_DAYS days. `format`: json (default) or csv. 400 naming the field otherwise.
 *
 * Definitions (what every figure means; also in the report's `definitions`):
 * - cases: registered in the window. byStatus: their status now (every status listed, 0 included).
 * - breached: no first response by the response deadline (targetAt): a first response after
 *   targetAt, or none yet while targetAt has passed (at the report's `generatedAt`). A case without
 *   a deadline (targetAt null: its clock is paused) is not breached. breachRate = breached / cases,
 *   rounded to 4 decimals (null without cases).
 * - reopened: cases reopened at least once (reopenCount > 0).
 * - firstResponse: over cases with a first response, hours from registration to firstResponseAt;
 *   resolution: over cases with resolvedAt, hours from registration to resolvedAt. Wall-clock hours
 *   (not business time), mean and 90th percentile (PostgreSQL's percentile_cont: linear interpolation
 *   between the two nearest ranks), each rounded half away from zero to 1 decimal; null without cases.
 *   The case's fields as they stand: reopening a case clears its firstResponseAt and resolvedAt and
 *   sets a new targetAt, so a reopened case counts with its current SLA round, its times measured
 *   from the original registration (the customer's whole wait).
 * All of it computed in one SQL statement (GROUPING SETS), exact: durations as PostgreSQL intervals
 * and numerics, never floating-point seconds.
 */
import { z } from 'zod';
import { Prisma, type Db } from '../db/client';
import { CustomerType, FeedbackStatus } from '../db/generated/client';
import { bankTimeZone, type Policy } from '../policy/policy';
import { requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { parseInput, ValidationError } from '../shared/errors';
import { dateOrInstantSchema } from '../shared/keyset';

export const SLA_REPORT_ROLES = ['SUPERVISOR', 'ADMIN'] as const;
export const MAX_REPORT_DAYS = 366;
export const REPORT_FORMATS = ['json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const STATUSES = Object.values(FeedbackStatus);
const CUSTOMER_TYPES = Object.values(CustomerType);

export function slaReportQuery(timeZone: string) {
  return z.strictObject({
    from: dateOrInstantSchema(timeZone).optional(),
    to: dateOrInstantSchema(timeZone).optional(),
    format: z.enum(REPORT_FORMATS, { error: `one of ${REPORT_FORMATS.join(', ')}` }).optional(),
  });
}

export interface DurationFigures {
  /** Cases with the instant (a first response, a resolution). */
  count: number;
  meanHours: number | null;
  p90Hours: number | null;
}

export interface SlaFigures {
  cases: number;
  byStatus: Record<FeedbackStatus, number>;
  breached: number;
  breachRate: number | null;
  reopened: number;
  firstResponse: DurationFigures;
  resolution: DurationFigures;
}

export interface SlaReport {
  from: string;
  to: string;
  /** "now" for the breach of cases not yet answered. */
  generatedAt: string;
  timeZone: string;
  definitions: Record<string, string>;
  overall: SlaFigures;
  /** Departments with cases in the window, by code. */
  byDepartment: (SlaFigures & { departmentCode: string; departmentName: string | null })[];
  /** Every customer type, with zeros where there were no cases. */
  byCustomerType: (SlaFigures & { customerType: CustomerType })[];
}

export const SLA_DEFINITIONS: Record<string, string> = {
  window: 'cases registered at or after `from` and before `to`',
  byStatus: 'the cases by their status now',
  breached: 'no first response by the response deadline (targetAt): the first response came after targetAt, or there is none and targetAt is before generatedAt; a case without a deadline (paused) is not breached',
  breachRate: 'breached / cases, rounded to 4 decimals; null without cases',
  reopened: 'cases reopened at least once',
  firstResponse: 'cases with a first response; hours (wall clock) from registration to the first response: mean and 90th percentile (linear interpolation), 1 decimal',
  resolution: 'cases with a resolution; hours (wall clock) from registration to the resolution: mean and 90th percentile (linear interpolation), 1 decimal',
  reopenedCases: 'a reopened case counts with its current SLA round (reopening clears its first response and resolution and sets a new deadline); its times are measured from the original registration',
};

interface Row {
  g_department: number;
  g_customer_type: number;
  department_code: string | null;
  customer_type: string | null;
  cases: number;
  breached: number;
  reopened: number;
  responded: number;
  mean_first_response: number | null;
  p90_first_response: number | null;
  resolved: number;
  mean_resolution: number | null;
  p90_resolution: number | null;
  [status: `s_${string}`]: number;
}

const hours = (interval: Prisma.Sql, aggregate: 'mean' | 'p90') =>
  aggregate === 'mean'
    ? Prisma.sql`round(avg(extract(epoch FROM ${interval})) / 3600, 1)::float8`
    : Prisma.sql`round(extract(epoch FROM percentile_cont(0.9) WITHIN GROUP (ORDER BY ${interval})) / 3600, 1)::float8`;

function figuresOf(row: Row | undefined): SlaFigures {
  const n = (v: unknown) => (typeof v === 'number' ? v : v === null || v === undefined ? 0 : Number(v));
  const x = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const cases = n(row?.cases);
  const breached = n(row?.breached);
  return {
    cases,
    byStatus: Object.fromEntries(STATUSES.map((s) => [s, n(row?.[`s_${s}`])])) as Record<FeedbackStatus, number>,
    breached,
    breachRate: cases === 0 ? null : Math.round((breached * 10_000) / cases) / 10_000,
    reopened: n(row?.reopened),
    firstResponse: { count: n(row?.responded), meanHours: x(row?.mean_first_response), p90Hours: x(row?.p90_first_response) },
    resolution: { count: n(row?.resolved), meanHours: x(row?.mean_resolution), p90Hours: x(row?.p90_resolution) },
  };
}

/** The window of the query, or a ValidationError naming the field. */
function windowOf(query: unknown, timeZone: string): { from: Date; to: Date; format: ReportFormat | undefined } {
  const q = parseInput(slaReportQuery(timeZone), query ?? {});
  const raw = (query ?? {}) as Record<string, unknown>;
  const required = 'required: a date YYYY-MM-DD or an ISO instant with a zone, e.g. 2026-12-01T09:00:00Z';
  const missing = [...(q.from ? [] : [{ field: 'from', reason: required }]), ...(q.to ? [] : [{ field: 'to', reason: required }])];
  if (missing.length) throw new ValidationError(missing);
  const { from, to } = q as { from: Date; to: Date };
  if (to <= from) throw new ValidationError([{ field: 'to', value: raw.to, reason: `must be after from (${from.toISOString()})` }]);
  if (to.getTime() - from.getTime() > MAX_REPORT_DAYS * 86_400_000) {
    throw new ValidationError([{ field: 'to', value: raw.to, reason: `the window is at most ${MAX_REPORT_DAYS} days` }]);
  }
  return { from, to, format: q.format };
}

/** The requested format (`format=` in the query), validated; undefined when not given. */
export function requestedFormat(query: unknown, timeZone: string): ReportFormat | undefined {
  return parseInput(slaReportQuery(timeZone), query ?? {}).format;
}

export async function slaReport(deps: { db: Db; policy: Policy; clock: Clock }, actor: Actor, query: unknown): Promise<SlaReport> {
  requireRole(actor, ...SLA_REPORT_ROLES);
  const timeZone = bankTimeZone(deps.policy);
  const { from, to } = windowOf(query, timeZone);
  const now = deps.clock.now();

  const firstResponse = Prisma.sql`(c."firstResponseAt" - c."registeredAt")`;
  const resolution = Prisma.sql`(c."resolvedAt" - c."registeredAt")`;
  // Status names are the enum's own constants (never input): safe as SQL literals.
  const byStatus = Prisma.join(
    STATUSES.map((s) => Prisma.sql`count(*) FILTER (WHERE c."status" = ${Prisma.raw(`'${s}'`)})::int AS ${Prisma.raw(`"s_${s}"`)}`),
    ', ',
  );
  const rows = await deps.db.$queryRaw<Row[]>`
    SELECT
      GROUPING(c."departmentCode")::int AS g_department,
      GROUPING(c."customerType")::int AS g_customer_type,
      c."departmentCode" AS department_code,
      c."customerType"::text AS customer_type,
      count(*)::int AS cases,
      ${byStatus},
      count(*) FILTER (WHERE c."firstResponseAt" > c."targetAt" OR (c."firstResponseAt" IS NULL AND c."targetAt" < ${now}))::int AS breached,
      count(*) FILTER (WHERE c."reopenCount" > 0)::int AS reopened,
      count(c."firstResponseAt")::int AS responded,
      ${hours(firstResponse, 'mean')} AS mean_first_response,
      ${hours(firstResponse, 'p90')} AS p90_first_response,
      count(c."resolvedAt")::int AS resolved,
      ${hours(resolution, 'mean')} AS mean_resolution,
      ${hours(resolution, 'p90')} AS p90_resolution
    FROM "FeedbackCase" c
    WHERE c."registeredAt" >= ${from} AND c."registeredAt" < ${to}
    GROUP BY GROUPING SETS ((), (c."departmentCode"), (c."customerType"))`;

  const overall = rows.find((r) => r.g_department === 1 && r.g_customer_type === 1);
  const departmentRows = rows.filter((r) => r.g_department === 0).sort((a, b) => (a.department_code! < b.department_code! ? -1 : 1));
  const names = new Map(
    (await deps.db.department.findMany({ where: { code: { in: departmentRows.map((r) => r.department_code!) } }, select: { code: true, name: true } })).map((d) => [d.code, d.name]),
  );
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    generatedAt: now.toISOString(),
    timeZone,
    definitions: SLA_DEFINITIONS,
    overall: figuresOf(overall),
    byDepartment: departmentRows.map((r) => ({ departmentCode: r.department_code!, departmentName: names.get(r.department_code!) ?? null, ...figuresOf(r) })),
    byCustomerType: CUSTOMER_TYPES.map((t) => ({ customerType: t, ...figuresOf(rows.find((r) => r.g_customer_type === 0 && r.customer_type === t)) })),
  };
}

// ── CSV ─────────────────────────────────────────────────────────────────────────────────────

export const SLA_CSV_COLUMNS = [
  'group',
  'key',
  'name',
  'cases',
  ...STATUSES,
  'breached',
  'breachRate',
  'reopened',
  'firstResponses',
  'meanFirstResponseHours',
  'p90FirstResponseHours',
  'resolved',
  'meanResolutionHours',
  'p90ResolutionHours',
] as const;

/** RFC 4180 quoting; text that a spreadsheet would run as a formula (= + - @, tab, CR first) is prefixed with '. */
function cell(value: string | number | null, text = false): string {
  if (value === null) return '';
  let s = String(value);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRow(group: string, key: string, name: string | null, f: SlaFigures): string {
  return [
    cell(group),
    cell(key, true),
    cell(name, true),
    cell(f.cases),
    ...STATUSES.map((s) => cell(f.byStatus[s])),
    cell(f.breached),
    cell(f.breachRate),
    cell(f.reopened),
    cell(f.firstResponse.count),
    cell(f.firstResponse.meanHours),
    cell(f.firstResponse.p90Hours),
    cell(f.resolution.count),
    cell(f.resolution.meanHours),
    cell(f.resolution.p90Hours),
  ].join(',');
}

/** The report as CSV (CRLF line ends): the header, the overall row, one row per department, one per customer type. */
export function slaReportCsv(report: SlaReport): string {
  const lines = [
    SLA_CSV_COLUMNS.join(','),
    csvRow('overall', '', null, report.overall),
    ...report.byDepartment.map((d) => csvRow('department', d.departmentCode, d.departmentName, d)),
    ...report.byCustomerType.map((t) => csvRow('customerType', t.customerType, null, t)),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** `sla-report_20260101T050000Z_20260201T050000Z.csv` */
export function slaReportFilename(report: Pick<SlaReport, 'from' | 'to'>): string {
  const compact = (iso: string) => iso.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  return `sla-report_${compact(report.from)}_${compact(report.to)}.csv`;
}
