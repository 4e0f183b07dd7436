/**
 * §3.1 signing in to the console with a one-time link emailed to the staff member's address (a
 * SignInProvider, src/console/sign-in.ts):
 *
 *   POST /console/sign-in/email-link          { email, next }: when an active staff member has that
 *        address, a link is emailed to it; the answer is the same either way (no one learns which
 *        addresses are staff). At most MAX_OUTSTANDING_LINKS unused, unexpired links per person.
 *   GET  /console/sign-in/email-link/:token   a confirmation page with one button. It changes nothing:
 *        mail scanners and link previews open links, and must not use up (or use) the sign-in.
 *   POST /console/sign-in/email-link/:token   signs in: the token must be genuine (HMAC, the
 *        construction of the survey link, src/security/signed-links.ts, over a random nonce and the
 *        expiry only), unexpired (the console's signInLinkValidMs) and unused — its nonce's row (ConsoleSignInLink, only a SHA-256 stored)
 *        is marked used in the same statement that checks it, so two clicks sign in once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Policy } from '../policy/policy';
import { bankTimeZone } from '../policy/policy';
import type { KeyRing } from '../security/keyring';
import { createSignedToken, SurveyLinkError, verifySignedToken } from '../security/signed-links';
import { formatBankTime, renderEmail } from '../mail/render';
import { renderPage, safeNext } from './page';
import type { SignInContext, SignInProvider } from './sign-in';

export const SIGN_IN_LINK_PURPOSE = 'console-sign-in-v1';
const TOKEN_VERSION = 'cs1';
/** A person may have this many unused, unexpired links at once; more requests send nothing (still the same answer). */
export const MAX_OUTSTANDING_LINKS = 3;
/** 96 random bits: with the HMAC over it, unguessable; short, so the link stays within Fastify's path-parameter limit (100). */
const NONCE_BYTES = 12;

export const emailLinkForm = z.object({
  email: z.email({ error: 'an email address, e.g. jane.doe@bank.example' }).max(254, 'at most 254 characters'),
  next: z.string().optional(),
});

const hashNonce = (nonce: string) => createHash('sha256').update(nonce).digest('hex');

/** The link a staff member is emailed: `<publicBaseUrl>/console/sign-in/email-link/<token>[?next=…]`. */
export function signInLinkUrl(publicBaseUrl: string, token: string, next?: string): string {
  const base = `${publicBaseUrl.replace(/\/+$/, '')}/console/sign-in/email-link/${token}`;
  return next && next !== '/console' ? `${base}?next=${encodeURIComponent(next)}` : base;
}

export interface EmailLinkDeps {
  ring: KeyRing;
  policy: Policy;
  sendMail: (mail: { to: string; subject: string; text: string; html: string }) => Promise<void>;
}

const USED = 'this sign-in link was used already (each link signs in once): ask for a new one on the sign-in page';

const SENT_NOTICE =
  'If that address belongs to a member of staff, a sign-in link is on its way to it. It works once, for a short time; open it in this browser.';

