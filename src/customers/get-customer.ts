/**
 * Use case (§3.1): one customer, as the actor may see it.
 * - Scope: a RELATIONSHIP_MANAGER sees only their own customers; others → 404 (src/customers/access.ts).
 * - Masking: the identity number shows its last four characters only. `reveal: 'identity'` returns it
 *   in clear to an AUDITOR or RISK_OFFICER (their work needs it); any other role gets 403.
 * - §6.1 credit bureau figures: masked ("•••••" when on file). `reveal: 'creditBureau'` returns them to
 *   a RISK_OFFICER or AUDITOR (risk assessment, review); any other role gets 403.
 * - Recording: every read writes `customer.read`; a revealed identity number also `customer.identity.read`,
 *   revealed credit bureau figures `customer.credit_bureau.read`.
 *   The records commit in the same transaction as the read (and, for a reveal, before the number
 *   leaves this function): no record, no data.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import type { StaffRole } from '../db/generated/client';
import { requireRole, type Actor } from '../security/auth';
import { requireFoundationTrained } from '../training/gate';
import { decryptField } from '../security/crypto';
import type { KeyRing } from '../security/keyring';
import { parseInput } from '../shared/errors';
import { customerScope, findCustomerIn } from './access';
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
  const scope = customerScope(actor);

  return deps.db.$transaction(async (tx) => {
    const row = await findCustomerIn(tx, id, scope);
    const audit = { actorStaffId: actor.staffId, entity: 'Customer', entityId: id, customerId: id, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) };
    await writeAudit(tx, { ...audit, action: 'customer.read' });
    const bureau = row.individualProfile?.creditBureauCiphertext;
    if (reveal === 'creditBureau' && bureau) {
      await writeAudit(tx, { ...audit, action: 'customer.credit_bureau.read', entity: 'IndividualProfile' });
      return toCustomerView(row, undefined, { creditBureau: decryptCreditBureau(deps.ring, id, bureau) });
    }
    if (reveal !== 'identity' || !row.identity) return toCustomerView(row);
    await writeAudit(tx, { ...audit, action: 'customer.identity.read', entity: 'IdentityDocument' });
    return toCustomerView(row, decryptField(deps.ring, row.identity.numberCiphertext, aad.identityNumber(id)));
  });
}
