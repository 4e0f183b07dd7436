/**
 * The console's inbox (issue 12), built from the same use cases as the JSON API:
 *   - tasks: src/tasks/list-tasks.ts (GET /tasks) — assigned to me, or to a team I belong to (a role,
 *     an expertise, a §5.2 department): "mine" and the "team queue";
 *   - onboarding reviews waiting for the audit team (§2.3 step 3): src/reviews/list-pending.ts
 *     (GET /reviews/pending), for AUDITOR, SUPERVISOR and ADMIN;
 *   - my reminders that are due and not yet acknowledged (§5.2), from the reminder table (ids and a
 *     subject in codes, no customer data) — but not a reminder of a task listed: doing the task answers it.
 * Overdue first, then by deadline. Each item: the deadline in the bank's time zone with its
 * abbreviation, the time left on its own clock (§5.2 business time for an enterprise's feedback case
 * and the §2.3 review reminder, wall time otherwise), the customer by id only (the inbox reads no
 * customer data, so nothing personal is shown and no read needs recording; the customer page,
 * audited, shows the masked profile), the process, and what can be done.
 */
import { z } from 'zod';
import type { Actor } from '../security/auth';
import { bankTimeZone } from '../policy/policy';
import { addBusinessDays } from '../domain/business-calendar';
import { slaClass, slaClock } from '../domain/sla';
import { listTasks, TASK_KINDS } from '../tasks/list-tasks';
import type { TaskView } from '../tasks/tasks';
import { listPendingReviews } from '../reviews/list-pending';
import type { ConsoleDeps } from './index';
import { bankTime, timeLeft, type DeadlineClock } from './format';

/** Every kind of work the inbox shows. */
export const INBOX_KINDS = [
  'ONBOARDING_REVIEW',
  'PERIODIC_REVIEW',
  'RELATIONSHIP_MEETING',
  'CUSTOMER_CONTACT',
  'FEEDBACK_CASE',
  'RISK_INVESTIGATION',
  'MITIGATION_PLAN',
  'TRAINING_MODULE',
  'STAFF_GUIDANCE',
  'REMINDER',
] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];

/** The process each kind belongs to, as staff call it, with its policy clause. */
export const PROCESS_LABELS: Record<InboxKind, string> = {
  ONBOARDING_REVIEW: 'Onboarding review (§2.3)',
  PERIODIC_REVIEW: 'Periodic review (§3.2)',
  RELATIONSHIP_MEETING: 'Quarterly meeting (§5.1)',
  CUSTOMER_CONTACT: 'Customer contact (§5.1)',
  FEEDBACK_CASE: 'Feedback case (§5.2)',
  RISK_INVESTIGATION: 'Risk investigation (§6.2)',
  MITIGATION_PLAN: 'Mitigation plan (§6.2)',
  TRAINING_MODULE: 'Training module (§7.1)',
  STAFF_GUIDANCE: 'Staff guidance (§7.2)',
  REMINDER: 'Reminder (§5.2)',
};

export const INBOX_VIEWS = ['all', 'mine', 'team'] as const;
export const INBOX_STATUSES = ['OPEN', 'OVERDUE'] as const;

/** The inbox's filters (query string); other parameters are ignored. */
export const inboxQuery = z.object({
  view: z.enum(INBOX_VIEWS, { error: `one of ${INBOX_VIEWS.join(', ')}` }).optional(),
  kind: z.enum(INBOX_KINDS, { error: 'choose a kind of work from the list' }).optional(),
  status: z.enum(INBOX_STATUSES, { error: 'open or overdue' }).optional(),
});
export type InboxFilters = z.infer<typeof inboxQuery>;

/** Most items a section lists (the oldest deadlines first); the count says when there are more. */
export const INBOX_PAGE_SIZE = 100;

export interface InboxItem {
  kind: InboxKind;
  /** The task id, the customer id (onboarding review) or the reminder key. */
  id: string;
  process: string;
  subject: string;
  customerId: string | null;
  /** For a feedback case. */
  caseNo: string | null;
  dueAt: string;
  deadline: string;
  timeLeft: string;
  overdue: boolean;
  clock: DeadlineClock;
  /** Assigned to me (else: my team's queue). */
  mine: boolean;
  team: string | null;
  assigneeStaffId: string | null;
  /** Extra facts for the row (codes only). */
  details: string[];
}

