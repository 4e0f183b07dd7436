/**
 * Console page: the supervisor's view (GET /console/supervisor) — escalated and overdue feedback cases
 * by department, overdue tasks by team — and the reassignment of a case
 * (POST /console/supervisor/cases/:caseNo/reassign, CSRF), by the use case of
 * POST /feedback/:caseNo/reassign (§5.2 "supervisors reassign"): the same roles (SUPERVISOR, ADMIN),
 * checks (an active, trained member of the department who handles feedback) and audit record. A
 * refusal is shown next to the field it concerns, in the form of that case; success → the page
 * again with a message (post/redirect/get). What the page reads: src/console/pages/supervisor-model.ts.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { reassignFeedback } from '../../feedback/reassign-feedback';
import type { ConsolePage } from '../index';
import { errorsOf, flash, pageActor, renderPage, type PageErrors } from '../page';
import { formatters } from './customer';
import { supervisorPageModel } from './supervisor-model';

interface ReassignBody {
  toStaffId?: unknown;
  departmentCode?: unknown;
  reason?: unknown;
}

/** The form's fields as the use case takes them: an empty select ("keep" / "least loaded") is left out. */
export function reassignInput(body: ReassignBody): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['toStaffId', 'departmentCode'] as const) {
    const v = body[k];
    if (v !== undefined && !(typeof v === 'string' && v.trim() === '')) out[k] = v;
  }
  out.reason = body.reason ?? '';
  return out;
}

export const supervisorPage: ConsolePage = (app, deps) => {
  const fmt = formatters(deps.policy);

  const show = async (request: FastifyRequest, reply: FastifyReply, form?: { caseNo: string; values: ReassignBody; errors: PageErrors }) => {
    const model = await supervisorPageModel(deps.useCases, pageActor(request));
    return renderPage(
      request,
      reply,
      'supervisor',
      {
        title: 'Supervisor',
        nav: 'supervisor',
        model,
        fmt,
        errorCase: form?.caseNo ?? null,
        formError: form?.errors.formError ?? null,
        fieldErrors: form?.errors.fieldErrors ?? {},
        values: form?.values ?? {},
      },
      form?.errors.status ?? 200,
    );
  };

  app.get('/supervisor', async (request, reply) => show(request, reply));

  app.post<{ Params: { caseNo: string }; Body: ReassignBody }>('/supervisor/cases/:caseNo/reassign', async (request, reply) => {
    const actor = pageActor(request);
    const body = request.body ?? {};
    try {
      const result = await reassignFeedback(deps.useCases, actor, request.params.caseNo, reassignInput(body));
      const { handlerStaffId, departmentCode } = result.live;
      flash(request, 'info', `Case ${result.caseNo} reassigned to ${handlerStaffId ?? 'the department'} in department ${departmentCode}.`);
      return await reply.redirect('/console/supervisor', 303);
    } catch (err) {
      const errors = errorsOf(err);
      if (errors.status === 403) throw err; // not a supervisor: the 403 page
      return show(request, reply, { caseNo: request.params.caseNo, values: body, errors });
    }
  });
};
