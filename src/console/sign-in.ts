/**
 * §3.1 signing in to the staff console. Each way of proving who you are is a SignInProvider: it
 * shows its own form on the sign-in page and registers its own routes under /console/sign-in/<id>;
 * once it knows the staff member it calls `ctx.complete(…)`, which is the same for every provider:
 * the staff member must be active, the session gets a new id (no session fixation), and the browser
 * goes on to the page it came for. Providers today:
 *
 *   api-key     exchange of a personal API key (ccm_…, the one the JSON API takes) — src/console/sign-in.ts
 *   email-link  a one-time sign-in link emailed to the staff member's address — src/console/email-link.ts
 *
 * An OIDC provider plugs in the same way: GET /console/sign-in/oidc redirects to the identity
 * provider, GET /console/sign-in/oidc/callback checks the code and calls `ctx.complete` with the
 * staff member whose email (or subject) matches.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db/client';
import { authenticate, AuthenticationError } from '../security/auth';
import type { Clock } from '../shared/clock';
import type { ConsoleSettings } from './config';
import { renderPage, safeNext } from './page';

/** What the sign-in page shows for one provider (a partial view and its field errors). */
export interface SignInPageState {
  /** provider id → field → why */
  fieldErrors?: Record<string, Record<string, string>>;
  /** provider id → values to show again (never a secret) */
  values?: Record<string, Record<string, string>>;
  /** A message above the forms (e.g. "check your email"). */
  notice?: string;
  error?: string;
  status?: number;
}

export interface SignInContext {
  db: Db;
  clock: Clock;
  settings: ConsoleSettings;
  /** Signs the browser in as `staffId` (see the module comment) and redirects to `next`. */
  complete(request: FastifyRequest, reply: FastifyReply, staffId: string, method: string, next: unknown): Promise<FastifyReply>;
  /** Renders the sign-in page with every provider's form, and this provider's errors. */
  showSignIn(request: FastifyRequest, reply: FastifyReply, state?: SignInPageState): Promise<FastifyReply>;
}

export interface SignInProvider {
  /** URL segment and form id: /console/sign-in/<id>. */
  readonly id: string;
  /** The heading of its form on the sign-in page. */
  readonly label: string;
  /** Its form: src/console/views/sign-in/<view>.eta, rendered with { provider, csrfToken, next, fieldErrors, values }. */
  readonly view: string;
  /** Registers its routes on the console (public: no session needed; CSRF applies to POSTs). */
  routes(app: FastifyInstance, ctx: SignInContext): void;
}

/** The form body of the API-key exchange. */
export const apiKeyForm = z.object({
  apiKey: z.string().trim().min(1, 'enter your API key (ccm_…)').max(200, 'not an API key'),
  next: z.string().optional(),
});

/** Sign in by exchanging a personal API key (the one the JSON API takes, `ccm issue-key`). */
export const apiKeyProvider: SignInProvider = {
  id: 'api-key',
  label: 'Sign in with your API key',
  view: 'sign-in/api-key',
  routes(app, ctx) {
    app.post('/sign-in/api-key', { config: { consolePublic: true } }, async (request, reply) => {
      const parsed = apiKeyForm.safeParse(request.body ?? {});
      const next = (request.body as { next?: unknown } | undefined)?.next;
      if (!parsed.success) {
        return ctx.showSignIn(request, reply, { status: 400, fieldErrors: { 'api-key': { apiKey: parsed.error.issues[0]?.message ?? 'enter your API key' } }, values: { 'api-key': { next: safeNext(next) } } });
      }
      try {
        const actor = await authenticate(ctx.db, `Bearer ${parsed.data.apiKey}`, ctx.clock.now());
        return ctx.complete(request, reply, actor.staffId, 'api-key', parsed.data.next);
      } catch (err) {
        if (!(err instanceof AuthenticationError)) throw err;
        request.log.info({ audit: { kind: 'console.sign_in', method: 'api-key', outcome: 'refused' } }, 'console sign-in refused');
        return ctx.showSignIn(request, reply, {
          status: 401,
          fieldErrors: { 'api-key': { apiKey: 'this key does not sign anyone in: it is unknown, revoked, or its staff member is inactive' } },
          values: { 'api-key': { next: safeNext(next) } },
        });
      }
    });
  },
};

/** Renders the sign-in page (used by SignInContext.showSignIn). */
export async function renderSignIn(request: FastifyRequest, reply: FastifyReply, providers: readonly SignInProvider[], state: SignInPageState = {}): Promise<FastifyReply> {
  const query = request.query as { next?: unknown } | undefined;
  return renderPage(
    request,
    reply,
    'sign-in',
    {
      title: 'Sign in',
      providers: providers.map((p) => ({ id: p.id, label: p.label, view: p.view })),
      next: safeNext(query?.next ?? Object.values(state.values ?? {}).map((v) => v.next).find(Boolean)),
      providerErrors: state.fieldErrors ?? {},
      providerValues: state.values ?? {},
      notice: state.notice,
      error: state.error,
    },
    state.status ?? 200,
  );
}
