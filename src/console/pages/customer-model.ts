/**
 * The staff console's customer page (issue 12 "Customer page"): what one page view reads, through the
 * same use cases as the JSON API — so the roles, the RELATIONSHIP_MANAGER's customer scope (another
 * manager's customer is 404, its existence not revealed) and the §3.1 read records are exactly the
 * API's:
 *
 *   profile (masked)                 getCustomer              GET /customers/:id          customer.read (+ .identity.read / .credit_bureau.read on reveal)
 *   segment and tier history         getSegmentHistory        (console; src/customers)    customer.read, entity SegmentChange
 *   risk rating history, measures    getRisk                  GET /customers/:id/risk     customer.read, entity RiskAssessment
 *   products                         listProducts             GET /customers/:id/products customer.read, entity CustomerProduct
 *   contact history                  listContacts             GET /customers/:id/contacts customer.read, entity ContactEvent
 *   feedback cases                   listFeedback             GET /feedback?customerId=   (ids and codes only, as the API)
 *   open processes                   listOpenProcesses        (console; src/lifecycle)    customer.read, entity Process
 *
 * The profile is read first: a customer outside the actor's scope stops the page with 404 before
 * anything else is read. A reveal is a POST (with the console's CSRF token), never a GET, so no link
 * or prefetch can make an audited reveal happen.
 */
import type { Client } from '@temporalio/client';
import { getCustomer, CREDIT_BUREAU_REVEAL_ROLES, IDENTITY_REVEAL_ROLES } from '../../customers/get-customer';
import type { CustomerView } from '../../customers/customer-view';
import { getSegmentHistory, type SegmentHistoryView } from '../../customers/segment-history';
import type { Db } from '../../db/client';
import { listFeedback, type FeedbackListItem } from '../../feedback/list-feedback';
import { listContacts, type ContactView } from '../../lifecycle/list-contacts';
import { listOpenProcesses, temporalWorkflowUrl, type OpenProcess } from '../../lifecycle/open-processes';
import { bankTimeZone, type Policy } from '../../policy/policy';
import { listProducts } from '../../products/list-products';
import type { ProductView } from '../../products/products';
import { getRisk, type RiskView } from '../../risk/get-risk';
import type { Actor } from '../../security/auth';
import type { KeyRing } from '../../security/keyring';
import type { Clock } from '../../shared/clock';

export interface CustomerPageDeps {
  db: Db;
  temporal: Client;
  policy: Policy;
  ring: KeyRing;
  clock: Clock;
  /** The Temporal UI's address (e.g. http://localhost:8233), for the open processes' deep links. */
  temporalUiUrl: string;
  temporalNamespace: string;
}

/** How many contacts and feedback cases the page shows (the newest); the API pages through the rest. */
export const CUSTOMER_PAGE_LIST_SIZE = 20;

export type RevealField = 'identity' | 'creditBureau';

export interface CustomerPageModel {
  customer: CustomerView;
  revealed: RevealField | null;
  /** Which reveal buttons the actor gets (the roles the use case allows). */
  mayReveal: { identity: boolean; creditBureau: boolean };
  history: SegmentHistoryView;
  risk: RiskView;
  products: ProductView[];
  contacts: { items: ContactView[]; more: boolean };
  feedback: { items: FeedbackListItem[]; more: boolean };
  processes: (OpenProcess & { temporalUrl: string })[];
  timeZone: string;
}

export const mayRevealFor = (actor: Actor) => ({
  identity: actor.roles.some((r) => IDENTITY_REVEAL_ROLES.includes(r)),
  creditBureau: actor.roles.some((r) => CREDIT_BUREAU_REVEAL_ROLES.includes(r)),
});

export async function customerPageModel(
  deps: CustomerPageDeps,
  actor: Actor,
  customerId: string,
  opts: { requestId?: string; reveal?: RevealField } = {},
): Promise<CustomerPageModel> {
  const ctx = opts.requestId ? { requestId: opts.requestId } : {};
  // First, alone: 404 (scope) or 403 (reveal by a role that may not) before any other read.
  const customer = await getCustomer(deps, actor, customerId, opts.reveal ? { reveal: opts.reveal } : {}, ctx);
  const [history, risk, products, contacts, feedback, processes] = await Promise.all([
    getSegmentHistory(deps, actor, customerId, ctx),
    getRisk(deps.db, actor, customerId, ctx),
    listProducts(deps, actor, customerId, {}, ctx),
    listContacts(deps.db, actor, customerId, { pageSize: String(CUSTOMER_PAGE_LIST_SIZE) }, ctx),
    listFeedback(deps, actor, { customerId, limit: String(CUSTOMER_PAGE_LIST_SIZE) }),
    listOpenProcesses(deps.db, actor, customerId, ctx),
  ]);
  return {
    customer,
    revealed: opts.reveal ?? null,
    mayReveal: mayRevealFor(actor),
    history,
    risk,
    products: products.items,
    contacts: { items: contacts.items, more: contacts.nextCursor !== null },
    feedback: { items: feedback.items, more: feedback.nextCursor !== null },
    processes: processes.map((p) => ({ ...p, temporalUrl: temporalWorkflowUrl(deps.temporalUiUrl, deps.temporalNamespace, p.workflowId) })),
    timeZone: bankTimeZone(deps.policy),
  };
}
