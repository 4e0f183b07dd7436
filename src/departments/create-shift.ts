/**
 * Use case (§5.2): put an executive on the on-duty rota for [startsAt, endsAt).
 *
 * - Who: ADMIN or SUPERVISOR (others 403).
 * - Input: `staffId` (an active staff member holding the SUPERVISOR role), `startsAt` and `endsAt`
 *   (ISO instants with a zone). 400 naming the field: ends not after it starts; longer than
 *   MAX_SHIFT_DAYS; starts in the past (more than a few minutes back: the rota is the record of who
 *   was on duty when escalations went out, so the past is not rewritten).
 * - Overlapping an existing shift → 409 naming it (shifts may touch: one ends when the next begins).
 *   Checked under the rota's lock, and held by a trigger, so concurrent requests cannot both succeed.
 * - The shift and its audit record `rota.shift.create` in one transaction.
 */
import { z } from 'zod';
import { diffFields, writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { ConflictError, parseInput, ValidationError } from '../shared/errors';
import { requireActiveStaff, staffIdSchema } from './repository';
import {
  EXECUTIVE_ROLE,
  instantSchema,
  lockRota,
  MAX_SHIFT_DAYS,
  overlappingShift,
  PAST_START_GRACE_MS,
  ROTA_ROLES,
  shiftInclude,
  toShiftView,
  type ShiftView,
} from './rota';

export const createShiftInput = z
  .strictObject({
    staffId: staffIdSchema,
    startsAt: instantSchema,
    endsAt: instantSchema,
  })
  .superRefine((v, ctx) => {
    // Zod runs this even when a field failed (its value is then the raw input): judge valid instants only.
    if (!(v.startsAt instanceof Date) || !(v.endsAt instanceof Date)) return;
    if (v.endsAt <= v.startsAt) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
    else if (v.endsAt.getTime() - v.startsAt.getTime() > MAX_SHIFT_DAYS * 86_400_000) {
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: `a shift is at most ${MAX_SHIFT_DAYS} days` });
    }
  });

export async function createShift(deps: { db: Db; clock: Clock }, actor: Actor, body: unknown, ctx: { requestId?: string } = {}): Promise<ShiftView> {
  requireRole(actor, ...ROTA_ROLES);
  const input = parseInput(createShiftInput, body);
  const now = deps.clock.now();
  if (input.startsAt.getTime() < now.getTime() - PAST_START_GRACE_MS) {
    throw new ValidationError([
      { field: 'startsAt', value: (body as { startsAt?: unknown }).startsAt, reason: `is in the past (now ${now.toISOString()}): the rota records who is on duty; it is not changed after the fact` },
    ]);
  }
  const staff = await requireActiveStaff(deps.db, 'staffId', input.staffId);
  if (!staff.roles.includes(EXECUTIVE_ROLE)) {
    throw new ValidationError([{ field: 'staffId', value: input.staffId, reason: `an executive on duty holds the ${EXECUTIVE_ROLE} role; this staff member has ${staff.roles.join(', ') || 'none'}` }]);
  }
  return deps.db.$transaction(async (tx) => {
    await lockRota(tx);
    const other = await overlappingShift(tx, input.startsAt, input.endsAt);
    if (other) {
      throw new ConflictError(
        `overlaps shift ${other.id} of ${other.staffId} (${other.staff.name}) from ${other.startsAt.toISOString()} to ${other.endsAt.toISOString()}: ` +
          'only one executive is on duty at a time (a shift may start when another ends)',
        toShiftView(other, now),
      );
    }
    const shift = await tx.executiveOnDutyShift.create({
      data: { staffId: input.staffId, startsAt: input.startsAt, endsAt: input.endsAt, createdByStaffId: actor.staffId },
      include: shiftInclude,
    });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'rota.shift.create',
      entity: 'ExecutiveOnDutyShift',
      entityId: shift.id,
      changes: diffFields(null, { staffId: shift.staffId, startsAt: shift.startsAt.toISOString(), endsAt: shift.endsAt.toISOString() }),
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return toShiftView(shift, now);
  });
}
