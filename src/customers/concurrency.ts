/**
 * Optimistic concurrency for customer updates (§3.2 "updated at once" — and not over someone else's
 * change): the caller names the version it read, as `If-Match: "<version>"` (the ETag of GET
 * /customers/:id) or a body field `version`. A different current version → 409 with the current record.
 */
import type { DbTx } from '../db/client';
import type { Prisma } from '../db/generated/client';
import { ConflictError, ValidationError } from '../shared/errors';
import { findCustomerIn } from './access';
import { toCustomerView } from './customer-view';

/** `3`, `"3"` or `W/"3"` → 3; undefined when absent. */
function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const text = (Array.isArray(header) ? header.join(',') : header).trim();
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(text);
  if (!m?.[1] || Number(m[1]) < 1) {
    throw new ValidationError([{ field: 'If-Match', value: text, reason: 'the customer version you read, e.g. If-Match: "3" (the ETag of GET /customers/:id)' }]);
  }
  return Number(m[1]);
}

/** The version the caller read: from If-Match or the body (they must agree when both are sent); required. */
export function expectedVersion(ifMatch: string | string[] | undefined, bodyVersion: number | undefined): number {
  const fromHeader = parseIfMatch(ifMatch);
  if (fromHeader !== undefined && bodyVersion !== undefined && fromHeader !== bodyVersion) {
    throw new ValidationError([{ field: 'version', value: bodyVersion, reason: `differs from If-Match ${fromHeader}: send one version` }]);
  }
  const version = fromHeader ?? bodyVersion;
  if (version === undefined) {
    throw new ValidationError([{ field: 'version', reason: 'required: the version you read, as If-Match: "<version>" or a body field version (optimistic concurrency)' }]);
  }
  return version;
}

/** Bumps the version only if it is still `version`; otherwise throws the 409 with the current record. */
export async function claimVersion(tx: DbTx, id: string, version: number, scope: Prisma.CustomerWhereInput, data: Prisma.CustomerUpdateManyMutationInput = {}): Promise<void> {
  const { count } = await tx.customer.updateMany({ where: { id, version }, data: { ...data, version: { increment: 1 } } });
  if (count === 1) return;
  const current = await findCustomerIn(tx, id, scope);
  throw new ConflictError(
    `customer ${id} is at version ${current.version}, not ${version}: it was changed since you read it; read it again and retry`,
    toCustomerView(current),
  );
}