export interface Inbox {
  filters: InboxFilters;
  items: InboxItem[];
  counts: InboxCounts;
  fieldErrors: Record<string, string>;
  kinds: { value: InboxKind; label: string }[];
  timeZone: string;
}

export interface InboxCounts {
  /** Open items in the inbox (mine and my teams'). */
  open: number;
  overdue: number;
  mine: number;
  team: number;
}

/** A feedback task's case number: feedback:<caseNo>:<round>. */
const caseNoOf = (taskId: string) => (taskId.startsWith('feedback:') ? (taskId.split(':')[1] ?? null) : null);

/** Every open item for the actor (mine and my teams'), overdue first then by deadline. */
async function collect(deps: ConsoleDeps, actor: Actor, kind: InboxKind | undefined): Promise<InboxItem[]> {
  const timeZone = bankTimeZone(deps.policy);
  const now = deps.clock.now();
  const taskKind = kind && (TASK_KINDS as readonly string[]).includes(kind) ? kind : undefined;
  const wantTasks = kind === undefined || !['ONBOARDING_REVIEW', 'REMINDER'].includes(kind);
  const query = { pageSize: String(INBOX_PAGE_SIZE), ...(taskKind ? { kind: taskKind } : {}) };
  const [overdue, open] = wantTasks
    ? await Promise.all([listTasks(deps.useCases, actor, { ...query, status: 'OVERDUE' }), listTasks(deps.useCases, actor, { ...query, status: 'OPEN' })])
    : [{ items: [] as TaskView[] }, { items: [] as TaskView[] }];
  const seen = new Set<string>();
  const tasks = [...overdue.items, ...open.items].filter((t) => !seen.has(t.id) && seen.add(t.id) && (kind === undefined || t.kind === kind));

  // §5.2 which feedback cases run on business days (an enterprise's): their time left is business time.
  const caseNos = tasks.map((t) => caseNoOf(t.id)).filter((c): c is string => c !== null);
  const cases = caseNos.length
    ? await deps.db.feedbackCase.findMany({ where: { caseNo: { in: caseNos } }, select: { caseNo: true, customerType: true, complexity: true, status: true } })
    : [];
  const caseClock = new Map(cases.map((c) => [c.caseNo, slaClock(slaClass(c.customerType, c.complexity))]));
  const caseStatus = new Map(cases.map((c) => [c.caseNo, c.status]));

  const items: InboxItem[] = tasks.map((t) => {
    const caseNo = caseNoOf(t.id);
    const clock = caseNo ? (caseClock.get(caseNo) ?? 'WALL') : 'WALL';
    // A task is overdue from its overdueAt (the escalation point); its deadline shown is dueAt.
    const due = new Date(t.dueAt);
    const left = timeLeft(now, due, clock, timeZone);
    const details = [t.subject];
    if (caseNo && caseStatus.get(caseNo)) details.push(`case ${caseStatus.get(caseNo)}`);
    return {
      kind: t.kind,
      id: t.id,
      process: PROCESS_LABELS[t.kind as InboxKind] ?? t.kind,
      subject: t.subject,
      customerId: t.customerId,
      caseNo,
      dueAt: t.dueAt,
      deadline: bankTime(due, timeZone),
      timeLeft: left.text,
      overdue: t.status === 'OVERDUE' || left.overdue,
      clock,
      mine: t.assigneeStaffId === actor.staffId,
      team: t.team,
      assigneeStaffId: t.assigneeStaffId,
      details: details.slice(1),
    };
  });

  // §2.3 step 3: records waiting for the audit team (not tasks: the onboarding workflow owns them).
  const reviewer = actor.roles.some((r) => r === 'AUDITOR' || r === 'SUPERVISOR' || r === 'ADMIN');
  if (reviewer && (kind === undefined || kind === 'ONBOARDING_REVIEW')) {
    for (const r of await listPendingReviews(deps.db, actor, INBOX_PAGE_SIZE)) {
      const waitingOnCustomer = r.status === 'INFO_REQUESTED';
      const due = waitingOnCustomer
        ? addBusinessDays(new Date(r.infoRequestedAt ?? r.submittedAt), deps.policy.onboarding.infoLimitBusinessDays, timeZone)
        : addBusinessDays(new Date(r.submittedAt), deps.policy.onboarding.reviewReminderAfterBusinessDays, timeZone);
      const left = timeLeft(now, due, 'BUSINESS', timeZone);
      items.push({
        kind: 'ONBOARDING_REVIEW',
        id: r.customerId,
        process: PROCESS_LABELS.ONBOARDING_REVIEW,
        subject: waitingOnCustomer ? 'waiting for information from the customer' : 'new customer record to review',
        customerId: r.customerId,
        caseNo: null,
        dueAt: due.toISOString(),
        deadline: bankTime(due, timeZone),
        timeLeft: left.text,
        overdue: left.overdue,
        clock: 'BUSINESS',
        mine: false,
        team: 'AUDITOR',
        assigneeStaffId: null,
        details: [r.type, r.status, `entered by ${r.enteredByStaffId}`],
      });
    }
  }

  // §5.2 my reminders that went out and wait for an acknowledgement (as assignee or escalation contact).
  if (kind === undefined || kind === 'REMINDER') {
    const reminders = await deps.db.reminder.findMany({
      where: { status: 'DUE', OR: [{ staffId: actor.staffId }, { escalationStaffId: actor.staffId }] },
      select: { key: true, subject: true, dueAt: true, escalatesAt: true, staffId: true, taskId: true },
      orderBy: [{ escalatesAt: 'asc' }, { key: 'asc' }],
      take: INBOX_PAGE_SIZE,
    });
    const listed = new Set(tasks.map((t) => t.id));
    for (const r of reminders) {
      // A reminder of a task in the list is answered when the task is done: the task's row stands for it.
      if (r.taskId && listed.has(r.taskId)) continue;
      const left = timeLeft(now, r.escalatesAt, 'WALL', timeZone);
      items.push({
        kind: 'REMINDER',
        id: r.key,
        process: PROCESS_LABELS.REMINDER,
        subject: r.subject,
        customerId: null,
        caseNo: null,
        dueAt: r.escalatesAt.toISOString(),
        deadline: bankTime(r.escalatesAt, timeZone),
        timeLeft: left.overdue ? left.text : `${left.text} before it is escalated`,
        overdue: left.overdue,
        clock: 'WALL',
        mine: r.staffId === actor.staffId,
        team: null,
        assigneeStaffId: r.staffId,
        details: r.taskId ? [`task ${r.taskId}`] : [],
      });
    }
  }

  return items.sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.dueAt.localeCompare(b.dueAt) || a.id.localeCompare(b.id));
}

