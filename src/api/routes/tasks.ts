/**
 * Work for a person (src/tasks/): each staff member's inbox, recording the outcome of a §5.1
 * contact made by SMS or phone, and a supervisor's reassignment of an open task (issue 12). Reviews
 * and meetings are completed through their own routes (src/api/routes/lifecycle.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { bankTimeZone } from '../../policy/policy';
import { systemClock } from '../../shared/clock';
import { completeTask, completeTaskInput } from '../../tasks/complete-task';
import { listTasks, listTasksQuery, OTHERS_INBOX_ROLES } from '../../tasks/list-tasks';
import { reassignTask, reassignTaskInput, TASK_REASSIGN_ROLES } from '../../tasks/reassign-task';
import { actorOf, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

const doc = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' });

export const taskRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const useCaseDeps = { ...deps, clock: deps.clock ?? systemClock };

    app.get(
      '/tasks',
      {
        schema: {
          tags: ['tasks'],
          summary: 'My tasks: assigned to me or to a team I belong to, earliest due first (OPEN by default)',
          description:
            `${rolesNote('any')} status OPEN, OVERDUE, DONE, CANCELLED or MISSED; kind PERIODIC_REVIEW, RELATIONSHIP_MEETING or CUSTOMER_CONTACT; dueBefore YYYY-MM-DD or an instant. ` +
            `assignee=<staffId>: another staff member's tasks (${OTHERS_INBOX_ROLES.join(', ')} only; 403 otherwise). Keyset paging: cursor, pageSize ≤ 100.`,
          querystring: doc(listTasksQuery(bankTimeZone(deps.policy))),
        },
      },
      async (req) => listTasks(useCaseDeps, actorOf(req), req.query),
    );

    app.post<{ Params: { id: string } }>(
      '/tasks/:id/complete',
      {
        schema: {
          tags: ['tasks'],
          summary: 'Record the outcome of a contact made by SMS or phone (§5.1 CUSTOMER_CONTACT task)',
          description:
            'Who: the task’s assignee, a member of its team, or a SUPERVISOR (others 403). `outcome` REACHED, NO_ANSWER, DECLINED or WRONG_NUMBER, `notes` ≤ 1000 characters. ' +
            'The task DONE, its contact-history event DONE, audit task.complete, in one transaction. 409 for a task already closed, and for reviews and meetings (their own routes).',
          params: { type: 'object', properties: { id: { type: 'string', description: 'task id, e.g. contact:cus_…:BIRTHDAY_GREETING:…' } }, required: ['id'] },
          body: doc(completeTaskInput),
        },
      },
      async (req) => completeTask(useCaseDeps, actorOf(req), req.params.id, req.body, { requestId: req.id }),
    );

    app.post<{ Params: { id: string } }>(
      '/tasks/:id/reassign',
      {
        schema: {
          tags: ['tasks'],
          summary: 'Give an open task to another suitable staff member (issue 12 supervisor; §3.2, §5.1, §5.2, §6.2)',
          description:
            `${rolesNote(TASK_REASSIGN_ROLES)} \`toStaffId\` (an active staff member whose foundation course is complete, §3.1/§7.1) and \`reason\` (1–500 characters). ` +
            'Who may take it: a review, meeting or contact (§3.2, §5.1) — a RELATIONSHIP_MANAGER who looks after the customer, or a member of the task\'s team; a risk investigation or mitigation plan (§6.2) — a RISK_OFFICER; ' +
            'a feedback case (§5.2) — as POST /feedback/:caseNo/reassign (the case\'s handler, task and SLA move together). 400 naming the field, nothing changed. ' +
            'The task, its reminders still to come and the audit record task.reassign in one transaction; the new assignee is emailed. ' +
            '409: the task is not OPEN, is already theirs, or belongs to one person by definition (a TRAINING_MODULE, STAFF_GUIDANCE). Answers the task as GET /tasks lists it.',
          params: { type: 'object', properties: { id: { type: 'string', description: 'task id, e.g. review:cus_…:2' } }, required: ['id'] },
          body: doc(reassignTaskInput),
        },
      },
      async (req) => reassignTask(useCaseDeps, actorOf(req), req.params.id, req.body, { requestId: req.id }),
    );
  };
