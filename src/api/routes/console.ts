/**
 * The staff console's routes (issue 12, src/console/): server-rendered pages under /console, signed
 * in by session cookie rather than API key (src/api/authentication.ts lets /console through to the
 * console's own session check). The pages call the same use cases as the JSON routes, with the
 * session's actor: the same roles, customer scope and read audit (§3.1).
 *
 * CONSOLE_PAGES lists the page modules (src/console/pages/); add yours there (see src/console/index.ts).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { Mailer } from '../../mail/mailer';
import { systemClock } from '../../shared/clock';
import { consoleSettings } from '../../console/config';
import { CONSOLE_PREFIX, consolePlugin, sessionCookieReader, type ConsoleDeps, type ConsolePage } from '../../console/index';
import { PrismaSessionStore } from '../../console/session-store';
import { apiKeyProvider, type SignInProvider } from '../../console/sign-in';
import { emailLinkProvider } from '../../console/email-link';
import { inboxPage } from '../../console/pages/inbox';
import { actionsPage } from '../../console/pages/actions';
import { feedbackPage } from '../../console/pages/feedback';
import { reminderPage } from '../../console/pages/reminder';
import { productsPage } from '../../console/pages/products';
import { customerPage } from '../../console/pages/customer';
import { supervisorPage } from '../../console/pages/supervisor';
import { reportsPage } from '../../console/pages/reports';
import type { ApiDeps } from '../server';

/** The console's pages, in registration order. */
export const CONSOLE_PAGES: readonly ConsolePage[] = [inboxPage, actionsPage, feedbackPage, reminderPage, productsPage, customerPage, supervisorPage, reportsPage];

/** Sweep expired console sessions this often (they are never read once expired; this only frees the rows). */
export const SESSION_SWEEP_INTERVAL_MS = 10 * 60_000;

/** The mailer the API was given for /health, when it can send (the emailed sign-in link needs one). */
function mailerOf(deps: ApiDeps): Mailer | undefined {
  const candidate = (deps.mailer ?? deps.smtp) as Partial<Mailer> | undefined;
  return candidate && typeof candidate.send === 'function' ? (candidate as Mailer) : undefined;
}

/** Reads the console session of a request's cookie (for the Temporal UI's codec calls, src/api/server.ts). */
export function consoleSessionReader(deps: ApiDeps) {
  const clock = deps.clock ?? systemClock;
  const settings = consoleSettings({ ...(deps.publicBaseUrl ? { publicBaseUrl: deps.publicBaseUrl } : {}), ...deps.console });
  return sessionCookieReader(new PrismaSessionStore(deps.db, settings.idleTimeoutMs, clock), deps.ring, settings, clock);
}

export const consoleRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const clock = deps.clock ?? systemClock;
    const settings = consoleSettings({ ...(deps.publicBaseUrl ? { publicBaseUrl: deps.publicBaseUrl } : {}), ...deps.console });
    const store = new PrismaSessionStore(deps.db, settings.idleTimeoutMs, clock);
    // The Temporal UI the customer page links into: TEMPORAL_UI_URL, else the first origin allowed to call the codec (CODEC_CORS_ORIGINS).
    const temporalUiUrl = deps.temporalUiUrl ?? deps.codecCorsOrigins?.[0];
    const mailer = mailerOf(deps);
    const sendMail = mailer
      ? async (m: { to: string; subject: string; text: string; html: string }) => void (await mailer.send({ ...m, messageId: `<console-${randomUUID()}@ccm>` }))
      : undefined;
    // The emailed link needs a way to send it; OIDC would be added here the same way (src/console/sign-in.ts).
    const providers: SignInProvider[] = [apiKeyProvider, ...(sendMail ? [emailLinkProvider({ ring: deps.ring, policy: deps.policy, sendMail })] : [])];
    const consoleDeps: ConsoleDeps = {
      db: deps.db,
      temporal: deps.temporal,
      taskQueue: deps.taskQueue,
      policy: deps.policy,
      ring: deps.ring,
      clock,
      ...(deps.starter ? { starter: deps.starter } : {}),
      settings,
      store,
      providers,
      ...(sendMail ? { sendMail } : {}),
      ...(temporalUiUrl ? { temporalUiUrl } : {}),
      useCases: {
        db: deps.db,
        temporal: deps.temporal,
        taskQueue: deps.taskQueue,
        policy: deps.policy,
        ring: deps.ring,
        clock,
        ...(deps.starter ? { starter: deps.starter } : {}),
        log: (line: string) => app.log.warn(line),
        warn: (fields: Record<string, unknown>, message: string) => app.log.warn(fields, message),
      },
    };
    await app.register(consolePlugin(consoleDeps, CONSOLE_PAGES), { prefix: CONSOLE_PREFIX });

    const sweeper = setInterval(() => void store.sweep().catch((err: unknown) => app.log.warn({ err }, 'console: session sweep failed')), SESSION_SWEEP_INTERVAL_MS);
    sweeper.unref();
    app.addHook('onClose', async () => clearInterval(sweeper));
  };
