/**
 * §5.2 the executive-on-duty rota: who is on duty when. A case still unresolved a policy-set period
 * after its SLA deadline is escalated to the executive on duty at that moment; `executiveOnDutyAt`
 * says who that is, for the feedback activities and for GET /rota/on-duty.
 *
 * Shifts are half-open [startsAt, endsAt) and never overlap (the use case refuses with 409; a trigger
 * in the migration holds every writer to it, concurrent ones too). An executive on duty holds the
 * SUPERVISOR role.
 *
 * Fallback, when the rota has nobody for the instant (a gap, or the executive on it has since become
 * inactive): the escalation goes to every active SUPERVISOR, so that a gap in the rota never swallows
 * an escalation and no single stand-in is picked arbitrarily; with no active SUPERVISOR, to every
 * active ADMIN; with neither, to nobody (`source: 'NOBODY'`: the caller records that the escalation
 * had no recipient). The answer always says which rule applied and why.
 */
import { z } from 'zod';
import type { Db, DbTx } from '../db/client';
import type { ExecutiveOnDutyShift } from '../db/generated/client';
import { NotFoundError } from '../shared/errors';
import type { StaffRef } from './repository';

/** Who puts shifts on the rota, deletes and ends them (§3.1). Reading the rota: anyone. */
export const ROTA_ROLES = ['ADMIN', 'SUPERVISOR'] as const;
/** The role an executive on duty holds. */
export const EXECUTIVE_ROLE = 'SUPERVISOR' as const;
/** Longest shift: longer is a typo more often than a plan. */
export const MAX_SHIFT_DAYS = 31;
/** How far back a new shift may start (clock skew, "from now" typed a moment ago). */
export const PAST_START_GRACE_MS = 5 * 60_000;

export const SHIFT_LOCK = 'ExecutiveOnDutyShift';

/** An ISO instant with a zone, parsed to a Date. */
export const instantSchema = z
  .iso.datetime({ offset: true, error: 'an ISO instant with a zone, e.g. 2026-12-07T08:00:00Z or 2026-12-07T08:00:00-05:00' })
  .transform((s) => new Date(s));

export type ShiftState = 'UPCOMING' | 'ON_DUTY' | 'ENDED';

export interface ShiftView {
  id: string;
  staffId: string;
  staffName: string;
  startsAt: string;
  endsAt: string;
  /** At the time of the answer. */
  state: ShiftState;
  createdByStaffId: string;
  createdAt: string;
  /** When a shift in progress was cut short, and by whom. */
  endedEarlyAt: string | null;
  endedEarlyBy: string | null;
}

type ShiftRow = ExecutiveOnDutyShift & { staff: { name: string } };
export const shiftInclude = { staff: { select: { name: true } } } as const;

export const shiftStateAt = (s: { startsAt: Date; endsAt: Date }, now: Date): ShiftState => (now < s.startsAt ? 'UPCOMING' : now < s.endsAt ? 'ON_DUTY' : 'ENDED');

export function toShiftView(s: ShiftRow, now: Date): ShiftView {
  return {
    id: s.id,
    staffId: s.staffId,
    staffName: s.staff.name,
    startsAt: s.startsAt.toISOString(),
    endsAt: s.endsAt.toISOString(),
    state: shiftStateAt(s, now),
    createdByStaffId: s.createdByStaffId,
    createdAt: s.createdAt.toISOString(),
    endedEarlyAt: s.endedEarlyAt?.toISOString() ?? null,
    endedEarlyBy: s.endedEarlyBy,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const shiftNotFound = (id: string) => new NotFoundError(`rota shift ${id} does not exist`);

/** Locks the shift's row for the rest of the transaction and returns it; NotFoundError when there is none. */
export async function lockShift(tx: DbTx, id: string): Promise<ShiftRow> {
  if (!UUID.test(id)) throw shiftNotFound(id);
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id"::text FROM "ExecutiveOnDutyShift" WHERE "id" = ${id}::uuid FOR UPDATE`;
  if (locked.length === 0) throw shiftNotFound(id);
  return tx.executiveOnDutyShift.findUniqueOrThrow({ where: { id }, include: shiftInclude });
}

/** Serializes rota writers for the rest of the transaction (the same lock the migration's trigger takes). */
export async function lockRota(tx: DbTx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${SHIFT_LOCK}))`;
}

/** The first shift overlapping [startsAt, endsAt), if any. */
export async function overlappingShift(db: Db | DbTx, startsAt: Date, endsAt: Date): Promise<ShiftRow | null> {
  return db.executiveOnDutyShift.findFirst({
    where: { startsAt: { lt: endsAt }, endsAt: { gt: startsAt } },
    include: shiftInclude,
    orderBy: { startsAt: 'asc' },
  });
}

/** The fallback rule in a sentence, for the API documentation and the CLI help. */
export const FALLBACK_NOTE =
  'source ROTA: the executive whose shift covers the instant. When nobody is on the rota (a gap, or that executive is inactive): ' +
  'FALLBACK_SUPERVISORS (every active SUPERVISOR), else FALLBACK_ADMINS (every active ADMIN), else NOBODY; `reason` says why.';

export type OnDutySource = 'ROTA' | 'FALLBACK_SUPERVISORS' | 'FALLBACK_ADMINS' | 'NOBODY';

export interface OnDuty {
  at: string;
  /** ROTA: the executive on the rota; otherwise the fallback that applied (see the module comment). */
  source: OnDutySource;
  /** The shift covering `at`, if any (also when its executive is inactive and the fallback applies). */
  shift: ShiftView | null;
  /** Who the §5.2 escalation after the deadline goes to at `at`: one executive, or the fallback's people. */
  escalateTo: StaffRef[];
  /** Why the fallback applies (null for ROTA). */
  reason: string | null;
}

const staffSelect = { id: true, name: true, email: true, active: true } as const;

/**
 * Who is on duty at the instant `at`: the executive of the shift covering it, or the fallback (see the
 * module comment). Reads only; `now` (default `at`) is used for the shift's state in the answer.
 */
export async function executiveOnDutyAt(db: Db | DbTx, at: Date, now: Date = at): Promise<OnDuty> {
  const shift = await db.executiveOnDutyShift.findFirst({
    where: { startsAt: { lte: at }, endsAt: { gt: at } },
    include: { staff: { select: staffSelect } },
  });
  const base = { at: at.toISOString(), shift: shift ? toShiftView(shift, now) : null };
  if (shift?.staff.active) return { ...base, source: 'ROTA', escalateTo: [shift.staff], reason: null };
  const gap = shift ? `the executive on the rota, ${shift.staffId}, is inactive` : 'nobody is on the rota at this time';
  const supervisors = await db.staffMember.findMany({ where: { active: true, roles: { has: 'SUPERVISOR' } }, select: staffSelect, orderBy: { id: 'asc' } });
  if (supervisors.length) return { ...base, source: 'FALLBACK_SUPERVISORS', escalateTo: supervisors, reason: `${gap}: escalations go to every active SUPERVISOR` };
  const admins = await db.staffMember.findMany({ where: { active: true, roles: { has: 'ADMIN' } }, select: staffSelect, orderBy: { id: 'asc' } });
  if (admins.length) return { ...base, source: 'FALLBACK_ADMINS', escalateTo: admins, reason: `${gap} and no SUPERVISOR is active: escalations go to every active ADMIN` };
  return { ...base, source: 'NOBODY', escalateTo: [], reason: `${gap} and no SUPERVISOR or ADMIN is active: an escalation has no recipient` };
}
