/**
 * One logger for the whole system (pino): the API's request logs (Fastify), the Temporal SDK's
 * Runtime logger with its workflow and activity context (src/observability/temporal-runtime.ts), and
 * the processes' status lines (`say` in src/app/logger.ts: start-up, waiting for a dependency,
 * draining, stopped).
 *
 * - Format (LOG_FORMAT, src/config/env.ts): `json`, one JSON object per line (level label, ISO time,
 *   pid, hostname, `component`, `msg`, and the call's fields: `reqId`, `workflowId`, `activityId`, …),
 *   the default for the worker, the API and `ccm`; or `pretty`, human-readable lines through
 *   pino-pretty running as a transport (a worker thread), the default under `npm start`.
 * - Where: standard error, so that a command's own output on standard output stays clean.
 * - §3.1: every logger made here redacts personal data and credentials (src/observability/redaction.ts):
 *   pino `redact` paths, a guard over every logged object (formatters.log), the message (hooks.logMethod)
 *   and serialised errors, and a request serializer that logs no headers and no survey token.
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import { guardLogObject, guardSerializedError, guardText, REDACT_PATHS, REDACTED } from './redaction';

export type { Logger } from 'pino';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Standard error's file descriptor: every log line goes there. */
const STDERR_FD = 2;

export interface LoggerOptions {
  /** Default 'info'. */
  level?: LogLevel;
  /** Default 'json'. */
  format?: LogFormat;
  /** Where JSON lines go (tests capture them); default standard error. Not used with 'pretty'. */
  destination?: DestinationStream;
}

/**
 * A request URL as the logs may show it: the tokens of signed links — a survey link (a bearer
 * credential for the customer's answer, §5.2) and a staff member's emailed console sign-in link
 * (§3.1, src/console/email-link.ts) — are replaced by `[token]`, and the rest guarded like any text.
 */
export function loggableUrl(url: string): string {
  return guardText(url.replace(/\/survey\/[^/?#]+/g, '/survey/[token]').replace(/\/sign-in\/email-link\/[^/?#]+/g, '/sign-in/email-link/[token]'));
}

/** What a request log line says about the request: no headers, no body, no survey token. */
export function requestSerializer(req: { method?: string; url?: string; hostname?: string; ip?: string }): Record<string, unknown> {
  return { method: req.method, url: loggableUrl(req.url ?? ''), hostname: req.hostname, remoteAddress: req.ip };
}

/** pino options shared by both formats: level, §3.1 redaction and guards, serializers. */
export function baseOptions(level: LogLevel): PinoOptions {
  return {
    level,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    formatters: { log: guardLogObject },
    hooks: {
      // §3.1 the message text too: `log.info('sent to a@b.example')` is logged masked.
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? guardText(a) : a)) as Parameters<typeof method>,
        );
      },
    },
    serializers: {
      err: (err: unknown) => guardSerializedError(pino.stdSerializers.err(err as Error)),
      error: (err: unknown) => (err instanceof Error ? guardSerializedError(pino.stdSerializers.err(err)) : err),
      req: requestSerializer,
    },
  };
}

/** pino-pretty's options under LOG_FORMAT=pretty: `[12:00:00.000] INFO: [worker] polling …` on standard error. */
export const PRETTY_OPTIONS = {
  destination: STDERR_FD,
  // Synchronous writes in the transport's thread: the last lines before process.exit are not lost.
  sync: true,
  colorize: process.stderr.isTTY === true,
  translateTime: 'SYS:HH:MM:ss.l',
  ignore: 'pid,hostname,component',
  messageFormat: '{if component}[{component}] {end}{msg}',
} as const;

/** A logger with the system's redaction, in the given format and level. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  if ((opts.format ?? 'json') === 'pretty' && !opts.destination) {
    return pino({ ...baseOptions(level), transport: { target: 'pino-pretty', options: { ...PRETTY_OPTIONS } } });
  }
  return pino(
    {
      ...baseOptions(level),
      formatters: { log: guardLogObject, level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination ?? pino.destination({ dest: STDERR_FD, sync: true }),
  );
}

let root: Logger | undefined;

/**
 * Sets the process's logger from the validated environment (each entry point, after loadConfig).
 * `defaultFormat`: what LOG_FORMAT unset means here ('pretty' under `npm start`, else 'json').
 */
export function configureLogging(env: { LOG_LEVEL: LogLevel; LOG_FORMAT?: LogFormat | undefined }, defaultFormat: LogFormat = 'json'): Logger {
  root = createLogger({ level: env.LOG_LEVEL, format: env.LOG_FORMAT ?? defaultFormat });
  return root;
}

/**
 * The process's logger: the one configureLogging set, else one from LOG_LEVEL / LOG_FORMAT as they
 * stand (invalid values fall back to info / json: loadConfig reports them).
 */
export function rootLogger(): Logger {
  if (!root) {
    const level = (LOG_LEVELS as readonly string[]).includes(process.env.LOG_LEVEL ?? '') ? (process.env.LOG_LEVEL as LogLevel) : 'info';
    const format = process.env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json';
    root = createLogger({ level, format });
  }
  return root;
}

/**
 * A component's logger (`component` on every line). `level` overrides the process's level for this
 * component only (pino children are filtered by their own level).
 */
export function componentLogger(component: string, level?: LogLevel): Logger {
  return rootLogger().child({ component }, level ? { level } : {});
}
