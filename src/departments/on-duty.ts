/**
 * Use case (§5.2): who is on duty now, or at an instant — the executive on the rota, or the fallback
 * with its reason (src/departments/rota.ts `executiveOnDutyAt`).
 *
 * - Who: any authenticated staff member.
 * - Query: `at` (a date YYYY-MM-DD, the start of that day in the bank's time zone, or an ISO instant);
 *   default now.
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import { bankTimeZone, type Policy } from '../policy/policy';
import type { Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { parseInput } from '../shared/errors';
import { dateOrInstantSchema } from '../shared/keyset';
import { executiveOnDutyAt, type OnDuty } from './rota';

export function onDutyQuery(timeZone: string) {
  return z.strictObject({ at: dateOrInstantSchema(timeZone).optional() });
}

export async function onDuty(deps: { db: Db; policy: Policy; clock: Clock }, _actor: Actor, query: unknown): Promise<OnDuty> {
  const q = parseInput(onDutyQuery(bankTimeZone(deps.policy)), query ?? {});
  const now = deps.clock.now();
  return executiveOnDutyAt(deps.db, q.at ?? now, now);
}
