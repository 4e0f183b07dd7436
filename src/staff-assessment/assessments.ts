/**
 * §7.2 computing and recording assessments: who is assessed, who their manager is, and one record
 * per (staff member, period) — computed from the facts (./facts.ts) by the rules (./indicators.ts)
 * under the policy in force, and written with its audit record in one transaction.
 *
 * Idempotent: the record keeps the sha256 of its inputs (the facts and the policy version). The same
 * inputs again change nothing (no write, no audit: "same inputs, same result, one record"); changed
 * inputs (a late survey answer, a review done after all) update the record — revision + 1 — with a
 * `staff.assessment.update` audit naming what changed. The guidance notes and the emailed result
 * are kept across recomputes.
 */
import { createHash } from 'node:crypto';
import { writeAudit, type FieldChanges } from '../audit/audit-log';
import type { Db, DbTx } from '../db/client';
import { isUniqueViolation } from '../db/client';
import type { Prisma, StaffAssessment } from '../db/generated/client';
import type { Policy } from '../policy/policy';
import { supervisorOtherThan } from '../tasks/tasks';
import { loadFacts } from './facts';
import { assess, type AssessmentFacts, type AssessmentResult } from './indicators';
import type { AssessmentPeriod } from './period';

export type { StaffAssessment };

/** Active staff holding an assessed role, by id after `after` (keyset pages). */
export async function assessedStaffPage(db: Db | DbTx, policy: Policy, after: string | null, limit: number): Promise<{ id: string }[]> {
  return db.staffMember.findMany({
    where: { active: true, roles: { hasSome: policy.staffAssessment.assessedRoles }, ...(after ? { id: { gt: after } } : {}) },
    select: { id: true },
    orderBy: { id: 'asc' },
    take: limit,
  });
}

/**
 * Who writes a staff member's guidance notes (§7.2 "with guidance"): the head of the first active
 * department (by code) they are a member of, when that is someone else; otherwise the first active
 * SUPERVISOR other than them; null when there is nobody.
 */
export async function managerOf(db: Db | DbTx, staffId: string): Promise<string | null> {
  const membership = await db.departmentMember.findFirst({
    where: { staffId, department: { active: true, headStaffId: { not: staffId }, head: { active: true } } },
    select: { department: { select: { headStaffId: true } } },
    orderBy: { departmentCode: 'asc' },
  });
  return membership?.department.headStaffId ?? supervisorOtherThan(db, staffId);
}

export const inputsHashOf = (period: string, policyVersion: string, facts: AssessmentFacts) =>
  createHash('sha256').update(JSON.stringify({ period, policyVersion, facts })).digest('hex');

export interface RecordOutcome {
  staffId: string;
  outcome: 'CREATED' | 'UPDATED' | 'UNCHANGED';
  record: StaffAssessment;
}

export interface RecordDeps {
  db: Db;
  policy: Policy;
}

interface Computed {
  facts: AssessmentFacts;
  result: AssessmentResult;
  hash: string;
}

/** What a record shows of a computation (the fields a recompute may change). */
function fieldsOf(c: Computed, policy: Policy) {
  return {
    inputs: c.facts as unknown as Prisma.InputJsonValue,
    inputsHash: c.hash,
    indicators: c.result.indicators as unknown as Prisma.InputJsonValue,
    groups: c.result.groups as unknown as Prisma.InputJsonValue,
    score: c.result.score,
    coverage: c.result.coverage,
    grade: c.result.grade,
    policyVersion: policy.version,
  };
}

/**
 * Computes the staff member's assessment of `period` as of `at` and records it (see the module
 * header). `actorStaffId` null: the period's run; otherwise the supervisor who recomputed it.
 */
