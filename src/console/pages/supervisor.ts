/**
 * Console page: the supervisor's view (GET /console/supervisor) — escalated and overdue feedback cases
 * by department, overdue tasks by team — and the reassignment of a case
 * (POST /console/supervisor/cases/:caseNo/reassign, CSRF), by the use case of
 * POST /feedback/:caseNo/reassign (§5.2 "supervisors reassign"): the same roles (SUPERVISOR, ADMIN),
 * checks (an active, trained member of the department who handles feedback) and audit record. A
 * refusal is shown next to the field it concerns, in the form of that case; success → the page
 * again with a message (post/redirect/get). What the page reads: src/console/pages/supervisor-model.ts.
 *
 * Issue 12: each overdue task's row has its own reassign form too
 * (POST /console/supervisor/tasks/:taskId/reassign, CSRF), by the use case of POST /tasks/:id/reassign
 * (src/tasks/reassign-task.ts): the select lists who may take it by the same rules; a refusal is shown
 * next to its field in that row's form; a task that belongs to one person shows why instead of a form.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { reassignFeedback } from '../../feedback/reassign-feedback';
import { reassignTask } from '../../tasks/reassign-task';
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

  const show = async (request: FastifyRequest, reply: FastifyReply, form?: { caseNo?: string; taskId?: string; values: ReassignBody; errors: PageErrors }) => {
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
        errorTask: form?.taskId ?? null,
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

  app.post<{ Params: { taskId: string }; Body: ReassignBody }>('/supervisor/tasks/:taskId/reassign', async (request, reply) => {
    const actor = pageActor(request);
    const body = request.body ?? {};
    try {
      const task = await reassignTask(deps.useCases, actor, request.params.taskId, { toStaffId: body.toStaffId ?? '', reason: body.reason ?? '' }, { requestId: request.id });
      flash(request, 'info', `Task ${task.id} reassigned to ${task.assigneeStaffId ?? 'nobody'}.`);
      return await reply.redirect('/console/supervisor', 303);
    } catch (err) {
      const errors = errorsOf(err);
      if (errors.status === 403) throw err; // not a supervisor: the 403 page
      return show(request, reply, { taskId: request.params.taskId, values: body, errors });
    }
  });
};
