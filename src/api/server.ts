/**
 * The HTTP API (Fastify). Request bodies are validated by the use cases' zod schemas (the same
 * ones the CLI uses), which also generate the OpenAPI document served at /docs.
 *
 * §3.1: every route except GET /health, /docs… and the codec routes (own `authorize`) needs a staff
 * API key (src/api/authentication.ts); roles are checked per route and again in the use cases.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Policy } from '../policy/policy';
import type { KeyRing } from '../security/keyring';
import { ConflictError, NotFoundError, RuleRefusalError, ValidationError } from '../shared/errors';
import { systemClock, type Clock } from '../shared/clock';
import { healthRoutes } from './routes/health';
import { reminderRoutes } from './routes/reminders';
import { staffRoutes } from './routes/staff';
import { mailRoutes, type MailboxReader } from './routes/mail';
import { codecRoutes } from './routes/codec';
import { surveyRoutes } from './routes/survey';
import { reportRoutes } from './routes/reports';
import type { PayloadCodec } from '@temporalio/common';
import { authenticate, AuthenticationError, ForbiddenError, type Actor } from '../security/auth';
import { authenticateRequests } from './authentication';
import { outageOf, RETRY_AFTER_SECONDS } from './outage';
import { acceptOnlyWellFormedRequests } from './body';
import { idempotentRequests } from './idempotency';
import { DOCS_CSP, rateLimitRequests, secureHeaders, type RateLimits } from './hardening';
import { WorkflowStarter } from '../outbox/workflow-starts';
import { customerRoutes } from './routes/customers';
import { reviewRoutes } from './routes/reviews';
import { auditRoutes } from './routes/audit';
import { lifecycleRoutes } from './routes/lifecycle';
import { taskRoutes } from './routes/tasks';
import { departmentRoutes } from './routes/departments';
import { feedbackRoutes } from './routes/feedback';
import { riskRoutes } from './routes/risk';
import { productRoutes } from './routes/products';
import { staffAssessmentRoutes } from './routes/staff-assessment';
import { trainingRoutes } from './routes/training';
import { metricsRoutes } from './routes/metrics';
import { apiLoggingOptions, instrumentApi } from '../observability/http';
import type { Logger } from '../observability/logger';
import { createApiMetrics } from '../observability/metrics';
import { consoleRoutes, consoleSessionReader } from './routes/console';
import { CONSOLE_PREFIX } from '../console/index';
import type { ConsoleSettingsInput } from '../console/config';
import type { Mailer } from '../mail/mailer';

export interface ApiDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  /** §3.1 key ring for encrypted fields and blind indexes. */
  ring: KeyRing;
  /** The embedded SMTP sink, when `npm start` runs one: GET /mail lists what was sent. */
  mailbox?: MailboxReader;
  logLevel?: string;
  /** §3.1: serves /codec/decode for the Temporal UI when given. */
  codec?: PayloadCodec;
  codecCorsOrigins?: string[];
  /** Issue 12: the Temporal UI the console's process links open (TEMPORAL_UI_URL); default: the first codecCorsOrigins. */
  temporalUiUrl?: string;
  /** Development only: the codec endpoint answers loopback callers without an API key. */
  codecOpenOnLoopback?: boolean;
  /** Time for use cases and API-key `lastUsedAt`; tests may pass a fixed clock. Default: the system clock. */
  clock?: Clock;
  /** The SMTP server the worker sends through: GET /health checks it with `verify()`. */
  smtp?: { verify(): Promise<void> };
  /** True while the process still waits for a dependency at start-up: /health says 'starting' (src/api/main.ts). */
  startingUp?: () => boolean;
  /**
   * Workflow starts after commit (src/outbox). Default: one for this API, whose reconciler runs every
   * second while the API is up (any number of API processes may run it) unless `reconcile` is false.
   */
  starter?: WorkflowStarter;
  reconcile?: boolean;
  /**
   * §3.1 rate limits (src/api/hardening.ts): the API processes pass the policy's
   * `security.rateLimits` (src/api/main.ts, src/cli/start.ts); without them no request is limited
   * (tests that make thousands of requests from one address and key).
   */
  rateLimits?: RateLimits;
  /** Fastify's trustProxy (API_TRUST_PROXY): whose X-Forwarded-For gives the client address the per-address limit counts. */
  trustProxy?: boolean | string[];
  /** The logger (src/observability/logger.ts); default: the process's, component `api`, at `logLevel`. Tests pass one that captures the lines. */
  logger?: Logger;
  /** METRICS_TOKEN: GET /metrics then needs it as a bearer token; unset: loopback callers only (src/api/routes/metrics.ts). */
  metricsToken?: string;
  /** Where staff and customers reach the API (PUBLIC_BASE_URL): the console's links and its cookie's Secure flag (issue 12). */
  publicBaseUrl?: string;
  /** The staff console's session settings (src/console/config.ts); defaults when absent. */
  console?: ConsoleSettingsInput;
  /** Sends the console's emailed sign-in links; without it (and without a sending `smtp`) that way of signing in is off. */
  mailer?: Mailer;
}

