/**
 * The worker process's health signal (issue 13, Kubernetes probes in deploy/k8s/): with
 * WORKER_HEALTH_PORT set, `GET /health` answers
 *
 *   200 { status: 'ok', workers: { <task queue>: 'RUNNING', … } }   every worker polls
 *   200 { status: 'stopping', … }                                     draining after SIGTERM (alive: let it finish)
 *   503 { status: 'starting' | 'failed', workers: { … } }             not polling (yet), or a worker FAILED
 *
 * 'starting' while the process still waits for the database and Temporal (src/worker/main.ts; the
 * Kubernetes startupProbe allows for it), 'stopping' once a signal made it drain — still 200, so a
 * liveness probe never kills a worker whose activities are finishing within
 * terminationGracePeriodSeconds — and 'failed' when a worker's state is FAILED. It is answered
 * from the process's own event loop, so a loop blocked for longer than the probe's timeout (a hung
 * process) fails the probe too. Nothing about customers or workflows is in it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A worker's state as the SDK reports it (Worker.getState()). */
export type WorkerRunState = 'INITIALIZED' | 'RUNNING' | 'STOPPING' | 'DRAINING' | 'DRAINED' | 'STOPPED' | 'FAILED';

export interface WorkerHealth {
  status: 'ok' | 'starting' | 'stopping' | 'failed';
  workers: Record<string, WorkerRunState>;
}

/** Pure: the answer for the process's workers (none yet: starting). */
export function workerHealth(workers: Record<string, WorkerRunState>, stopping: boolean): WorkerHealth {
  const states = Object.values(workers);
  const status: WorkerHealth['status'] = states.includes('FAILED')
    ? 'failed'
    : stopping || states.some((s) => s !== 'RUNNING' && s !== 'INITIALIZED')
      ? 'stopping'
      : states.length === 0 || states.some((s) => s !== 'RUNNING')
        ? 'starting'
        : 'ok';
  return { status, workers };
}

/** 200 or 503: polling, or draining what it polled. */
export const isLive = (health: WorkerHealth) => health.status === 'ok' || health.status === 'stopping';

export interface WorkerHealthServer {
  port: number;
  close(): Promise<void>;
}

/** Serves GET /health on `port` (0: any free port) of `host`. */
export async function startWorkerHealthServer(options: { port: number; host?: string; health: () => WorkerHealth }): Promise<WorkerHealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/health' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found', message: 'GET /health only' }));
      return;
    }
    const health = options.health();
    const body = JSON.stringify(health);
    res.writeHead(isLive(health) ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
