/**
 * Use case (§7.2): GET /reports/staff?period= — every assessment of a period (quarter 2026-Q4 or year
 * 2026): each staff member's score, grade, coverage, group scores and indicator values, best score
 * first (NO_DATA last). JSON (`StaffReport`) or CSV (`staffReportCsv`: a header row, one row per
 * staff member). Reads only the recorded assessments: a period not yet run is empty (run or
 * recompute it first).
 *
 * - Who: SUPERVISOR or AUDITOR (others 403, before anything is read).
 * - Query: `period` (required) YYYY-Qn or YYYY; `format` json (default) or csv. 400 naming the field.
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import { bankTimeZone, type Policy } from '../policy/policy';
import { requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { parseInput, ValidationError } from '../shared/errors';
import { ASSESSMENT_READER_ROLES, periodField } from './access';
import { GROUP_IDS, INDICATOR_IDS, type IndicatorGroup, type IndicatorId } from './codes';
import type { GroupResult, IndicatorResult } from './indicators';

export const REPORT_FORMATS = ['json', 'csv'] as const;
export const staffReportQuery = z.strictObject({
  period: z.string().optional(),
  format: z.enum(REPORT_FORMATS, { error: `one of ${REPORT_FORMATS.join(', ')}` }).optional(),
});

export interface StaffReportRow {
  staffId: string;
  name: string;
  score: number | null;
  grade: string;
  coverage: number;
  groups: Record<IndicatorGroup, number | null>;
  indicators: Record<IndicatorId, { value: number | null; score: number | null }>;
  policyVersion: string;
  guidanceWritten: boolean;
  resultEmailed: boolean;
  computedAt: string;
  revision: number;
}

export interface StaffReport {
  period: string;
  periodStart: string;
  periodEnd: string;
  timeZone: string;
  generatedAt: string;
  /** Assessments by grade (NO_DATA included). */
  byGrade: Record<string, number>;
  rows: StaffReportRow[];
}

export function requestedFormat(query: unknown): 'json' | 'csv' | undefined {
  return parseInput(staffReportQuery, query ?? {}).format;
}

export async function staffReport(deps: { db: Db; policy: Policy; clock: Clock }, actor: Actor, query: unknown): Promise<StaffReport> {
  requireRole(actor, ...ASSESSMENT_READER_ROLES);
  const q = parseInput(staffReportQuery, query ?? {});
  if (q.period === undefined) throw new ValidationError([{ field: 'period', reason: 'required: a quarter YYYY-Qn (e.g. 2026-Q4) or a year YYYY (e.g. 2026)' }]);
  const timeZone = bankTimeZone(deps.policy);
  const period = periodField(q.period, 'period', timeZone);
  const records = await deps.db.staffAssessment.findMany({ where: { period: period.id } });
  const names = new Map((await deps.db.staffMember.findMany({ where: { id: { in: records.map((r) => r.staffId) } }, select: { id: true, name: true } })).map((s) => [s.id, s.name]));
  const rows: StaffReportRow[] = records.map((r) => {
    const indicators = r.indicators as unknown as IndicatorResult[];
    const groups = r.groups as unknown as GroupResult[];
    return {
      staffId: r.staffId,
      name: names.get(r.staffId) ?? r.staffId,
      score: r.score,
      grade: r.grade,
      coverage: r.coverage,
      groups: Object.fromEntries(GROUP_IDS.map((g) => [g, groups.find((x) => x.group === g)?.score ?? null])) as StaffReportRow['groups'],
      indicators: Object.fromEntries(INDICATOR_IDS.map((id) => {
        const i = indicators.find((x) => x.id === id);
        return [id, { value: i?.value ?? null, score: i?.score ?? null }];
      })) as StaffReportRow['indicators'],
      policyVersion: r.policyVersion,
      guidanceWritten: r.guidanceAt !== null,
      resultEmailed: r.resultEmailedAt !== null,
      computedAt: r.computedAt.toISOString(),
      revision: r.revision,
    };
  });
  rows.sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.staffId.localeCompare(b.staffId));
  const byGrade: Record<string, number> = Object.fromEntries([...deps.policy.staffAssessment.grades.map((g) => [g.grade, 0] as const), ['NO_DATA', 0] as const]);
  for (const r of rows) byGrade[r.grade] = (byGrade[r.grade] ?? 0) + 1;
  return { period: period.id, periodStart: period.start.toISOString(), periodEnd: period.end.toISOString(), timeZone, generatedAt: deps.clock.now().toISOString(), byGrade, rows };
}

/** RFC 4180: quoted when it holds a comma, a quote or a line break; a leading =+-@ is neutralised (spreadsheet formulas). */
function cell(v: string | number | boolean | null): string {
  if (v === null) return '';
  let s = String(v);
  if (/^[=+\-@]/.test(s) && typeof v === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function staffReportCsv(report: StaffReport): string {
  const header = [
    'period', 'staffId', 'name', 'score', 'grade', 'coverage',
    ...GROUP_IDS.map((g) => `${g}Score`),
    ...INDICATOR_IDS.flatMap((id) => [id, `${id}Score`]),
    'policyVersion', 'guidanceWritten', 'resultEmailed', 'computedAt', 'revision',
  ];
  const lines = report.rows.map((r) =>
    [
      report.period, r.staffId, r.name, r.score, r.grade, r.coverage,
      ...GROUP_IDS.map((g) => r.groups[g]),
      ...INDICATOR_IDS.flatMap((id) => [r.indicators[id].value, r.indicators[id].score]),
      r.policyVersion, r.guidanceWritten, r.resultEmailed, r.computedAt, r.revision,
    ].map(cell).join(','),
  );
  return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
}

export const staffReportFilename = (report: StaffReport) => `staff-assessment-${report.period}.csv`;
