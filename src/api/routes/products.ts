/**
 * A customer's products (policy ../shared/policy.md §6.2 measures by rating): open a product of the
 * catalogue on the terms of the customer's risk rating, give the second approval the stricter
 * conditions ask for, list, close. The use cases (src/products/) check roles, scope and input — the
 * same rules for the API and the CLI. Responses carry `Cache-Control: no-store` (customer data).
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { RISK_APPROVER_ROLES } from '../../domain/risk-scorecard';
import { approveProduct } from '../../products/approve-product';
import { closeProduct, closeProductInput } from '../../products/close-product';
import { listProducts, listProductsQuery } from '../../products/list-products';
import { openProduct, openProductInput } from '../../products/open-product';
import { PRODUCT_WRITE_ROLES } from '../../products/products';
import { systemClock } from '../../shared/clock';
import { actorOf, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

const doc = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' });
const idParams = { type: 'object', properties: { id: { type: 'string', description: 'customer id, e.g. cus_…' } }, required: ['id'] } as const;
const productParams = {
  type: 'object',
  properties: { id: idParams.properties.id, productId: { type: 'string', format: 'uuid', description: 'product id, as POST /customers/:id/products returned it' } },
  required: ['id', 'productId'],
} as const;
const SCOPE_NOTE = 'A RELATIONSHIP_MANAGER acts only for the customers they look after (others 404).';

type ProductParams = { Params: { id: string; productId: string } };

export const productRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const useCaseDeps = { db: deps.db, policy: deps.policy, clock: deps.clock ?? systemClock };
    app.addHook('onSend', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
    });

    app.post<{ Params: { id: string } }>(
      '/customers/:id/products',
      {
        config: { idempotent: true },
        schema: {
          tags: ['products'],
          summary: 'Open a product on the terms of the customer’s risk rating (§6.2)',
          description:
            `${rolesNote(PRODUCT_WRITE_ROLES)} ${SCOPE_NOTE} Only for an APPROVED customer (409 otherwise). ` +
            `\`productCode\`: one of the §6.2 catalogue in force (deployed: ${deps.policy.products.map((p) => `${p.code} class ${p.riskClass}`).join(', ')}); ` +
            '`amountUsd` (optional, > 0, cents at most); `guaranteeReference` (the collateral record of an extra guarantee). ' +
            'LOW/A: OPEN at once with `simplifiedProcedure` and `rateDiscountEligible`. MEDIUM/B–C above the rating’s risk class: an extra guarantee and/or a second approval — ' +
            'created PENDING_APPROVAL with `approvalBy`. HIGH/D: restricted risk classes refused. A customer not yet rated gets the terms of MEDIUM (individuals) or C (enterprises). ' +
            '201 `{ …product, terms: { rating, rated, conditions } }`; 400 naming the field (an unknown productCode lists the catalogue); ' +
            '422 `{ error: "refused", message, issues }` with the §6.2 reason — field `productCode` (refused) or `guaranteeReference` (a guarantee is required); nothing written. ' +
            'Audited (product.open). Idempotency-Key supported.',
          params: idParams,
          body: doc(openProductInput),
        },
      },
      async (req, reply) => {
        const product = await openProduct(useCaseDeps, actorOf(req), req.params.id, req.body, { requestId: req.id });
        return reply.code(201).header('location', `/customers/${product.customerId}/products/${product.id}`).send(product);
      },
    );

    app.post<ProductParams>(
      '/customers/:id/products/:productId/approve',
      {
        config: { idempotent: true },
        schema: {
          tags: ['products'],
          summary: 'The second approval of a product waiting for it (§6.2 higher approval standard) → OPEN',
          description:
            `Roles: one of the product’s \`approvalBy\` (${RISK_APPROVER_ROLES.join(' or ')}), never the staff member who requested it (maker-checker; 403 with the reason). ` +
            'No body (a field sent is 400 naming it). 409 when the product is not PENDING_APPROVAL or the customer not APPROVED. The terms are checked again against the customer’s rating now: ' +
            'a rating that meanwhile restricts the product or asks for a guarantee that was not given → 422 with the reason. 200 with the product (OPEN, approvedByStaffId, approvedAt). ' +
            'Audited (product.approve).',
          params: productParams,
        },
      },
      async (req) => approveProduct(useCaseDeps, actorOf(req), req.params.id, req.params.productId, req.body, { requestId: req.id }),
    );

    app.post<ProductParams>(
      '/customers/:id/products/:productId/close',
      {
        config: { idempotent: true },
        schema: {
          tags: ['products'],
          summary: 'Close a product, or withdraw a request waiting for approval (§6.2)',
          description:
            `${rolesNote(PRODUCT_WRITE_ROLES)} ${SCOPE_NOTE} \`reason\` 1–500 characters (audited, product.close). ` +
            '200 with the product (CLOSED, closedAt); 409 when it is CLOSED already.',
          params: productParams,
          body: doc(closeProductInput),
        },
      },
      async (req) => closeProduct(useCaseDeps, actorOf(req), req.params.id, req.params.productId, req.body, { requestId: req.id }),
    );

    app.get<{ Params: { id: string } }>(
      '/customers/:id/products',
      {
        schema: {
          tags: ['products'],
          summary: 'The customer’s products, newest request first (§6.2)',
          description: `${rolesNote('any')} Scope as GET /customers/:id (a RELATIONSHIP_MANAGER: own customers, others 404). \`status\` filters. Each read is recorded (customer.read). 200 \`{ customerId, items }\`.`,
          params: idParams,
          querystring: doc(listProductsQuery),
        },
      },
      async (req) => listProducts(useCaseDeps, actorOf(req), req.params.id, req.query, { requestId: req.id }),
    );
  };
