/**
 * Console pages: the customer list and search (GET /console/customers) and the customer page
 * (GET /console/customers/:id), with the audited reveal (POST /console/customers/:id/reveal, CSRF).
 * What each reads and why the reads are the API's: src/console/pages/customer-model.ts.
 *
 * - A RELATIONSHIP_MANAGER opening another manager's customer gets the 404 page (the use case's
 *   NotFoundError: the customer's existence is not revealed), as GET /customers/:id answers 404.
 * - Reveal: `field=identity` (AUDITOR, RISK_OFFICER) or `field=creditBureau` (RISK_OFFICER, AUDITOR);
 *   any other role gets the 403 page from the use case, nothing read. The page with the revealed value
 *   is the POST's answer (no-store), never a URL: reloading or sharing a link reveals nothing.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isManagerScoped } from '../../customers/access';
import { listCustomers } from '../../customers/list-customers';
import { formatBankTime } from '../../mail/render';
import { bankTimeZone, SEGMENTS, type Policy } from '../../policy/policy';
import { ValidationError } from '../../shared/errors';
import type { ConsolePage } from '../index';
import { errorsOf, pageActor, renderPage } from '../page';
import { customerPageModel, type CustomerPageDeps, type RevealField } from './customer-model';

/** Where the open processes' deep links go: the Temporal UI's address and the namespace of the processes. */
export interface TemporalUiLink {
  temporalUiUrl: string;
  temporalNamespace: string;
}

const CUSTOMER_TYPES = ['INDIVIDUAL', 'ENTERPRISE'] as const;
const CUSTOMER_STATUSES = ['PENDING_REVIEW', 'INFO_REQUESTED', 'APPROVED', 'REJECTED', 'INCOMPLETE'] as const;
const LIST_FILTERS = ['type', 'segment', 'status', 'managerId'] as const;
const REVEAL_FIELDS: readonly RevealField[] = ['identity', 'creditBureau'];
/** A customer id as the ids are made (cus_…, or any id an import gave): printable, no path characters. */
const CUSTOMER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Date-time helpers the views use: the bank's local time with its zone abbreviation. */
export function formatters(policy: Policy) {
  const zone = bankTimeZone(policy);
  return { time: (iso: string | null | undefined) => (iso ? formatBankTime(new Date(iso), zone) : '—') };
}

/** The query's list filters that are set (empty strings from a form's "Any" left out). */
function listQuery(raw: Record<string, unknown>): Record<string, string> {
  const q: Record<string, string> = {};
  for (const k of [...LIST_FILTERS, 'cursor'] as const) {
    const v = raw[k];
    if (typeof v === 'string' && v.trim() !== '') q[k] = v.trim();
  }
  return q;
}

/** Where the Temporal UI is when the deployment does not say (npm start's dev server, docker-compose's published port). */
export const DEFAULT_TEMPORAL_UI_URL = 'http://localhost:8233';

/** The customer pages, linking open processes into the deployment's Temporal UI (ConsoleDeps.temporalUiUrl) in the client's namespace. */
export const customerPage: ConsolePage = (app, deps) =>
  customerPages({ temporalUiUrl: deps.temporalUiUrl ?? DEFAULT_TEMPORAL_UI_URL, temporalNamespace: deps.temporal.options.namespace })(app, deps);

export function customerPages(link: TemporalUiLink): ConsolePage {
  return (app, deps) => {
    const pageDeps: CustomerPageDeps = { ...deps.useCases, ...link };
    const fmt = formatters(deps.policy);
    const options = { types: CUSTOMER_TYPES, segments: SEGMENTS, statuses: CUSTOMER_STATUSES };

    app.get('/customers', async (request, reply) => {
      const actor = pageActor(request);
      const raw = (request.query ?? {}) as Record<string, unknown>;
      const base = { title: 'Customers', nav: 'customers', fmt, options, scoped: isManagerScoped(actor) };
      // "Open by id": straight to the customer's page (which applies the scope and audits the read).
      if (typeof raw.id === 'string' && raw.id.trim() !== '') {
        const id = raw.id.trim();
        if (!CUSTOMER_ID.test(id)) {
          return renderPage(request, reply, 'customers', { ...base, query: raw, page: null, fieldErrors: { id: 'a customer id: letters, digits and _ . : - only, at most 64 characters' } }, 400);
        }
        return reply.redirect(`/console/customers/${encodeURIComponent(id)}`, 303);
      }
      const query = listQuery(raw);
      try {
        const page = await listCustomers(deps.db, actor, query, { requestId: request.id });
        const nextHref = page.nextCursor ? `/console/customers?${new URLSearchParams({ ...query, cursor: page.nextCursor }).toString()}` : null;
        return await renderPage(request, reply, 'customers', { ...base, query, page, nextHref });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const e = errorsOf(err);
        return renderPage(request, reply, 'customers', { ...base, query, page: null, fieldErrors: e.fieldErrors }, e.status);
      }
    });

    const showCustomer = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, reveal?: RevealField) => {
      const actor = pageActor(request);
      const model = await customerPageModel(pageDeps, actor, request.params.id, { requestId: request.id, ...(reveal ? { reveal } : {}) });
      return renderPage(request, reply, 'customer', { title: `Customer ${model.customer.id}`, nav: 'customers', model, fmt });
    };

    app.get<{ Params: { id: string } }>('/customers/:id', async (request, reply) => showCustomer(request, reply));

    app.post<{ Params: { id: string }; Body: { field?: unknown } }>('/customers/:id/reveal', async (request, reply) => {
      const field = (request.body ?? {}).field;
      if (typeof field !== 'string' || !(REVEAL_FIELDS as readonly string[]).includes(field)) {
        throw new ValidationError([{ field: 'field', value: field, reason: `one of ${REVEAL_FIELDS.join(', ')}` }]);
      }
      return showCustomer(request, reply, field as RevealField);
    });
  };
}
