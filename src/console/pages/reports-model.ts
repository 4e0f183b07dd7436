/**
 * The staff console's reports (issue 12 "Reports"): four tables, each with a chart and a CSV
 * download, each computed by the use case that owns it — the same one the API serves — so each
 * table appears for exactly the roles its use case allows and a section the actor may not see says so:
 *
 *   SLA (§5.2)                       slaReport / slaReportCsv            GET /reports/sla      SUPERVISOR, ADMIN
 *   overdue reviews (§3.2)           overdueReviewsReport / …Csv         (src/lifecycle)       SUPERVISOR, ADMIN
 *   portfolio risk distribution (§6) riskDistribution / …Csv            (src/risk)            SUPERVISOR, ADMIN, RISK_OFFICER
 *   staff assessments (§7.2)         staffReport / staffReportCsv        GET /reports/staff    SUPERVISOR, AUDITOR
 *
 * Nothing here names a customer: the reports are counts and staff figures.
 */
import type { Db } from '../../db/client';
import type { StaffRole } from '../../db/generated/client';
import { calendarDateIn } from '../../domain/business-calendar';
import { SLA_REPORT_ROLES, slaReport, slaReportCsv, slaReportFilename, type SlaReport } from '../../feedback/sla-report';
import { OVERDUE_REVIEWS_REPORT_ROLES, overdueReviewsCsv, overdueReviewsReport, type OverdueReviewsReport } from '../../lifecycle/overdue-reviews-report';
import { bankTimeZone, type Policy } from '../../policy/policy';
import { RISK_DISTRIBUTION_ROLES, riskDistribution, riskDistributionCsv, type RiskDistribution } from '../../risk/risk-distribution';
import { ForbiddenError, type Actor } from '../../security/auth';
import type { Clock } from '../../shared/clock';
import { ValidationError, type FieldIssue } from '../../shared/errors';
import { ASSESSMENT_READER_ROLES } from '../../staff-assessment/access';
import { periodBefore } from '../../staff-assessment/period';
import { staffReport, staffReportCsv, staffReportFilename, type StaffReport } from '../../staff-assessment/staff-report';

export const REPORT_IDS = ['sla', 'overdue-reviews', 'risk-distribution', 'staff'] as const;
export type ReportId = (typeof REPORT_IDS)[number];

/** Who may run each report: its use case's roles. */
export const REPORT_ROLES: Record<ReportId, readonly StaffRole[]> = {
  sla: SLA_REPORT_ROLES,
  'overdue-reviews': OVERDUE_REVIEWS_REPORT_ROLES,
  'risk-distribution': RISK_DISTRIBUTION_ROLES,
  staff: ASSESSMENT_READER_ROLES,
};

/** The page opens for anyone who may see at least one report; others get 403. */
export const REPORTS_PAGE_ROLES: readonly StaffRole[] = [...new Set(Object.values(REPORT_ROLES).flat())];

/** The SLA report's default window: the last SLA_DEFAULT_DAYS days up to and including today (bank calendar). */
export const SLA_DEFAULT_DAYS = 30;

export type Section<T> = { state: 'ok'; data: T } | { state: 'forbidden' } | { state: 'invalid'; issues: FieldIssue[] };

export interface ReportsQuery {
  from: string;
  to: string;
  period: string;
}

export interface ReportsPageModel {
  query: ReportsQuery;
  timeZone: string;
  sla: Section<SlaReport>;
  overdueReviews: Section<OverdueReviewsReport>;
  riskDistribution: Section<RiskDistribution>;
  staff: Section<StaffReport>;
}

type Deps = { db: Db; policy: Policy; clock: Clock };

