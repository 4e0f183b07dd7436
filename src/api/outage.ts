/**
 * Outages, told apart from bugs (issue 7): an error that means "PostgreSQL or Temporal is not there
 * right now" is answered 503 with Retry-After (src/api/server.ts), reported per dependency by
 * /health (src/api/routes/health.ts) and logged on one line while a process waits at start-up
 * (src/app/wait-for.ts). Pure functions over the error objects the drivers really throw — each
 * shape below was seen with PostgreSQL, the Temporal server or SMTP refused, cut, or hung behind
 * test/support/fault-proxy.ts (test/unit/outage.test.ts, test/integration/outage.test.ts).
 *
 * Nothing here returns driver text: callers show the short codes and fixed sentences only, never a
 * Prisma, pg or gRPC message on a public endpoint.
 */

export type Dependency = 'database' | 'temporal';

export interface Outage {
  dependency: Dependency;
  /** A fixed sentence for the client; no internal error text. */
  message: string;
}

/** Seconds a client should wait before retrying a request refused for an outage. */
export const RETRY_AFTER_SECONDS = 5;

export const OUTAGE_MESSAGES: Record<Dependency, string> = {
  database: 'the database is unavailable; retry later',
  temporal: 'the workflow service (Temporal) is unavailable; retry later',
};

/** What kind of failure a connection or probe error is, as /health reports it. */
export type FailureCode = 'timeout' | 'unreachable' | 'refused';

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  errorCode?: unknown;
  details?: unknown;
  metadata?: unknown;
  clientVersion?: unknown;
  responseCode?: unknown;
  meta?: { driverAdapterError?: unknown };
  cause?: unknown;
}

const asErrorLike = (v: unknown): ErrorLike | undefined => (v !== null && typeof v === 'object' ? v : undefined);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The error and its causes (Error.cause, Prisma's meta.driverAdapterError), outermost first. */
function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 8) {
    const e = asErrorLike(queue.shift());
    if (!e || out.includes(e)) continue;
    out.push(e);
    queue.push(e.cause, e.meta?.driverAdapterError);
  }
  return out;
}

/** Prisma error codes that mean the database server could not be used at all. */
const PRISMA_CONNECTION_CODES = new Set([
  'P1001', // Can't reach database server
  'P1002', // The database server was reached but timed out
  'P1008', // Operations timed out
  'P1017', // Server has closed the connection
  'P2024', // Timed out fetching a new connection from the connection pool
]);

/** Driver-adapter error kinds (@prisma/adapter-pg convertDriverError) that mean the same. */
const ADAPTER_CONNECTION_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/** SQLSTATEs from a server that is shutting down, starting, or full (class 08: connection exception). */
const isConnectionSqlState = (code: string) => /^08[0-9A-Z]{3}$/.test(code) || ['57P01', '57P02', '57P03', '53300'].includes(code);

/** What pg and pg-pool throw (Prisma passes them on with only `clientVersion` added). */
const PG_CONNECTION_MESSAGES = [
  /^Connection terminated/, // unexpectedly | due to connection timeout
  /^timeout expired$/, // pg Client connectionTimeoutMillis
  /^timeout exceeded when trying to connect$/, // pg-pool connectionTimeoutMillis
  /^Client has encountered a connection error and is not queryable$/,
  /^Unable to start a transaction in the given time/, // Prisma P2028: no connection within maxWait
];

/** Socket error codes of a TCP connection that failed or broke. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** gRPC status codes of an unreachable or unanswering server. */
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

const isGrpcStatusError = (e: ErrorLike) => typeof e.code === 'number' && 'details' in e && 'metadata' in e;

function isDatabaseFailure(e: ErrorLike): boolean {
  const code = str(e.code) || str(e.errorCode);
  const name = str(e.name);
  const message = str(e.message);
  if (name.startsWith('PrismaClient') && PRISMA_CONNECTION_CODES.has(code)) return true;
  if (name === 'PrismaClientKnownRequestError' && code === 'P2028' && /Unable to start a transaction/.test(message)) return true;
  if (name === 'PrismaClientInitializationError') return true;
  if (name === 'DriverAdapterError' || 'kind' in e) {
    const kind = str((e as { kind?: unknown }).kind);
    if (ADAPTER_CONNECTION_KINDS.has(kind)) return true;
    if (kind === 'postgres' && isConnectionSqlState(str((e as { originalCode?: unknown }).originalCode) || code)) return true;
  }
  // pg's DatabaseError carries the SQLSTATE in `code` and a `severity`.
  if ('severity' in e && isConnectionSqlState(code)) return true;
  return PG_CONNECTION_MESSAGES.some((re) => re.test(message)) && ('clientVersion' in e || !('details' in e));
}

