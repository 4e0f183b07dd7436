/** Use case: register a staff member (who reminders and escalations go to). */
import { z } from 'zod';
import type { Db } from '../db/client';
import { isUniqueViolation } from '../db/client';
import type { StaffMember } from '../db/generated/client';
import { ConflictError, NotFoundError, parseInput } from '../shared/errors';

export const STAFF_ROLES = ['ADMIN', 'AUDITOR', 'RELATIONSHIP_MANAGER', 'CUSTOMER_SERVICE', 'RISK_OFFICER', 'SUPERVISOR'] as const;

export const createStaffInput = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits and . _ - (1–64)'),
  name: z.string().trim().min(1, 'must not be empty').max(200),
  email: z.email('an e-mail address').max(254),
  roles: z.array(z.enum(STAFF_ROLES)).min(1, 'at least one role').max(STAFF_ROLES.length),
});

export interface StaffView {
  id: string;
  name: string;
  email: string;
  roles: string[];
  active: boolean;
}

const view = (s: StaffMember): StaffView => ({ id: s.id, name: s.name, email: s.email, roles: s.roles, active: s.active });

export async function createStaff(db: Db, body: unknown): Promise<StaffView> {
  const input = parseInput(createStaffInput, body);
  try {
    // §3.1, §7.1 a new hire starts untrained: foundation course first (src/training/gate.ts; the column default marks direct inserts trained).
    return view(await db.staffMember.create({ data: { ...input, roles: [...new Set(input.roles)], foundationCompletedAt: null } }));
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const existing = await db.staffMember.findFirst({ where: { OR: [{ id: input.id }, { email: input.email }] } });
    throw new ConflictError(
      existing?.id === input.id ? `staff member ${input.id} already exists` : `e-mail ${input.email} is already registered`,
      existing ? view(existing) : undefined,
    );
  }
}

export async function getStaff(db: Db, id: string): Promise<StaffView> {
  const s = await db.staffMember.findUnique({ where: { id } });
  if (!s) throw new NotFoundError(`staff member ${id} does not exist`);
  return view(s);
}
