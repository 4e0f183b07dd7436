/**
 * One place that turns a stored customer into its §2.1/§2.2 classification and writes it, with its
 * §4 service tier and relationship coverage. Used at approval (activities/onboarding.ts) and whenever
 * an approved customer's inputs change (update-profile.ts), inside the caller's transaction.
 */
import { diffFields, type FieldChanges } from '../audit/audit-log';
import type { DbTx } from '../db/client';
import { FOUNDATION_TRAINED } from '../training/gate';
import { classifyEnterprise, classifyIndividual, segmentChange, type Classification, type SegmentChange } from '../domain/classification';
import { coverageFor } from '../domain/service-tiers';
import type { Policy, Segment } from '../policy/policy';
import { decryptField } from '../security/crypto';
import type { KeyRing } from '../security/keyring';
import { aad } from './encrypted-fields';
import type { CustomerRow } from './customer-view';

type ClassifiableRow = Pick<CustomerRow, 'id' | 'type' | 'individualProfile' | 'enterpriseProfile'>;

const amount = (v: { toString(): string } | null | undefined) => (v === null || v === undefined ? 0 : Number(v.toString()));

/** §2.1 / §2.2 from the stored profile (the date of birth is decrypted only for this). Missing amounts count as 0. */
export function classifyRow(row: ClassifiableRow, asOf: Date, policy: Policy, ring: KeyRing): Classification {
  if (row.type === 'INDIVIDUAL') {
    const p = row.individualProfile;
    if (!p) throw new Error(`customer ${row.id} has no individual profile`);
    return classifyIndividual(
      { dateOfBirth: decryptField(ring, p.dateOfBirthCiphertext, aad.dateOfBirth(row.id)), totalAssetsUsd: amount(p.totalAssetsUsd) },
      asOf,
      policy,
    );
  }
  const p = row.enterpriseProfile;
  if (!p) throw new Error(`customer ${row.id} has no enterprise profile`);
  return classifyEnterprise(
    { employees: p.employees ?? 0, annualRevenueUsd: amount(p.annualRevenueUsd), totalAssetsUsd: amount(p.totalAssetsUsd), naicsCode: p.naicsCode ?? '' },
    policy,
  );
}

export interface AppliedClassification {
  /** Set when the segment changed (also for a first classification). */
  change?: SegmentChange;
  /** Before/after of the stored classification fields that changed (empty: nothing changed). */
  changes: FieldChanges;
}

/** Stores `next` on the customer; a new segment gets a SegmentChange row with the rule that caused it. */
export async function applyClassification(
  tx: DbTx,
  args: { customerId: string; next: Classification; at: Date; actorStaffId: string | null; policy: Policy },
): Promise<AppliedClassification> {
  const { customerId, next, at, policy } = args;
  const c = await tx.customer.findUniqueOrThrow({ where: { id: customerId } });
  const before = { segment: c.segment, serviceTier: c.serviceTier, ageGroup: c.ageGroup, enterpriseSize: c.enterpriseSize, industrySector: c.industrySector };
  const after = {
    segment: next.segment,
    serviceTier: next.segment,
    ageGroup: next.customerType === 'INDIVIDUAL' ? next.ageGroup : null,
    enterpriseSize: next.customerType === 'ENTERPRISE' ? next.size : null,
    industrySector: next.customerType === 'ENTERPRISE' ? next.industry.code : null,
  };
  const changes = diffFields(before, after);
  if (Object.keys(changes).length === 0) return { changes };
  // The stored classification stands for the previous one (its segment and the policy it was made under).
  const previous: Classification | undefined = c.segment
    ? ({ ...next, segment: c.segment, policyVersion: c.classificationPolicyVersion ?? policy.version } as Classification)
    : undefined;
  const change = segmentChange(previous, next);
  await tx.customer.update({ where: { id: customerId }, data: { ...after, classificationPolicyVersion: policy.version, classifiedAt: at } });
  if (change) {
    await tx.segmentChange.create({
      data: { customerId, fromSegment: change.from, toSegment: change.to, reason: change.reason, policyVersion: policy.version, changedAt: at, actorStaffId: args.actorStaffId },
    });
  }
  return change ? { change, changes } : { changes };
}

export interface CoverageOutcome {
  relationshipManagerId: string | null;
  team: { staffId: string; expertise: string }[];
  unfilledTeamRoles: string[];
  /** Assignments made by this call (empty when the coverage was already in place). */
  assigned: { staffId: string; role: 'RELATIONSHIP_MANAGER' | 'TEAM_MEMBER'; expertise?: string }[];
  /** Assignments this call ended: the segment no longer calls for them (§3.2 dynamic update → §4). */
  ended: { staffId: string; role: 'RELATIONSHIP_MANAGER' | 'TEAM_MEMBER'; expertise?: string }[];
}

/**
 * Least-loaded active staff member with `role` and/or `expertise` (fewest active assignments, then id), never one of `exclude`.
 * §3.1, §7.1: only staff whose foundation course is complete are assigned customers (src/training/gate.ts); the others are skipped.
 */
