/**
 * Requesting a product for a customer in the console (§6.2): GET /console/products/new?customer=<id>
 * shows the form (the catalogue of the policy in force); it posts to /console/act/product-open/:id
 * (src/console/pages/actions.ts), the use case of POST /customers/:id/products — so a product of a
 * class restricted for the customer's rating (HIGH / D), or one whose conditions are not met (an
 * extra guarantee for MEDIUM / B–C), is refused with the rule's reason next to the field it concerns.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleDeps, ConsolePage } from '../index';
import { pageActor, renderPage } from '../page';

export async function renderProductForm(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, customerId: string, act?: unknown, status = 200): Promise<FastifyReply> {
  pageActor(request);
  return renderPage(
    request,
    reply,
    'product-new',
    {
      title: 'Request a product',
      nav: 'customers',
      customerId,
      products: deps.policy.products.map((p) => ({ code: p.code, label: `${p.name} (${p.code}, risk class ${p.riskClass})` })),
      ...(act ? { act } : {}),
    },
    status,
  );
}

export const productsPage: ConsolePage = (app, deps) => {
  app.get('/products/new', async (request, reply) => {
    const customerId = (request.query as { customer?: unknown }).customer;
    if (typeof customerId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(customerId)) {
      return renderPage(request, reply, 'error', { title: 'Which customer?', message: 'Open this page from a customer: /console/products/new?customer=<customer id>.' }, 400);
    }
    return renderProductForm(deps, request, reply, customerId);
  });
};
