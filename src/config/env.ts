/**
 * The process environment, validated once at start-up. A bad value stops start-up with one line
 * naming the variable, the value and what is expected.
 */
import { z } from 'zod';

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

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production'], { error: 'one of development, test, production' }).default('development'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'one of fatal, error, warn, info, debug, trace, silent' })
    .default('info'),
  /** host:port of the Temporal frontend; unset → `npm start` runs the dev server itself. */
  TEMPORAL_ADDRESS: z
    .string()
    .refine((v) => /^[\w.-]+:\d{1,5}$/.test(v) && Number(v.split(':').pop()) <= 65535, {
      error: 'host:port, e.g. 127.0.0.1:7233',
    })
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TASK_QUEUE: z.string().min(1).default('customer-care'),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_PORT: port.default(7233),
  /** PostgreSQL URL; unset → `npm start` runs an embedded PostgreSQL (PGlite) under DATA_DIR. */
  DATABASE_URL: urlWith(['postgresql', 'postgres']).optional(),
  /** SMTP URL (smtp:// or smtps://, credentials in the URL); unset → a local sink under DATA_DIR/mail. */
  SMTP_URL: urlWith(['smtp', 'smtps']).optional(),
  MAIL_FROM: z.email({ error: 'an e-mail address' }).default('customer-care@bank.example'),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: port.default(5433),
  EMBEDDED_SMTP_PORT: port.default(2525),
  /** Seconds the worker waits for running activities to finish on SIGINT/SIGTERM. */
  SHUTDOWN_GRACE_SECONDS: wholeNumber(1, 3600, 'whole seconds').default(30),
});

export type Env = z.infer<typeof envSchema>;

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
  if (parsed.success) return parsed.data;
  const lines = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0]);
    if (!lines.has(key)) lines.set(key, `${key}=${JSON.stringify(redact(input[key] ?? ''))} is invalid: expected ${issue.message}`);
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
