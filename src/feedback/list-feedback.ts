/**
 * Use case (§5.2): feedback cases, newest first, paginated — the work list of a department, the cases
 * of a customer, the missed deadlines. Read from PostgreSQL (the activities keep status, handler,
 * deadlines and escalation level there), never from workflow queries.
 *
 * - Who: CUSTOMER_SERVICE, SUPERVISOR, ADMIN, AUDITOR see every case; any other staff member the cases
 *   of the departments they head or belong to, and those they handle (`department` of another → 403).
 * - Query: `status` (a case status, or OPEN for every status still needing work), `department` (code),
 *   `breached` true|false (no first response by the target: the target has passed with no response,
 *   or the first response came after it), `customerId`, `cursor` (a previous page's nextCursor),
 *   `limit` 1–100 (default 20). 400 naming the field otherwise.
 * - Items carry ids, codes and times only: no contact details, no summary (free text may name people).
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import type { FeedbackCase, Prisma } from '../db/generated/client';
import { ForbiddenError, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { parseInput } from '../shared/errors';
import { cursorQuery, decodeCursor, DEFAULT_PAGE_SIZE, pageOf, pageSizeQuery } from '../shared/keyset';
import { departmentsOf, FEEDBACK_VIEW_ROLES, isBreached, OPEN_STATUSES } from './cases';

export const FEEDBACK_STATUSES = ['REGISTERED', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESPONDED', 'RESOLVED', 'CLOSED', 'REOPENED'] as const;
const STATUS_FILTERS = ['OPEN', ...FEEDBACK_STATUSES] as const;

export const listFeedbackQuery = z.strictObject({
  status: z.enum(STATUS_FILTERS, { error: `one of ${STATUS_FILTERS.join(', ')} (OPEN: every status still needing work)` }).optional(),
  department: z.string().trim().min(1, 'a department code').max(32, 'at most 32 characters').optional(),
  breached: z.enum(['true', 'false'], { error: 'true or false' }).optional(),
  customerId: z.string().trim().min(1, 'a customer id').max(64, 'at most 64 characters').optional(),
  cursor: cursorQuery.optional(),
  limit: pageSizeQuery.optional(),
});

export interface FeedbackListItem {
  caseNo: string;
  channel: string;
  status: string;
  customerId: string | null;
  customerType: string;
  category: string;
  severity: string;
  complexity: string;
  departmentCode: string;
  handlerStaffId: string | null;
  registeredAt: string;
  targetAt: string | null;
  hardLimitAt: string | null;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  pausedAt: string | null;
  escalationLevel: number;
  breached: boolean;
}

export interface FeedbackPage {
  items: FeedbackListItem[];
  limit: number;
  nextCursor: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toListItem(c: FeedbackCase, now: Date): FeedbackListItem {
  return {
    caseNo: c.caseNo,
    channel: c.channel,
    status: c.status,
    customerId: c.customerId,
    customerType: c.customerType,
    category: c.category,
    severity: c.severity,
    complexity: c.complexity,
    departmentCode: c.departmentCode,
    handlerStaffId: c.handlerStaffId,
    registeredAt: c.registeredAt.toISOString(),
    targetAt: iso(c.targetAt),
    hardLimitAt: iso(c.hardLimitAt),
    firstResponseAt: iso(c.firstResponseAt),
    resolvedAt: iso(c.resolvedAt),
    pausedAt: iso(c.pausedAt),
    escalationLevel: c.escalationLevel,
    breached: isBreached(c, now),
  };
}

export async function listFeedback(deps: { db: Db; clock: Clock }, actor: Actor, query: unknown): Promise<FeedbackPage> {
  const q = parseInput(listFeedbackQuery, query ?? {});
  const { db } = deps;
  const now = deps.clock.now();
  const limit = q.limit ?? DEFAULT_PAGE_SIZE;
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);

  let scope: Prisma.FeedbackCaseWhereInput = {};
  if (!actor.roles.some((r) => (FEEDBACK_VIEW_ROLES as readonly string[]).includes(r))) {
    const mine = await departmentsOf(db, actor.staffId);
    if (q.department !== undefined && !mine.includes(q.department)) {
      throw new ForbiddenError(`staff member ${actor.staffId} may list the cases of their own departments only (${mine.join(', ') || 'none'}), not ${q.department}`);
    }
    scope = { OR: [{ departmentCode: { in: mine } }, { handlerStaffId: actor.staffId }] };
  }

  const target = db.feedbackCase.fields.targetAt;
  const breached: Prisma.FeedbackCaseWhereInput | undefined =
    q.breached === 'true'
      ? { OR: [{ firstResponseAt: null, targetAt: { lt: now } }, { firstResponseAt: { gt: target } }] }
      : q.breached === 'false'
        ? { OR: [{ targetAt: null }, { firstResponseAt: null, targetAt: { gte: now } }, { firstResponseAt: { lte: target } }] }
        : undefined;

  const rows = await db.feedbackCase.findMany({
    where: {
      AND: [
        scope,
        q.status === 'OPEN' ? { status: { in: [...OPEN_STATUSES] } } : q.status ? { status: q.status } : {},
        q.department ? { departmentCode: q.department } : {},
        q.customerId ? { customerId: q.customerId } : {},
        breached ?? {},
        after ? { OR: [{ registeredAt: { lt: new Date(after.at) } }, { registeredAt: new Date(after.at), caseNo: { lt: after.id } }] } : {},
      ],
    },
    orderBy: [{ registeredAt: 'desc' }, { caseNo: 'desc' }],
    take: limit + 1,
  });
  const { shown, nextCursor } = pageOf(rows, limit, (c) => ({ at: c.registeredAt.toISOString(), id: c.caseNo }));
  return { items: shown.map((c) => toListItem(c, now)), limit, nextCursor };
}
