/**
 * The business gauges GET /metrics reports (README "Observability"), read at scrape time in ONE
 * round trip of indexed counts — no cache, so a scrape shows the database as it is:
 *
 * - `ccm_feedback_cases_open{status}` — §5.2 feedback cases not CLOSED, by status
 *   (FeedbackCase @@index([status, hardLimitAt])).
 * - `ccm_feedback_sla_breached{deadline}` — §5.2 open cases without a first response whose
 *   deadline has passed: `target` (targetAt, the SLA report's definition of a breach,
 *   src/feedback/sla-report.ts) and `hard_limit` (hardLimitAt). A paused case (no deadline) is not
 *   breached. Read through the status index.
 * - `ccm_periodic_reviews_overdue` — §3.2 periodic-review tasks still OPEN past their overdue time
 *   (Task @@index([kind, status, dueAt])).
 * - `ccm_onboarding_queue{status}` — §2.3 step 3 customers waiting for the audit team: PENDING_REVIEW
 *   and INFO_REQUESTED (Customer @@index([status, id])).
 * - `ccm_emails{status}` — e-mail notifications by delivery status: PENDING, SENDING, SENT, FAILED
 *   (the last attempt failed; the activity retries) (Notification @@index([status]); every
 *   notification is an e-mail — channel is never set to anything else — so no channel filter keeps
 *   the count an index-only scan).
 *
 * Every label value is listed, 0 included, so a series never disappears.
 */
import { Prisma, type Db } from '../db/client';
import { FeedbackStatus, NotificationStatus, type CustomerStatus } from '../db/generated/client';

/** §5.2 statuses a case is open in (all but CLOSED). */
export const OPEN_FEEDBACK_STATUSES = Object.values(FeedbackStatus).filter((s) => s !== 'CLOSED');
/** §5.2 statuses whose response clock can run out: no first response yet (RESPONDED has one; WAITING_ON_CUSTOMER is paused). */
export const RESPONSE_PENDING_STATUSES: FeedbackStatus[] = ['REGISTERED', 'IN_PROGRESS', 'REOPENED'];
/** §2.3 step 3 the onboarding queue: records waiting for (or sent back by) the audit team. */
export const ONBOARDING_QUEUE_STATUSES: CustomerStatus[] = ['PENDING_REVIEW', 'INFO_REQUESTED'];
export const EMAIL_STATUSES = Object.values(NotificationStatus);
export const SLA_DEADLINES = ['target', 'hard_limit'] as const;

export interface BusinessGauges {
  feedbackOpen: Record<string, number>;
  slaBreached: Record<(typeof SLA_DEADLINES)[number], number>;
  periodicReviewsOverdue: number;
  onboardingQueue: Record<string, number>;
  emails: Record<string, number>;
}

const zeros = (keys: readonly string[]): Record<string, number> => Object.fromEntries(keys.map((k) => [k, 0]));

/** Reads every gauge in one statement; `now` decides what has passed (the API's clock). */
export async function readBusinessGauges(db: Db, now: Date): Promise<BusinessGauges> {
  const open = Prisma.join(OPEN_FEEDBACK_STATUSES.map((s) => Prisma.sql`${s}::"FeedbackStatus"`));
  const pending = Prisma.join(RESPONSE_PENDING_STATUSES.map((s) => Prisma.sql`${s}::"FeedbackStatus"`));
  const queue = Prisma.join(ONBOARDING_QUEUE_STATUSES.map((s) => Prisma.sql`${s}::"CustomerStatus"`));
  const rows = await db.$queryRaw<{ gauge: string; label: string; n: number }[]>`
    SELECT 'feedback'::text AS gauge, status::text AS label, count(*)::int AS n FROM "FeedbackCase" WHERE status IN (${open}) GROUP BY status
    UNION ALL
    SELECT 'sla', 'target', count(*)::int FROM "FeedbackCase"
      WHERE status IN (${pending}) AND "firstResponseAt" IS NULL AND "targetAt" < ${now}
    UNION ALL
    SELECT 'sla', 'hard_limit', count(*)::int FROM "FeedbackCase"
      WHERE status IN (${pending}) AND "firstResponseAt" IS NULL AND "hardLimitAt" < ${now}
    UNION ALL
    SELECT 'reviews', '', count(*)::int FROM "Task"
      WHERE kind = 'PERIODIC_REVIEW'::"TaskKind" AND status = 'OPEN'::"TaskStatus" AND "overdueAt" <= ${now}
    UNION ALL
    SELECT 'onboarding', status::text, count(*)::int FROM "Customer" WHERE status IN (${queue}) GROUP BY status
    UNION ALL
    SELECT 'emails', status::text, count(*)::int FROM "Notification" GROUP BY status`;
  const gauges: BusinessGauges = {
    feedbackOpen: zeros(OPEN_FEEDBACK_STATUSES),
    slaBreached: { target: 0, hard_limit: 0 },
    periodicReviewsOverdue: 0,
    onboardingQueue: zeros(ONBOARDING_QUEUE_STATUSES),
    emails: zeros(EMAIL_STATUSES),
  };
  for (const { gauge, label, n } of rows) {
    const count = Number(n);
    if (gauge === 'feedback') gauges.feedbackOpen[label] = count;
    else if (gauge === 'sla') gauges.slaBreached[label as (typeof SLA_DEADLINES)[number]] = count;
    else if (gauge === 'reviews') gauges.periodicReviewsOverdue = count;
    else if (gauge === 'onboarding') gauges.onboardingQueue[label] = count;
    else if (gauge === 'emails') gauges.emails[label] = count;
  }
  return gauges;
}
