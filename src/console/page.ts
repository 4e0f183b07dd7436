/**
 * What a console page handler calls (see src/console/index.ts for how to add a page):
 *
 *   const actor = pageActor(request);            // the signed-in staff member, exactly the API's Actor
 *   return renderPage(request, reply, 'inbox', { title: 'Inbox', … });   // layout, CSRF token, flash
 *   flash(request, 'info', 'Review approved');   // a message for the next page (after a redirect)
 *   const { fieldErrors, formError } = errorsOf(err);   // a use case's refusal, next to its field
 *
 * Pages call the same use cases as the JSON routes with this actor, so roles, the relationship
 * manager's customer scope and the audit of reads (§3.1) are the API's, never re-implemented here.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticationError, ForbiddenError, type Actor } from '../security/auth';
import { ConflictError, NotFoundError, RuleRefusalError, ValidationError } from '../shared/errors';

/** The signed-in staff member (set by the console's session check); a page without one never runs. */
export function pageActor(request: FastifyRequest): Actor {
  if (!request.actor) throw new AuthenticationError('sign in to the console');
  return request.actor;
}

/** Leaves a one-time message for the next page this session renders (post/redirect/get). */
export function flash(request: FastifyRequest, kind: 'info' | 'error', text: string): void {
  request.session.flash = [...(request.session.flash ?? []), { kind, text }];
}

/** The current URL path and query, for `next=` after sign-in and redirects back to the same page. */
export const currentPath = (request: FastifyRequest) => request.url;

/**
 * A `next` location after sign-in or an action: only a console path (`/console…`, no scheme, no
 * `//host`, no backslash), else the inbox — never an open redirect.
 */
export function safeNext(next: unknown, fallback = '/console'): string {
  if (typeof next !== 'string') return fallback;
  if (!/^\/console(?:[/?#]|$)/.test(next) || next.includes('\\') || next.startsWith('//')) return fallback;
  if ([...next].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return fallback; // no control characters
  return next;
}

export interface PageErrors {
  /** field → why, shown next to the field (the use case's FieldIssue.field, e.g. `reason`, `findings.basicData`). */
  fieldErrors: Record<string, string>;
  /** A refusal that is not about one field (maker-checker, a closed case, a role), shown above the form. */
  formError?: string;
  /** The HTTP status the page is answered with. */
  status: number;
}

/** What a use case's error means for a form: field errors next to their fields, or one form error. */
export function errorsOf(err: unknown): PageErrors {
  if (err instanceof ValidationError) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of err.issues) if (!fieldErrors[issue.field]) fieldErrors[issue.field] = issue.reason;
    return { fieldErrors, status: 400 };
  }
  if (err instanceof RuleRefusalError) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of err.issues) if (!fieldErrors[issue.field]) fieldErrors[issue.field] = issue.reason;
    return { fieldErrors, formError: err.message, status: 422 };
  }
  if (err instanceof ConflictError) return { fieldErrors: {}, formError: err.message, status: 409 };
  if (err instanceof ForbiddenError) return { fieldErrors: {}, formError: err.message, status: 403 };
  if (err instanceof NotFoundError) return { fieldErrors: {}, formError: err.message, status: 404 };
  throw err;
}

/** Data every view gets (the layout reads it). */
export interface PageData {
  title: string;
  /** The navigation entry to mark current: 'inbox' | 'customers' | 'supervisor' | 'reports'. */
  nav?: string;
  [key: string]: unknown;
}

/**
 * Renders `view` (src/console/views/<view>.eta) inside the layout with the actor, a CSRF token for
 * the page's forms, and the session's flash messages (shown once). Pages are never cached (§3.1).
 */
export async function renderPage(request: FastifyRequest, reply: FastifyReply, view: string, data: PageData, status = 200): Promise<FastifyReply> {
  const messages = request.session?.flash ?? [];
  if (messages.length > 0) request.session.flash = [];
  const html = await reply.viewAsync(`${view}.eta`, {
    ...data,
    actor: request.actor ?? null,
    csrfToken: request.session ? reply.generateCsrf() : '',
    flash: messages,
    // Where the page's forms come back to: this page, or for a form shown again after a refused POST the page it was on.
    path: typeof data.path === 'string' ? data.path : request.method === 'POST' ? safeNext((request.body as { next?: unknown } | undefined)?.next) : request.url,
    fieldErrors: (data.fieldErrors as Record<string, string> | undefined) ?? {},
    values: (data.values as Record<string, unknown> | undefined) ?? {},
  });
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}
