/**
 * GET /metrics: the API's Prometheus metrics (src/observability/metrics.ts) — requests by route and
 * status, latency histograms, the business gauges read at scrape time, process metrics.
 *
 * Who may read it (§3.1: the gauges are counts only, no personal data, but they describe the bank's
 * workload and no one reads beyond their need):
 * - METRICS_TOKEN unset: callers on the loopback interface only (127.0.0.1, ::1) — `npm start`, an
 *   agent on the same host; anyone else 403.
 * - METRICS_TOKEN set: `Authorization: Bearer <METRICS_TOKEN>` from everyone, loopback included
 *   (a reverse proxy on the same host would otherwise make every caller look local); without it or
 *   with another value 401. docker-compose's Prometheus sends it (deploy/prometheus/).
 * Not a staff API key: a scraper is not a member of staff, and its token opens nothing else.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ApiMetrics } from '../../observability/metrics';

export const METRICS_ROUTE = '/metrics';
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export type MetricsAccess = 'allowed' | 'unauthenticated' | 'forbidden';

const digest = (v: string) => createHash('sha256').update(v).digest();

/** Whether `request` may read the metrics (see the module comment). */
export function metricsAccess(request: Pick<FastifyRequest, 'ip' | 'headers'>, token: string | undefined): MetricsAccess {
  if (!token) return LOOPBACK.has(request.ip) ? 'allowed' : 'forbidden';
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  // Compared as digests: constant time, whatever the lengths.
  return match && timingSafeEqual(digest(match[1]!), digest(token)) ? 'allowed' : 'unauthenticated';
}

export const metricsRoutes =
  (deps: { metrics: ApiMetrics; token?: string | undefined }): FastifyPluginAsync =>
  async (app) => {
    app.get(
      METRICS_ROUTE,
      {
        schema: {
          tags: ['operations'],
          summary: 'Prometheus metrics',
          description:
            'Requests by route and status, latency histograms, business gauges (open feedback cases by status, SLA breaches, overdue periodic reviews, onboarding queue, e-mails by status) and process metrics, in the Prometheus text format. ' +
            'Loopback callers only, unless METRICS_TOKEN is set: then `Authorization: Bearer <METRICS_TOKEN>` (§3.1).',
          security: [],
        },
      },
      async (request, reply) => {
        const access = metricsAccess(request, deps.token);
        if (access === 'unauthenticated') {
          return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthenticated', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' });
        }
        if (access === 'forbidden') {
          return reply.code(403).send({ error: 'forbidden', message: 'GET /metrics answers loopback callers only unless METRICS_TOKEN is set' });
        }
        return reply.header('content-type', deps.metrics.contentType).header('cache-control', 'no-store').send(await deps.metrics.render());
      },
    );
  };
