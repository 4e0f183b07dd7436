/**
 * Acting in place (issue 12): the inbox's forms post here, each calling the same use case as its
 * JSON route, with the session's actor — so roles, the relationship manager's customer scope,
 * maker-checker and the audit are the API's (§3.1):
 *
 *   POST /console/act/review-decision/:customerId   §2.3 approve / reject / request information  (POST /reviews/:customerId/decision)
 *   POST /console/act/periodic-review/:customerId   §3.2 complete the periodic review             (POST /customers/:id/reviews/complete)
 *   POST /console/act/meeting/:customerId           §5.1 record the quarter's meeting             (POST /customers/:id/meetings)
 *   POST /console/act/contact/:taskId               §5.1 record a contact's outcome               (POST /tasks/:id/complete)
 *   POST /console/act/feedback-respond/:caseNo      §5.2 respond to the customer                  (POST /feedback/:caseNo/respond)
 *   POST /console/act/feedback-pause/:caseNo        §5.2 waiting on the customer                  (POST /feedback/:caseNo/pause)
 *   POST /console/act/feedback-resume/:caseNo       §5.2 the customer answered                    (POST /feedback/:caseNo/resume)
 *   POST /console/act/feedback-resolve/:caseNo      §5.2 resolve                                  (POST /feedback/:caseNo/resolve)
 *   POST /console/act/reminder-ack/:key             §5.2 acknowledge a reminder                   (POST /reminders/:key/acknowledge)
 *   POST /console/act/risk-investigation/:customerId §6.2 the cause analysis                      (POST /customers/:id/risk/investigation)
 *   POST /console/act/mitigation-plan/:customerId   §6.2 the mitigation plan                      (POST /customers/:id/risk/mitigation-plan)
 *   POST /console/act/training-done/:taskId         §7.1 a training module done (the trainer)     (POST /staff/:id/training/:programme/modules/:module/complete)
 *
 * Success: a flash message and back to `next` (the page the form was on; post/redirect/get).
 * Refusal: the inbox again with the form open and the use case's reasons next to the fields they
 * concern (ValidationError issues by field; a rule or workflow refusal above the form), status 400,
 * 403, 404, 409 or 422 as the API answers; nothing written.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../security/auth';
import { decideReview } from '../../reviews/decide-review';
import { completeReview } from '../../lifecycle/complete-review';
import { recordMeeting } from '../../lifecycle/record-meeting';
import { completeTask } from '../../tasks/complete-task';
import { respondFeedback } from '../../feedback/respond-feedback';
import { pauseFeedback } from '../../feedback/pause-feedback';
import { resumeFeedback } from '../../feedback/resume-feedback';
import { resolveFeedback } from '../../feedback/resolve-feedback';
import { acknowledgeReminder } from '../../reminders/acknowledge-reminder';
import { recordInvestigation, recordMitigationPlan } from '../../risk/record-investigation';
import { recordModuleCompletion } from '../../training/record-completion';
import { ConflictError } from '../../shared/errors';
import type { ConsoleDeps, ConsolePage } from '../index';
import { errorsOf, flash, pageActor, renderPage, safeNext } from '../page';
import { loadInbox } from '../inbox';
import { renderFeedbackCase } from './feedback';
import { renderProductForm } from './products';
import { openProduct } from '../../products/open-product';

type Form = Record<string, string | string[] | undefined>;

/** One action: its URL name, and the use case call with the form turned into the use case's body. */
interface ConsoleAction {
  name: string;
  run(deps: ConsoleDeps, actor: Actor, id: string, form: Form, requestId: string): Promise<string>;
  /** The page that shows this form again when it is refused (default: the inbox). */
  page?: (deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, id: string, act: unknown, status: number) => Promise<FastifyReply>;
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
/** A text field as the use case takes it: absent when left empty (so "required" is said by the use case). */
const text = (v: string | string[] | undefined): string | undefined => {
  const s = one(v);
  return s === undefined || s.trim() === '' ? undefined : s;
};
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** A whole number typed into a form, as a number; anything else stays text (the use case refuses it, naming the field). */
const numberOrText = (v: string | string[] | undefined): number | string | undefined => {
  const s = text(v);
  return s !== undefined && /^\d{1,6}$/.test(s.trim()) ? Number(s.trim()) : s;
};

/** §2.3 maker-checker, in words for the person refused. */
export function explainRefusal(message: string): string {
  if (message.startsWith('maker-checker')) {
    return `${message}. The person who entered a customer record may not approve, reject or question it (§2.3 maker-checker): another member of the audit team must decide.`;
  }
  return message;
}

const training = (taskId: string) => {
  const [, staffId = '', programme = '', moduleCode = ''] = taskId.split(':');
  return { staffId, programme, moduleCode };
};

export const CONSOLE_ACTIONS: readonly ConsoleAction[] = [
  {
    name: 'review-decision',
    async run(deps, actor, customerId, form) {
      const decision = one(form.decision);
      try {
        await decideReview(deps.useCases, actor, customerId, defined({ decision, reason: text(form.reason) }));
      } catch (err) {
        // The workflow's refusal: a decision that needs a reason is about the reason field.
        if (err instanceof ConflictError && /needs a reason$/.test(err.message)) throw Object.assign(new ConflictError(err.message), { field: 'reason' });
        throw err;
      }
      return decision === 'APPROVE' ? `Customer ${customerId} approved.` : decision === 'REJECT' ? `Customer ${customerId} rejected.` : `Information requested for customer ${customerId}.`;
    },
  },
  {
    name: 'periodic-review',
    async run(deps, actor, customerId, form, requestId) {
      const findings = defined({ basicData: text(form['findings.basicData']), financialSituation: text(form['findings.financialSituation']), changedNeeds: text(form['findings.changedNeeds']) });
      const done = await completeReview(deps.useCases, actor, customerId, { findings }, { requestId });
      return `Periodic review of ${customerId} completed; the next is due ${done.nextReviewAt.slice(0, 10)}.`;
    },
  },
  {
    name: 'meeting',
    async run(deps, actor, customerId, form) {
      const attendees = (text(form.attendees) ?? '').split(/[\n,;]/).map((a) => a.trim()).filter(Boolean);
      await recordMeeting(deps.useCases, actor, customerId, defined({ heldOn: text(form.heldOn), attendees, notes: one(form.notes) ?? '' }));
      return `Meeting with ${customerId} recorded.`;
    },
  },
  {
    name: 'contact',
    async run(deps, actor, taskId, form, requestId) {
      await completeTask(deps.useCases, actor, taskId, defined({ outcome: text(form.outcome), notes: text(form.notes) }), { requestId });
      return 'Contact outcome recorded.';
    },
  },
  {
    name: 'feedback-respond',
    async run(deps, actor, caseNo, form, requestId) {
      await respondFeedback(deps.useCases, actor, caseNo, defined({ body: text(form.body) }), { requestId });
      return `Response to case ${caseNo} sent to the customer.`;
    },
  },
  {
    name: 'feedback-pause',
    async run(deps, actor, caseNo, form) {
      await pauseFeedback(deps.useCases, actor, caseNo, defined({ reason: text(form.reason) }));
      return `Case ${caseNo} paused: waiting on the customer.`;
    },
  },
  {
    name: 'feedback-resume',
    async run(deps, actor, caseNo, form) {
      await resumeFeedback(deps.useCases, actor, caseNo, defined({ reason: text(form.reason) }));
      return `Case ${caseNo} resumed: its SLA clock runs again.`;
    },
  },
  {
    name: 'feedback-resolve',
    async run(deps, actor, caseNo, form, requestId) {
      await resolveFeedback(deps.useCases, actor, caseNo, defined({ resolution: text(form.resolution) }), { requestId });
      return `Case ${caseNo} resolved; the customer gets the resolution and the satisfaction survey.`;
    },
  },
  {
    name: 'reminder-ack',
    async run(deps, actor, key) {
      await acknowledgeReminder(deps.useCases, key, {}, actor);
      return 'Reminder acknowledged.';
    },
  },
  {
    name: 'risk-investigation',
    async run(deps, actor, customerId, form, requestId) {
      await recordInvestigation(deps.useCases, actor, customerId, defined({ causeAnalysis: text(form.causeAnalysis) }), { requestId });
      return `Cause analysis for ${customerId} recorded.`;
    },
  },
  {
    name: 'mitigation-plan',
    async run(deps, actor, customerId, form, requestId) {
      await recordMitigationPlan(deps.useCases, actor, customerId, defined({ actions: many(form.actions), description: text(form.description) }), { requestId });
      return `Mitigation plan for ${customerId} recorded.`;
    },
  },
  {
    name: 'product-open',
    async run(deps, actor, customerId, form, requestId) {
      const amount = text(form.amountUsd);
      const amountUsd = amount !== undefined && /^\d{1,13}(\.\d{1,2})?$/.test(amount.trim()) ? Number(amount.trim()) : amount;
      const opened = await openProduct(deps.useCases, actor, customerId, defined({ productCode: text(form.productCode), amountUsd, guaranteeReference: text(form.guaranteeReference) }), { requestId });
      return `${opened.productCode} requested for ${customerId}: ${opened.status}.`;
    },
    page: (deps, request, reply, id, act, status) => renderProductForm(deps, request, reply, id, act, status),
  },
  {
    name: 'training-done',
    async run(deps, actor, taskId, form, requestId) {
      const t = training(taskId);
      const result = await recordModuleCompletion(deps.useCases, actor, t.staffId, t.programme, t.moduleCode, defined({ score: numberOrText(form.score), notes: text(form.notes) }), { requestId });
      return result.passed ? `Module ${t.moduleCode} of ${t.staffId} recorded done.` : `Attempt at module ${t.moduleCode} recorded; it stays open (score below the pass mark).`;
    },
  },
];

/** A use case's field path as the form names it: `attendees.0` → `attendees`, `findings.basicData` stays. */
const formField = (field: string) => field.replace(/(\.\d+)+$/, '');

async function refused(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, action: string, id: string, form: Form, err: unknown) {
  const e = errorsOf(err);
  const fieldErrors: Record<string, string> = {};
  for (const [field, reason] of Object.entries(e.fieldErrors)) fieldErrors[formField(field)] ??= reason;
  const specificField = (err as { field?: string }).field;
  if (specificField && e.formError) fieldErrors[specificField] = e.formError;
  const formError = specificField ? undefined : e.formError && explainRefusal(e.formError);
  const values = Object.fromEntries(Object.entries(form).filter(([k]) => k !== '_csrf'));
  const act = { action, id, fieldErrors, formError, values };
  // The page the form was on, again, with the form open and its errors: a case page, or the inbox.
  const next = safeNext(one(form.next));
  const own = CONSOLE_ACTIONS.find((a) => a.name === action)?.page;
  if (own) return own(deps, request, reply, id, act, e.status);
  if (action.startsWith('feedback-') && next.startsWith(`/console/feedback/${encodeURIComponent(id)}`)) {
    return renderFeedbackCase(deps, request, reply, id, act, e.status);
  }
  const query = Object.fromEntries(new URL(next, 'http://console.invalid').searchParams);
  const inbox = await loadInbox(deps, pageActor(request), query);
  return renderPage(request, reply, 'inbox', { title: 'Inbox', nav: 'inbox', ...inbox, act }, e.status);
}

export const actionsPage: ConsolePage = (app, deps) => {
  for (const action of CONSOLE_ACTIONS) {
    app.post<{ Params: { id: string } }>(`/act/${action.name}/:id`, async (request, reply) => {
      const actor = pageActor(request);
      const form = (request.body ?? {}) as Form;
      try {
        const message = await action.run(deps, actor, request.params.id, form, request.id);
        flash(request, 'info', message);
      } catch (err) {
        return refused(deps, request, reply, action.name, request.params.id, form, err);
      }
      return reply.redirect(safeNext(one(form.next)), 303);
    });
  }
};
