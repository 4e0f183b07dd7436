/**
 * Use case (§5.2): the rota — the shifts overlapping a window, earliest first.
 *
 * - Who: any authenticated staff member.
 * - Query: `from`, `to` (a date YYYY-MM-DD, the start of that day in the bank's time zone, or an ISO
 *   instant); default from now for MAX_WINDOW_DEFAULT_DAYS; the window at most MAX_WINDOW_DAYS.
 *   `staffId`: one executive's shifts. At most MAX_SHIFTS shifts (`truncated` says when there were more).
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import { bankTimeZone, type Policy } from '../policy/policy';
import type { Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { parseInput, ValidationError } from '../shared/errors';
import { dateOrInstantSchema } from '../shared/keyset';
import { staffIdSchema } from './repository';
import { shiftInclude, toShiftView, type ShiftView } from './rota';

export const MAX_WINDOW_DEFAULT_DAYS = 31;
export const MAX_WINDOW_DAYS = 366;
export const MAX_SHIFTS = 500;

export function listShiftsQuery(timeZone: string) {
  return z.strictObject({
    from: dateOrInstantSchema(timeZone).optional(),
    to: dateOrInstantSchema(timeZone).optional(),
    staffId: staffIdSchema.optional(),
  });
}

export interface ShiftPage {
  from: string;
  to: string;
  shifts: ShiftView[];
  truncated: boolean;
}

export async function listShifts(deps: { db: Db; policy: Policy; clock: Clock }, _actor: Actor, query: unknown): Promise<ShiftPage> {
  const q = parseInput(listShiftsQuery(bankTimeZone(deps.policy)), query ?? {});
  const now = deps.clock.now();
  const from = q.from ?? now;
  const to = q.to ?? new Date(from.getTime() + MAX_WINDOW_DEFAULT_DAYS * 86_400_000);
  if (to <= from) throw new ValidationError([{ field: 'to', value: (query as Record<string, unknown>).to, reason: `must be after from (${from.toISOString()})` }]);
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * 86_400_000) {
    throw new ValidationError([{ field: 'to', value: (query as Record<string, unknown>).to, reason: `the window is at most ${MAX_WINDOW_DAYS} days` }]);
  }
  const rows = await deps.db.executiveOnDutyShift.findMany({
    where: { startsAt: { lt: to }, endsAt: { gt: from }, ...(q.staffId ? { staffId: q.staffId } : {}) },
    include: shiftInclude,
    orderBy: { startsAt: 'asc' },
    take: MAX_SHIFTS + 1,
  });
  return { from: from.toISOString(), to: to.toISOString(), shifts: rows.slice(0, MAX_SHIFTS).map((s) => toShiftView(s, now)), truncated: rows.length > MAX_SHIFTS };
}
