/**
 * Console page: reports (GET /console/reports) — the §5.2 SLA, overdue §3.2 reviews, the §6
 * portfolio risk distribution and the §7.2 staff assessments, each a table with a chart (Chart.js,
 * drawn by public/reports.js from a JSON data block: no inline script) and a CSV download
 * (GET /console/reports/<id>.csv). Each report is its owning use case's (src/console/pages/reports-model.ts):
 * a section the actor's roles do not allow says so; the page itself is 403 for staff who may see
 * none (a RELATIONSHIP_MANAGER, CUSTOMER_SERVICE). Query: `from`, `to` (the SLA window: dates
 * YYYY-MM-DD, bank time zone, or instants), `period` (§7.2 YYYY-Qn or YYYY); errors next to the field.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { requireRole } from '../../security/auth';
import type { ConsolePage } from '../index';
import { pageActor, renderPage } from '../page';
import { formatters } from './customer';
import { chartsOf, REPORT_IDS, REPORT_ROLES, reportCsv, reportsPageModel, REPORTS_PAGE_ROLES } from './reports-model';

/** Chart.js's browser build, from node_modules, served as a console asset (the CSP allows /console/assets/ scripts). */
export const CHART_JS_ASSET = '/assets/vendor/chart.umd.js';
/** The UMD build beside the package's main file (its `exports` do not list dist/ files). */
export const chartJsFile = () => path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

/** JSON for a <script type="application/json"> block: `<` escaped, so no text in it can close the element. */
export const jsonForScriptBlock = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

export const reportsPage: ConsolePage = (app, deps) => {
  const fmt = formatters(deps.policy);

  app.get(CHART_JS_ASSET, { config: { consolePublic: true } }, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(createReadStream(chartJsFile())),
  );

  app.get('/reports', async (request, reply) => {
    const actor = pageActor(request);
    requireRole(actor, ...REPORTS_PAGE_ROLES);
    const model = await reportsPageModel(deps.useCases, actor, (request.query ?? {}) as Record<string, unknown>);
    const fieldErrors: Record<string, string> = {};
    for (const s of [model.sla, model.staff]) if (s.state === 'invalid') for (const i of s.issues) fieldErrors[i.field] ??= i.reason;
    const csvQuery = new URLSearchParams({ from: model.query.from, to: model.query.to, period: model.query.period }).toString();
    return renderPage(request, reply, 'reports', {
      title: 'Reports',
      nav: 'reports',
      model,
      fmt,
      roles: REPORT_ROLES,
      csvQuery,
      chartsJson: jsonForScriptBlock(chartsOf(model)),
      chartScript: `/console${CHART_JS_ASSET}`,
      fieldErrors,
      values: model.query,
    }, Object.keys(fieldErrors).length > 0 ? 400 : 200);
  });

  for (const id of REPORT_IDS) {
    app.get(`/reports/${id}.csv`, async (request, reply) => {
      const { filename, csv } = await reportCsv(deps.useCases, pageActor(request), id, (request.query ?? {}) as Record<string, unknown>);
      return reply
        .header('cache-control', 'no-store')
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send(csv);
    });
  }
};
