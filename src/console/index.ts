/**
 * The staff console (issue 12): server-rendered pages for staff, served by the API under /console,
 * progressively enhanced by small scripts in src/console/public/ (no inline scripts or styles: the
 * Content-Security-Policy has no 'unsafe-inline'). §3.1: a signed-in session (cookie HttpOnly,
 * SameSite=Lax, Secure outside localhost; store in PostgreSQL, idle timeout, sign-out), CSRF on
 * every form, the API's own roles, customer scope and read audit.
 *
 * ── Adding a page ────────────────────────────────────────────────────────────────────────────────
 * 1. A module src/console/pages/<name>.ts exporting a ConsolePage: `(app, deps) => void` that
 *    registers its routes on `app` (paths relative to /console, e.g. '/supervisor'):
 *
 *      export const supervisorPage: ConsolePage = (app, deps) => {
 *        app.get('/supervisor', async (request, reply) => {
 *          const actor = pageActor(request);                  // src/console/page.ts — the API's Actor
 *          const page = await listTasks(deps.useCases, actor, { … });   // the SAME use case as GET /tasks
 *          return renderPage(request, reply, 'supervisor', { title: 'Supervisor', nav: 'supervisor', page });
 *        });
 *        app.post('/supervisor/reassign', async (request, reply) => {
 *          try { await reassignFeedback(deps.useCases, pageActor(request), …, request.body); }
 *          catch (err) { const e = errorsOf(err);              // field errors next to their fields
 *            return renderPage(request, reply, 'supervisor', { …, fieldErrors: e.fieldErrors, formError: e.formError }, e.status); }
 *          flash(request, 'info', 'Case reassigned');          // shown once on the next page
 *          return reply.redirect('/console/supervisor', 303);  // post/redirect/get
 *        });
 *      };
 *
 *    Every route needs a signed-in session unless it says `config: { consolePublic: true }`; every
 *    POST (form body, application/x-www-form-urlencoded) is checked for the CSRF token, which
 *    `renderPage` gives the view as `it.csrfToken` — put `<%~ include('/partials/csrf', it) %>` in
 *    each <form method="post">. Role checks and the RM's customer scope come from the use cases
 *    (403 / 404 pages); never query customer data around them (§3.1 every read audited).
 * 2. A view src/console/views/<name>.eta starting with `<% layout('/layout') %>`; `it` holds
 *    what you passed plus `actor`, `csrfToken`, `flash`, `fieldErrors`, `values`. Field errors:
 *    `<%~ include('/partials/field-error', { fieldErrors: it.fieldErrors, field: 'reason' }) %>`.
 *    Label every input; keep contrast (axe-core runs on each page in the browser tests).
 * 3. Add it to CONSOLE_PAGES in src/api/routes/console.ts, and a navigation entry in
 *    views/layout.eta if it is a top-level page.
 * CSS and JS: files under src/console/public/ (served at /console/assets/), no inline style or script.
 */
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCookie, { Signer } from '@fastify/cookie';
import fastifySession from '@fastify/session';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Policy } from '../policy/policy';
import type { KeyRing } from '../security/keyring';
import type { WorkflowStarter } from '../outbox/workflow-starts';
import { AuthenticationError, ForbiddenError, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { NotFoundError, ValidationError } from '../shared/errors';
import { outageOf, RETRY_AFTER_SECONDS } from '../api/outage';
import { writeAudit } from '../audit/audit-log';
import { secureCookie, type ConsoleSettings } from './config';
import { renderPage, safeNext } from './page';
import { formatDuration } from './format';
import { inboxCounts } from './inbox';
import type { PrismaSessionStore } from './session-store';
import { renderSignIn, type SignInContext, type SignInProvider, type SignInPageState } from './sign-in';

const parseCookies = (header: string) => fastifyCookie.parse(header);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A console route that needs no signed-in session (sign-in pages, assets). */
    consolePublic?: boolean;
  }
}

