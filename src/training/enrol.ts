/**
 * Use case (§7.1): enrol a staff member in a programme — POST /staff/:id/training/enrolments,
 * `ccm training enrol`. Starts the training workflow `training-<staffId>-<programme>`.
 *
 * - Who: ADMIN or SUPERVISOR (others 403, before anything is read).
 * - Input: `programmeCode` (an active programme), `startsOn` (the course's first day, YYYY-MM-DD in
 *   the bank's time zone, not before today; default the next Monday), `managerStaffId` (reminded with
 *   the trainee, told of overdue modules; default src/training/manager.ts managerOf),
 *   `trainerStaffId` (records completions; default the programme's trainer). 400 naming the field.
 * - Refused (422 with the reason): an advanced course for someone whose foundation course is not
 *   complete (§7.1: advanced courses are for serving staff); the foundation course for someone who
 *   completed it. The trainee cannot be their own manager or trainer (400).
 * - Once per staff member and programme: a second enrolment → 409 with the first.
 * - One transaction: the enrolment (with the programme's modules as they are now), the outbox's
 *   WorkflowStart and `training.enrol`; the workflow starts after the commit (src/outbox/).
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import type { Prisma } from '../db/generated/client';
import { isUniqueViolation } from '../db/client';
import { addDays, FOUNDATION_CODE } from '../domain/training';
import { calendarDateIn, isIsoDate } from '../domain/business-calendar';
import type { Policy } from '../policy/policy';
import { bankTimeZone } from '../policy/policy';
import { requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { ConflictError, NotFoundError, parseInput, RuleRefusalError, ValidationError } from '../shared/errors';
import { SA } from '../temporal/search-attributes';
import { startRecord, starterFor, type StartRequest, type WorkflowStarter } from '../outbox/workflow-starts';
import { trainingWorkflowId, type TrainingInput } from '../../workflows/training/definitions';
import { managerOf } from './manager';
import { ensureFoundationProgramme } from './programmes';
import type { EnrolledModule } from './records';
import { enrolmentView, type EnrolmentView } from './views';

export const ENROL_ROLES = ['ADMIN', 'SUPERVISOR'] as const;

const staffIdSchema = z.string({ error: 'text: a staff id' }).trim().min(1, 'a staff id').max(64, 'at most 64 characters');

export const enrolInput = z.strictObject({
  programmeCode: z.string({ error: 'text: a programme code' }).trim().min(1, 'a programme code, e.g. FOUNDATION').max(64, 'at most 64 characters'),
  startsOn: z.string({ error: 'a date YYYY-MM-DD' }).refine(isIsoDate, 'a date YYYY-MM-DD').optional(),
  managerStaffId: staffIdSchema.optional(),
  trainerStaffId: staffIdSchema.optional(),
});

export interface EnrolDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  clock: Clock;
  starter?: WorkflowStarter;
}

/** The Monday after `today` (YYYY-MM-DD): courses begin on a Monday unless told otherwise. */
export function nextMonday(today: string): string {
  const weekday = new Date(`${today}T00:00:00Z`).getUTCDay(); // 0 Sunday … 6 Saturday
  return addDays(today, ((8 - weekday) % 7) || 7);
}

async function activeStaff(db: Db, field: string, staffId: string) {
  const s = await db.staffMember.findUnique({ where: { id: staffId }, select: { id: true, active: true, foundationCompletedAt: true } });
  if (!s) throw new ValidationError([{ field, value: staffId, reason: 'no such staff member' }]);
  if (!s.active) throw new ValidationError([{ field, value: staffId, reason: 'staff member is inactive' }]);
  return s;
}

