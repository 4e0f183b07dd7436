/**
 * The customer lifecycle (policy ../shared/policy.md §3.2 periodic review, §5.1 regular contact) as
 * people meet it: complete a review, record a quarterly meeting, close a customer, read the contact
 * history and the periodic reviews. The use cases (src/lifecycle/) check roles and input, write
 * PostgreSQL first and message the workflow `customer-<id>` with ids only. Responses carry
 * `Cache-Control: no-store` (customer data).
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { bankTimeZone } from '../../policy/policy';
import { systemClock } from '../../shared/clock';
import { closeCustomer, closeCustomerInput, CLOSE_ROLES } from '../../lifecycle/close-customer';
import { completeReview, completeReviewInput } from '../../lifecycle/complete-review';
import { listContacts, listContactsQuery } from '../../lifecycle/list-contacts';
import { listPeriodicReviews, listPeriodicReviewsQuery, PERIODIC_REVIEW_ROLES } from '../../lifecycle/list-periodic-reviews';
import { recordMeeting, recordMeetingInput } from '../../lifecycle/record-meeting';
import { actorOf, requireRoles, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

const doc = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' });
const idParams = { type: 'object', properties: { id: { type: 'string', description: 'customer id, e.g. cus_…' } }, required: ['id'] } as const;
const WORK_NOTE =
  'Who: the open task’s assignee, a member of its team, a staff member assigned to the customer, or a SUPERVISOR (others 403); ' +
  'a RELATIONSHIP_MANAGER gets 404 for customers they do not look after.';

export const lifecycleRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const useCaseDeps = { ...deps, clock: deps.clock ?? systemClock, log: (line: string) => app.log.warn(line) };
    const timeZone = bankTimeZone(deps.policy);
    app.addHook('onSend', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
    });

    app.post<{ Params: { id: string } }>(
      '/customers/:id/reviews/complete',
      {
        schema: {
          tags: ['lifecycle'],
          summary: 'Complete the open periodic review (§3.2): findings, and the updates it found; the next review is planned from now',
          description:
            `${WORK_NOTE} Body: \`findings\` { basicData, financialSituation, changedNeeds } (each 1–2000 characters: what was reviewed); ` +
            '`contact` (as PATCH /customers/:id) and `profile` (as POST /customers/:id/profile), applied through those use cases (audited, re-classified), ' +
            'need their roles and `version` (the customer version read). 200 `{ customerId, taskId, cycle, completedAt, nextReviewAt, customer }`; ' +
            '409 when no review is open (with when the next is due), when the version changed, or with the lifecycle’s reason.',
          params: idParams,
          body: doc(completeReviewInput),
        },
      },
      async (req) => completeReview(useCaseDeps, actorOf(req), req.params.id, req.body, { requestId: req.id }),
    );

    app.post<{ Params: { id: string } }>(
      '/customers/:id/meetings',
      {
        schema: {
          tags: ['lifecycle'],
          summary: 'Record the quarter’s communication meeting with an enterprise customer (§5.1)',
          description:
            `${WORK_NOTE} \`heldOn\` YYYY-MM-DD (bank time zone; not in the future, not before the open meeting’s quarter), ` +
            '`attendees` 1–20 names or roles, `notes` ≤ 4000 characters. 200 with the closed task; 409 for an individual, when no meeting is open, or with the lifecycle’s reason.',
          params: idParams,
          body: doc(recordMeetingInput),
        },
      },
      async (req) => recordMeeting(useCaseDeps, actorOf(req), req.params.id, req.body),
    );

    app.post<{ Params: { id: string } }>(
      '/customers/:id/close',
      {
        schema: {
          tags: ['lifecycle'],
          summary: 'The customer leaves: record CLOSED, open tasks cancelled, its lifecycle ended',
          description:
            `${rolesNote(CLOSE_ROLES)} A RELATIONSHIP_MANAGER closes only the customers they manage (others 404 or 403). Only an APPROVED customer (409 otherwise). ` +
            'Customer, tasks, lifecycle record and audit (customer.close) in one transaction; then the lifecycle is told. ' +
            '200 `{ customer, closedAt, reason, tasksCancelled, lifecycle: "CLOSED" | "ENDS_AT_NEXT_STEP" }` — the latter when Temporal did not answer: the process ends at its next step.',
          params: idParams,
          body: doc(closeCustomerInput),
        },
      },
      async (req) => closeCustomer(useCaseDeps, actorOf(req), req.params.id, req.body, { requestId: req.id }),
    );

    app.get<{ Params: { id: string } }>(
      '/customers/:id/contacts',
      {
        schema: {
          tags: ['lifecycle'],
          summary: 'The customer’s contact history, newest first (§5.1): greetings, news digests, meetings, SMS and phone contacts',
          description: `${rolesNote('any')} Scope as GET /customers/:id (a RELATIONSHIP_MANAGER: own customers, others 404). Each read is recorded (customer.read). Keyset paging: cursor, pageSize ≤ 100.`,
          params: idParams,
          querystring: doc(listContactsQuery),
        },
      },
      async (req) => listContacts(deps.db, actorOf(req), req.params.id, req.query, { requestId: req.id }),
    );

    app.get(
      '/reviews/periodic',
      {
        preHandler: requireRoles(...PERIODIC_REVIEW_ROLES),
        schema: {
          tags: ['lifecycle'],
          summary: 'Periodic reviews (§3.2): DUE, OVERDUE, COMPLETED or CANCELLED, earliest due first',
          description:
            `${rolesNote(PERIODIC_REVIEW_ROLES)} Default: the open ones (DUE and OVERDUE). A RELATIONSHIP_MANAGER sees the reviews of them and their teams only ` +
            '(managerId of someone else 403). dueBefore: YYYY-MM-DD or an instant. Keyset paging: cursor, pageSize ≤ 100.',
          querystring: doc(listPeriodicReviewsQuery(timeZone)),
        },
      },
      async (req) => listPeriodicReviews(useCaseDeps, actorOf(req), req.query),
    );
  };
