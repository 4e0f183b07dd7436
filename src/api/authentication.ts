/**
 * §3.1 "access is granted by role and need": every API request is authenticated (per-staff API key,
 * `Authorization: Bearer ccm_…`) before its body is even read, and the Actor travels on the request
 * so each route (and the use case behind it) can check the roles it needs.
 *
 * Public, by design: GET /health (liveness for orchestrators), the OpenAPI document and Swagger UI
 * (/docs…), the Temporal codec routes (/codec/…), which run their own `authorize` (so the Temporal
 * UI's CORS preflight, which carries no credentials, is answered), and the customer's satisfaction
 * survey (GET and POST /survey/:token, §5.2), whose signed link is its credential (src/api/routes/survey.ts).
 * The staff console (/console…, issue 12) takes no API key either: its pages need a signed-in console
 * session instead, checked by the console itself (src/console/index.ts); the JSON API stays key-only.
 */
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Db } from '../db/client';
import type { StaffRole } from '../db/generated/client';
import { authenticateKey, AuthenticationError, requireRole, type Actor } from '../security/auth';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated staff member (set by the onRequest hook on every non-public route). */
    actor?: Actor;
    /** The id of the API key that authenticated the request: the per-key rate limit's key (src/api/hardening.ts). */
    apiKeyId?: string;
  }
}

/** The survey's route pattern: public, its signed token is the credential. */
export const SURVEY_ROUTE = '/survey/:token';

/** Routes that answer without an API key (see the module comment for why). */
export function isPublicRoute(method: string, path: string): boolean {
  if (path === '/health') return method === 'GET' || method === 'HEAD';
  if (path === '/docs' || path.startsWith('/docs/')) return method === 'GET' || method === 'HEAD';
  if (path === SURVEY_ROUTE) return method === 'GET' || method === 'HEAD' || method === 'POST';
  // Prometheus: its own check, loopback or METRICS_TOKEN (src/api/routes/metrics.ts).
  if (path === '/metrics') return method === 'GET';
  // The staff console: its own session check (src/console/index.ts), never an API key (issue 12).
  if (path === '/console' || path.startsWith('/console/')) return true;
  return path.startsWith('/codec/');
}

/** Adds the authentication hook to `app` (register it before the routes). */
export function authenticateRequests(app: FastifyInstance, db: Db, now: () => Date = () => new Date()): void {
  app.addHook('onRequest', async (request) => {
    // The route's pattern when one matched (never fooled by a query string or encoding); else the raw path.
    const path = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
    if (isPublicRoute(request.method, path)) return;
    const { actor, apiKeyId } = await authenticateKey(db, request.headers.authorization, now());
    request.actor = actor;
    request.apiKeyId = apiKeyId; // the per-key rate limit's key (src/api/hardening.ts)
  });
}

/** The request's actor; throws AuthenticationError (401) when the hook did not set one. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AuthenticationError('authentication required');
  return request.actor;
}

/** A route preHandler: 403 unless the actor holds one of `roles` (§3.1 "no one acts beyond their role"). */
export const requireRoles =
  (...roles: StaffRole[]): preHandlerAsyncHookHandler =>
  async (request) => {
    requireRole(actorOf(request), ...roles);
  };

/** OpenAPI: the security requirement every authenticated route carries. */
export const BEARER_SECURITY = [{ bearerAuth: [] }];

/** OpenAPI description suffix naming who may call a route. */
export const rolesNote = (roles: readonly StaffRole[] | 'any') =>
  roles === 'any' ? 'Any authenticated staff member (§3.1).' : `Roles: ${roles.join(', ')} (§3.1).`;
