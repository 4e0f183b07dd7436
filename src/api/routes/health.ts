import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../server';

interface Check {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

async function timed(fn: () => Promise<unknown>): Promise<Check> {
  const start = performance.now();
  try {
    await fn();
    return { ok: true, latencyMs: Math.round(performance.now() - start) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - start), error: (err as Error).message };
  }
}

/** GET /health: 200 when Temporal and the database answer, else 503 with what failed. */
export const healthRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/health', { schema: { tags: ['operations'], summary: 'Liveness of Temporal and the database (no API key needed)', security: [] } }, async (_req, reply) => {
      const [temporal, database] = await Promise.all([
        timed(() => deps.temporal.connection.workflowService.getSystemInfo({})),
        timed(() => deps.db.$queryRaw`SELECT 1`),
      ]);
      const ok = temporal.ok && database.ok;
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', policyVersion: deps.policy.version, checks: { temporal, database } });
    });
  };
