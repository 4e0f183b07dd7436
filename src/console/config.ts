/**
 * The staff console's settings (§3.1): how long an idle session lives, how long any session lives,
 * how long an emailed sign-in link works, and whether the session cookie is `Secure`. Deployment
 * values, not policy rules: the defaults below are used unless the environment sets
 * CONSOLE_IDLE_TIMEOUT_MINUTES / CONSOLE_SESSION_MAX_HOURS / CONSOLE_SIGN_IN_LINK_MINUTES
 * (src/config/env.ts); tests pass milliseconds directly.
 */

/** An idle console session ends after this long without a request (§3.1; OWASP's 15–30 min for sensitive data). */
export const DEFAULT_IDLE_TIMEOUT_MINUTES = 15;
/** Any console session ends this long after sign-in, however busy (a working day). */
export const DEFAULT_SESSION_MAX_HOURS = 12;
/** An emailed one-time sign-in link works this long after it was sent. */
export const DEFAULT_SIGN_IN_LINK_MINUTES = 15;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export interface ConsoleSettings {
  /** Where staff reach the console (PUBLIC_BASE_URL); links in emails and the cookie's Secure flag follow it. */
  publicBaseUrl: string;
  idleTimeoutMs: number;
  maxSessionMs: number;
  signInLinkValidMs: number;
}

/** What a deployment may set (src/config/env.ts), everything optional. */
export interface ConsoleSettingsInput {
  publicBaseUrl?: string;
  idleTimeoutMs?: number;
  maxSessionMs?: number;
  signInLinkValidMs?: number;
}

/** The settings with the defaults filled in; publicBaseUrl defaults to the API's own loopback address. */
export function consoleSettings(input: ConsoleSettingsInput = {}): ConsoleSettings {
  return {
    publicBaseUrl: (input.publicBaseUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    idleTimeoutMs: input.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MINUTES * MINUTE_MS,
    maxSessionMs: input.maxSessionMs ?? DEFAULT_SESSION_MAX_HOURS * HOUR_MS,
    signInLinkValidMs: input.signInLinkValidMs ?? DEFAULT_SIGN_IN_LINK_MINUTES * MINUTE_MS,
  };
}

/** The settings from the environment's minutes and hours (src/config/env.ts). */
export function consoleSettingsFromEnv(env: {
  publicBaseUrl: string;
  CONSOLE_IDLE_TIMEOUT_MINUTES?: number | undefined;
  CONSOLE_SESSION_MAX_HOURS?: number | undefined;
  CONSOLE_SIGN_IN_LINK_MINUTES?: number | undefined;
}): ConsoleSettingsInput {
  return {
    publicBaseUrl: env.publicBaseUrl,
    ...(env.CONSOLE_IDLE_TIMEOUT_MINUTES ? { idleTimeoutMs: env.CONSOLE_IDLE_TIMEOUT_MINUTES * MINUTE_MS } : {}),
    ...(env.CONSOLE_SESSION_MAX_HOURS ? { maxSessionMs: env.CONSOLE_SESSION_MAX_HOURS * HOUR_MS } : {}),
    ...(env.CONSOLE_SIGN_IN_LINK_MINUTES ? { signInLinkValidMs: env.CONSOLE_SIGN_IN_LINK_MINUTES * MINUTE_MS } : {}),
  };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * §3.1 protected in transit: the session cookie is `Secure` (sent over HTTPS only) unless staff reach
 * the console at plain http on this machine (http://localhost, http://127.0.0.1, http://[::1]) —
 * development and the tests. Behind a TLS-terminating proxy the API must see the request as https
 * (Fastify `trustProxy`), or @fastify/session does not set a Secure cookie at all.
 */
export function secureCookie(publicBaseUrl: string): boolean {
  try {
    const url = new URL(publicBaseUrl);
    return !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  } catch {
    return true;
  }
}
