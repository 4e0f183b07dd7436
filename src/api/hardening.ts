/**
 * Issue 13 hardening of the HTTP API, §3.1 "customer data is protected … in transit, access is
 * granted by role and need":
 *
 * - **Security headers** (@fastify/helmet) on every answer: a strict Content-Security-Policy for the
 *   staff console's pages (scripts, styles, images and fonts from this origin only — the console's
 *   files under /console/assets/ — no 'unsafe-inline', forms post to this origin only, no framing),
 *   HSTS, nosniff, no referrer, same-origin opener. Two routes keep their own policy: the Swagger UI
 *   (/docs…) gets DOCS_CSP (it styles its elements inline), and the survey page (/survey/:token) sets
 *   its own stricter header (src/feedback/survey-page.ts). The Temporal codec routes (/codec/…) keep
 *   their CORS for the Temporal UI and may be read cross-origin (Cross-Origin-Resource-Policy).
 * - **Rate limits** (@fastify/rate-limit), values in the policy (`security.rateLimits`):
 *   `perApiKey` — requests per window per API key on every authenticated route; `authFailuresPerIp`
 *   — failed authentications (answers 401) per window per client address: once an address has `max`
 *   of them, every request from it is answered 429 until the window ends, before its key is even
 *   looked at (a brute force of keys cannot try one more, and a valid key from elsewhere still works).
 *   Both answer 429 `{ error: 'rate_limited', message }` with Retry-After (seconds).
 *
 * Counters are per API process (the plugin's in-memory store): with N replicas a client gets up to N×
 * the limit, which is why the defaults are tight. Behind a reverse proxy set API_TRUST_PROXY so the
 * client's address, not the proxy's, is counted (src/config/env.ts).
 */
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { durationMs } from '../policy/duration';
import type { SecurityPolicy } from '../policy/policy';

export type RateLimits = SecurityPolicy['rateLimits'];

/** The CSP of every answer but the Swagger UI's and the survey's: the console's pages load only their own files. */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
} as const;

/**
 * The Swagger UI's CSP (/docs…): its scripts and styles are files of this origin, but React sets
 * style attributes, so styles may be inline there (never scripts); the try-it-out calls go to this origin.
 */
export const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/** 429 from either limit; the error handler answers `{ error: 'rate_limited', message }`, the Retry-After header is set. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  readonly statusCode = 429;
  readonly code = 'rate_limited';
}

const isDocs = (url: string) => url === '/docs' || url.startsWith('/docs/') || url.startsWith('/docs?');

/** Security headers on every answer (register before the routes). */
export async function secureHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { ...CSP_DIRECTIVES } },
    // Same-origin for everything but the codec routes (below), which the Temporal UI reads from its own origin.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });
  app.addHook('onSend', async (request, reply) => {
    const path = request.url;
    if (isDocs(path)) reply.header('content-security-policy', DOCS_CSP);
    else if (path.startsWith('/codec/')) reply.header('cross-origin-resource-policy', 'cross-origin');
  });
}

/**
 * Both rate limits (register before the routes and before the authentication hook: the per-address
 * block must answer before a key is looked up).
 */
export async function rateLimitRequests(app: FastifyInstance, limits: RateLimits): Promise<void> {
  const perKeyWindowMs = durationMs(limits.perApiKey.window);
  await app.register(rateLimit, {
    global: true,
    max: limits.perApiKey.max,
    timeWindow: perKeyWindowMs,
    // After authentication, so the request's key is known; public and refused requests are not counted here.
    hook: 'preHandler',
    keyGenerator: (request: FastifyRequest) => `key:${request.apiKeyId ?? ''}`,
    allowList: (request: FastifyRequest) => !request.apiKeyId,
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(`rate limit of this API key exceeded: ${context.max} requests per ${limits.perApiKey.window} (policy security.rateLimits.perApiKey, §3.1); retry in ${context.after}`),
  });

  const failures = limits.authFailuresPerIp;
  // Counts 401s by client address; `allowList: []` so the per-key limit's exemption of unauthenticated requests does not apply here.
  const failuresOf = app.createRateLimit({ max: failures.max, timeWindow: durationMs(failures.window), keyGenerator: (request) => `auth-failure:${request.ip}`, allowList: [] });
  const blockedMessage = `too many failed authentications from this address: at most ${failures.max} per ${failures.window} (policy security.rateLimits.authFailuresPerIp, §3.1)`;

  // Before the key is looked up: an address with `max` failures in the window is answered 429 until the window ends.
  app.addHook('onRequest', async (request, reply) => {
    const seen = await failuresOf(request, { increment: false });
    if (seen.isAllowed || seen.remaining > 0) return;
    request.log.warn({ remoteAddress: request.ip, failures: failures.max, window: failures.window }, 'authentication failures: address cut off until the window ends (§3.1)');
    return reply
      .code(429)
      .header('retry-after', String(Math.max(1, seen.ttlInSeconds)))
      .send({ error: 'rate_limited', message: `${blockedMessage}; retry in ${Math.max(1, seen.ttlInSeconds)} s` });
  });
  // Every answer 401 (a missing, malformed, unknown, expired or revoked key; a refused codec or metrics caller) is one failure.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 401) await failuresOf(request);
    return payload;
  });
}