/** The session cookie's name (also read by the Temporal codec routes, src/api/server.ts). */
export const CONSOLE_COOKIE = 'ccm_console';
/** The console's URL prefix. */
export const CONSOLE_PREFIX = '/console';
/**
 * Views and assets are files of src/console/, read at run time: beside this module when it runs from
 * source (tsx, jest), and from src/console/ when it runs compiled from dist/ (tsc does not copy them;
 * the image keeps src/, Dockerfile).
 */
const consoleDir = (dir: string) => {
  const here = path.join(__dirname, dir);
  return existsSync(here) ? here : path.resolve(__dirname, '../../../src/console', dir);
};
export const VIEWS_DIR = consoleDir('views');
export const ASSETS_DIR = consoleDir('public');

/** What the console's pages may use: the API's dependencies (for the use cases) and the console's own. */
export interface ConsoleDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  ring: KeyRing;
  clock: Clock;
  starter?: WorkflowStarter;
  settings: ConsoleSettings;
  store: PrismaSessionStore;
  providers: readonly SignInProvider[];
  /** Sends an email (the emailed sign-in link); absent when the API has no SMTP (that provider is then off). */
  sendMail?: (mail: { to: string; subject: string; text: string; html: string }) => Promise<void>;
  /** The deps object the JSON routes pass to use cases, ready to pass on: `{ db, temporal, policy, ring, clock, … }`. */
  useCases: ConsoleUseCaseDeps;
  /**
   * The Temporal UI's address as staff's browsers reach it (the customer page links each open process
   * there): TEMPORAL_UI_URL, else the first of CODEC_CORS_ORIGINS (the UI's origin); absent → http://localhost:8233.
   */
  temporalUiUrl?: string;
}

/** The dependencies the use cases take (a superset of what each needs), as the JSON routes build them. */
export interface ConsoleUseCaseDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  ring: KeyRing;
  clock: Clock;
  starter?: WorkflowStarter;
  log: (line: string) => void;
  warn: (fields: Record<string, unknown>, message: string) => void;
}

/** A console page module: registers its routes (relative to /console) on the console's scope. */
export type ConsolePage = (app: FastifyInstance, deps: ConsoleDeps) => void | Promise<void>;

/** The session cookie's signing secret, derived from the ring's blind-index key for this purpose only (as the survey link's key). */
export function sessionSecret(ring: KeyRing): string {
  return createHmac('sha256', ring.blindIndexKey).update('console-session-v1', 'utf8').digest('hex');
}

/** The actor of a signed-in session: the API's Actor (staff id and roles, read fresh with the session). */
export function sessionActor(session: { staffId?: string; signedInAt?: number; staff?: { roles: Actor['roles']; active: boolean } } | null | undefined, now: Date, maxSessionMs: number): Actor | undefined {
  if (!session?.staffId || !session.staff?.active) return undefined;
  if (session.signedInAt === undefined || now.getTime() - session.signedInAt >= maxSessionMs) return undefined;
  return { staffId: session.staffId, roles: session.staff.roles };
}

/**
 * The actor of the console session whose cookie a request carries, outside the console's own routes
 * (the Temporal UI's codec calls, src/api/server.ts): the cookie's signature checked with the
 * session secret, the session read from the store (idle timeout, staff active, maximum age), or undefined.
 */
export function sessionCookieReader(store: PrismaSessionStore, ring: KeyRing, settings: ConsoleSettings, clock: Clock): (request: FastifyRequest) => Promise<Actor | undefined> {
  const signer = new Signer(sessionSecret(ring), 'sha256');
  return async (request) => {
    const header = request.headers.cookie;
    if (!header) return undefined;
    const value = parseCookies(header)[CONSOLE_COOKIE];
    if (!value) return undefined;
    const unsigned = signer.unsign(value);
    if (!unsigned.valid || !unsigned.value) return undefined;
    const session = await store.read(unsigned.value);
    return sessionActor(session, clock.now(), settings.maxSessionMs);
  };
}

