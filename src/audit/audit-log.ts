/**
 * §3.1 "every access to and change of customer data is recorded". Writers take the transaction
 * client of the change itself, so a change and its audit record commit or roll back together.
 * The table is append-only (a trigger in the migration refuses UPDATE, DELETE and TRUNCATE).
 */
import type { DbTx } from '../db/client';
import type { Prisma } from '../db/generated/client';
import { isReadAction, type AuditAction } from './actions';

export type FieldChanges = Record<string, { before: unknown; after: unknown } | 'changed'>;

export interface AuditEntry {
  actorStaffId: string | null;
  action: AuditAction;
  entity: string;
  entityId: string;
  customerId?: string;
  changes?: FieldChanges;
  requestId?: string;
  /** Makes the record happen once whatever the retries, where the change itself does not. */
  idempotencyKey?: string;
}

const toRow = (entry: AuditEntry) => ({
  actorStaffId: entry.actorStaffId,
  action: entry.action,
  entity: entry.entity,
  entityId: entry.entityId,
  customerId: entry.customerId ?? null,
  changes: entry.changes as Prisma.InputJsonValue | undefined,
  requestId: entry.requestId ?? null,
  idempotencyKey: entry.idempotencyKey ?? null,
});

/** A change record that changes nothing (every field's before equals its after, or no fields). */
export const isEmptyChange = (entry: AuditEntry) =>
  !isReadAction(entry.action) && entry.changes !== undefined && Object.keys(entry.changes).length === 0;

/**
 * Writes the record in the caller's transaction; a change record with nothing changed is not
 * written (issue 7: records only for real changes). With an idempotencyKey a second write is a no-op.
 * Returns whether a record was written.
 */
export async function writeAudit(tx: DbTx, entry: AuditEntry): Promise<boolean> {
  if (isEmptyChange(entry)) return false;
  if (entry.idempotencyKey) {
    const { count } = await tx.auditLog.createMany({ data: [toRow(entry)], skipDuplicates: true });
    return count === 1;
  }
  await tx.auditLog.create({ data: toRow(entry) });
  return true;
}

/** Several records at once (e.g. one per customer shown in a list), in the caller's transaction. */
export async function writeAudits(tx: DbTx, entries: AuditEntry[]): Promise<void> {
  const real = entries.filter((e) => !isEmptyChange(e));
  if (real.length === 0) return;
  await tx.auditLog.createMany({ data: real.map(toRow) });
}

/**
 * Before/after of the fields that differ. Fields named in `sensitive` are recorded only as
 * 'changed': their values never reach the audit log.
 */
export function diffFields(
  before: Record<string, unknown> | null,
  after: Record<string, unknown>,
  sensitive: readonly string[] = [],
): FieldChanges {
  const changes: FieldChanges = {};
  for (const key of Object.keys(after)) {
    const a = before?.[key] ?? null;
    const b = after[key] ?? null;
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    changes[key] = sensitive.includes(key) ? 'changed' : { before: a, after: b };
  }
  return changes;
}
