/**
 * GET /health (public, no API key): Temporal, the database and SMTP checked in parallel, each
 * bounded by HEALTH_CHECK_TIMEOUT_MS, so the answer comes within ~2 s whatever is down or hung
 * (issue 7: it used to hang while Temporal was down and showed Prisma's error text).
 *
 * 200 `{ status: 'ok', checks }` or 503 `{ status: 'degraded' | 'starting', checks }`, each check
 * `{ ok, latencyMs, error? }` with `error` one of 'timeout' | 'unreachable' | 'refused' — a short
 * code, never a driver message. 'starting' while the process still waits for a dependency it has
 * not reached since start-up (src/api/main.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import { failureCode, type FailureCode } from '../outage';
import type { ApiDeps } from '../server';

/** Longest a single dependency check may take before it is reported as 'timeout'. */
export const HEALTH_CHECK_TIMEOUT_MS = 2000;
/** Requests within this long of a round share its answer (a burst of probes is one round of checks). */
export const HEALTH_ROUND_REUSE_MS = 1000;

export interface Check {
  ok: boolean;
  latencyMs: number;
  error?: FailureCode;
}

type Probe = () => Promise<unknown>;

/**
 * One dependency's probe: a round that finds the previous probe still pending (a hung server)
 * waits on that one rather than starting another, so a hang ties up one connection, not one per request.
 */
class Checker {
  private pending: Promise<unknown> | undefined;

  constructor(private readonly probe: Probe) {}

  async check(): Promise<Check> {
    const start = performance.now();
    const elapsed = () => Math.round(performance.now() - start);
    if (!this.pending) {
      const p = Promise.resolve()
        .then(this.probe)
        .finally(() => {
          if (this.pending === p) this.pending = undefined;
        });
      this.pending = p;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), HEALTH_CHECK_TIMEOUT_MS)));
    try {
      const outcome = await Promise.race([this.pending.then(() => 'ok' as const), timeout]);
      return outcome === 'ok' ? { ok: true, latencyMs: elapsed() } : { ok: false, latencyMs: elapsed(), error: 'timeout' };
    } catch (err) {
      return { ok: false, latencyMs: elapsed(), error: failureCode(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

interface Round {
  startedAt: number;
  result: Promise<{ ok: boolean; checks: Record<string, Check> }>;
}

export const healthRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const checkers: Record<string, Checker> = {
      // The gRPC deadline also ends the call itself (and the client's retries) at the bound.
      temporal: new Checker(() =>
        deps.temporal.connection.withDeadline(Date.now() + HEALTH_CHECK_TIMEOUT_MS, () => deps.temporal.connection.workflowService.getSystemInfo({})),
      ),
      database: new Checker(() => deps.db.$queryRaw`SELECT 1`),
      ...(deps.smtp ? { smtp: new Checker(() => deps.smtp!.verify()) } : {}),
    };
    let last: Round | undefined;

    const runRound = (): Round['result'] => {
      const names = Object.keys(checkers);
      return Promise.all(names.map((n) => checkers[n]!.check())).then((results) => {
        const checks = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
        return { ok: results.every((r) => r.ok), checks };
      });
    };

    app.get(
      '/health',
      {
        schema: {
          tags: ['operations'],
          summary: 'Temporal, the database and SMTP, each checked within 2 s (no API key needed)',
          description: "200 `status: 'ok'`; 503 `status: 'degraded'` (or `'starting'` before every dependency was reached once) with `checks.<name>.error` one of timeout, unreachable, refused.",
          security: [],
        },
      },
      async (_req, reply) => {
        const now = Date.now();
        if (!last || now - last.startedAt >= HEALTH_ROUND_REUSE_MS) last = { startedAt: now, result: runRound() };
        const { ok, checks } = await last.result;
        const status = ok ? 'ok' : deps.startingUp?.() ? 'starting' : 'degraded';
        return reply
          .code(ok ? 200 : 503)
          .header('cache-control', 'no-store')
          .send({ status, policyVersion: deps.policy.version, checks });
      },
    );
  };