async function leastLoaded(tx: DbTx, filter: { role?: 'RELATIONSHIP_MANAGER'; expertise?: string }, exclude: string[]) {
  const candidates = await tx.staffMember.findMany({
    where: {
      active: true,
      ...FOUNDATION_TRAINED,
      id: { notIn: exclude },
      ...(filter.role ? { roles: { has: filter.role } } : {}),
      ...(filter.expertise ? { expertise: { has: filter.expertise } } : {}),
    },
    include: { _count: { select: { assignments: { where: { endedAt: null } } } } },
  });
  candidates.sort((a, b) => a._count.assignments - b._count.assignments || a.id.localeCompare(b.id));
  return candidates[0];
}

/**
 * §4 coverage for `segment`: a dedicated relationship manager and team members by expertise, each the
 * least-loaded eligible staff member. Keeps assignments already in place (idempotent).
 *
 * A segment change (§3.2 dynamic update) changes the relationship assignment with the service tier:
 * - a segment with no dedicated manager (REGULAR, SMALL) ends the manager's assignment;
 * - where relationship managers carry the segment's code as expertise (e.g. HIGH_NET_WORTH private
 *   bankers), the segment is served by them: a manager without it hands over to the least-loaded one
 *   who has it (where nobody has it, any relationship manager serves, and the current one stays);
 * - team roles the new segment does not call for end; the ones it does are filled.
 */
export async function ensureCoverage(tx: DbTx, args: { customerId: string; segment: Segment; at: Date; policy: Policy }): Promise<CoverageOutcome> {
  const { customerId, at, segment } = args;
  const coverage = coverageFor(segment, args.policy);
  const current = await tx.customer.findUniqueOrThrow({ where: { id: customerId } });
  const active = await tx.relationshipAssignment.findMany({ where: { customerId, endedAt: null } });
  const assigned: CoverageOutcome['assigned'] = [];
  const ended: CoverageOutcome['ended'] = [];
  const end = async (ids: string[]) => {
    if (ids.length) await tx.relationshipAssignment.updateMany({ where: { id: { in: ids }, endedAt: null }, data: { endedAt: at } });
  };
  let managerId = current.relationshipManagerId;
  if (coverage.dedicatedManager) {
    const specialists = await tx.staffMember.count({ where: { active: true, ...FOUNDATION_TRAINED, roles: { has: 'RELATIONSHIP_MANAGER' }, expertise: { has: segment } } });
    const currentQualifies = managerId
      ? specialists === 0 || (await tx.staffMember.count({ where: { id: managerId, active: true, expertise: { has: segment } } })) > 0
      : false;
    if (!currentQualifies) {
      const rm = await leastLoaded(tx, { role: 'RELATIONSHIP_MANAGER', ...(specialists > 0 ? { expertise: segment } : {}) }, managerId ? [managerId] : []);
      if (rm) {
        const previous = active.filter((a) => a.role === 'RELATIONSHIP_MANAGER');
        await end(previous.map((a) => a.id));
        ended.push(...previous.map((a) => ({ staffId: a.staffId, role: 'RELATIONSHIP_MANAGER' as const })));
        managerId = rm.id;
        await tx.relationshipAssignment.create({ data: { customerId, staffId: rm.id, role: 'RELATIONSHIP_MANAGER', assignedAt: at } });
        await tx.customer.update({ where: { id: customerId }, data: { relationshipManagerId: rm.id } });
        assigned.push({ staffId: rm.id, role: 'RELATIONSHIP_MANAGER' });
      }
    }
  } else if (managerId || active.some((a) => a.role === 'RELATIONSHIP_MANAGER')) {
    const previous = active.filter((a) => a.role === 'RELATIONSHIP_MANAGER');
    await end(previous.map((a) => a.id));
    ended.push(...previous.map((a) => ({ staffId: a.staffId, role: 'RELATIONSHIP_MANAGER' as const })));
    managerId = null;
    await tx.customer.update({ where: { id: customerId }, data: { relationshipManagerId: null } });
  }
  const surplus = active.filter((a) => a.role === 'TEAM_MEMBER' && !coverage.team.includes(a.expertise ?? ''));
  await end(surplus.map((a) => a.id));
  ended.push(...surplus.map((a) => ({ staffId: a.staffId, role: 'TEAM_MEMBER' as const, ...(a.expertise ? { expertise: a.expertise } : {}) })));
  const team: CoverageOutcome['team'] = [];
  const unfilled: string[] = [];
  for (const expertise of coverage.team) {
    const already = active.find((a) => a.role === 'TEAM_MEMBER' && a.expertise === expertise);
    if (already) {
      team.push({ staffId: already.staffId, expertise });
      continue;
    }
    const member = await leastLoaded(tx, { expertise }, managerId ? [managerId] : []);
    if (!member) {
      unfilled.push(expertise);
      continue;
    }
    await tx.relationshipAssignment.create({ data: { customerId, staffId: member.id, role: 'TEAM_MEMBER', expertise, assignedAt: at } });
    team.push({ staffId: member.id, expertise });
    assigned.push({ staffId: member.id, role: 'TEAM_MEMBER', expertise });
  }
  return { relationshipManagerId: managerId, team, unfilledTeamRoles: unfilled, assigned, ended };
}
