/**
 * Report (§3.2 "periodic reviews … on time", escalation to supervisors): the periodic reviews that are
 * overdue now — OPEN PERIODIC_REVIEW tasks past their overdue time — counted by the staff member they
 * are assigned to (the team, when unassigned) and by the customer's segment, each split by how long
 * past the review's due date they are (OVERDUE_AGE_BUCKETS). Counts only: no customer is named
 * (GET /reviews/periodic?status=OVERDUE lists them one by one, each as the caller may see it).
 *
 * - Who: OVERDUE_REVIEWS_REPORT_ROLES (SUPERVISOR, ADMIN, as the SLA report); others 403 first.
 * - One GROUP BY over Task ⋈ Customer (index (kind, status, dueAt)); the shaping is pure.
 */
import { Prisma, type Db } from '../db/client';
import { requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { csvDocument } from '../shared/csv';

export const OVERDUE_REVIEWS_REPORT_ROLES = ['SUPERVISOR', 'ADMIN'] as const;

/** Upper bounds (days past the due date, inclusive) of the age buckets; beyond the last: the last bucket "> n". */
export const OVERDUE_AGE_BUCKETS = [7, 30, 90] as const;
const DAY_MS = 86_400_000;

/** Pure: the bucket labels, e.g. ["0–7 days", "8–30 days", "31–90 days", "> 90 days"]. */
export function ageBucketLabels(bounds: readonly number[] = OVERDUE_AGE_BUCKETS): string[] {
  const labels = bounds.map((b, i) => `${i === 0 ? 0 : bounds[i - 1]! + 1}–${b} days`);
  return [...labels, `> ${bounds[bounds.length - 1]} days`];
}

/** Pure: the bucket index of a review `daysOverdue` days past its due date (negative counts as 0). */
export function ageBucket(daysOverdue: number, bounds: readonly number[] = OVERDUE_AGE_BUCKETS): number {
  const i = bounds.findIndex((b) => Math.max(0, daysOverdue) <= b);
  return i === -1 ? bounds.length : i;
}

export interface OverdueReviewCount {
  assignee: string | null;
  team: string | null;
  segment: string | null;
  bucket: number;
  reviews: number;
}

export interface OverdueRow {
  key: string;
  total: number;
  /** reviews per age bucket, in the order of `buckets`. */
  byAge: number[];
}

export interface OverdueReviewsReport {
  generatedAt: string;
  buckets: string[];
  total: number;
  byAge: number[];
  /** The staff member (or, unassigned, `team:<team>`) the review is with; most reviews first. */
  byAssignee: (OverdueRow & { name: string | null })[];
  bySegment: OverdueRow[];
}

/** Pure: the counts of the GROUP BY as the report. `names`: staff id → name. */
export function shapeOverdueReviews(rows: readonly OverdueReviewCount[], names: ReadonlyMap<string, string>, generatedAt: string, bounds: readonly number[] = OVERDUE_AGE_BUCKETS): OverdueReviewsReport {
  const buckets = ageBucketLabels(bounds);
  const empty = () => buckets.map(() => 0);
  const add = (m: Map<string, number[]>, key: string, bucket: number, n: number) => {
    const v = m.get(key) ?? empty();
    v[bucket] = (v[bucket] ?? 0) + n;
    m.set(key, v);
  };
  const byAssignee = new Map<string, number[]>();
  const bySegment = new Map<string, number[]>();
  const all = empty();
  for (const r of rows) {
    const bucket = Math.min(Math.max(0, r.bucket), buckets.length - 1);
    add(byAssignee, r.assignee ?? `team:${r.team ?? 'none'}`, bucket, r.reviews);
    add(bySegment, r.segment ?? 'UNCLASSIFIED', bucket, r.reviews);
    all[bucket] = (all[bucket] ?? 0) + r.reviews;
  }
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  const toRows = (m: Map<string, number[]>) =>
    [...m.entries()].map(([key, byAge]) => ({ key, total: sum(byAge), byAge })).sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
  return {
    generatedAt,
    buckets,
    total: sum(all),
    byAge: all,
    byAssignee: toRows(byAssignee).map((r) => ({ ...r, name: names.get(r.key) ?? null })),
    bySegment: toRows(bySegment),
  };
}

export async function overdueReviewsReport(deps: { db: Db; clock: Clock }, actor: Actor): Promise<OverdueReviewsReport> {
  requireRole(actor, ...OVERDUE_REVIEWS_REPORT_ROLES);
  const now = deps.clock.now();
  // Days past the due date, whole days; the bucket as ageBucket computes it (the bounds are constants, not input).
  const days = Prisma.sql`floor(extract(epoch FROM (${now}::timestamptz - t."dueAt")) * 1000 / ${DAY_MS})`;
  const bucket = Prisma.join(
    OVERDUE_AGE_BUCKETS.map((b, i) => Prisma.sql`WHEN ${days} <= ${b} THEN ${i}`),
    ' ',
  );
  const rows = await deps.db.$queryRaw<OverdueReviewCount[]>`
    SELECT t."assigneeStaffId" AS assignee, t.team, c.segment,
           (CASE ${bucket} ELSE ${OVERDUE_AGE_BUCKETS.length} END)::int AS bucket,
           count(*)::int AS reviews
      FROM "Task" t LEFT JOIN "Customer" c ON c.id = t."customerId"
     WHERE t.kind = 'PERIODIC_REVIEW' AND t.status = 'OPEN' AND t."overdueAt" <= ${now}
     GROUP BY 1, 2, 3, 4`;
  const ids = [...new Set(rows.map((r) => r.assignee).filter((x): x is string => x !== null))];
  const names = new Map((await deps.db.staffMember.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })).map((s) => [s.id, s.name]));
  return shapeOverdueReviews(rows, names, now.toISOString());
}

/** Pure: one row per assignee and per segment, then the overall row; a column per age bucket. */
export function overdueReviewsCsv(report: OverdueReviewsReport): string {
  const header = ['group', 'key', 'name', 'overdueReviews', ...report.buckets];
  return csvDocument(header, [
    ['overall', '', null, report.total, ...report.byAge],
    ...report.byAssignee.map((r) => ['assignee', r.key, r.name, r.total, ...r.byAge]),
    ...report.bySegment.map((r) => ['segment', r.key, null, r.total, ...r.byAge]),
  ]);
}
