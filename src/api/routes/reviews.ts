/** The audit (review) team's work on new customer records (policy ../shared/policy.md §2.3 step 3). */
import { recordInfoReceived } from '../../reviews/record-info-received';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { decideReview, decisionInput } from '../../reviews/decide-review';
import { listPendingReviews } from '../../reviews/list-pending';
import { parseInput } from '../../shared/errors';
import { actorOf, requireRoles, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

export const pendingReviewsQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'a whole number 1–500')
    .transform(Number)
    .pipe(z.number().min(1, 'a whole number 1–500').max(500, 'a whole number 1–500'))
    .optional(),
});

export const reviewRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    app.get(
      '/reviews/pending',
      {
        preHandler: requireRoles('AUDITOR', 'SUPERVISOR', 'ADMIN'),
        schema: {
          tags: ['reviews'],
          summary: "The audit team's queue: records waiting for review or for the customer, oldest first (§2.3 step 3)",
          description: rolesNote(['AUDITOR', 'SUPERVISOR', 'ADMIN']),
          querystring: z.toJSONSchema(pendingReviewsQuery, { io: 'input' }),
        },
      },
      async (req) => {
        const actor = actorOf(req);
        const { limit } = parseInput(pendingReviewsQuery, req.query ?? {});
        return { reviews: await listPendingReviews(deps.db, actor, limit) };
      },
    );
    app.post<{ Params: { customerId: string } }>(
      '/reviews/:customerId/decision',
      {
        schema: {
          tags: ['reviews'],
          summary: 'Approve, reject (with a reason) or request information (§2.3 step 3)',
          description:
            `${rolesNote(['AUDITOR'])} Maker-checker: whoever entered the record cannot decide on it (409 with the reason, as for any decision the onboarding workflow refuses). ` +
            'Approval classifies the customer (§2.1/§2.2) and assigns its §4 service tier and coverage.',
          params: { type: 'object', properties: { customerId: { type: 'string' } }, required: ['customerId'] },
          body: z.toJSONSchema(decisionInput, { io: 'input' }),
        },
      },
      async (req) => decideReview(deps, actorOf(req), req.params.customerId, req.body),
    );
    app.post<{ Params: { customerId: string } }>(
      '/reviews/:customerId/info-received',
      {
        schema: {
          tags: ['reviews'],
          summary: 'Record that the information requested from the customer arrived: back to review (§2.3 step 3)',
          description: `${rolesNote(['AUDITOR', 'CUSTOMER_SERVICE', 'RELATIONSHIP_MANAGER', 'ADMIN'])} 409 unless information was requested.`,
          params: { type: 'object', properties: { customerId: { type: 'string' } }, required: ['customerId'] },
        },
      },
      async (req) => recordInfoReceived(deps, actorOf(req), req.params.customerId),
    );
  };
