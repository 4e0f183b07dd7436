/**
 * The API's share of observability (src/api/server.ts wires it):
 *
 * - Request ids: an incoming `X-Request-Id` of up to 128 characters from [A-Za-z0-9._:-] (a UUID,
 *   a trace id, a load balancer's id) is the request's id; anything else, or none, gets a new UUID.
 *   Every log line of the request carries it as `reqId`, the audit record of a change made by it
 *   as requestId, and the response echoes it in `X-Request-Id`.
 * - At LOG_LEVEL=debug the API logs each request's headers and body as it received them, with
 *   §3.1 personal data and credentials redacted (redaction.ts): what a refused request carried,
 *   without what it must not show.
 * - Every response is counted and timed by route pattern (metrics.ts).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { componentLogger, type Logger, type LogLevel } from './logger';
import type { ApiMetrics } from './metrics';

export const REQUEST_ID_HEADER = 'x-request-id';
/** What an incoming request id may look like (anything else is replaced: no log injection). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the caller's X-Request-Id when well-formed, else a new UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given !== undefined && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/** Fastify's logging options: our redacting logger (or the one given), request ids from X-Request-Id. */
export function apiLoggingOptions(opts: { logger?: Logger | undefined; level?: string | undefined }) {
  const level = (opts.level ?? 'info') as LogLevel;
  return {
    // pino's Logger is a FastifyBaseLogger; typed as one, the app keeps Fastify's default instance type.
    loggerInstance: (opts.logger ?? componentLogger('api', level)) as FastifyBaseLogger,
    // Request lines carry it as `reqId`, Fastify's default label (the option is deprecated in Fastify 5).
    genReqId: (req: IncomingMessage) => requestIdFrom(req.headers[REQUEST_ID_HEADER]),
  };
}

/** Adds the request-id echo, the debug request log and the request metrics to `app` (before its routes). */
export function instrumentApi(app: FastifyInstance, metrics: ApiMetrics): void {
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    return payload;
  });
  app.addHook('preValidation', async (request) => {
    // Fastify's request logger is a pino child (apiLoggingOptions): it can say which levels are on.
    if ((request.log as unknown as Logger).isLevelEnabled('debug')) request.log.debug({ headers: request.headers, body: request.body }, 'request received');
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest({ method: request.method, route: request.routeOptions.url, statusCode: reply.statusCode, seconds: reply.elapsedTime / 1000 });
  });
}