export function emailLinkProvider(deps: EmailLinkDeps): SignInProvider {
  const verify = (token: string, now: Date) => verifySignedToken(SIGN_IN_LINK_PURPOSE, TOKEN_VERSION, 1, token, deps.ring, now, 'sign-in link');

  const refusedPage = (request: FastifyRequest, reply: FastifyReply, err: SurveyLinkError | string) =>
    renderPage(
      request,
      reply,
      'sign-in/email-link-refused',
      { title: 'Sign-in link not valid', message: typeof err === 'string' ? err : err.message },
      typeof err === 'string' ? 409 : err.reason === 'EXPIRED' ? 410 : 400,
    );

  return {
    id: 'email-link',
    label: 'Email me a sign-in link',
    view: 'sign-in/email-link',
    routes(app, ctx: SignInContext) {
      app.post('/sign-in/email-link', { config: { consolePublic: true } }, async (request, reply) => {
        const body = (request.body ?? {}) as Record<string, unknown>;
        const parsed = emailLinkForm.safeParse({ email: typeof body.email === 'string' ? body.email.trim() : body.email, next: body.next });
        const next = safeNext(body.next);
        if (!parsed.success) {
          return ctx.showSignIn(request, reply, {
            status: 400,
            fieldErrors: { 'email-link': { email: parsed.error.issues[0]?.message ?? 'an email address' } },
            values: { 'email-link': { email: typeof body.email === 'string' ? body.email.slice(0, 254) : '', next } },
          });
        }
        const now = ctx.clock.now();
        const staff = await ctx.db.staffMember.findFirst({ where: { email: { equals: parsed.data.email, mode: 'insensitive' }, active: true }, select: { id: true, name: true, email: true } });
        if (staff) {
          const outstanding = await ctx.db.consoleSignInLink.count({ where: { staffId: staff.id, usedAt: null, expiresAt: { gt: now } } });
          if (outstanding < MAX_OUTSTANDING_LINKS) {
            const nonce = randomBytes(NONCE_BYTES).toString('base64url');
            const expiresAt = new Date(now.getTime() + ctx.settings.signInLinkValidMs);
            await ctx.db.consoleSignInLink.create({ data: { id: hashNonce(nonce), staffId: staff.id, expiresAt } });
            const token = createSignedToken(SIGN_IN_LINK_PURPOSE, TOKEN_VERSION, { fields: [nonce], expiresAt }, deps.ring);
            const url = signInLinkUrl(ctx.settings.publicBaseUrl, token, next);
            const email = renderEmail({
              subject: 'Your sign-in link to the staff console',
              greeting: `Dear ${staff.name},`,
              paragraphs: ['Someone — we hope you — asked to sign in to the customer-care staff console with this address. Open the link below in the browser you asked from, and confirm.'],
              facts: [['Valid until', formatBankTime(expiresAt, bankTimeZone(deps.policy))]],
              action: { label: 'Sign in to the staff console', url, instruction: 'The link works once. If it has expired, ask for a new one on the sign-in page.' },
              footer: 'If you did not ask for this link, ignore this email: nobody can sign in without opening it. Tell the security team if it keeps happening.',
            });
            await deps.sendMail({ to: staff.email, subject: email.subject, text: email.text, html: email.html });
            request.log.info({ audit: { kind: 'console.sign_in_link', staffId: staff.id, outcome: 'sent' } }, 'console sign-in link sent');
          } else {
            request.log.warn({ audit: { kind: 'console.sign_in_link', staffId: staff.id, outcome: 'too_many_outstanding' } }, 'console sign-in link not sent');
          }
        }
        return ctx.showSignIn(request, reply, { notice: SENT_NOTICE, values: { 'email-link': { next } } });
      });

      app.get<{ Params: { token: string } }>('/sign-in/email-link/:token', { config: { consolePublic: true } }, async (request, reply) => {
        reply.header('referrer-policy', 'no-referrer'); // the token is in the address
        try {
          const { fields, expiresAt } = verify(request.params.token, ctx.clock.now());
          const next = safeNext((request.query as { next?: unknown }).next);
          const link = await ctx.db.consoleSignInLink.findUnique({ where: { id: hashNonce(fields[0] ?? '') }, select: { staffId: true, usedAt: true } });
          if (!link) return refusedPage(request, reply, 'this sign-in link is not valid: ask for a new one on the sign-in page');
          if (link.usedAt) return refusedPage(request, reply, USED);
          return renderPage(request, reply, 'sign-in/email-link-confirm', {
            title: 'Confirm sign-in',
            staffId: link.staffId,
            token: request.params.token,
            next,
            validUntil: formatBankTime(expiresAt, bankTimeZone(deps.policy)),
          });
        } catch (err) {
          if (err instanceof SurveyLinkError) return refusedPage(request, reply, err);
          throw err;
        }
      });

      app.post<{ Params: { token: string } }>('/sign-in/email-link/:token', { config: { consolePublic: true } }, async (request, reply) => {
        reply.header('referrer-policy', 'no-referrer');
        const now = ctx.clock.now();
        let nonce: string;
        try {
          nonce = verify(request.params.token, now).fields[0] ?? '';
        } catch (err) {
          if (err instanceof SurveyLinkError) return refusedPage(request, reply, err);
          throw err;
        }
        const link = await ctx.db.consoleSignInLink.findUnique({ where: { id: hashNonce(nonce) }, select: { staffId: true } });
        if (!link) return refusedPage(request, reply, 'this sign-in link is not valid: ask for a new one on the sign-in page');
        // Single use: the check and the mark are one statement (two clicks: one wins).
        const { count } = await ctx.db.consoleSignInLink.updateMany({ where: { id: hashNonce(nonce), usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
        if (count !== 1) return refusedPage(request, reply, USED);
        return ctx.complete(request, reply, link.staffId, 'email-link', (request.body as { next?: unknown } | undefined)?.next);
      });
    },
  };
}
