/**
 * Use case (§3.1): customers, filtered and paged, newest first; identity numbers masked.
 * Filters: type, segment, serviceTier, status, managerId (relationship manager). Paging: either
 * `cursor` (opaque, from the previous page's `nextCursor`; stable while rows are added) or
 * `page` (1-based), with `pageSize` ≤ 100; `total` counts every match. A RELATIONSHIP_MANAGER sees
 * their own customers only. Each customer shown is recorded (`customer.list`) and the records are
 * committed before the page is returned: by the group commit of reads (src/audit/group-commit.ts),
 * so concurrent lists share one INSERT and one commit, each awaiting it (issue 12). Count and page are
 * one SQL query each (src/customers/customer-rows.ts), the page served by the (createdAt, id) index.
 */
import { z } from 'zod';
import { recordReads } from '../audit/group-commit';
import type { Db } from '../db/client';
import { SEGMENTS } from '../policy/policy';
import type { Actor } from '../security/auth';
import { parseInput, ValidationError } from '../shared/errors';
import { countCustomers, pageCustomerViews, type CustomerFilter } from './customer-rows';
import type { AccessContext } from './get-customer';
import { toCustomerView, type CustomerView } from './customer-view';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

const CUSTOMER_TYPES = ['INDIVIDUAL', 'ENTERPRISE'] as const;
const CUSTOMER_STATUSES = ['PENDING_REVIEW', 'INFO_REQUESTED', 'APPROVED', 'REJECTED', 'INCOMPLETE'] as const;
/** Query strings carry text: whole numbers are parsed from it, and only from digits. */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, `a whole number ${min}–${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `a whole number ${min}–${max}`).max(max, `a whole number ${min}–${max}`));

export const listCustomersQuery = z.strictObject({
  type: z.enum(CUSTOMER_TYPES, { error: `one of ${CUSTOMER_TYPES.join(', ')}` }).optional(),
  segment: z.enum(SEGMENTS, { error: `one of ${SEGMENTS.join(', ')}` }).optional(),
  serviceTier: z.enum(SEGMENTS, { error: `one of ${SEGMENTS.join(', ')}` }).optional(),
  status: z.enum(CUSTOMER_STATUSES, { error: `one of ${CUSTOMER_STATUSES.join(', ')}` }).optional(),
  managerId: z.string().min(1).max(64).optional(),
  cursor: z.string().max(200).optional(),
  page: wholeNumber(1, 100_000).optional(),
  pageSize: wholeNumber(1, MAX_PAGE_SIZE).optional(),
});

export interface CustomerPage {
  items: CustomerView[];
  total: number;
  pageSize: number;
  /** With page paging. */
  page?: number;
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

interface Cursor {
  createdAt: string;
  id: string;
}

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify([c.createdAt, c.id]), 'utf8').toString('base64url');

function decodeCursor(text: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt))) return { createdAt, id };
  } catch {
    // fall through
  }
  throw new ValidationError([{ field: 'cursor', value: text, reason: "not a cursor: pass a previous page's nextCursor" }]);
}

export async function listCustomers(db: Db, actor: Actor, query: unknown, ctx: AccessContext = {}): Promise<CustomerPage> {
  const q = parseInput(listCustomersQuery, query ?? {});
  if (q.cursor !== undefined && q.page !== undefined) {
    throw new ValidationError([{ field: 'page', value: q.page, reason: 'use either cursor or page, not both' }]);
  }
  const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
  const filter: CustomerFilter = {
    ...(q.type ? { type: q.type } : {}),
    ...(q.segment ? { segment: q.segment } : {}),
    ...(q.serviceTier ? { serviceTier: q.serviceTier } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.managerId ? { managerId: q.managerId } : {}),
  };
  // Newest first; (createdAt, id) is unique, so a keyset cursor never skips or repeats a row.
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const [total, rows] = await Promise.all([
    countCustomers(db, actor, filter),
    pageCustomerViews(db, actor, filter, {
      limit: pageSize + 1,
      ...(after ? { after: { createdAt: new Date(after.createdAt), id: after.id } } : {}),
      ...(q.page !== undefined ? { offset: (q.page - 1) * pageSize } : {}),
    }),
  ]);
  const shown = rows.slice(0, pageSize);
  const last = shown[shown.length - 1];
  await recordReads(
    db,
    shown.map((c) => ({ actorStaffId: actor.staffId, action: 'customer.list', entity: 'Customer', entityId: c.id, customerId: c.id, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) })),
  );
  return {
    items: shown.map((row) => toCustomerView(row)),
    total,
    pageSize,
    ...(q.page !== undefined ? { page: q.page } : {}),
    nextCursor: rows.length > pageSize && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) : null,
  };
}
