/**
 * §7.2 staff assessment (src/staff-assessment/): a staff member's assessments, the period's staff
 * report (JSON or CSV), a supervisor's recompute and run of a period, the manager's guidance notes,
 * and the supervisors' phone follow-ups that the satisfaction indicator counts. Roles are checked in
 * the use cases (the same for the CLI). Responses carry `Cache-Control: no-store` (personnel data).
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { systemClock } from '../../shared/clock';
import { bankTimeZone } from '../../policy/policy';
import { ASSESSMENT_READER_ROLES, ASSESSMENT_SUPERVISOR_ROLES } from '../../staff-assessment/access';
import { listAssessmentsQuery, listStaffAssessments } from '../../staff-assessment/list-assessments';
import { recomputeInput, recomputePeriod } from '../../staff-assessment/recompute';
import { guidanceInput, recordGuidance } from '../../staff-assessment/record-guidance';
import { phoneFollowUpInput, recordPhoneFollowUp } from '../../staff-assessment/record-follow-up';
import { startAssessmentRun, startRunInput } from '../../staff-assessment/runs';
import { requestedFormat, staffReport, staffReportCsv, staffReportFilename, staffReportQuery } from '../../staff-assessment/staff-report';
import { actorOf, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

const doc = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' });
const wantsCsv = (format: string | undefined, accept: string | undefined) => format === 'csv' || (format === undefined && /\btext\/csv\b/i.test(accept ?? ''));
const PERIOD_NOTE = 'A period is a quarter `YYYY-Qn` (e.g. 2026-Q4) or a year `YYYY`, in the bank’s time zone.';

export const staffAssessmentRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const clock = deps.clock ?? systemClock;
    const useCaseDeps = { db: deps.db, policy: deps.policy, clock };
    app.addHook('onSend', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
    });

    app.get<{ Params: { id: string } }>(
      '/staff/:id/assessments',
      {
        schema: {
          tags: ['staff assessment'],
          summary: '§7.2 a staff member’s assessments, newest period first: inputs, every indicator, group scores, score, grade, policy version, guidance notes',
          description: `The staff member themself, their manager (head of one of their departments, or the manager on one of their assessments), ${ASSESSMENT_READER_ROLES.join(' or ')} (§3.1); others 403, an unknown staff member 404. Optional \`period\`. ${PERIOD_NOTE}`,
          querystring: doc(listAssessmentsQuery),
        },
      },
      async (req) => listStaffAssessments(useCaseDeps, actorOf(req), req.params.id, req.query),
    );

    app.post<{ Params: { id: string; period: string } }>(
      '/staff/:id/assessments/:period/guidance',
      {
        config: { idempotent: true },
        schema: {
          tags: ['staff assessment'],
          summary: '§7.2 the manager’s guidance notes on a staff member’s quarter',
          description:
            'The manager recorded on the assessment, or a SUPERVISOR; never the staff member themself (403). `notes` 1–4000 characters (replace earlier ones). ' +
            '404 without an assessment of the period; 409 once the result was emailed. When every assessment the manager writes for has notes, their guidance task is DONE and its reminder answered. ' +
            'The period’s run is told and emails the result with the notes. Audited (staff.assessment.guidance).',
          body: doc(guidanceInput),
        },
      },
      async (req) => recordGuidance({ ...useCaseDeps, temporal: deps.temporal }, actorOf(req), req.params.id, req.params.period, req.body, { requestId: req.id }),
    );

    app.get(
      '/reports/staff',
      {
        schema: {
          tags: ['reports'],
          summary: '§7.2 staff report of a period: every assessment’s score, grade, coverage, group scores and indicators; best first, NO_DATA last',
          description:
            `${rolesNote(ASSESSMENT_READER_ROLES)} \`period\` required. ${PERIOD_NOTE} JSON by default; CSV (a header row, one row per staff member, as an attachment) with format=csv or ` +
            '`Accept: text/csv`. Shows the recorded assessments: run or recompute a period first.',
          querystring: doc(staffReportQuery),
          produces: ['application/json', 'text/csv'],
        },
      },
      async (req, reply) => {
        const report = await staffReport(useCaseDeps, actorOf(req), req.query);
        if (!wantsCsv(requestedFormat(req.query), req.headers.accept)) return reply.send(report);
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${staffReportFilename(report)}"`)
          .send(staffReportCsv(report));
      },
    );

    app.post(
      '/reports/staff/recompute',
      {
        config: { idempotent: true },
        schema: {
          tags: ['reports'],
          summary: '§7.2 recompute a period’s assessments now (idempotent: same inputs, same record)',
          description:
            `${rolesNote(ASSESSMENT_SUPERVISOR_ROLES)} \`period\` (${PERIOD_NOTE} It must have begun), optional \`staffId\` (one staff member). ` +
            'Each record: unchanged when its inputs are the same (nothing written), else updated (revision + 1, audited staff.assessment.update with what changed) or created. No emails.',
          body: doc(recomputeInput),
        },
      },
      async (req) => recomputePeriod(useCaseDeps, actorOf(req), req.body, { requestId: req.id }),
    );

    app.post(
      '/reports/staff/runs',
      {
        config: { idempotent: true },
        schema: {
          tags: ['reports'],
          summary: '§7.2 start a period’s run now, as the Schedules would (staff-assessment-<period>)',
          description:
            `${rolesNote(ASSESSMENT_SUPERVISOR_ROLES)} \`period\` (${PERIOD_NOTE} It must have begun; a period in progress is assessed as far as it has gone). ` +
            `A quarter’s run opens each manager’s guidance task (due in ${deps.policy.staffAssessment.guidance.dueBusinessDays} business days, reminded, then escalated) and emails each result as its notes arrive; ` +
            `it closes after ${deps.policy.staffAssessment.guidance.closeAfterBusinessDays} business days. A year’s run emails the results at once. ` +
            '202 `{ workflowId, period, status: STARTED | RUNNING }`; 409 when the period’s run has ended (recompute instead). Time zone: ' + bankTimeZone(deps.policy) + '.',
          body: doc(startRunInput),
        },
      },
      async (req, reply) => reply.code(202).send(await startAssessmentRun({ temporal: deps.temporal, taskQueue: deps.taskQueue, policy: deps.policy, clock }, actorOf(req), req.body)),
    );

    const followUpDescription =
      `${rolesNote(ASSESSMENT_SUPERVISOR_ROLES)} \`outcome\` REACHED, NO_ANSWER, DECLINED or WRONG_NUMBER; \`score\` 1–5 with REACHED only (400 naming the field). ` +
      'It counts for the §7.2 satisfaction of the staff member whose service it speaks for. 201 with the record; audited (staff.phone_follow_up.record).';
    app.post<{ Params: { caseNo: string } }>(
      '/feedback/:caseNo/phone-follow-ups',
      {
        config: { idempotent: true },
        schema: { tags: ['staff assessment'], summary: '§7.2 a supervisor’s phone follow-up of a feedback case (counts for its handler)', description: `${followUpDescription} 422 for a case without a handler.`, body: doc(phoneFollowUpInput) },
      },
      async (req, reply) => reply.code(201).send(await recordPhoneFollowUp(useCaseDeps, actorOf(req), { caseNo: req.params.caseNo }, req.body, { requestId: req.id })),
    );
    app.post<{ Params: { id: string } }>(
      '/customers/:id/phone-follow-ups',
      {
        config: { idempotent: true },
        schema: { tags: ['staff assessment'], summary: '§7.2 a supervisor’s phone follow-up of a customer (counts for their relationship manager, else who entered them)', description: followUpDescription, body: doc(phoneFollowUpInput) },
      },
      async (req, reply) => reply.code(201).send(await recordPhoneFollowUp(useCaseDeps, actorOf(req), { customerId: req.params.id }, req.body, { requestId: req.id })),
    );
  };
