/**
 * Customer risk (policy ../shared/policy.md §6): the §6.1 risk inputs people record and, later, the
 * assessments and the §6.2 investigations. The use cases (src/risk/) check roles and input; routes
 * here only document and dispatch. Responses carry `Cache-Control: no-store` (customer data).
 *
 * One plugin, `riskRoutes`, made of one `register…Routes` function per group, so a group is added
 * beside the others without touching them:
 *   registerFinancialStatementRoutes   POST, GET /customers/:id/financials (§6.1 enterprise financial risk)
 *   registerRiskViewRoutes             GET /customers/:id/risk (§6 rating, measures and their history)
 *   registerInvestigationRoutes        POST /customers/:id/risk/investigation, /customers/:id/risk/mitigation-plan (§6.2 HIGH/D)
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { getRisk } from '../../risk/get-risk';
import { investigationInput, mitigationPlanInput, recordInvestigation, recordMitigationPlan, RISK_WORK_ROLES } from '../../risk/record-investigation';
import { listFinancials, listFinancialsQuery } from '../../risk/list-financials';
import { RECORD_FINANCIALS_ROLES, recordFinancials, recordFinancialsInput } from '../../risk/record-financials';
import { systemClock, type Clock } from '../../shared/clock';
import { actorOf, requireRoles, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

const doc = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' });
const idParams = { type: 'object', properties: { id: { type: 'string', description: 'customer id, e.g. cus_…' } }, required: ['id'] } as const;

/** What every risk route group gets: the API's dependencies, its clock, and where a failed lifecycle signal is logged. */
export type RiskRouteDeps = ApiDeps & { clock: Clock; log: (line: string) => void };

export const riskRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const routeDeps: RiskRouteDeps = { ...deps, clock: deps.clock ?? systemClock, log: (line: string) => app.log.warn(line) };
    app.addHook('onSend', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
    });
    registerFinancialStatementRoutes(app, routeDeps);
    registerRiskViewRoutes(app, routeDeps);
    registerInvestigationRoutes(app, routeDeps);
  };

/** §6 the customer's risk: rating, measures in force, and the history of both. */
export function registerRiskViewRoutes(app: FastifyInstance, deps: RiskRouteDeps): void {
  app.get<{ Params: { id: string } }>(
    '/customers/:id/risk',
    {
      schema: {
        tags: ['risk'],
        summary: 'A customer’s risk: the rating in force, §6.2 measures in force, every rating change and measure applied or lifted, the latest assessments with their reasons (§6)',
        description:
          `${rolesNote('any')} Scope as GET /customers/:id (a RELATIONSHIP_MANAGER: own customers, others 404). Each read is recorded (customer.read). ` +
          'Assessments show each factor’s input, band and points, the total, the rating, the policy version and the reasons in plain words.',
        params: idParams,
      },
    },
    async (req) => getRisk(deps.db, actorOf(req), req.params.id, { requestId: req.id }),
  );
}

/** §6.2 HIGH/D: the risk officer's cause analysis and mitigation plan. */
export function registerInvestigationRoutes(app: FastifyInstance, deps: RiskRouteDeps): void {
  const work = { db: deps.db, clock: deps.clock, temporal: deps.temporal, log: deps.log };
  app.post<{ Params: { id: string } }>(
    '/customers/:id/risk/investigation',
    {
      preHandler: requireRoles(...RISK_WORK_ROLES),
      schema: {
        tags: ['risk'],
        summary: 'Record the cause analysis of the customer’s open risk investigation (§6.2 HIGH/D)',
        description: `${rolesNote(RISK_WORK_ROLES)} Closes the open RISK_INVESTIGATION task (DONE, audited). 409 when none is open; 400 naming the field.`,
        params: idParams,
        body: doc(investigationInput),
      },
      config: { idempotent: true },
    },
    async (req) => recordInvestigation(work, actorOf(req), req.params.id, req.body, { requestId: req.id }),
  );
  app.post<{ Params: { id: string } }>(
    '/customers/:id/risk/mitigation-plan',
    {
      preHandler: requireRoles(...RISK_WORK_ROLES),
      schema: {
        tags: ['risk'],
        summary: 'Record the targeted mitigation plan of the customer’s risk investigation (§6.2 HIGH/D: more collateral, a changed cooperation model, …)',
        description:
          `${rolesNote(RISK_WORK_ROLES)} Closes the open MITIGATION_PLAN task (DONE, audited), answers its reminder and stops its reminder ladder in the lifecycle. ` +
          '409 when none is open; 400 naming the field.',
        params: idParams,
        body: doc(mitigationPlanInput),
      },
      config: { idempotent: true },
    },
    async (req) => recordMitigationPlan(work, actorOf(req), req.params.id, req.body, { requestId: req.id }),
  );
}

/** §6.1 enterprise financial risk: an enterprise customer's financial statements, one set per period. */
export function registerFinancialStatementRoutes(app: FastifyInstance, deps: RiskRouteDeps): void {
  app.post<{ Params: { id: string } }>(
    '/customers/:id/financials',
    {
      preHandler: requireRoles(...RECORD_FINANCIALS_ROLES),
      schema: {
        tags: ['risk'],
        summary: 'Record an enterprise customer’s financial statements for a period (§6.1 financial risk); its lifecycle re-assesses the risk',
        description:
          `${rolesNote(RECORD_FINANCIALS_ROLES)} A RELATIONSHIP_MANAGER only for the customers they look after (others 404). ` +
          '`periodEnd` YYYY-MM-DD (the period’s last day, bank time zone; not in the future); amounts in USD to the cent: revenueUsd, interestExpenseUsd, ' +
          'totalLiabilitiesUsd, currentAssetsUsd, currentLiabilitiesUsd ≥ 0, totalAssetsUsd > 0, netIncomeUsd and ebitUsd may be negative; ' +
          'currentAssetsUsd ≤ totalAssetsUsd, currentLiabilitiesUsd ≤ totalLiabilitiesUsd; largestCustomerShare 0–1 (optional). ' +
          '201 with the statements; 400 naming each bad field, its value and the reason; 409 for an individual customer, and when the period is on file already ' +
          '(naming it, with the set on file in `existing`). Row and audit record (risk.financials.record) in one transaction; then an APPROVED customer’s lifecycle ' +
          'is signalled (customerChanged, field financialStatements) and records the §6 re-assessment as due. `Idempotency-Key` to retry safely.',
        params: idParams,
        body: doc(recordFinancialsInput),
      },
      config: { idempotent: true },
    },
    async (req, reply) => {
      const view = await recordFinancials(deps, actorOf(req), req.params.id, req.body, { requestId: req.id });
      return reply.code(201).send(view);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/customers/:id/financials',
    {
      schema: {
        tags: ['risk'],
        summary: 'An enterprise customer’s financial statements, newest period first (§6.1)',
        description:
          `${rolesNote('any')} Scope as GET /customers/:id (a RELATIONSHIP_MANAGER: own customers, others 404). Each read is recorded (customer.read). ` +
          'Keyset paging: cursor, pageSize ≤ 100.',
        params: idParams,
        querystring: doc(listFinancialsQuery),
      },
    },
    async (req) => listFinancials(deps.db, actorOf(req), req.params.id, req.query, { requestId: req.id }),
  );
}
