/**
 * Customers (policy ../shared/policy.md §2.3 identification, §3.1 security, §3.2 keeping information
 * current, §4 service tiers). Every route needs an API key; roles are checked by the use cases (the
 * same rules for the API and the CLI) and named in each route's description. Responses carry
 * `Cache-Control: no-store` (personal data) and, for one customer, `ETag: "<version>"` for If-Match.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { calendarDateIn } from '../../domain/business-calendar';
import { createCustomer } from '../../customers/create-customer';
import { newCustomerSchema } from '../../customers/customer-dto';
import type { CustomerView } from '../../customers/customer-view';
import { CREDIT_BUREAU_REVEAL_ROLES, getCustomer, getCustomerQuery, IDENTITY_REVEAL_ROLES } from '../../customers/get-customer';
import { listCustomers, listCustomersQuery } from '../../customers/list-customers';
import { updateCustomer, updateCustomerInput, UPDATE_ROLES } from '../../customers/update-customer';
import { enterpriseProfileInput, individualProfileInput, updateProfile } from '../../customers/update-profile';
import { systemClock } from '../../shared/clock';
import { actorOf, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

const doc = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' });
const idParams = { type: 'object', properties: { id: { type: 'string', description: 'customer id, e.g. cus_…' } }, required: ['id'] } as const;
const ifMatchHeader = {
  type: 'object',
  properties: { 'if-match': { type: 'string', description: 'The version you read (the ETag of GET /customers/:id), e.g. "3"; or send `version` in the body.' } },
} as const;
const CREATE_ROLES = ['CUSTOMER_SERVICE', 'RELATIONSHIP_MANAGER', 'ADMIN'] as const;
const withEtag = (reply: FastifyReply, view: CustomerView) => reply.header('etag', `"${view.version}"`);

export const customerRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    // The update use cases signal the customer's lifecycle after a change; a failed signal is logged here.
    const useCaseDeps = { ...deps, clock: deps.clock ?? systemClock, log: (line: string) => app.log.warn(line) };
    app.addHook('onSend', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
    });

    const now = useCaseDeps.clock.now();
    app.post(
      '/customers',
      {
        schema: {
          tags: ['customers'],
          summary: 'First contact: register an individual or enterprise customer (§2.3 step 1); starts onboarding-<id> for review (§2.3 step 3)',
          description:
            `${rolesNote(CREATE_ROLES)} 201 with the customer (identity number masked, status PENDING_REVIEW); 400 with field issues ` +
            '(rejected identity numbers and dates of birth are not echoed); 409 with the existing (masked) customer when the identity number is registered already. ' +
            'Send an `Idempotency-Key` header to retry safely: a retry gets the first answer (`Idempotent-Replayed: true`).',
          body: doc(newCustomerSchema(calendarDateIn(now, deps.policy.onboarding.timeZone), deps.policy)),
        },
        config: { idempotent: true },
      },
      async (req, reply) => {
        const view = await createCustomer(useCaseDeps, actorOf(req), req.body);
        return withEtag(reply.code(201).header('location', `/customers/${view.id}`), view).send(view);
      },
    );

    app.get(
      '/customers',
      {
        schema: {
          tags: ['customers'],
          summary: 'Customers, newest first, filtered and paged (identity numbers masked)',
          description:
            `${rolesNote('any')} A RELATIONSHIP_MANAGER sees only the customers they manage or are assigned to. ` +
            'Paging: `cursor` (from nextCursor) or `page`, with pageSize ≤ 100; `total` counts every match. Each customer listed is recorded (customer.list).',
          querystring: doc(listCustomersQuery),
        },
      },
      async (req) => listCustomers(deps.db, actorOf(req), req.query, { requestId: req.id }),
    );

    app.get<{ Params: { id: string } }>(
      '/customers/:id',
      {
        schema: {
          tags: ['customers'],
          summary: 'One customer; ?reveal=identity shows the identity number in clear, ?reveal=creditBureau the §6.1 credit bureau figures (audited)',
          description:
            `${rolesNote('any')} A RELATIONSHIP_MANAGER gets 404 for customers they do not look after. ` +
            `reveal=identity: ${IDENTITY_REVEAL_ROLES.join(' or ')} only; reveal=creditBureau: ${CREDIT_BUREAU_REVEAL_ROLES.join(' or ')} only (others 403; masked "•••••" otherwise). ` +
            'Every read is recorded (customer.read; customer.identity.read or customer.credit_bureau.read for a reveal).',
          params: idParams,
          querystring: doc(getCustomerQuery),
        },
      },
      async (req, reply) => {
        const view = await getCustomer(deps, actorOf(req), req.params.id, req.query, { requestId: req.id });
        return withEtag(reply, view).send(view);
      },
    );

    app.patch<{ Params: { id: string } }>(
      '/customers/:id',
      {
        schema: {
          tags: ['customers'],
          summary: 'Update contact details at once (§3.2 dynamic update): email, phone, contactPreferences',
          description:
            `${rolesNote(UPDATE_ROLES)} A RELATIONSHIP_MANAGER updates their own customers only (others 404). ` +
            'Optimistic concurrency: If-Match: "<version>" or body `version` (required); 409 with the current record when it changed. ' +
            'The audit record (customer.update, before/after) commits with the change.',
          params: idParams,
          headers: ifMatchHeader,
          body: doc(updateCustomerInput),
        },
      },
      async (req, reply) => {
        const view = await updateCustomer(useCaseDeps, actorOf(req), req.params.id, req.body, { requestId: req.id, ...ifMatch(req.headers['if-match']) });
        return withEtag(reply, view).send(view);
      },
    );

    app.post<{ Params: { id: string } }>(
      '/customers/:id/profile',
      {
        schema: {
          tags: ['customers'],
          summary: 'Deeper profile (§2.3 step 2); an APPROVED customer is re-classified at once (§2.1/§2.2, §4)',
          description:
            `${rolesNote(UPDATE_ROLES)} (a RELATIONSHIP_MANAGER for their own customers only). ` +
            'Individual fields: annualIncomeUsd, incomeSource, totalAssetsUsd, debtsUsd, savingsGoal, spendingPattern, creditRecord (stored encrypted); ' +
            '§6.1 risk inputs creditBureau { score 300–850, delinquencies, defaults, reportedOn } (stored encrypted, never echoed), employmentType, employmentSince, incomeVariability (0–10). ' +
            'Enterprise fields: employees, annualRevenueUsd, totalAssetsUsd, naicsCode, operations, purposeOfFunds; §6.1 establishedOn. ' +
            'Dates YYYY-MM-DD, not in the future (bank calendar). A change of a §6.1 risk input of an APPROVED customer is signalled to its lifecycle (re-assessment due). ' +
            'A new segment is recorded (SegmentChange, with the rule) and returned as `segmentChange: { from, to, reason }`. If-Match or `version` as for PATCH.',
          params: idParams,
          headers: ifMatchHeader,
          body: { oneOf: [doc(individualProfileInput), doc(enterpriseProfileInput)] },
        },
      },
      async (req, reply) => {
        const view = await updateProfile(useCaseDeps, actorOf(req), req.params.id, req.body, { requestId: req.id, ...ifMatch(req.headers['if-match']) });
        return withEtag(reply, view).send(view);
      },
    );
  };

const ifMatch = (header: string | string[] | undefined) => (header === undefined ? {} : { ifMatch: header });
