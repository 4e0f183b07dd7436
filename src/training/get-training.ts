/**
 * Use case (§7.1, §3.1): a staff member's training — GET /staff/:id/training, `ccm training show`.
 *
 * - Who: the staff member themselves, a SUPERVISOR or an ADMIN (others 403).
 * - What: whether the foundation course is complete and so what the §3.1 gate allows (with the
 *   reason when it does not), every enrolment with its modules (status, due and overdue times,
 *   escalation, score) and certificate, and the §7.1 advanced courses of the current year (required,
 *   completed, behind the pace).
 */
import type { Db } from '../db/client';
import { advancedExpectedBy, advancedRequired, isBehind, trainingYearOf, yearBounds } from '../domain/training';
import { calendarDateIn } from '../domain/business-calendar';
import { bankTimeZone, type Policy } from '../policy/policy';
import { ForbiddenError, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { NotFoundError } from '../shared/errors';
import { untrainedSummary } from './gate';
import { certificateView, enrolmentView, type CertificateView, type EnrolmentView } from './views';

export const TRAINING_READ_ROLES = ['SUPERVISOR', 'ADMIN'] as const;

export interface StaffTrainingView {
  staffId: string;
  foundation: {
    complete: boolean;
    completedAt: string | null;
    /** COURSE: by a foundation certificate; RECORDED: marked trained without one (staff present at issue 11's migration). */
    how: 'COURSE' | 'RECORDED' | null;
  };
  /** §3.1 what the staff member may do with customer data; `reason` when not. */
  gate: { mayBeAssignedCustomers: boolean; mayActAsAuditor: boolean; mayRevealIdentityNumbers: boolean; reason: string | null };
  enrolments: EnrolmentView[];
  certificates: CertificateView[];
  advanced: { year: number; required: number; completed: number; expectedByNow: number; behind: boolean };
}

export async function getStaffTraining(deps: { db: Db; policy: Policy; clock: Clock }, actor: Actor, staffId: string): Promise<StaffTrainingView> {
  if (actor.staffId !== staffId && !actor.roles.some((r) => (TRAINING_READ_ROLES as readonly string[]).includes(r))) {
    throw new ForbiddenError(`only the staff member, a ${TRAINING_READ_ROLES.join(' or ')} may read the training of staff member ${staffId}`);
  }
  const { db, policy } = deps;
  const now = deps.clock.now();
  const staff = await db.staffMember.findUnique({ where: { id: staffId }, select: { id: true, foundationCompletedAt: true } });
  if (!staff) throw new NotFoundError(`staff member ${staffId} does not exist`);
  const [enrolments, certificates] = await Promise.all([
    db.trainingEnrolment.findMany({ where: { staffId }, include: { certificate: true }, orderBy: [{ enrolledAt: 'asc' }, { id: 'asc' }] }),
    db.trainingCertificate.findMany({ where: { staffId }, orderBy: [{ issuedAt: 'asc' }, { id: 'asc' }] }),
  ]);
  const trained = staff.foundationCompletedAt !== null;
  const year = trainingYearOf(now, policy);
  const { start, end } = yearBounds(year, policy);
  const required = advancedRequired(year, staff.foundationCompletedAt, policy);
  const completed = certificates.filter((c) => c.kind === 'ADVANCED' && c.issuedAt >= start && c.issuedAt < end).length;
  const month = Number(calendarDateIn(now, bankTimeZone(policy)).slice(5, 7));
  return {
    staffId,
    foundation: {
      complete: trained,
      completedAt: staff.foundationCompletedAt?.toISOString() ?? null,
      how: !trained ? null : certificates.some((c) => c.kind === 'FOUNDATION') ? 'COURSE' : 'RECORDED',
    },
    gate: {
      mayBeAssignedCustomers: trained,
      mayActAsAuditor: trained,
      mayRevealIdentityNumbers: trained,
      reason: trained ? null : untrainedSummary(staffId),
    },
    enrolments: await Promise.all(enrolments.map((e) => enrolmentView(db, e, now))),
    certificates: certificates.map(certificateView),
    advanced: { year, required, completed, expectedByNow: advancedExpectedBy(month, required), behind: isBehind(month, required, completed) },
  };
}
