/**
 * Use case (§5.2): cut a shift in progress short, now (the executive fell ill, was called away); a
 * new shift can then start at once.
 *
 * - Who: ADMIN or SUPERVISOR (others 403).
 * - Input: `reason` (1–500 characters, kept in the audit record); 400 naming the field.
 * - Unknown shift → 404. Not started yet → 409 (delete it instead); ended already → 409.
 * - endsAt set to now (endedEarlyAt, endedEarlyBy recorded) and the audit record `rota.shift.end`
 *   in one transaction.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { ConflictError, parseInput } from '../shared/errors';
import { reasonSchema } from './repository';
import { lockShift, ROTA_ROLES, shiftInclude, toShiftView, type ShiftView } from './rota';

export const endShiftInput = z.strictObject({ reason: reasonSchema });

export async function endShift(deps: { db: Db; clock: Clock }, actor: Actor, id: string, body: unknown, ctx: { requestId?: string } = {}): Promise<ShiftView> {
  requireRole(actor, ...ROTA_ROLES);
  const { reason } = parseInput(endShiftInput, body);
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    const shift = await lockShift(tx, id);
    if (shift.startsAt >= now) {
      throw new ConflictError(`rota shift ${id} has not started (it starts at ${shift.startsAt.toISOString()}): delete it instead`, toShiftView(shift, now));
    }
    if (shift.endsAt <= now) throw new ConflictError(`rota shift ${id} ended at ${shift.endsAt.toISOString()} already`, toShiftView(shift, now));
    const ended = await tx.executiveOnDutyShift.update({
      where: { id },
      data: { endsAt: now, endedEarlyAt: now, endedEarlyBy: actor.staffId },
      include: shiftInclude,
    });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'rota.shift.end',
      entity: 'ExecutiveOnDutyShift',
      entityId: id,
      changes: { endsAt: { before: shift.endsAt.toISOString(), after: now.toISOString() }, reason: { before: null, after: reason } },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return toShiftView(ended, now);
  });
}
