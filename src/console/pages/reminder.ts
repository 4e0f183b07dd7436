/**
 * A reminder in the console (§5.2): GET /console/reminders/:key — what it is about, when it was
 * due and when it is escalated (bank time with the zone), and the button to acknowledge it (posting
 * to src/console/pages/actions.ts, the use case of POST /reminders/:key/acknowledge). Read through
 * GET /reminders/:key's use case (src/reminders/get-reminder.ts). The reminder emails link here.
 */
import { getReminder } from '../../reminders/get-reminder';
import { bankTimeZone } from '../../policy/policy';
import type { ConsolePage } from '../index';
import { pageActor, renderPage } from '../page';
import { bankTime, timeLeft } from '../format';

export const reminderPage: ConsolePage = (app, deps) => {
  app.get<{ Params: { key: string } }>('/reminders/:key', async (request, reply) => {
    const actor = pageActor(request);
    const r = await getReminder(deps.useCases, request.params.key);
    const timeZone = bankTimeZone(deps.policy);
    const row = await deps.db.reminder.findUnique({ where: { key: r.key }, select: { taskId: true } });
    const escalates = new Date(r.escalatesAt);
    return renderPage(request, reply, 'reminder', {
      title: `Reminder ${r.key}`,
      nav: 'inbox',
      r,
      taskId: row?.taskId ?? null,
      mine: r.staffId === actor.staffId || r.escalationStaffId === actor.staffId,
      open: r.status === 'SCHEDULED' || r.status === 'DUE',
      due: bankTime(new Date(r.dueAt), timeZone),
      escalates: bankTime(escalates, timeZone),
      left: timeLeft(deps.clock.now(), escalates, 'WALL', timeZone),
    });
  });
};