const countsOf = (items: InboxItem[]): InboxCounts => ({
  open: items.length,
  overdue: items.filter((i) => i.overdue).length,
  mine: items.filter((i) => i.mine).length,
  team: items.filter((i) => !i.mine).length,
});

/** The inbox page's data: the filtered items, the counts of the whole inbox, and filter errors. */
export async function loadInbox(deps: ConsoleDeps, actor: Actor, query: unknown): Promise<Inbox> {
  const parsed = inboxQuery.safeParse(query ?? {});
  const fieldErrors: Record<string, string> = {};
  let filters: InboxFilters = {};
  if (parsed.success) filters = parsed.data;
  else for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0] ?? 'filters')] ??= issue.message;

  const all = await collect(deps, actor, filters.kind);
  const counts = filters.kind === undefined ? countsOf(all) : countsOf(await collect(deps, actor, undefined));
  const items = all.filter(
    (i) =>
      (filters.view === undefined || filters.view === 'all' || (filters.view === 'mine' ? i.mine : !i.mine)) &&
      (filters.status !== 'OVERDUE' || i.overdue),
  );
  return {
    filters,
    items,
    counts,
    fieldErrors,
    kinds: INBOX_KINDS.map((k) => ({ value: k, label: PROCESS_LABELS[k] })),
    timeZone: bankTimeZone(deps.policy),
  };
}

/** The live counts (GET /console/inbox/counts). */
export async function inboxCounts(deps: ConsoleDeps, actor: Actor): Promise<InboxCounts> {
  return countsOf(await collect(deps, actor, undefined));
}
