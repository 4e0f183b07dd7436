/**
 * Use case (§3.1): one customer, as the actor may see it.
 * - Scope: a RELATIONSHIP_MANAGER sees only their own customers; others → 404 (src/customers/access.ts).
 * - Masking: the identity number shows its last four characters only. `reveal: 'identity'` returns it
 *   in clear to an AUDITOR or RISK_OFFICER (their work needs it); any other role gets 403.
 * - §6.1 credit bureau figures: masked ("•••••" when on file). `reveal: 'creditBureau'` returns them to
 *   a RISK_OFFICER or AUDITOR (risk assessment, review); any other role gets 403.
 * - Recording: every read writes `customer.read`; a revealed identity number also `customer.identity.read`,
 *   revealed credit bureau figures `customer.credit_bureau.read`.
 *   The records are committed before anything leaves this function (and, for a reveal, before the
 *   number is even decrypted): no record, no data. They are written by the group commit of reads
 *   (src/audit/group-commit.ts, issue 12): concurrent reads share one INSERT and one commit, each
 *   awaiting it.
 */
import { z } from 'zod';
import type { AuditEntry } from '../audit/audit-log';
import { recordReads } from '../audit/group-commit';
import type { Db } from '../db/client';
import type { StaffRole } from '../db/generated/client';
import { requireRole, type Actor } from '../security/auth';
import { requireFoundationTrained } from '../training/gate';
import { decryptField } from '../security/crypto';
import type { KeyRing } from '../security/keyring';
import { parseInput } from '../shared/errors';
import { notFound } from './access';
import { findCustomerView } from './customer-rows';
import { aad } from './encrypted-fields';
import { decryptCreditBureau } from './credit-bureau';
import { toCustomerView, type CustomerView } from './customer-view';

/** Roles whose work needs identity numbers in clear (review of identification, risk assessment). */
export const IDENTITY_REVEAL_ROLES: readonly StaffRole[] = ['AUDITOR', 'RISK_OFFICER'];

/** §6.1 roles whose work needs an individual's credit bureau figures in clear (risk assessment, its review). */
export const CREDIT_BUREAU_REVEAL_ROLES: readonly StaffRole[] = ['RISK_OFFICER', 'AUDITOR'];

export const getCustomerQuery = z.strictObject({
  reveal: z.enum(['identity', 'creditBureau'], { error: 'the fields that can be revealed are identity and creditBureau' }).optional(),
});

export interface AccessContext {
  /** The request id, stored on the audit record. */
  requestId?: string;
}

export async function getCustomer(
  deps: { db: Db; ring: KeyRing },
  actor: Actor,
  id: string,
  query: unknown,
  ctx: AccessContext = {},
): Promise<CustomerView> {
  const { reveal } = parseInput(getCustomerQuery, query ?? {});
  // Checked before the lookup, so a refused reveal says nothing about whether the customer exists.
  if (reveal === 'identity') {
    requireRole(actor, ...IDENTITY_REVEAL_ROLES);
    await requireFoundationTrained(deps.db, actor.staffId, 'reveal identity numbers'); // §3.1, §7.1: 403 with the reason
  }
  if (reveal === 'creditBureau') requireRole(actor, ...CREDIT_BUREAU_REVEAL_ROLES);

  const row = await findCustomerView(deps.db, actor, id); // §3.1 scope: not theirs → 404, as not found
  if (!row) throw notFound(id);
  const audit = { actorStaffId: actor.staffId, entity: 'Customer', entityId: id, customerId: id, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) };
  const bureau = row.individualProfile?.creditBureauCiphertext;
  const revealsBureau = reveal === 'creditBureau' && !!bureau;
  const revealsIdentity = reveal === 'identity' && !!row.identity;
  const records: AuditEntry[] = [{ ...audit, action: 'customer.read' }];
  if (revealsBureau) records.push({ ...audit, action: 'customer.credit_bureau.read', entity: 'IndividualProfile' });
  if (revealsIdentity) records.push({ ...audit, action: 'customer.identity.read', entity: 'IdentityDocument' });
  await recordReads(deps.db, records);
  if (revealsBureau) return toCustomerView(row, undefined, { creditBureau: decryptCreditBureau(deps.ring, id, bureau) });
  if (revealsIdentity) return toCustomerView(row, decryptField(deps.ring, row.identity!.numberCiphertext, aad.identityNumber(id)));
  return toCustomerView(row);
}
