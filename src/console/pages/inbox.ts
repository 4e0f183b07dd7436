/**
 * The inbox (issue 12): my tasks across all processes (GET /tasks' use case, src/tasks/list-tasks.ts),
 * overdue first, then by deadline; the team queue; filters. Its live counts (GET /console/inbox/counts,
 * polled by console.js) are served by src/console/index.ts, outside the session's scope.
 */
import type { ConsolePage } from '../index';
import { pageActor, renderPage } from '../page';
import { loadInbox } from '../inbox';

export const inboxPage: ConsolePage = (app, deps) => {
  app.get('/', async (request, reply) => {
    const actor = pageActor(request);
    const inbox = await loadInbox(deps, actor, request.query);
    return renderPage(request, reply, 'inbox', { title: 'Inbox', nav: 'inbox', ...inbox }, inbox.fieldErrors && Object.keys(inbox.fieldErrors).length > 0 ? 400 : 200);
  });
};
