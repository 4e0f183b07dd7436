/**
 * Patient start-up (issue 7 defect 11): a process whose dependency is not there yet waits for it,
 * retrying with capped exponential backoff, and says what it waits for on ONE line per attempt —
 *   waiting for Temporal at 127.0.0.1:7233 (TEMPORAL_ADDRESS): connection refused; retrying in 5 s
 * — naming the dependency, the variable to fix and the address, with a short cause (src/api/outage.ts
 * failureCause), never a stack or a transport dump; then `Temporal at 127.0.0.1:7233 is up` once.
 */
import { failureCause } from '../api/outage';

export interface WaitTarget {
  /** What it is, as a person says it: 'Temporal', 'the database', 'SMTP'. */
  name: string;
  /** The setting that points at it: 'TEMPORAL_ADDRESS'. */
  variable: string;
  /** Where it is looked for, without credentials: '127.0.0.1:7233'. */
  address: string;
}

export interface WaitOptions {
  log: (line: string) => void;
  /** First pause between attempts (default 500 ms); doubles after each failure… */
  initialDelayMs?: number;
  /** …up to this (default 5 s). */
  maxDelayMs?: number;
  /** Longest one attempt may take before it counts as failed with 'timed out' (default 10 s). */
  attemptTimeoutMs?: number;
  /** Aborting stops the wait: waitFor rejects with a WaitAborted. */
  signal?: AbortSignal;
}

export const DEFAULT_INITIAL_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 5000;
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;

/** Thrown when the wait was aborted (SIGTERM during start-up): not a failure, the process exits 0. */
export class WaitAborted extends Error {
  override name = 'WaitAborted';
  constructor(target: WaitTarget) {
    super(`stopped waiting for ${target.name} at ${target.address}`);
  }
}

class AttemptTimeout extends Error {
  override name = 'AttemptTimeout';
  constructor() {
    super('timed out');
  }
}

/** "0.5 s", "1 s", "5 s". */
export function formatDelay(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** host:port of a URL (no user, password or path): where a DATABASE_URL or SMTP_URL points. */
export function urlAddress(url: string, defaultPort: number): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || defaultPort}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** The delay before attempt `n + 1` (n ≥ 1 failed attempts): initial·2^(n−1), capped. */
export function backoffDelay(failures: number, initialDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, failures - 1));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs `attempt` with a bound; a result that arrives after the bound goes to `discard` (e.g. close a late connection). */
async function bounded<T>(attempt: () => Promise<T>, ms: number, signal: AbortSignal | undefined, discard?: (late: T) => void): Promise<T> {
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const running = attempt();
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new AttemptTimeout());
    }, ms);
    onAbort = () => {
      timedOut = true;
      reject(new AttemptTimeout());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([running, limit]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (timedOut) running.then((late) => discard?.(late), () => undefined);
  }
}

/**
 * Calls `probe` until it resolves and returns its value. Between failed attempts it logs one line
 * and waits with capped exponential backoff; logs `<name> at <address> is up` once it answers.
 * Rejects only with WaitAborted (when `signal` aborts); a dependency that never comes is waited for.
 */
export async function waitFor<T>(target: WaitTarget, probe: () => Promise<T>, opts: WaitOptions & { discard?: (late: T) => void }): Promise<T> {
  const initial = opts.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
  const max = opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const attemptTimeout = opts.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  for (let failures = 0; ; ) {
    if (opts.signal?.aborted) throw new WaitAborted(target);
    try {
      const value = await bounded(probe, attemptTimeout, opts.signal, opts.discard);
      opts.log(`${target.name} at ${target.address} is up`);
      return value;
    } catch (err) {
      if (opts.signal?.aborted) throw new WaitAborted(target);
      failures += 1;
      const delay = backoffDelay(failures, initial, max);
      const cause = err instanceof AttemptTimeout ? 'timed out' : failureCause(err);
      opts.log(`waiting for ${target.name} at ${target.address} (${target.variable}): ${cause}; retrying in ${formatDelay(delay)}`);
      await sleep(delay, opts.signal);
    }
  }
}