/** To the sign-in page, coming back to `next` afterwards (GET: this page; a POST: the page it came from). */
function toSignIn(request: FastifyRequest, reply: FastifyReply, ended = false): FastifyReply {
  const back = request.method === 'GET' ? request.url : safeNext(request.headers.referer ? refererPath(request.headers.referer) : undefined);
  const location = `${CONSOLE_PREFIX}/sign-in?next=${encodeURIComponent(safeNext(back))}${ended ? '&ended=1' : ''}`;
  return reply.redirect(location, 303);
}

function refererPath(referer: string): string | undefined {
  try {
    const url = new URL(referer);
    return url.pathname + url.search;
  } catch {
    return undefined;
  }
}

/** The console as a Fastify plugin: register with `{ prefix: '/console' }` (src/api/routes/console.ts). */
export function consolePlugin(deps: ConsoleDeps, pages: readonly ConsolePage[]): FastifyPluginAsync {
  return async (root) => {
    const { settings } = deps;
    // Assets outside the session's scope: no session read or write for a stylesheet.
    await root.register(fastifyStatic, { root: ASSETS_DIR, prefix: '/assets/', index: false, cacheControl: true, maxAge: '1h' });
    // The live counts (console.js polls them every 30 s) are read outside the session's scope too:
    // the session is read, never saved, so an open tab polling does not keep an idle session alive.
    const readActor = sessionCookieReader(deps.store, deps.ring, settings, deps.clock);
    root.get('/inbox/counts', { config: { consolePublic: true } }, async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const actor = await readActor(request);
      if (!actor) return reply.code(401).send({ error: 'unauthenticated', message: 'sign in to the console' });
      return reply.send(await inboxCounts(deps, actor));
    });
    await root.register(async (app) => {
      // Forms: every console POST takes application/x-www-form-urlencoded (src/api/body.ts lets a form
      // through only on routes with `acceptsForm`).
      app.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), acceptsForm: true };
      });
      await app.register(fastifyFormbody);
      await app.register(fastifyCookie);
      await app.register(fastifySession, {
        secret: sessionSecret(deps.ring),
        cookieName: CONSOLE_COOKIE,
        store: deps.store,
        saveUninitialized: false,
        rolling: true,
        // Path '/': the Temporal UI's codec calls (/codec/…) carry it too (src/api/server.ts).
        cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookie(settings.publicBaseUrl), maxAge: settings.idleTimeoutMs },
      });
      await app.register(fastifyCsrf, { sessionPlugin: '@fastify/session' });
      await app.register(fastifyView, {
        engine: { eta: new Eta({ views: VIEWS_DIR, cache: process.env.NODE_ENV !== 'development' }) },
        root: VIEWS_DIR,
        production: process.env.NODE_ENV !== 'development',
      });

      // Every route needs a signed-in session unless it is public; every POST a valid CSRF token.
      app.addHook('preHandler', async (request, reply) => {
        const isPublic = request.routeOptions.config.consolePublic === true || request.is404;
        if (!isPublic) {
          const actor = sessionActor(request.session, deps.clock.now(), settings.maxSessionMs);
          if (!actor) {
            if (request.session?.staffId) {
              // Signed in once, but the staff member is inactive now or the session outlived its maximum.
              await request.session.destroy();
            }
            // A cookie that no longer finds a session: it ended (idle, signed out elsewhere, expired).
            return toSignIn(request, reply, request.cookies[CONSOLE_COOKIE] !== undefined);
          }
          request.actor = actor;
        }
        return undefined;
      });
      // After the session check (hooks run in order): a POST without a valid token is refused (403 page), nothing written.
      app.addHook('preHandler', (request, reply, done) => {
        if (request.method !== 'POST') return done();
        app.csrfProtection(request, reply, done);
      });

      app.setNotFoundHandler(async (request, reply) => renderPage(request, reply, 'error', { title: 'Not found', message: 'There is no such page in the console.' }, 404));
      app.setErrorHandler(async (error: unknown, request, reply) => consoleErrorPage(error, request, reply));

      const ctx: SignInContext = {
        db: deps.db,
        clock: deps.clock,
        settings,
        showSignIn: (request, reply, state?: SignInPageState) => renderSignIn(request, reply, deps.providers, state),
        async complete(request, reply, staffId, method, next) {
          const staff = await deps.db.staffMember.findUnique({ where: { id: staffId }, select: { active: true } });
          if (!staff?.active) return renderSignIn(request, reply, deps.providers, { status: 401, error: 'this staff member is inactive: ask an administrator' });
          await request.session.regenerate(); // a new session id: no fixation, and the CSRF secret renewed
          request.session.staffId = staffId;
          request.session.signedInAt = deps.clock.now().getTime();
          request.session.signInMethod = method;
          await writeAudit(deps.db, { actorStaffId: staffId, action: 'staff.console.sign_in', entity: 'StaffMember', entityId: staffId, changes: { method: { before: null, after: method } }, requestId: request.id });
          request.log.info({ audit: { kind: 'console.sign_in', staffId, method, outcome: 'ok' } }, 'console sign-in');
          return reply.redirect(safeNext(next), 303);
        },
      };

      app.get('/sign-in', { config: { consolePublic: true } }, async (request, reply) => {
        const signedOut = (request.query as { signedOut?: unknown }).signedOut === '1';
        const ended = (request.query as { ended?: unknown }).ended === '1';
        const notice = signedOut
          ? 'You have signed out.'
          : ended
            ? `Your session has ended (signed out, or no activity for ${formatDuration(settings.idleTimeoutMs)}). Sign in again.`
            : undefined;
        return renderSignIn(request, reply, deps.providers, notice ? { notice } : {});
      });
      for (const provider of deps.providers) provider.routes(app, ctx);

      app.post('/sign-out', async (request, reply) => {
        const staffId = request.actor?.staffId;
        await request.session.destroy();
        reply.clearCookie(CONSOLE_COOKIE, { path: '/' });
        if (staffId) await writeAudit(deps.db, { actorStaffId: staffId, action: 'staff.console.sign_out', entity: 'StaffMember', entityId: staffId, changes: { session: { before: 'open', after: 'ended' } }, requestId: request.id });
        request.log.info({ audit: { kind: 'console.sign_out', staffId } }, 'console sign-out');
        return reply.redirect(`${CONSOLE_PREFIX}/sign-in?signedOut=1`, 303);
      });

      for (const page of pages) await page(app, deps);
    });
  };
}

