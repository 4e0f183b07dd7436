/**
 * Use cases (§7.1): training programmes and their modules, managed by ADMIN through the API
 * (POST/GET/PATCH/DELETE /training/programmes…) and the CLI (`ccm training programmes …`).
 *
 * - The new-staff foundation course is one programme, `FOUNDATION`, of the policy's number of weeks
 *   (training.foundation.weeks) with the three §7.1 subjects (src/domain/training.ts
 *   foundationModules). It is seeded on first use — the first read of the programmes, the first
 *   enrolment, `ccm training seed` — idempotently (one row, one `training.programme.seed` record,
 *   whatever the concurrency), so an operator has nothing to do; an ADMIN may change its modules
 *   (PATCH) but not its length (the policy's) nor deactivate it (the §3.1 gate could never lift).
 * - Advanced courses (kind ADVANCED): a topic (NEW_PRODUCTS, SERVICE_SKILLS, RISK_STRATEGY), INTERNAL
 *   or EXTERNAL, any number of weeks; modules each with a delivery (LECTURE, CASE_STUDY, SIMULATION),
 *   the weeks they run, and whether the trainer records a score (and the pass score).
 * - Bad input: 400 naming the field, nothing written. A module that runs past the course's last week
 *   is 400 on `modules.<i>.week`. Every change and its audit record commit together. Deactivated,
 *   never deleted: enrolments and certificates keep naming it. A change of modules applies to later
 *   enrolments (a running course keeps the modules it was planned with).
 */
import { z } from 'zod';
import { diffFields, writeAudit } from '../audit/audit-log';
import type { Db, DbTx } from '../db/client';
import { isUniqueViolation } from '../db/client';
import type { TrainingModule, TrainingProgramme } from '../db/generated/client';
import { ADVANCED_TOPICS, FOUNDATION_CODE, foundationModules, moduleLayoutIssues, TRAINING_DELIVERIES, TRAINING_PROVIDERS } from '../domain/training';
import type { Policy } from '../policy/policy';
import { requireRole, type Actor } from '../security/auth';
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../shared/errors';

/** Who manages programmes (§3.1). */
export const TRAINING_ADMIN_ROLES = ['ADMIN'] as const;

const codeSchema = z.string({ error: 'text: a code' }).trim().regex(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/, 'an UPPER_SNAKE_CASE code, e.g. ADV_RISK_STRATEGY_2027').max(64, 'at most 64 characters');
const titleSchema = z.string({ error: 'text' }).trim().min(1, 'must not be empty').max(200, 'at most 200 characters');
const staffIdSchema = z.string({ error: 'text: a staff id' }).trim().min(1, 'a staff id').max(64, 'at most 64 characters');

export const moduleInput = z.strictObject({
  code: codeSchema,
  title: titleSchema,
  /** The subject (a code); defaults to the programme's topic. */
  topic: codeSchema.optional(),
  delivery: z.enum(TRAINING_DELIVERIES, { error: `one of ${TRAINING_DELIVERIES.join(', ')}` }),
  week: z.number({ error: 'a whole number of the course week it starts in' }).int('a whole number').min(1, 'at least 1'),
  weeks: z.number({ error: 'a whole number of weeks' }).int('a whole number').min(1, 'at least 1').max(52, 'at most 52').default(1),
  assessed: z.boolean({ error: 'true or false' }).default(false),
  passScore: z.number({ error: 'a score 0–100' }).int('a whole number').min(0, '0–100').max(100, '0–100').optional(),
});
export type ModuleInput = z.infer<typeof moduleInput>;

const modulesSchema = z.array(moduleInput).min(1, 'at least one module').max(50, 'at most 50 modules');

export const createProgrammeInput = z.strictObject({
  code: codeSchema,
  name: titleSchema,
  /** Only advanced courses are created: the foundation course exists once (seeded), changed with PATCH. */
  kind: z.literal('ADVANCED', { error: 'ADVANCED (the one FOUNDATION course is seeded from the policy: change it with PATCH /training/programmes/FOUNDATION)' }),
  topic: z.enum(ADVANCED_TOPICS, { error: `one of ${ADVANCED_TOPICS.join(', ')} (§7.1)` }),
  provider: z.enum(TRAINING_PROVIDERS, { error: `one of ${TRAINING_PROVIDERS.join(', ')}` }),
  weeks: z.number({ error: 'a whole number of weeks' }).int('a whole number').min(1, 'at least 1').max(52, 'at most 52'),
  trainerStaffId: staffIdSchema.optional(),
  modules: modulesSchema,
});

