/**
 * Use case (§6.1 enterprises: financial risk; §3.1): a customer's financial statements, newest period
 * first — what the assessment reads (the latest set, and the latest two for the revenue trend).
 *
 * Same read scope as GET /customers/:id: any staff member; a RELATIONSHIP_MANAGER only the customers
 * they look after (others 404). Each read is recorded as GET /customers/:id's is (`customer.read`,
 * entity FinancialStatement), in the read's transaction: no record, no data. An individual has none
 * (an empty list). Keyset paging on (periodEnd, id): cursor, pageSize ≤ 100.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { customerScope, findCustomerIn } from '../customers/access';
import type { Actor } from '../security/auth';
import { parseInput } from '../shared/errors';
import { cursorQuery, decodeCursor, DEFAULT_PAGE_SIZE, pageOf, pageSizeQuery } from '../shared/keyset';
import { toFinancialStatementView, type FinancialStatementView } from './financial-statements';

export const listFinancialsQuery = z.strictObject({
  cursor: cursorQuery.optional(),
  pageSize: pageSizeQuery.optional(),
});

export interface FinancialStatementPage {
  customerId: string;
  items: FinancialStatementView[];
  pageSize: number;
  nextCursor: string | null;
}

export async function listFinancials(db: Db, actor: Actor, customerId: string, query: unknown, ctx: { requestId?: string } = {}): Promise<FinancialStatementPage> {
  const q = parseInput(listFinancialsQuery, query ?? {});
  const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  return db.$transaction(async (tx) => {
    await findCustomerIn(tx, customerId, customerScope(actor));
    const rows = await tx.financialStatement.findMany({
      where: {
        customerId,
        ...(after ? { OR: [{ periodEnd: { lt: new Date(after.at) } }, { periodEnd: new Date(after.at), id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ periodEnd: 'desc' }, { id: 'desc' }],
      take: pageSize + 1,
    });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'customer.read',
      entity: 'FinancialStatement',
      entityId: customerId,
      customerId,
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    const { shown, nextCursor } = pageOf(rows, pageSize, (s) => ({ at: s.periodEnd.toISOString(), id: s.id }));
    return { customerId, items: shown.map(toFinancialStatementView), pageSize, nextCursor };
  });
}