const addDays = (isoDate: string, days: number) => new Date(Date.parse(`${isoDate}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The query with its defaults (pure but for `now`): SLA window, and the last whole quarter for §7.2. */
export function reportsQuery(raw: Record<string, unknown>, now: Date, timeZone: string): ReportsQuery {
  const today = calendarDateIn(now, timeZone);
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  return {
    from: text(raw.from) ?? addDays(today, 1 - SLA_DEFAULT_DAYS),
    to: text(raw.to) ?? addDays(today, 1),
    period: text(raw.period) ?? periodBefore(now, 'QUARTER', timeZone).id,
  };
}

async function section<T>(run: () => Promise<T>): Promise<Section<T>> {
  try {
    return { state: 'ok', data: await run() };
  } catch (err) {
    if (err instanceof ForbiddenError) return { state: 'forbidden' };
    if (err instanceof ValidationError) return { state: 'invalid', issues: err.issues };
    throw err;
  }
}

export async function reportsPageModel(deps: Deps, actor: Actor, raw: Record<string, unknown>): Promise<ReportsPageModel> {
  const timeZone = bankTimeZone(deps.policy);
  const query = reportsQuery(raw, deps.clock.now(), timeZone);
  const [sla, overdue, risk, staff] = await Promise.all([
    section(() => slaReport(deps, actor, { from: query.from, to: query.to })),
    section(() => overdueReviewsReport(deps, actor)),
    section(() => riskDistribution(deps, actor)),
    section(() => staffReport(deps, actor, { period: query.period })),
  ]);
  return { query, timeZone, sla, overdueReviews: overdue, riskDistribution: risk, staff };
}

/** One report as CSV, by its use case (403 / 400 as the use case throws them). */
export async function reportCsv(deps: Deps, actor: Actor, id: ReportId, raw: Record<string, unknown>): Promise<{ filename: string; csv: string }> {
  const query = reportsQuery(raw, deps.clock.now(), bankTimeZone(deps.policy));
  switch (id) {
    case 'sla': {
      const r = await slaReport(deps, actor, { from: query.from, to: query.to });
      return { filename: slaReportFilename(r), csv: slaReportCsv(r) };
    }
    case 'overdue-reviews': {
      const r = await overdueReviewsReport(deps, actor);
      return { filename: `overdue-reviews_${r.generatedAt.slice(0, 10)}.csv`, csv: overdueReviewsCsv(r) };
    }
    case 'risk-distribution': {
      const r = await riskDistribution(deps, actor);
      return { filename: `risk-distribution_${r.generatedAt.slice(0, 10)}.csv`, csv: riskDistributionCsv(r) };
    }
    case 'staff': {
      const r = await staffReport(deps, actor, { period: query.period });
      return { filename: staffReportFilename(r), csv: staffReportCsv(r) };
    }
  }
}

/** Chart data for the page's asset script (public/reports.js): labels and series, numbers only. */
export interface ChartSpec {
  type: 'bar';
  title: string;
  labels: string[];
  series: { label: string; data: number[] }[];
  stacked?: boolean;
}

/** Pure: the charts of the sections the actor sees. */
export function chartsOf(model: ReportsPageModel): Record<string, ChartSpec> {
  const charts: Record<string, ChartSpec> = {};
  if (model.sla.state === 'ok') {
    const d = model.sla.data.byDepartment;
    charts.sla = {
      type: 'bar',
      title: 'Feedback cases and breaches by department',
      labels: d.map((x) => x.departmentCode),
      series: [
        { label: 'Cases', data: d.map((x) => x.cases) },
        { label: 'Breached', data: d.map((x) => x.breached) },
      ],
    };
  }
  if (model.overdueReviews.state === 'ok') {
    const r = model.overdueReviews.data;
    charts['overdue-reviews'] = {
      type: 'bar',
      title: 'Overdue periodic reviews by segment and age',
      labels: r.bySegment.map((s) => s.key),
      series: r.buckets.map((b, i) => ({ label: b, data: r.bySegment.map((s) => s.byAge[i] ?? 0) })),
      stacked: true,
    };
  }
  if (model.riskDistribution.state === 'ok') {
    const types = model.riskDistribution.data.types;
    const ratings = [...new Set(types.flatMap((t) => t.ratings))];
    charts['risk-distribution'] = {
      type: 'bar',
      title: 'Active customers by risk rating',
      labels: ratings,
      series: types.map((t) => ({ label: t.customerType, data: ratings.map((r) => t.byRating[r] ?? 0) })),
    };
  }
  if (model.staff.state === 'ok') {
    const byGrade = model.staff.data.byGrade;
    charts.staff = {
      type: 'bar',
      title: 'Staff assessments by grade',
      labels: Object.keys(byGrade),
      series: [{ label: 'Staff', data: Object.values(byGrade) }],
    };
  }
  return charts;
}
