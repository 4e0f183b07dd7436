import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { createReminder, createReminderInput } from '../../reminders/create-reminder';
import { acknowledgeReminder, acknowledgeReminderInput } from '../../reminders/acknowledge-reminder';
import { getReminder } from '../../reminders/get-reminder';
import { actorOf, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

export const reminderRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    app.post(
      '/reminders',
      {
        schema: {
          tags: ['reminders'],
          summary: 'Schedule a staff reminder (workflow reminder-<key>)',
          description:
            'At dueAt the staff member is emailed; if nobody acknowledges within the policy grace period (reminders.escalateAfter) the escalation contact is emailed (§5.2). 409 if the key exists. An `Idempotency-Key` header makes a retry return the first answer. ' +
            rolesNote('any'),
          body: z.toJSONSchema(createReminderInput),
        },
        config: { idempotent: true },
      },
      async (req, reply) => reply.code(201).send(await createReminder(deps, req.body, actorOf(req))),
    );
    app.get<{ Params: { key: string } }>(
      '/reminders/:key',
      { schema: { tags: ['reminders'], summary: "A reminder's state (live from its workflow's `state` query)", description: rolesNote('any') } },
      async (req) => getReminder(deps, req.params.key),
    );
    app.post<{ Params: { key: string } }>(
      '/reminders/:key/acknowledge',
      {
        schema: {
          tags: ['reminders'],
          summary: 'Acknowledge a reminder (before its due time this cancels it)',
          description: `${rolesNote('any')} The caller acknowledges as themselves (staffId defaults to the caller; for someone else SUPERVISOR or ADMIN, else 403); the workflow accepts the assignee or the escalation contact, 409 with the reason otherwise.`,
          body: z.toJSONSchema(acknowledgeReminderInput),
        },
      },
      async (req) => acknowledgeReminder(deps, req.params.key, req.body, actorOf(req)),
    );
  };