/** An error as a console page: the sign-in page for no session, 403/404/400 pages with the reason, 503 for an outage. */
async function consoleErrorPage(error: unknown, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const err = error as FastifyError;
  if (error instanceof AuthenticationError) return toSignIn(request, reply);
  if (err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET') {
    return renderPage(request, reply, 'error', { title: 'Form expired', message: 'This form was not sent from a current console page (its security token is missing or out of date). Go back, reload the page and try again.' }, 403);
  }
  if (error instanceof ForbiddenError) return renderPage(request, reply, 'error', { title: 'Not allowed', message: error.message }, 403);
  if (error instanceof NotFoundError) return renderPage(request, reply, 'error', { title: 'Not found', message: error.message }, 404);
  if (error instanceof ValidationError) return renderPage(request, reply, 'error', { title: 'Bad request', message: error.message }, 400);
  if (err.statusCode && err.statusCode < 500) return renderPage(request, reply, 'error', { title: 'Bad request', message: err.message }, err.statusCode);
  const outage = outageOf(error);
  if (outage) {
    reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return renderPage(request, reply, 'error', { title: 'Temporarily unavailable', message: `${outage.message} Try again in a moment.` }, 503);
  }
  request.log.error({ err }, 'console: unhandled error');
  return renderPage(request, reply, 'error', { title: 'Something went wrong', message: 'The console could not show this page. The error was logged; try again or tell the operations team.' }, 500);
}

