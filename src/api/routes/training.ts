/**
 * §7.1 staff training through the API: programmes (ADMIN manages; anyone reads), enrolments (ADMIN,
 * SUPERVISOR), the trainer's record of a module, and a staff member's training with the §3.1 gate
 * (GET /staff/:id/training). The use cases (src/training/) check roles and input — the same for the CLI.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { systemClock } from '../../shared/clock';
import { enrol, ENROL_ROLES, enrolInput } from '../../training/enrol';
import { getStaffTraining, TRAINING_READ_ROLES } from '../../training/get-training';
import { createProgramme, createProgrammeInput, deactivateProgramme, getProgramme, listProgrammes, listProgrammesQuery, TRAINING_ADMIN_ROLES, updateProgramme, updateProgrammeInput } from '../../training/programmes';
import { RECORD_COMPLETION_ROLES, recordCompletionInput, recordModuleCompletion } from '../../training/record-completion';
import { actorOf, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

const doc = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' });
const codeParams = { type: 'object', properties: { code: { type: 'string', description: 'programme code, e.g. FOUNDATION' } }, required: ['code'] } as const;
const staffParams = { type: 'object', properties: { id: { type: 'string', description: 'staff id' } }, required: ['id'] } as const;
const moduleParams = {
  type: 'object',
  properties: { id: staffParams.properties.id, programme: { type: 'string', description: 'programme code' }, module: { type: 'string', description: 'module code' } },
  required: ['id', 'programme', 'module'],
} as const;

export const trainingRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const clock = deps.clock ?? systemClock;
    const base = { db: deps.db, policy: deps.policy, clock };

    app.get(
      '/training/programmes',
      { schema: { tags: ['training'], summary: 'Training programmes: the foundation course and the advanced courses (§7.1)', description: `${rolesNote('any')} \`kind\` FOUNDATION|ADVANCED, \`active\` true|false filter. The foundation course is seeded from the policy on first use.`, querystring: doc(listProgrammesQuery) } },
      async (req) => listProgrammes(base, actorOf(req), req.query),
    );
    app.get<{ Params: { code: string } }>(
      '/training/programmes/:code',
      { schema: { tags: ['training'], summary: 'One training programme with its modules (§7.1)', description: rolesNote('any'), params: codeParams } },
      async (req) => getProgramme(base, actorOf(req), req.params.code),
    );
    app.post(
      '/training/programmes',
      {
        config: { idempotent: true },
        schema: {
          tags: ['training'],
          summary: 'Create an advanced course (§7.1)',
          description:
            `${rolesNote(TRAINING_ADMIN_ROLES)} kind ADVANCED; topic NEW_PRODUCTS|SERVICE_SKILLS|RISK_STRATEGY; provider INTERNAL|EXTERNAL; modules each with a delivery LECTURE|CASE_STUDY|SIMULATION, ` +
            'the week it starts and how many weeks it runs (within the course), and whether it is assessed (a score 0–100, passScore or the policy\'s). 201; 400 naming the field; 409 when the code exists. Audited (training.programme.create).',
          body: doc(createProgrammeInput),
        },
      },
      async (req, reply) => {
        const p = await createProgramme(base, actorOf(req), req.body, { requestId: req.id });
        return reply.code(201).header('location', `/training/programmes/${p.code}`).send(p);
      },
    );
    app.patch<{ Params: { code: string } }>(
      '/training/programmes/:code',
      {
        schema: {
          tags: ['training'],
          summary: 'Change a programme: name, provider, weeks, trainer, modules (for later enrolments), reactivate (§7.1)',
          description: `${rolesNote(TRAINING_ADMIN_ROLES)} The foundation course keeps the policy's number of weeks. 200; 400 naming the field; 404. Audited (training.programme.update) when something changed.`,
          params: codeParams,
          body: doc(updateProgrammeInput),
        },
      },
      async (req) => updateProgramme(base, actorOf(req), req.params.code, req.body, { requestId: req.id }),
    );
    app.delete<{ Params: { code: string } }>(
      '/training/programmes/:code',
      { schema: { tags: ['training'], summary: 'Deactivate an advanced course (never deleted) (§7.1)', description: `${rolesNote(TRAINING_ADMIN_ROLES)} 409 for the foundation course or an inactive one. Audited (training.programme.deactivate).`, params: codeParams } },
      async (req) => deactivateProgramme(base, actorOf(req), req.params.code, { requestId: req.id }),
    );

    app.post<{ Params: { id: string } }>(
      '/staff/:id/training/enrolments',
      {
        config: { idempotent: true },
        schema: {
          tags: ['training'],
          summary: 'Enrol a staff member in a programme: starts the training workflow training-<staffId>-<programme> (§7.1)',
          description:
            `${rolesNote(ENROL_ROLES)} \`programmeCode\`; \`startsOn\` YYYY-MM-DD (default next Monday); \`managerStaffId\` (default the head of their department, else a SUPERVISOR); \`trainerStaffId\` (default the programme's). ` +
            '201 with the enrolment; 400 naming the field; 409 when enrolled already; 422 an advanced course before the foundation course, or the foundation course completed already. Audited (training.enrol).',
          params: staffParams,
          body: doc(enrolInput),
        },
      },
      async (req, reply) => {
        const e = await enrol({ ...base, temporal: deps.temporal, taskQueue: deps.taskQueue, ...(deps.starter ? { starter: deps.starter } : {}) }, actorOf(req), req.params.id, req.body, { requestId: req.id });
        return reply.code(201).header('location', `/staff/${req.params.id}/training`).send(e);
      },
    );
    app.post<{ Params: { id: string; programme: string; module: string } }>(
      '/staff/:id/training/:programme/modules/:module/complete',
      {
        schema: {
          tags: ['training'],
          summary: 'The trainer records a module done, with its score where it is assessed (§7.1)',
          description:
            `The enrolment's or programme's trainer, or ${RECORD_COMPLETION_ROLES.join(' or ')}; never the trainee (403). \`score\` 0–100 required for an assessed module, refused otherwise (400); \`notes\`. ` +
            'A passing score closes the module (DONE) and tells the workflow; the last module brings the certificate (and for the foundation course lifts the §3.1 gate). A failing score is recorded as an attempt; the module stays open. 409 when the module is closed. Audited.',
          params: moduleParams,
          body: doc(recordCompletionInput),
        },
      },
      async (req) => recordModuleCompletion({ ...base, temporal: deps.temporal }, actorOf(req), req.params.id, req.params.programme, req.params.module, req.body ?? {}, { requestId: req.id }),
    );
    app.get<{ Params: { id: string } }>(
      '/staff/:id/training',
      {
        schema: {
          tags: ['training'],
          summary: "A staff member's training: the foundation course and the §3.1 gate, enrolments and modules, certificates, the year's advanced courses (§7.1)",
          description: `The staff member themselves, or ${TRAINING_READ_ROLES.join(' or ')} (others 403). 404 for an unknown staff member.`,
          params: staffParams,
        },
      },
      async (req) => getStaffTraining(base, actorOf(req), req.params.id),
    );
  };