function isTemporalFailure(e: ErrorLike): boolean {
  if (isGrpcStatusError(e)) return e.code === GRPC_UNAVAILABLE || e.code === GRPC_DEADLINE_EXCEEDED;
  const name = str(e.name);
  const message = str(e.message);
  if (name === 'TransportError') return true; // the Rust core (NativeConnection): tonic transport error
  if (name === 'WorkflowUpdateRPCTimeoutOrCancelledError') return true;
  return /^Failed to connect before the deadline/.test(message);
}

/**
 * The outage an error means, or undefined for anything else (a bug, bad input, a conflict…).
 * Temporal is checked first: its errors never look like pg's, while a bare socket error is pg's.
 */
export function outageOf(err: unknown): Outage | undefined {
  const errors = chain(err);
  const first = errors[0];
  if (!first) return undefined;
  const hit = (dependency: Dependency): Outage => ({ dependency, message: OUTAGE_MESSAGES[dependency] });
  if (errors.some(isTemporalFailure)) return hit('temporal');
  if (errors.some(isDatabaseFailure)) return hit('database');
  // A raw socket error (no gRPC status around it: the Temporal client always wraps its own) is the pool's.
  if (errors.some((e) => SOCKET_CODES.has(str(e.code)) && !isGrpcStatusError(e))) return hit('database');
  return undefined;
}

/** All text an error and its causes carry, to find the OS-level reason in (never shown as such). */
function textOf(errors: ErrorLike[]): string {
  return errors
    .map((e) => [str(e.code), str(e.errorCode), str(e.message), str(e.details), str((e as { kind?: unknown }).kind)].join(' '))
    .join(' | ');
}

/**
 * The short kind of a failed connection or probe: 'refused' (connection refused, or the server
 * answered with a refusal such as an SMTP 4xx/5xx greeting), 'timeout' (no answer in time) or
 * 'unreachable' (anything else: reset, closed, host not found).
 */
export function failureCode(err: unknown): FailureCode {
  const errors = chain(err);
  const text = textOf(errors);
  if (/ECONNREFUSED|ConnectionRefused|Connection refused|DatabaseNotReachable/i.test(text) && !/ENOTFOUND|EAI_AGAIN/.test(text)) return 'refused';
  if (errors.some((e) => e.code === GRPC_DEADLINE_EXCEEDED && isGrpcStatusError(e))) return 'timeout';
  if (/timeout|timed out|ETIMEDOUT|SocketTimeout|deadline/i.test(text)) return 'timeout';
  if (errors.some((e) => typeof e.responseCode === 'number' && e.responseCode >= 400)) return 'refused';
  return 'unreachable';
}

/** A few words for a log line: "connection refused", "timed out", "connection reset"… (no stack, no transport dump). */
export function failureCause(err: unknown): string {
  const errors = chain(err);
  const text = textOf(errors);
  const code = failureCode(err);
  if (code === 'refused') {
    const smtp = errors.find((e) => typeof e.responseCode === 'number');
    return smtp ? `refused by the server (${String(smtp.responseCode)})` : 'connection refused';
  }
  if (code === 'timeout') return 'timed out';
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'host not found';
  if (/ECONNRESET|ConnectionReset|reset by peer/i.test(text)) return 'connection reset';
  if (/ConnectionClosed|closed the connection|connection closed|Connection terminated|not queryable|EPIPE|BrokenPipe|broken pipe/i.test(text)) return 'connection closed';
  if (/EHOSTUNREACH|ENETUNREACH/.test(text)) return 'network unreachable';
  if (/authentication failed|AuthenticationFailed|password/i.test(text)) return 'authentication failed';
  if (/does not exist|DatabaseDoesNotExist/i.test(text)) return 'database does not exist';
  return 'unreachable';
}