export async function computeAndRecord(
  deps: RecordDeps,
  o: { staffId: string; period: AssessmentPeriod; at: Date; actorStaffId: string | null; requestId?: string },
): Promise<RecordOutcome> {
  const { db, policy } = deps;
  const asOf = new Date(Math.min(o.at.getTime(), o.period.end.getTime()));
  const facts = await loadFacts(db, o.staffId, { start: o.period.start, end: o.period.end, asOf });
  const result = assess(facts, policy.staffAssessment, o.period.quarters);
  const computed: Computed = { facts, result, hash: inputsHashOf(o.period.id, policy.version, facts) };
  const fields = fieldsOf(computed, policy);
  const audit = (tx: DbTx, action: 'staff.assessment.create' | 'staff.assessment.update', id: string, changes: FieldChanges) =>
    writeAudit(tx, { actorStaffId: o.actorStaffId, action, entity: 'StaffAssessment', entityId: id, changes, ...(o.requestId ? { requestId: o.requestId } : {}) });

  const attempt = () =>
    db.$transaction(async (tx): Promise<RecordOutcome> => {
      const existing = await tx.staffAssessment.findUnique({ where: { staffId_period: { staffId: o.staffId, period: o.period.id } } });
      if (!existing) {
        const manager = await managerOf(tx, o.staffId);
        const record = await tx.staffAssessment.create({
          data: {
            staffId: o.staffId,
            period: o.period.id,
            periodKind: o.period.kind,
            periodStart: o.period.start,
            periodEnd: o.period.end,
            ...fields,
            managerStaffId: manager,
            computedAt: o.at,
            computedByStaffId: o.actorStaffId,
          },
        });
        await audit(tx, 'staff.assessment.create', record.id, {
          staffId: { before: null, after: o.staffId },
          period: { before: null, after: o.period.id },
          score: { before: null, after: result.score },
          grade: { before: null, after: result.grade },
          policyVersion: { before: null, after: policy.version },
        });
        return { staffId: o.staffId, outcome: 'CREATED', record };
      }
      if (existing.inputsHash === computed.hash) return { staffId: o.staffId, outcome: 'UNCHANGED', record: existing };
      const record = await tx.staffAssessment.update({
        where: { id: existing.id, revision: existing.revision },
        data: { ...fields, computedAt: o.at, computedByStaffId: o.actorStaffId, revision: existing.revision + 1 },
      });
      const changes: FieldChanges = { revision: { before: existing.revision, after: record.revision } };
      for (const key of ['score', 'grade', 'coverage', 'policyVersion'] as const) {
        if (existing[key] !== record[key]) changes[key] = { before: existing[key], after: record[key] };
      }
      const before = existing.inputs as Record<string, unknown>;
      for (const [key, value] of Object.entries(facts)) {
        if (JSON.stringify(before[key]) !== JSON.stringify(value)) changes[`inputs.${key}`] = { before: before[key] ?? null, after: value };
      }
      await audit(tx, 'staff.assessment.update', record.id, changes);
      return { staffId: o.staffId, outcome: 'UPDATED', record };
    });
  try {
    return await attempt();
  } catch (err) {
    // Two computations of a new record at once: the second finds the first's and compares with it.
    if (isUniqueViolation(err)) return attempt();
    throw err;
  }
}

/** An assessment as the API, the CLI and the report show it. */
export interface AssessmentView {
  id: string;
  staffId: string;
  period: string;
  periodKind: string;
  periodStart: string;
  periodEnd: string;
  score: number | null;
  grade: string;
  coverage: number;
  policyVersion: string;
  groups: unknown;
  indicators: unknown;
  inputs: unknown;
  managerStaffId: string | null;
  guidanceNotes: string | null;
  guidanceByStaffId: string | null;
  guidanceAt: string | null;
  resultEmailedAt: string | null;
  computedAt: string;
  computedByStaffId: string | null;
  revision: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toAssessmentView(r: StaffAssessment): AssessmentView {
  return {
    id: r.id,
    staffId: r.staffId,
    period: r.period,
    periodKind: r.periodKind,
    periodStart: r.periodStart.toISOString(),
    periodEnd: r.periodEnd.toISOString(),
    score: r.score,
    grade: r.grade,
    coverage: r.coverage,
    policyVersion: r.policyVersion,
    groups: r.groups,
    indicators: r.indicators,
    inputs: r.inputs,
    managerStaffId: r.managerStaffId,
    guidanceNotes: r.guidanceNotes,
    guidanceByStaffId: r.guidanceByStaffId,
    guidanceAt: iso(r.guidanceAt),
    resultEmailedAt: iso(r.resultEmailedAt),
    computedAt: r.computedAt.toISOString(),
    computedByStaffId: r.computedByStaffId,
    revision: r.revision,
  };
}
