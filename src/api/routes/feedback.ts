/**
 * §5.2 feedback and complaints as staff work on them: register (hotline, online platform, suggestion
 * box), read a case with its timeline and live state, list and filter, and the changes people make —
 * respond, note, pause, resume, reassign, reclassify, resolve. The use cases (src/feedback/) check
 * roles and input, write PostgreSQL first (free text encrypted) and message the workflow
 * `feedback-<caseNo>` with ids only; a change the workflow refuses is 409 with its reason.
 * Responses carry `Cache-Control: no-store` (personal data).
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { systemClock } from '../../shared/clock';
import { addFeedbackNote, addFeedbackNoteInput } from '../../feedback/add-feedback-note';
import { FEEDBACK_HANDLE_ROLES, FEEDBACK_REASSIGN_ROLES, FEEDBACK_VIEW_ROLES, HOTLINE_ROLES } from '../../feedback/cases';
import { getFeedback } from '../../feedback/get-feedback';
import { listFeedback, listFeedbackQuery } from '../../feedback/list-feedback';
import { pauseFeedback, pauseFeedbackInput } from '../../feedback/pause-feedback';
import { reassignFeedback, reassignFeedbackInput } from '../../feedback/reassign-feedback';
import { reclassifyFeedback, reclassifyFeedbackInputFor } from '../../feedback/reclassify-feedback';
import { registerFeedback, registerFeedbackInputFor } from '../../feedback/register-feedback';
import { MAX_BATCH, registerFeedbackBatch, registerFeedbackBatchInputFor } from '../../feedback/register-feedback-batch';
import { resolveFeedback, resolveFeedbackInput } from '../../feedback/resolve-feedback';
import { respondFeedback, respondFeedbackInput } from '../../feedback/respond-feedback';
import { resumeFeedback, resumeFeedbackInput } from '../../feedback/resume-feedback';
import { actorOf, requireRoles, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

const doc = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' });
const caseParams = { type: 'object', properties: { caseNo: { type: 'string', description: 'case number, e.g. FB-2026-000123' } }, required: ['caseNo'] } as const;
const HANDLERS = `Who: the members and head of the case’s department, its handler, ${FEEDBACK_HANDLE_ROLES.join(', ')} (others 403).`;
const CHANGE_ANSWER = '200 `{ caseNo, eventId, live }` (live: status, handler, deadline, remainingMs in the clock’s units, escalation level).';

type Params = { Params: { caseNo: string } };

export const feedbackRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const useCaseDeps = { ...deps, clock: deps.clock ?? systemClock };
    app.addHook('onSend', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
    });

    app.post(
      '/feedback',
      {
        config: { idempotent: true },
        schema: {
          tags: ['feedback'],
          summary: 'Register a feedback item (§5.2): classified, routed to a department, its SLA process started',
          description:
            `Who: channel HOTLINE ${HOTLINE_ROLES.join(', ')}; ONLINE and SUGGESTION_BOX any authenticated staff member (403 otherwise). ` +
            '`customerId` (a known customer) or `contact` { name, email and/or phone } (someone who is not one yet); `category`, `severity` (the policy’s codes), ' +
            '`complexity`, `customerType` (required with contact; a known customer’s type otherwise, and must agree), `summary`, `description`, ' +
            '`handlerStaffId` (explicit assignment: an active member of the routed department who handles feedback). ' +
            '201 with the case (number FB-<year>-<nnnnnn>, department and routing rule); 400 naming every bad field, nothing written; ' +
            '409 when no department can take it. Idempotency-Key supported. Audited (feedback.register).',
          body: doc(registerFeedbackInputFor(deps.policy)),
        },
      },
      async (req, reply) => reply.code(201).send(await registerFeedback(useCaseDeps, actorOf(req), req.body, { requestId: req.id })),
    );

    app.post(
      '/feedback/batch',
      {
        config: { idempotent: true },
        schema: {
          tags: ['feedback'],
          summary: 'Suggestion-box batch entry (§5.2): all items registered, or none',
          description:
            `${rolesNote('any')} \`items\`: 1–${MAX_BATCH} items, each as the body of POST /feedback without \`channel\` (SUGGESTION_BOX). ` +
            '400 lists every bad item’s index and field (`items.3.category`), nothing written; 409 when an item has no department to go to. ' +
            '201 `{ registered, cases: [{ caseNo, departmentCode, routingRuleId, status }] }` in input order. Idempotency-Key supported.',
          body: doc(registerFeedbackBatchInputFor(deps.policy)),
        },
      },
      async (req, reply) => reply.code(201).send(await registerFeedbackBatch(useCaseDeps, actorOf(req), req.body, { requestId: req.id })),
    );

    app.get(
      '/feedback',
      {
        schema: {
          tags: ['feedback'],
          summary: 'Feedback cases, newest first (§5.2): by status, department, missed deadline, customer',
          description:
            `${FEEDBACK_VIEW_ROLES.join(', ')} see every case; other staff the cases of their departments and those they handle (department of another 403). ` +
            'status: a case status or OPEN; breached=true: no first response by the target. Items carry ids, codes and times only. Keyset paging: cursor, limit ≤ 100.',
          querystring: doc(listFeedbackQuery),
        },
      },
      async (req) => listFeedback(useCaseDeps, actorOf(req), req.query),
    );

    app.get<Params>(
      '/feedback/:caseNo',
      {
        schema: {
          tags: ['feedback'],
          summary: 'One case in clear, its timeline (notes marked internal) and its live state (§5.2)',
          description:
            `Who: the members and head of the case’s department, its handler, ${FEEDBACK_VIEW_ROLES.join(', ')} (others 403); 404 unknown. ` +
            '`live` comes from the workflow’s query while it runs (source workflow), else from the database: status, handler, deadline, ' +
            'remainingMs (clock hours for an individual’s case, business time for an enterprise’s), escalation level. Recorded (feedback.read).',
          params: caseParams,
        },
      },
      async (req) => getFeedback(useCaseDeps, actorOf(req), req.params.caseNo, { requestId: req.id }),
    );

    app.post<Params>(
      '/feedback/:caseNo/respond',
      {
        config: { idempotent: true },
        schema: {
          tags: ['feedback'],
          summary: 'Respond to the customer (§5.2): emailed to them; the first response meets the deadline and stops the escalation ladder',
          description: `${HANDLERS} \`body\` 1–10000 characters. ${CHANGE_ANSWER} 409 when the case is not open (the reason). Audited (feedback.response.record).`,
          params: caseParams,
          body: doc(respondFeedbackInput),
        },
      },
      async (req) => respondFeedback(useCaseDeps, actorOf(req), req.params.caseNo, req.body, { requestId: req.id }),
    );

    app.post<Params>(
      '/feedback/:caseNo/note',
      {
        config: { idempotent: true },
        schema: {
          tags: ['feedback'],
          summary: 'Add a note to the case’s timeline (internal by default: never shown or sent to the customer)',
          description: `${HANDLERS} \`body\` 1–10000 characters, \`internal\` (default true). 201 \`{ caseNo, eventId, internal, at }\`. Audited (feedback.note.record).`,
          params: caseParams,
          body: doc(addFeedbackNoteInput),
        },
      },
      async (req, reply) => reply.code(201).send(await addFeedbackNote(useCaseDeps, actorOf(req), req.params.caseNo, req.body, { requestId: req.id })),
    );

    app.post<Params>(
      '/feedback/:caseNo/pause',
      {
        schema: {
          tags: ['feedback'],
          summary: 'The case waits on the customer: its SLA clock stops (§5.2)',
          description: `${HANDLERS} \`reason\` required. ${CHANGE_ANSWER} 409 with the workflow’s reason (already paused, not open). Recorded with who and why (feedback.pause).`,
          params: caseParams,
          body: doc(pauseFeedbackInput),
        },
      },
      async (req) => pauseFeedback(useCaseDeps, actorOf(req), req.params.caseNo, req.body),
    );

    app.post<Params>(
      '/feedback/:caseNo/resume',
      {
        schema: {
          tags: ['feedback'],
          summary: 'The customer answered: the SLA clock runs again and the deadlines are recomputed (§5.2)',
          description: `${HANDLERS} \`reason\` required. ${CHANGE_ANSWER} 409 with the workflow’s reason (the case is not paused). Recorded with who and why (feedback.resume).`,
          params: caseParams,
          body: doc(resumeFeedbackInput),
        },
      },
      async (req) => resumeFeedback(useCaseDeps, actorOf(req), req.params.caseNo, req.body),
    );

    app.post<Params>(
      '/feedback/:caseNo/reassign',
      {
        preHandler: requireRoles(...FEEDBACK_REASSIGN_ROLES),
        schema: {
          tags: ['feedback'],
          summary: 'Reassign the case to another handler and/or department (§5.2); the SLA is recomputed',
          description:
            `${rolesNote(FEEDBACK_REASSIGN_ROLES)} \`toStaffId\` (an active member of the department who handles feedback) and/or \`departmentCode\` (active; ` +
            `without toStaffId its least-loaded member), \`reason\`. ${CHANGE_ANSWER} 409 when nothing changes or with the workflow’s reason.`,
          params: caseParams,
          body: doc(reassignFeedbackInput),
        },
      },
      async (req) => reassignFeedback(useCaseDeps, actorOf(req), req.params.caseNo, req.body),
    );

    app.post<Params>(
      '/feedback/:caseNo/reclassify',
      {
        config: { idempotent: true },
        schema: {
          tags: ['feedback'],
          summary: 'Correct the classification (category, severity, complexity, customer type); the SLA is recomputed (§5.2)',
          description:
            `${HANDLERS} At least one of category, severity, complexity, customerType (a known customer’s type only), and \`reason\`. ` +
            `${CHANGE_ANSWER} plus \`changed\` (false: the case had that classification; nothing written). 409 when the case is not open. Audited (feedback.reclassify).`,
          params: caseParams,
          body: doc(reclassifyFeedbackInputFor(deps.policy)),
        },
      },
      async (req) => reclassifyFeedback(useCaseDeps, actorOf(req), req.params.caseNo, req.body, { requestId: req.id }),
    );

    app.post<Params>(
      '/feedback/:caseNo/resolve',
      {
        config: { idempotent: true },
        schema: {
          tags: ['feedback'],
          summary: 'Resolve the case (§5.2): the resolution goes to the customer with the satisfaction survey link',
          description: `${HANDLERS} \`resolution\` 1–10000 characters. ${CHANGE_ANSWER} 409 when the case is not open (e.g. resolved or closed already). Audited (feedback.resolution.record).`,
          params: caseParams,
          body: doc(resolveFeedbackInput),
        },
      },
      async (req) => resolveFeedback(useCaseDeps, actorOf(req), req.params.caseNo, req.body, { requestId: req.id }),
    );
  };