/** Who may read decoded Temporal payloads in the UI (§3.1: by role and need). */
export const CODEC_ROLES: Actor['roles'] = ['ADMIN', 'AUDITOR', 'SUPERVISOR', 'RISK_OFFICER'];

/** Request bodies above this are refused with 413 (the largest legitimate body is a few hundred bytes). */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** A request URL as the logs may show it (§5.2 no survey token, §3.1 no personal data): src/observability/logger.ts. */
export { loggableUrl } from '../observability/logger';

export async function buildApi(given: ApiDeps): Promise<FastifyInstance> {
  const deps: ApiDeps = { ...given, starter: given.starter ?? new WorkflowStarter({ db: given.db, temporal: given.temporal }) };
  const app = Fastify({
    // pino with §3.1 redaction, request ids from X-Request-Id (src/observability/http.ts).
    ...apiLoggingOptions({ logger: deps.logger, level: deps.logLevel }),
    bodyLimit: BODY_LIMIT_BYTES,
    ...(deps.trustProxy !== undefined ? { trustProxy: deps.trustProxy } : {}),
  });
  // Validation is the use cases' job (one path for API and CLI); schemas here document the API.
  app.setValidatorCompiler(() => (data: unknown) => ({ value: data }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // X-Request-Id echoed, requests counted and timed by route (src/observability/); GET /metrics below.
  const metrics = createApiMetrics({ db: deps.db, clock: deps.clock ?? systemClock });
  instrumentApi(app, metrics);

  app.setErrorHandler((error: unknown, _req, reply) => {
    const err = error as FastifyError;
    if (error instanceof ValidationError) {
      return reply.code(400).send({ error: 'validation_failed', message: error.message, issues: error.issues });
    }
    if (error instanceof AuthenticationError) {
      // §3.1 no anonymous access: RFC 6750 challenge.
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthenticated', message: error.message });
    }
    if (error instanceof ForbiddenError) return reply.code(403).send({ error: 'forbidden', message: error.message });
    if (error instanceof NotFoundError) return reply.code(404).send({ error: 'not_found', message: error.message });
    if (error instanceof ConflictError) {
      return reply.code(409).send({ error: 'conflict', message: error.message, existing: error.existing });
    }
    if (error instanceof RuleRefusalError) {
      return reply.code(422).send({ error: 'refused', message: error.message, ...(error.issues.length ? { issues: error.issues } : {}) });
    }
    if (err.statusCode && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: err.code ?? 'bad_request', message: err.message });
    }
    // Issue 7: an outage is 503 with Retry-After naming what is down, not 500; no driver text.
    const outage = outageOf(error);
    if (outage) {
      reply.log.warn({ err, dependency: outage.dependency }, 'dependency unavailable');
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .send({ error: 'unavailable', dependency: outage.dependency, message: outage.message });
    }
    reply.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });

  // Issue 13: security headers on every answer; the rate limits' address block before the key is looked up (src/api/hardening.ts).
  await secureHeaders(app);
  if (deps.rateLimits) await rateLimitRequests(app, deps.rateLimits);
  // Before any route, so no route can be registered outside it (§3.1).
  authenticateRequests(app, deps.db, () => (deps.clock ?? systemClock).now());
  acceptOnlyWellFormedRequests(app); // JSON only (415), depth ≤ 32, no control characters in params/query (src/api/body.ts)
  idempotentRequests(app, deps.db); // Idempotency-Key on the POSTs that create (src/api/idempotency.ts)
  if (deps.reconcile !== false) {
    const reconciler = deps.starter!.runReconciler();
    app.addHook('onClose', async () => {
      await reconciler.stop();
      await deps.starter!.drain();
    });
  }

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Customer-care manager API',
        version: deps.policy.version,
        description:
          'Customers (§2.3 identification and review, §3.1 security, §3.2 updates, §4 service tiers), their lifecycle (§3.2 periodic reviews, §5.1 regular contact), ' +
          'staff tasks, reminders and escalations (§5.2), run as Temporal workflows. ' +
          'Every route except /health and /docs needs `Authorization: Bearer ccm_…` (a staff API key); roles are named per route (§3.1).',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A staff API key: ccm_…' } } },
      security: [{ bearerAuth: [] }],
    },
    // The staff console (/console…, issue 12) is HTML pages and forms for a browser session, not the JSON
    // API: it is not in the OpenAPI document (its pages and forms are described in the README).
    transform: ({ schema, url }) => ({ schema: url === CONSOLE_PREFIX || url.startsWith(`${CONSOLE_PREFIX}/`) ? { ...(schema ?? {}), hide: true } : schema, url }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP }); // its own CSP: inline styles (src/api/hardening.ts)

  await app.register(healthRoutes(deps));
  await app.register(metricsRoutes({ metrics, token: deps.metricsToken })); // Prometheus: loopback or METRICS_TOKEN
  await app.register(surveyRoutes(deps)); // public: the signed link is the credential (§5.2 survey)
  await app.register(reportRoutes(deps));
  await app.register(staffRoutes(deps));
  await app.register(reminderRoutes(deps));
  await app.register(customerRoutes(deps));
  await app.register(reviewRoutes(deps));
  await app.register(auditRoutes(deps));
  await app.register(lifecycleRoutes(deps));
  await app.register(taskRoutes(deps));
  await app.register(departmentRoutes(deps));
  await app.register(feedbackRoutes(deps));
  await app.register(riskRoutes(deps)); // §6 risk inputs and assessments (src/api/routes/risk.ts)
  await app.register(productRoutes(deps)); // §6.2 products (src/products/)
  await app.register(staffAssessmentRoutes(deps)); // §7.2 staff assessment (src/staff-assessment/)
  await app.register(trainingRoutes(deps)); // §7.1 staff training (src/training/)
  await app.register(consoleRoutes(deps)); // issue 12: the staff console's pages under /console (src/console/)
  if (deps.mailbox) await app.register(mailRoutes(deps.mailbox));
  if (deps.codec) {
    const consoleActor = consoleSessionReader(deps); // issue 12: the staff console's session (src/api/routes/console.ts)
    await app.register(
      codecRoutes({
        codec: deps.codec,
        ...(deps.codecCorsOrigins ? { corsOrigins: deps.codecCorsOrigins } : {}),
        authorize: async (request) => {
          if (!request.headers.authorization && deps.codecOpenOnLoopback && ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(request.ip)) return true;
          // Issue 12: a signed-in console session — the Temporal UI's "include cross-origin credentials" sends its cookie.
          const viaConsole = await consoleActor(request);
          if (viaConsole) return viaConsole.roles.some((r) => CODEC_ROLES.includes(r));
          const actor = await authenticate(deps.db, request.headers.authorization, new Date()).catch(() => undefined);
          return !!actor && actor.roles.some((r) => CODEC_ROLES.includes(r));
        },
      }),
    );
  }
  return app;
}
