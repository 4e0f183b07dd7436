/**
 * Use case (§7.2): GET /staff/:id/assessments[?period=] — a staff member's assessments, newest period
 * first, each with its inputs, every indicator, the group scores, score, grade, policy version and
 * guidance notes. Who: see ./access.ts (self, manager, SUPERVISOR, AUDITOR).
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import { bankTimeZone, type Policy } from '../policy/policy';
import type { Actor } from '../security/auth';
import { parseInput } from '../shared/errors';
import { periodField, requireMayRead } from './access';
import { toAssessmentView, type AssessmentView } from './assessments';

export const listAssessmentsQuery = z.strictObject({ period: z.string().optional() });

export async function listStaffAssessments(deps: { db: Db; policy: Policy }, actor: Actor, staffId: string, query: unknown): Promise<{ staffId: string; assessments: AssessmentView[] }> {
  await requireMayRead(deps.db, actor, staffId);
  const q = parseInput(listAssessmentsQuery, query ?? {});
  const period = q.period === undefined ? undefined : periodField(q.period, 'period', bankTimeZone(deps.policy)).id;
  const rows = await deps.db.staffAssessment.findMany({
    where: { staffId, ...(period ? { period } : {}) },
    orderBy: [{ periodStart: 'desc' }, { periodKind: 'desc' }],
  });
  return { staffId, assessments: rows.map(toAssessmentView) };
}
