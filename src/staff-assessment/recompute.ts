/**
 * Use case (§7.2): POST /reports/staff/recompute { period, staffId? } — a SUPERVISOR recomputes a
 * period's assessments now (every assessed staff member, or one), from the system's data as it
 * stands. Idempotent (src/staff-assessment/assessments.ts): same inputs → same result, the record
 * unchanged and nothing audited; changed inputs → the record updated (revision + 1), audited with
 * what changed. Emails and guidance tasks are the run's business, not a recompute's.
 *
 * 400 naming the field for a bad period, one that has not begun, an unknown field; 404 for an
 * unknown staff member; 422 when the staff member named is not assessed (inactive or no assessed role).
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import type { StaffRole } from '../db/generated/client';
import { bankTimeZone, type Policy } from '../policy/policy';
import type { Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { NotFoundError, parseInput, RuleRefusalError } from '../shared/errors';
import { periodField, requireSupervisor } from './access';
import { assessedStaffPage, computeAndRecord, type RecordOutcome } from './assessments';

export const recomputeInput = z.strictObject({
  period: z.string({ error: 'a quarter YYYY-Qn (e.g. 2026-Q4) or a year YYYY' }),
  staffId: z.string().min(1, 'a staff id').optional(),
});

export interface RecomputeResult {
  period: string;
  created: number;
  updated: number;
  unchanged: number;
  assessments: { staffId: string; outcome: RecordOutcome['outcome']; score: number | null; grade: string; revision: number }[];
}

export async function recomputePeriod(deps: { db: Db; policy: Policy; clock: Clock }, actor: Actor, body: unknown, ctx: { requestId?: string } = {}): Promise<RecomputeResult> {
  requireSupervisor(actor);
  const input = parseInput(recomputeInput, body ?? {});
  const now = deps.clock.now();
  const period = periodField(input.period, 'period', bankTimeZone(deps.policy), now);
  let staffIds: string[];
  if (input.staffId) {
    const s = await deps.db.staffMember.findUnique({ where: { id: input.staffId }, select: { id: true, active: true, roles: true } });
    if (!s) throw new NotFoundError(`staff member ${input.staffId} does not exist`);
    const assessed = deps.policy.staffAssessment.assessedRoles as StaffRole[];
    if (!s.active || !s.roles.some((r) => assessed.includes(r))) {
      throw new RuleRefusalError(`staff member ${s.id} is not assessed (§7.2): only active staff with one of the roles ${assessed.join(', ')} are`, [{ field: 'staffId', value: s.id, reason: 'not an assessed staff member' }]);
    }
    staffIds = [s.id];
  } else {
    staffIds = [];
    for (let after: string | null = null; ; ) {
      const page = await assessedStaffPage(deps.db, deps.policy, after, deps.policy.staffAssessment.pageSize);
      staffIds.push(...page.map((s) => s.id));
      if (page.length < deps.policy.staffAssessment.pageSize) break;
      after = page.at(-1)!.id;
    }
  }
  const result: RecomputeResult = { period: period.id, created: 0, updated: 0, unchanged: 0, assessments: [] };
  for (const staffId of staffIds) {
    const out = await computeAndRecord(deps, { staffId, period, at: now, actorStaffId: actor.staffId, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) });
    result[out.outcome === 'CREATED' ? 'created' : out.outcome === 'UPDATED' ? 'updated' : 'unchanged'] += 1;
    result.assessments.push({ staffId, outcome: out.outcome, score: out.record.score, grade: out.record.grade, revision: out.record.revision });
  }
  return result;
}
