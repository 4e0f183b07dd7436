/**
 * §3.1 "every access to and change of customer data is recorded". Writers take the transaction
 * client of the change itself, so a change and its audit record commit or roll back together.
 * The table is append-only (a trigger in the migration refuses UPDATE, DELETE and TRUNCATE).
 */
import type { DbTx } from '../db/client';
import type { Prisma } from '../db/generated/client';

export type FieldChanges = Record<string, { before: unknown; after: unknown } | 'changed'>;

export interface AuditEntry {
  actorStaffId: string | null;
  action: string;
  entity: string;
  entityId: string;
  customerId?: string;
  changes?: FieldChanges;
  requestId?: string;
}

const toRow = (entry: AuditEntry) => ({
  actorStaffId: entry.actorStaffId,
  action: entry.action,
  entity: entry.entity,
  entityId: entry.entityId,
  customerId: entry.customerId ?? null,
  changes: entry.changes as Prisma.InputJsonValue | undefined,
  requestId: entry.requestId ?? null,
});

export async function writeAudit(tx: DbTx, entry: AuditEntry): Promise<void> {
  await tx.auditLog.create({ data: toRow(entry) });
}

/** Several records at once (e.g. one per customer shown in a list), in the caller's transaction. */
export async function writeAudits(tx: DbTx, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.auditLog.createMany({ data: entries.map(toRow) });
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
