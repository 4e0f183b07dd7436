/**
 * Reports for supervisors (issue 9): GET /reports/sla — the §5.2 SLA report over the feedback cases
 * registered in a window (src/feedback/sla-report.ts), as JSON or as a CSV download.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { slaReport, slaReportCsv, slaReportFilename, slaReportQuery, requestedFormat, MAX_REPORT_DAYS, SLA_REPORT_ROLES } from '../../feedback/sla-report';
import { bankTimeZone } from '../../policy/policy';
import { systemClock } from '../../shared/clock';
import { actorOf, requireRoles, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

const doc = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' });

/** CSV when asked for: `format=csv`, or no `format` and an Accept header naming text/csv. */
const wantsCsv = (format: string | undefined, accept: string | undefined) => format === 'csv' || (format === undefined && /\btext\/csv\b/i.test(accept ?? ''));

export const reportRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const useCaseDeps = { db: deps.db, policy: deps.policy, clock: deps.clock ?? systemClock };
    const timeZone = bankTimeZone(deps.policy);

    app.get(
      '/reports/sla',
      {
        preHandler: requireRoles(...SLA_REPORT_ROLES),
        schema: {
          tags: ['reports'],
          summary: '§5.2 SLA report: counts by status, breach rate, mean and p90 hours to first response and to resolution — overall, by department, by customer type',
          description:
            `${rolesNote(SLA_REPORT_ROLES)} Cases registered in [from, to): from and to are dates YYYY-MM-DD (start of that day, bank time zone) or ISO instants, ` +
            `to after from, at most ${MAX_REPORT_DAYS} days; 400 naming the field otherwise. JSON by default; CSV (a header row, one row per group, ` +
            'as an attachment) with format=csv or `Accept: text/csv`. Breached: no first response by the response deadline (targetAt). ' +
            'Hours are wall-clock hours from registration, mean and 90th percentile (linear interpolation), 1 decimal; the report’s `definitions` say what each figure means.',
          querystring: doc(slaReportQuery(timeZone)),
          produces: ['application/json', 'text/csv'],
        },
      },
      async (req, reply) => {
        const report = await slaReport(useCaseDeps, actorOf(req), req.query);
        reply.header('cache-control', 'no-store');
        if (!wantsCsv(requestedFormat(req.query, timeZone), req.headers.accept)) return reply.send(report);
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${slaReportFilename(report)}"`)
          .send(slaReportCsv(report));
      },
    );
  };