export const updateProgrammeInput = z
  .strictObject({
    name: titleSchema.optional(),
    provider: z.enum(TRAINING_PROVIDERS, { error: `one of ${TRAINING_PROVIDERS.join(', ')}` }).optional(),
    weeks: z.number({ error: 'a whole number of weeks' }).int('a whole number').min(1, 'at least 1').max(52, 'at most 52').optional(),
    /** null: no default trainer. */
    trainerStaffId: staffIdSchema.nullable().optional(),
    /** Replaces every module (for later enrolments). */
    modules: modulesSchema.optional(),
    /** true: reactivate. (Deactivate with DELETE.) */
    active: z.literal(true, { error: 'true (deactivate with DELETE /training/programmes/:code)' }).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change: give at least one field' });

export interface ModuleView {
  code: string;
  seq: number;
  title: string;
  topic: string;
  delivery: string;
  week: number;
  weeks: number;
  assessed: boolean;
  passScore: number | null;
}

export interface ProgrammeView {
  code: string;
  name: string;
  kind: 'FOUNDATION' | 'ADVANCED';
  topic: string | null;
  provider: 'INTERNAL' | 'EXTERNAL';
  weeks: number;
  trainerStaffId: string | null;
  active: boolean;
  modules: ModuleView[];
  createdAt: string;
  updatedAt: string;
}

export const moduleView = (m: TrainingModule): ModuleView => ({
  code: m.code,
  seq: m.seq,
  title: m.title,
  topic: m.topic,
  delivery: m.delivery,
  week: m.week,
  weeks: m.weeks,
  assessed: m.assessed,
  passScore: m.passScore,
});

export const programmeView = (p: TrainingProgramme & { modules: TrainingModule[] }): ProgrammeView => ({
  code: p.code,
  name: p.name,
  kind: p.kind,
  topic: p.topic,
  provider: p.provider,
  weeks: p.weeks,
  trainerStaffId: p.trainerStaffId,
  active: p.active,
  modules: [...p.modules].sort((a, b) => a.seq - b.seq).map(moduleView),
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
});

const withModules = { modules: { orderBy: { seq: 'asc' as const } } };

async function loadView(db: Db | DbTx, code: string): Promise<ProgrammeView> {
  const p = await db.trainingProgramme.findUnique({ where: { code }, include: withModules });
  if (!p) throw new NotFoundError(`training programme ${code} does not exist`);
  return programmeView(p);
}

const moduleRows = (programmeCode: string, topic: string | null, modules: ModuleInput[]) =>
  modules.map((m, i) => ({
    programmeCode,
    code: m.code,
    seq: i + 1,
    title: m.title,
    topic: m.topic ?? topic ?? m.code,
    delivery: m.delivery,
    week: m.week,
    weeks: m.weeks,
    assessed: m.assessed,
    passScore: m.assessed ? (m.passScore ?? null) : null,
  }));

function checkModules(weeks: number, modules: ModuleInput[]): void {
  const issues = moduleLayoutIssues(weeks, modules);
  modules.forEach((m, i) => {
    if (!m.assessed && m.passScore !== undefined) issues.push({ field: `modules.${i}.passScore`, value: m.passScore, reason: 'only an assessed module has a pass score' });
  });
  if (issues.length) throw new ValidationError(issues);
}

async function requireTrainer(db: Db | DbTx, staffId: string): Promise<void> {
  const s = await db.staffMember.findUnique({ where: { id: staffId }, select: { active: true } });
  if (!s) throw new ValidationError([{ field: 'trainerStaffId', value: staffId, reason: 'no such staff member' }]);
  if (!s.active) throw new ValidationError([{ field: 'trainerStaffId', value: staffId, reason: 'staff member is inactive' }]);
}

/**
 * §7.1 the foundation course, seeded from the policy when it does not exist yet (idempotent: one row
 * and one audit record whatever the concurrency). Returns whether this call created it.
 */
export async function ensureFoundationProgramme(db: Db, policy: Policy, actorStaffId: string | null = null): Promise<boolean> {
  if (await db.trainingProgramme.findUnique({ where: { code: FOUNDATION_CODE }, select: { code: true } })) return false;
  const modules = foundationModules(policy);
  return db.$transaction(async (tx) => {
    const { count } = await tx.trainingProgramme.createMany({
      data: [{ code: FOUNDATION_CODE, name: 'Customer-management foundation course (§7.1)', kind: 'FOUNDATION', topic: null, provider: 'INTERNAL', weeks: policy.training.foundation.weeks, createdByStaffId: actorStaffId }],
      skipDuplicates: true,
    });
    if (count === 0) return false;
    await tx.trainingModule.createMany({ data: modules.map((m, i) => ({ programmeCode: FOUNDATION_CODE, seq: i + 1, ...m, passScore: null })) });
    await writeAudit(tx, {
      actorStaffId,
      action: 'training.programme.seed',
      entity: 'TrainingProgramme',
      entityId: FOUNDATION_CODE,
      changes: { weeks: { before: null, after: policy.training.foundation.weeks }, modules: { before: null, after: modules.map((m) => `${m.code}:${m.delivery}:week ${m.week}`) } },
      idempotencyKey: `training.programme.seed:${FOUNDATION_CODE}`,
    });
    return true;
  });
}

export async function createProgramme(deps: { db: Db; policy: Policy }, actor: Actor, body: unknown, ctx: { requestId?: string } = {}): Promise<ProgrammeView> {
  requireRole(actor, ...TRAINING_ADMIN_ROLES);
  const input = parseInput(createProgrammeInput, body);
  const { db } = deps;
  checkModules(input.weeks, input.modules);
  if (input.trainerStaffId) await requireTrainer(db, input.trainerStaffId);
  const exists = async () => new ConflictError(`training programme ${input.code} already exists`, await loadView(db, input.code));
  if (input.code === FOUNDATION_CODE || (await db.trainingProgramme.findUnique({ where: { code: input.code }, select: { code: true } }))) {
    await ensureFoundationProgramme(db, deps.policy);
    throw await exists();
  }
  try {
    return await db.$transaction(async (tx) => {
      await tx.trainingProgramme.create({
        data: { code: input.code, name: input.name, kind: 'ADVANCED', topic: input.topic, provider: input.provider, weeks: input.weeks, trainerStaffId: input.trainerStaffId ?? null, createdByStaffId: actor.staffId },
      });
      await tx.trainingModule.createMany({ data: moduleRows(input.code, input.topic, input.modules) });
      await writeAudit(tx, {
        actorStaffId: actor.staffId,
        action: 'training.programme.create',
        entity: 'TrainingProgramme',
        entityId: input.code,
        changes: diffFields(null, { name: input.name, kind: 'ADVANCED', topic: input.topic, provider: input.provider, weeks: input.weeks, trainerStaffId: input.trainerStaffId ?? null, modules: input.modules.map((m) => m.code) }),
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      });
      return loadView(tx, input.code);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw await exists();
    throw err;
  }
}

export async function updateProgramme(deps: { db: Db; policy: Policy }, actor: Actor, code: string, body: unknown, ctx: { requestId?: string } = {}): Promise<ProgrammeView> {
  requireRole(actor, ...TRAINING_ADMIN_ROLES);
  const input = parseInput(updateProgrammeInput, body);
  const { db } = deps;
  await ensureFoundationProgramme(db, deps.policy);
  const before = await db.trainingProgramme.findUnique({ where: { code }, include: withModules });
  if (!before) throw new NotFoundError(`training programme ${code} does not exist`);
  if (before.kind === 'FOUNDATION' && input.weeks !== undefined && input.weeks !== deps.policy.training.foundation.weeks) {
    throw new ValidationError([{ field: 'weeks', value: input.weeks, reason: `the foundation course lasts the policy's training.foundation.weeks (${deps.policy.training.foundation.weeks}) (§7.1)` }]);
  }
  const weeks = input.weeks ?? before.weeks;
  const modules: ModuleInput[] = input.modules ?? before.modules.map((m) => ({ code: m.code, title: m.title, topic: m.topic, delivery: m.delivery, week: m.week, weeks: m.weeks, assessed: m.assessed, ...(m.passScore !== null ? { passScore: m.passScore } : {}) }));
  checkModules(weeks, modules);
  if (input.trainerStaffId) await requireTrainer(db, input.trainerStaffId);
  return db.$transaction(async (tx) => {
    const data = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.provider !== undefined ? { provider: input.provider } : {}),
      ...(input.weeks !== undefined ? { weeks: input.weeks } : {}),
      ...(input.trainerStaffId !== undefined ? { trainerStaffId: input.trainerStaffId } : {}),
      ...(input.active ? { active: true } : {}),
    };
    const changes = diffFields(
      { name: before.name, provider: before.provider, weeks: before.weeks, trainerStaffId: before.trainerStaffId, active: before.active, modules: before.modules.map((m) => moduleView(m)) },
      { name: data.name ?? before.name, provider: data.provider ?? before.provider, weeks, trainerStaffId: data.trainerStaffId === undefined ? before.trainerStaffId : data.trainerStaffId, active: data.active ?? before.active, modules: input.modules ? moduleRows(code, before.topic, input.modules).map((m) => moduleView(m)) : before.modules.map((m) => moduleView(m)) },
    );
    if (Object.keys(changes).length === 0) return programmeView(before);
    await tx.trainingProgramme.update({ where: { code }, data });
    if (input.modules) {
      await tx.trainingModule.deleteMany({ where: { programmeCode: code } });
      await tx.trainingModule.createMany({ data: moduleRows(code, before.topic, input.modules) });
    }
    await writeAudit(tx, { actorStaffId: actor.staffId, action: 'training.programme.update', entity: 'TrainingProgramme', entityId: code, changes, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) });
    return loadView(tx, code);
  });
}

export async function deactivateProgramme(deps: { db: Db; policy: Policy }, actor: Actor, code: string, ctx: { requestId?: string } = {}): Promise<ProgrammeView> {
  requireRole(actor, ...TRAINING_ADMIN_ROLES);
  const { db } = deps;
  await ensureFoundationProgramme(db, deps.policy);
  const p = await db.trainingProgramme.findUnique({ where: { code }, include: withModules });
  if (!p) throw new NotFoundError(`training programme ${code} does not exist`);
  if (p.kind === 'FOUNDATION') throw new ConflictError(`the foundation course cannot be deactivated: new staff could never complete it and the §3.1 gate would never lift (§7.1)`, programmeView(p));
  if (!p.active) throw new ConflictError(`training programme ${code} is inactive already`, programmeView(p));
  return db.$transaction(async (tx) => {
    await tx.trainingProgramme.update({ where: { code }, data: { active: false } });
    await writeAudit(tx, { actorStaffId: actor.staffId, action: 'training.programme.deactivate', entity: 'TrainingProgramme', entityId: code, changes: { active: { before: true, after: false } }, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) });
    return loadView(tx, code);
  });
}

export const listProgrammesQuery = z.strictObject({
  kind: z.enum(['FOUNDATION', 'ADVANCED'], { error: 'FOUNDATION or ADVANCED' }).optional(),
  active: z.enum(['true', 'false'], { error: 'true or false' }).optional(),
});

/** Any staff member may read the programmes (the foundation course seeded first if need be). */
export async function listProgrammes(deps: { db: Db; policy: Policy }, _actor: Actor, query: unknown): Promise<{ items: ProgrammeView[] }> {
  const q = parseInput(listProgrammesQuery, query ?? {});
  await ensureFoundationProgramme(deps.db, deps.policy);
  const rows = await deps.db.trainingProgramme.findMany({
    where: { ...(q.kind ? { kind: q.kind } : {}), ...(q.active ? { active: q.active === 'true' } : {}) },
    include: withModules,
    orderBy: [{ kind: 'asc' }, { code: 'asc' }],
  });
  return { items: rows.map(programmeView) };
}

export async function getProgramme(deps: { db: Db; policy: Policy }, _actor: Actor, code: string): Promise<ProgrammeView> {
  await ensureFoundationProgramme(deps.db, deps.policy);
  return loadView(deps.db, code);
}
