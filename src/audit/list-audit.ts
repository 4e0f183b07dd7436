/**
 * Use case (§3.1 "every access to and change of customer data is recorded"): reading those records.
 * AUDITOR, SUPERVISOR and ADMIN only; newest first; at most 500 per call, older ones through
 * `before` (the last id seen). Ids are 64-bit, so they travel as strings. Reading a customer's
 * records is itself recorded (`customer.audit.read`), since they show what changed on the customer.
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import type { Prisma } from '../db/generated/client';
import { requireRole, type Actor } from '../security/auth';
import { parseInput } from '../shared/errors';
import { writeAudit } from './audit-log';
import { AUDIT_ACTIONS } from './actions';

export const AUDIT_READ_ROLES = ['AUDITOR', 'SUPERVISOR', 'ADMIN'] as const;
export const MAX_AUDIT_LIMIT = 500;
export const DEFAULT_AUDIT_LIMIT = 100;

const id = z.string().min(1).max(64);
export const listAuditQuery = z.strictObject({
  customerId: id.optional(),
  actorStaffId: id.optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  /** Only records older than this id (paging: the last id of the previous call). */
  before: z
    .string()
    .regex(/^\d{1,19}$/, { message: 'an audit record id (digits)', abort: true })
    .refine((v) => BigInt(v) <= 9223372036854775807n, 'an audit record id (digits)')
    .optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, `a whole number 1–${MAX_AUDIT_LIMIT}`)
    .transform(Number)
    .pipe(z.number().min(1, `a whole number 1–${MAX_AUDIT_LIMIT}`).max(MAX_AUDIT_LIMIT, `a whole number 1–${MAX_AUDIT_LIMIT}`))
    .optional(),
});

export interface AuditRecordView {
  id: string;
  at: string;
  actorStaffId: string | null;
  action: string;
  entity: string;
  entityId: string;
  customerId: string | null;
  changes: unknown;
  requestId: string | null;
}

export interface AuditPage {
  entries: AuditRecordView[];
  /** Pass as `before` for older records; null when there are none. */
  nextBefore: string | null;
}

export async function listAudit(db: Db, actor: Actor, query: unknown, ctx: { requestId?: string } = {}): Promise<AuditPage> {
  requireRole(actor, ...AUDIT_READ_ROLES);
  const q = parseInput(listAuditQuery, query ?? {});
  const limit = q.limit ?? DEFAULT_AUDIT_LIMIT;
  const where: Prisma.AuditLogWhereInput = {
    ...(q.customerId ? { customerId: q.customerId } : {}),
    ...(q.actorStaffId ? { actorStaffId: q.actorStaffId } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.before ? { id: { lt: BigInt(q.before) } } : {}),
  };
  return db.$transaction(async (tx) => {
    const rows = await tx.auditLog.findMany({ where, orderBy: { id: 'desc' }, take: limit + 1 });
    const shown = rows.slice(0, limit);
    if (q.customerId) {
      await writeAudit(tx, {
        actorStaffId: actor.staffId,
        action: 'customer.audit.read',
        entity: 'AuditLog',
        entityId: q.customerId,
        customerId: q.customerId,
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      });
    }
    return {
      entries: shown.map((r) => ({
        id: r.id.toString(),
        at: r.at.toISOString(),
        actorStaffId: r.actorStaffId,
        action: r.action,
        entity: r.entity,
        entityId: r.entityId,
        customerId: r.customerId,
        changes: r.changes,
        requestId: r.requestId,
      })),
      nextBefore: rows.length > limit ? (shown[shown.length - 1]?.id.toString() ?? null) : null,
    };
  });
}
