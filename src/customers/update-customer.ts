/**
 * Use case (§3.2 dynamic update): the customer reports a change, or staff discover one while doing
 * business — email, phone, contact preferences — and the record is updated at once.
 * - Roles (§3.1): CUSTOMER_SERVICE, ADMIN; a RELATIONSHIP_MANAGER for their own customers only (others → 404).
 * - Optimistic concurrency: If-Match / body `version` (src/customers/concurrency.ts), 409 on mismatch.
 * - The audit record (`customer.update`, before/after of each changed field) commits with the change.
 * - After the commit, a real change of an APPROVED customer signals its lifecycle (`customerChanged`,
 *   field names only; best effort: src/lifecycle/notify-lifecycle.ts) when `deps.temporal` is given.
 */
import { z } from 'zod';
import { diffFields, writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import type { Prisma } from '../db/generated/client';
import { contactPreferencesSchema, emailSchema, phoneSchema } from '../domain/contact';
import { requireRole, type Actor } from '../security/auth';
import { parseInput, ValidationError } from '../shared/errors';
import { notifyCustomerChanged, type NotifyDeps } from '../lifecycle/notify-lifecycle';
import { findCustomerIn, ownCustomerScope } from './access';
import { claimVersion, expectedVersion } from './concurrency';
import { customerInclude, toCustomerView, type CustomerView } from './customer-view';
import type { AccessContext } from './get-customer';

/** Roles that update any customer; a RELATIONSHIP_MANAGER updates their own. */
export const UPDATE_ANY_ROLES = ['CUSTOMER_SERVICE', 'ADMIN'] as const;
export const UPDATE_ROLES = [...UPDATE_ANY_ROLES, 'RELATIONSHIP_MANAGER'] as const;

/** Only the preferences sent change; the rest keep their stored values (no defaults re-applied). */
const contactPreferencesPatch = z.strictObject({
  email: z.boolean().optional(),
  sms: z.boolean().optional(),
  phone: z.boolean().optional(),
  marketingOptOut: z.boolean().optional(),
});

export const updateCustomerInput = z.strictObject({
  /** null removes it (an email address or a phone number must remain). */
  email: emailSchema.nullable().optional(),
  phone: phoneSchema.nullable().optional(),
  contactPreferences: contactPreferencesPatch.optional(),
  /** The version read (alternative to If-Match). */
  version: z.number().int('a whole number').positive('a version number ≥ 1').optional(),
});

export interface UpdateContext extends AccessContext {
  /** The If-Match header, if sent. */
  ifMatch?: string | string[];
}

export async function updateCustomer(deps: { db: Db } & NotifyDeps, actor: Actor, id: string, body: unknown, ctx: UpdateContext = {}): Promise<CustomerView> {
  requireRole(actor, ...UPDATE_ROLES);
  const { version: bodyVersion, ...patch } = parseInput(updateCustomerInput, body);
  const version = expectedVersion(ctx.ifMatch, bodyVersion);
  if (Object.keys(patch).length === 0) {
    throw new ValidationError([{ field: '(body)', reason: 'nothing to update: send email, phone and/or contactPreferences' }]);
  }
  const scope = ownCustomerScope(actor, UPDATE_ANY_ROLES);
  let changed: string[] = [];

  const view = await deps.db.$transaction(async (tx) => {
    const row = await findCustomerIn(tx, id, scope);
    const before = { email: row.email, phone: row.phone, contactPreferences: contactPreferencesSchema.parse(row.contactPreferences ?? {}) };
    const after = {
      email: patch.email === undefined ? before.email : patch.email,
      phone: patch.phone === undefined ? before.phone : patch.phone,
      contactPreferences: contactPreferencesSchema.parse({ ...before.contactPreferences, ...patch.contactPreferences }),
    };
    if (!after.email && !after.phone) {
      throw new ValidationError([{ field: patch.email === null ? 'email' : 'phone', reason: 'an email address or a phone number must remain (§2.3 contact details)' }]);
    }
    const changes = diffFields(before, after);
    if (row.version !== version || Object.keys(changes).length > 0) {
      await claimVersion(tx, id, version, scope, {
        email: after.email,
        phone: after.phone,
        contactPreferences: after.contactPreferences as Prisma.InputJsonValue,
      });
    }
    if (Object.keys(changes).length === 0) return toCustomerView(row); // the same values: nothing changed, nothing to record
    changed = Object.keys(changes);
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'customer.update',
      entity: 'Customer',
      entityId: id,
      customerId: id,
      changes,
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return toCustomerView(await tx.customer.findUniqueOrThrow({ where: { id }, include: customerInclude }));
  });
  if (changed.length > 0 && view.status === 'APPROVED') await notifyCustomerChanged(deps, id, changed, actor.staffId);
  return view;
}
