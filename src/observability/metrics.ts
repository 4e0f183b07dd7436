/**
 * The API's Prometheus metrics (prom-client), served by GET /metrics (src/api/routes/metrics.ts):
 *
 * - `ccm_http_requests_total{method,route,status_code}` — requests answered, by route pattern
 *   (`/customers/:id`, never the raw URL: ids and tokens stay out of label values, and the number of
 *   series stays bounded; a request no route matched is `(unmatched)`).
 * - `ccm_http_request_duration_seconds{method,route,status_code}` — latency histogram, from the
 *   request's arrival to the response sent (HTTP_DURATION_BUCKETS_SECONDS).
 * - the business gauges of src/observability/business-gauges.ts, read at scrape time, with
 *   `ccm_business_gauges_up` (1: read; 0: the database did not answer — the HTTP metrics are still
 *   served) and `ccm_business_gauges_read_seconds`.
 * - the Node.js process metrics (`ccm_process_*`, `ccm_nodejs_*`: CPU, memory, event-loop lag, GC).
 *
 * Each API instance has its own registry (tests build several in one process). With several API
 * replicas, every replica reports the same business gauges: aggregate them with max(), not sum().
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/client';
import type { Clock } from '../shared/clock';
import { readBusinessGauges, SLA_DEADLINES, type BusinessGauges } from './business-gauges';

/** Latency buckets in seconds: 5 ms (a health check) to 10 s (a request waiting on a slow dependency). */
export const HTTP_DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The `route` label of a request that matched no route (a 404): one series, whatever the URL. */
export const UNMATCHED_ROUTE = '(unmatched)';
export const METRIC_PREFIX = 'ccm_';

export interface ApiMetrics {
  registry: Registry;
  observeRequest(request: { method: string; route: string | undefined; statusCode: number; seconds: number }): void;
  /** The exposition text (reads the business gauges first). */
  render(): Promise<string>;
  contentType: string;
}

export function createApiMetrics(deps: { db: Db; clock: Clock }): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({ name: `${METRIC_PREFIX}http_requests_total`, help: 'HTTP requests answered, by method, route pattern and status code.', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request latency in seconds, by method, route pattern and status code.',
    labelNames,
    buckets: HTTP_DURATION_BUCKETS_SECONDS,
    registers: [registry],
  });

  const feedbackOpen = new Gauge({ name: `${METRIC_PREFIX}feedback_cases_open`, help: '§5.2 feedback cases not closed, by status.', labelNames: ['status'], registers: [registry] });
  const slaBreached = new Gauge({
    name: `${METRIC_PREFIX}feedback_sla_breached`,
    help: '§5.2 open feedback cases without a first response past their deadline (target: targetAt; hard_limit: hardLimitAt).',
    labelNames: ['deadline'],
    registers: [registry],
  });
  const reviewsOverdue = new Gauge({ name: `${METRIC_PREFIX}periodic_reviews_overdue`, help: '§3.2 periodic-review tasks open past their overdue time.', registers: [registry] });
  const onboardingQueue = new Gauge({ name: `${METRIC_PREFIX}onboarding_queue`, help: '§2.3 customers waiting for the audit team, by status.', labelNames: ['status'], registers: [registry] });
  const emails = new Gauge({ name: `${METRIC_PREFIX}emails`, help: 'E-mail notifications by delivery status (FAILED: the last attempt failed; it is retried).', labelNames: ['status'], registers: [registry] });
  const up = new Gauge({ name: `${METRIC_PREFIX}business_gauges_up`, help: '1 when the business gauges were read from the database at this scrape, 0 when it did not answer.', registers: [registry] });
  const readSeconds = new Gauge({ name: `${METRIC_PREFIX}business_gauges_read_seconds`, help: 'Time the business gauges took to read at this scrape.', registers: [registry] });

  const set = (g: BusinessGauges) => {
    for (const [status, n] of Object.entries(g.feedbackOpen)) feedbackOpen.set({ status }, n);
    for (const deadline of SLA_DEADLINES) slaBreached.set({ deadline }, g.slaBreached[deadline]);
    reviewsOverdue.set(g.periodicReviewsOverdue);
    for (const [status, n] of Object.entries(g.onboardingQueue)) onboardingQueue.set({ status }, n);
    for (const [status, n] of Object.entries(g.emails)) emails.set({ status }, n);
  };

  return {
    registry,
    contentType: registry.contentType,
    observeRequest({ method, route, statusCode, seconds }) {
      const labels = { method, route: route ?? UNMATCHED_ROUTE, status_code: String(statusCode) };
      requests.inc(labels);
      duration.observe(labels, seconds);
    },
    async render() {
      const started = performance.now();
      try {
        set(await readBusinessGauges(deps.db, deps.clock.now()));
        up.set(1);
      } catch {
        // The last values read stay; up says they are stale. The HTTP metrics are served regardless.
        up.set(0);
      }
      readSeconds.set((performance.now() - started) / 1000);
      return registry.metrics();
    },
  };
}
