/**
 * Use case (§5.2): take a shift that has not started off the rota.
 *
 * - Who: ADMIN or SUPERVISOR (others 403).
 * - Unknown shift → 404. A shift that has started (or ended) → 409: it is the record of who was on
 *   duty when escalations went out; a shift in progress is cut short with end-shift.ts instead.
 * - The deletion and its audit record `rota.shift.delete` (what the shift was) in one transaction.
 */
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { ConflictError } from '../shared/errors';
import { lockShift, ROTA_ROLES, toShiftView, type ShiftView } from './rota';

export async function deleteShift(deps: { db: Db; clock: Clock }, actor: Actor, id: string, ctx: { requestId?: string } = {}): Promise<{ deleted: ShiftView }> {
  requireRole(actor, ...ROTA_ROLES);
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    const shift = await lockShift(tx, id);
    if (shift.startsAt < now) {
      const ended = shift.endsAt <= now;
      throw new ConflictError(
        `rota shift ${id} ${ended ? 'ended' : 'started'} at ${(ended ? shift.endsAt : shift.startsAt).toISOString()}: a shift that has started is the record of who was on duty` +
          (ended ? '' : `; cut it short with POST /rota/shifts/${id}/end (ccm rota end ${id})`),
        toShiftView(shift, now),
      );
    }
    await tx.executiveOnDutyShift.delete({ where: { id } });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'rota.shift.delete',
      entity: 'ExecutiveOnDutyShift',
      entityId: id,
      changes: { shift: { before: { staffId: shift.staffId, startsAt: shift.startsAt.toISOString(), endsAt: shift.endsAt.toISOString() }, after: null } },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return { deleted: toShiftView(shift, now) };
  });
}