export async function enrol(deps: EnrolDeps, actor: Actor, staffId: string, body: unknown, ctx: { requestId?: string } = {}): Promise<EnrolmentView & { start: string }> {
  requireRole(actor, ...ENROL_ROLES);
  const input = parseInput(enrolInput, body);
  const { db, policy } = deps;
  const now = deps.clock.now();
  const today = calendarDateIn(now, bankTimeZone(policy));
  const trainee = await db.staffMember.findUnique({ where: { id: staffId }, select: { id: true, active: true, foundationCompletedAt: true } });
  if (!trainee) throw new NotFoundError(`staff member ${staffId} does not exist`);
  if (!trainee.active) throw new ConflictError(`staff member ${staffId} is inactive`);
  await ensureFoundationProgramme(db, policy, actor.staffId);
  const programme = await db.trainingProgramme.findUnique({ where: { code: input.programmeCode }, include: { modules: { orderBy: { seq: 'asc' } } } });
  if (!programme) throw new ValidationError([{ field: 'programmeCode', value: input.programmeCode, reason: 'no such training programme (GET /training/programmes lists them)' }]);
  if (!programme.active) throw new ValidationError([{ field: 'programmeCode', value: input.programmeCode, reason: 'the programme is inactive' }]);
  if (input.startsOn && input.startsOn < today) throw new ValidationError([{ field: 'startsOn', value: input.startsOn, reason: `must not be before today (${today}, bank time zone)` }]);
  if (programme.kind === 'ADVANCED' && !trainee.foundationCompletedAt) {
    throw new RuleRefusalError(`staff member ${staffId} has not completed the foundation course: advanced courses are for serving staff (§7.1); enrol them in ${FOUNDATION_CODE} first`, [{ field: 'programmeCode', value: input.programmeCode, reason: 'the foundation course comes first (§7.1)' }]);
  }
  if (programme.kind === 'FOUNDATION' && trainee.foundationCompletedAt) {
    throw new RuleRefusalError(`staff member ${staffId} completed the foundation course on ${trainee.foundationCompletedAt.toISOString()} (§7.1)`, [{ field: 'programmeCode', value: input.programmeCode, reason: 'completed already' }]);
  }
  const managerStaffId = input.managerStaffId ?? (await managerOf(db, staffId));
  if (!managerStaffId) throw new ValidationError([{ field: 'managerStaffId', reason: 'nobody to remind: the staff member belongs to no department with a head and there is no other active SUPERVISOR; name their manager' }]);
  if (managerStaffId === staffId) throw new ValidationError([{ field: 'managerStaffId', value: managerStaffId, reason: 'the trainee cannot be their own manager' }]);
  await activeStaff(db, 'managerStaffId', managerStaffId);
  const trainerStaffId = input.trainerStaffId ?? programme.trainerStaffId;
  if (trainerStaffId === staffId) throw new ValidationError([{ field: 'trainerStaffId', value: trainerStaffId, reason: 'the trainee cannot be their own trainer' }]);
  if (input.trainerStaffId) await activeStaff(db, 'trainerStaffId', input.trainerStaffId);

  const startsOn = input.startsOn ?? nextMonday(today);
  const modules: EnrolledModule[] = programme.modules.map((m) => ({ code: m.code, title: m.title, topic: m.topic, delivery: m.delivery, week: m.week, weeks: m.weeks, assessed: m.assessed, passScore: m.passScore }));
  const workflowId = trainingWorkflowId(staffId, programme.code);
  const existing = async () => {
    const e = await db.trainingEnrolment.findUnique({ where: { staffId_programmeCode: { staffId, programmeCode: programme.code } }, include: { certificate: true } });
    return new ConflictError(`staff member ${staffId} is enrolled in ${programme.code} already (${workflowId})`, e ? await enrolmentView(db, e, now) : undefined);
  };
  if (await db.trainingEnrolment.findUnique({ where: { staffId_programmeCode: { staffId, programmeCode: programme.code } }, select: { id: true } })) throw await existing();

  let request: StartRequest | undefined;
  const enrolment = await db
    .$transaction(async (tx) => {
      const e = await tx.trainingEnrolment.create({
        data: {
          staffId,
          programmeCode: programme.code,
          workflowId,
          startsOn: new Date(`${startsOn}T00:00:00Z`),
          managerStaffId,
          trainerStaffId: trainerStaffId ?? null,
          modules: modules as unknown as Prisma.InputJsonValue,
          enrolledByStaffId: actor.staffId,
          enrolledAt: now,
          policyVersion: policy.version,
        },
      });
      const args: TrainingInput = { enrolmentId: e.id, staffId, programmeCode: programme.code };
      request = {
        workflowType: 'trainingEnrolment',
        workflowId,
        taskQueue: deps.taskQueue,
        args: [args],
        searchAttributes: [
          { key: SA.ProcessKind, value: 'TRAINING' },
          { key: SA.StaffId, value: staffId },
          { key: SA.BusinessStatus, value: 'ENROLLED' },
        ],
      };
      await tx.workflowStart.create({ data: startRecord(request, now) });
      await writeAudit(tx, {
        actorStaffId: actor.staffId,
        action: 'training.enrol',
        entity: 'TrainingEnrolment',
        entityId: e.id,
        changes: { staffId: { before: null, after: staffId }, programme: { before: null, after: programme.code }, startsOn: { before: null, after: startsOn }, manager: { before: null, after: managerStaffId }, trainer: { before: null, after: trainerStaffId ?? null } },
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      });
      return e;
    })
    .catch(async (err: unknown) => {
      if (isUniqueViolation(err)) throw await existing();
      throw err;
    });
  const start = await starterFor(deps).startWithin(request!);
  return { ...(await enrolmentView(db, { ...enrolment, certificate: null }, now)), start };
}
