/**
 * Use case (§5.1 regular contact, §3.1): a customer's contact history, newest first — every
 * greeting, news digest and quarterly meeting the lifecycle made or skipped, and the SMS and phone
 * contacts people made (ContactEvent: kind, channel, status, when, who, the task, and codes/outcomes
 * in `detail`; never message text).
 *
 * Same read scope as GET /customers/:id: a RELATIONSHIP_MANAGER sees only the customers they look
 * after (others 404). Each read is recorded as GET /customers/:id's is (`customer.read`, entity
 * ContactEvent), in the read's transaction: no record, no data.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import type { Actor } from '../security/auth';
import { parseInput } from '../shared/errors';
import { cursorQuery, decodeCursor, DEFAULT_PAGE_SIZE, pageOf, pageSizeQuery } from '../shared/keyset';
import { customerScope, findCustomerIn } from '../customers/access';

export const listContactsQuery = z.strictObject({
  cursor: cursorQuery.optional(),
  pageSize: pageSizeQuery.optional(),
});

export interface ContactView {
  id: string;
  kind: string;
  channel: string | null;
  status: string;
  at: string;
  staffId: string | null;
  taskId: string | null;
  detail: unknown;
}

export interface ContactPage {
  customerId: string;
  items: ContactView[];
  pageSize: number;
  nextCursor: string | null;
}

export async function listContacts(db: Db, actor: Actor, customerId: string, query: unknown, ctx: { requestId?: string } = {}): Promise<ContactPage> {
  const q = parseInput(listContactsQuery, query ?? {});
  const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  return db.$transaction(async (tx) => {
    await findCustomerIn(tx, customerId, customerScope(actor));
    const rows = await tx.contactEvent.findMany({
      where: {
        customerId,
        ...(after ? { OR: [{ at: { lt: new Date(after.at) } }, { at: new Date(after.at), id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: pageSize + 1,
    });
    await writeAudit(tx, { actorStaffId: actor.staffId, action: 'customer.read', entity: 'ContactEvent', entityId: customerId, customerId, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) });
    const { shown, nextCursor } = pageOf(rows, pageSize, (e) => ({ at: e.at.toISOString(), id: e.id }));
    return {
      customerId,
      items: shown.map((e) => ({ id: e.id, kind: e.kind, channel: e.channel, status: e.status, at: e.at.toISOString(), staffId: e.staffId, taskId: e.taskId, detail: e.detail ?? null })),
      pageSize,
      nextCursor,
    };
  });
}
