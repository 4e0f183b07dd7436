/**
 * Worker process (docker-compose `worker` and `risk-worker`, or `npm run worker`): needs TEMPORAL_ADDRESS,
 * DATABASE_URL and SMTP_URL; WORKER_QUEUES says which task queues it polls (src/config/env.ts). SIGINT/SIGTERM stop polling and let running activities finish.
 *
 * Start-up is patient (issue 7 defect 11; src/app/wait-for.ts): it waits for the database
 * (SELECT 1) and Temporal (the connection it then polls with), logging one line per attempt naming
 * what, which variable and where, and starts polling once both answer. SMTP is waited for and
 * logged too, but does not hold polling back: a send that fails is retried by its activity. A
 * signal during the wait ends the process cleanly (exit 0).
 */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig, ConfigError, publicBaseUrl } from '../config/env';
import { createDb } from '../db/client';
import { createSmtpMailer } from '../mail/mailer';
import { systemClock } from '../shared/clock';
import { onShutdownSignal, runMain, say } from '../app/logger';
import { configureLogging } from '../observability/logger';
import { temporalRuntimeOptions } from '../observability/temporal-runtime';
import { tracingFromEnv } from '../observability/tracing';
import { urlAddress, waitFor, type WaitTarget } from '../app/wait-for';
import { createRiskWorker, createWorker, runTogether } from './worker';
import { loadKeyRing } from '../app/key-ring';
import { loadPolicy } from '../policy/policy';
import { dataConverter } from '../temporal/codec';
import { describeTemporalConnection, temporalConnectionOptions } from '../temporal/connection-options';
import { startWorkerHealthServer, workerHealth, type WorkerRunState } from './health';

const log = say('worker');

/** SMTP is waited for in the background: its retries may space out further. */
const SMTP_MAX_RETRY_DELAY_MS = 30_000;

runMain('worker', async () => {
  const env = loadConfig();
  const logger = configureLogging(env); // JSON unless LOG_FORMAT=pretty (src/observability/logger.ts)
  const missing = (['TEMPORAL_ADDRESS', 'DATABASE_URL', 'SMTP_URL'] as const).filter((k) => !env[k]);
  if (missing.length) throw new ConfigError(`${missing.join(', ')} must be set for a standalone worker (npm start runs an embedded stack instead)`);
  const ring = loadKeyRing(env, log);
  const policy = loadPolicy();
  // We handle the signals ourselves so the order is: stop polling, drain activities, close the pool.
  // The SDK logs through pino; its Prometheus endpoint when WORKER_METRICS_ADDRESS is set.
  Runtime.install(temporalRuntimeOptions({ logger, level: env.LOG_LEVEL, metricsAddress: env.WORKER_METRICS_ADDRESS }));
  if (env.WORKER_METRICS_ADDRESS) log(`Temporal worker metrics (Prometheus) on http://${env.WORKER_METRICS_ADDRESS}/metrics`);
  // OpenTelemetry spans of workflows and activities, only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = await tracingFromEnv(env, 'ccm-worker');
  if (tracing) log(`tracing to ${env.OTEL_EXPORTER_OTLP_ENDPOINT} (OpenTelemetry, service ccm-worker)`);
  const db = createDb({ url: env.DATABASE_URL! });
  const mailer = createSmtpMailer({ url: env.SMTP_URL!, from: env.MAIL_FROM });

  const temporalTarget: WaitTarget = { name: 'Temporal', variable: 'TEMPORAL_ADDRESS', address: env.TEMPORAL_ADDRESS! };
  const databaseTarget: WaitTarget = { name: 'the database', variable: 'DATABASE_URL', address: urlAddress(env.DATABASE_URL!, 5432) };
  const smtpTarget: WaitTarget = { name: 'SMTP', variable: 'SMTP_URL', address: urlAddress(env.SMTP_URL!, 25) };
  // Issue 13: GET /health for Kubernetes probes (src/worker/health.ts), 'starting' until the workers poll.
  const polled: Record<string, () => WorkerRunState> = {};
  let draining = false;
  const healthServer =
    env.WORKER_HEALTH_PORT === undefined
      ? undefined
      : await startWorkerHealthServer({
          port: env.WORKER_HEALTH_PORT,
          health: () => workerHealth(Object.fromEntries(Object.entries(polled).map(([queue, state]) => [queue, state()])), draining),
        });
  if (healthServer) log(`health: GET http://0.0.0.0:${healthServer.port}/health`);
  const startup = new AbortController();
  const waiting = { log, signal: startup.signal };

  const smtpWait = waitFor(smtpTarget, () => mailer.verify(), { ...waiting, maxDelayMs: SMTP_MAX_RETRY_DELAY_MS }).catch(() => undefined);
  const databaseWait = waitFor(databaseTarget, () => db.$queryRaw`SELECT 1`, waiting);
  // Issue 13: TLS/mTLS and the Temporal Cloud API key from the environment (src/temporal/connection-options.ts).
  const temporalOptions = temporalConnectionOptions(env);
  log(`Temporal ${describeTemporalConnection(env, temporalOptions)}`);
  const temporalWait = waitFor(temporalTarget, () => NativeConnection.connect(temporalOptions), {
    ...waiting,
    discard: (late) => void late.close(),
  });
  const waits = Promise.allSettled([databaseWait, temporalWait]);
  // Stopped during the wait: close what was opened; the signal handler exits 0 after this.
  const abandoned = waits.then(async ([, temporal]) => {
    if (!startup.signal.aborted) return;
    await smtpWait;
    if (temporal.status === 'fulfilled') await temporal.value.close();
    mailer.close();
    await db.$disconnect();
    await healthServer?.close();
    log('stopped before start-up finished');
  });

  /** Set once the worker runs: a signal then drains it instead of abandoning the wait. */
  const polling: { stop?: (signal: string) => Promise<void> } = {};
  onShutdownSignal(async (signal) => {
    if (polling.stop) return polling.stop(signal);
    log(`${signal}: stopping`);
    startup.abort();
    await abandoned;
  });

  const [, temporal] = await waits;
  if (startup.signal.aborted || temporal.status !== 'fulfilled') return; // the handler finishes and exits

  const connection = temporal.value;
  const deps = { db, mailer, clock: systemClock, mailFrom: env.MAIL_FROM, policy, ring, publicBaseUrl: publicBaseUrl(env) };
  const workers = [];
  // WORKER_QUEUES: both queues in one process (the default), or one each in two processes (production,
  // docker-compose `worker` and `risk-worker`: a portfolio page's scoring then does not hold up the
  // cases' workflow tasks; §6).
  if (env.WORKER_QUEUES.includes('main')) {
    const { worker } = await createWorker({
      address: env.TEMPORAL_ADDRESS!,
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TASK_QUEUE,
      deps,
      dataConverter: dataConverter(ring),
      shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
      maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
      ...(tracing ? { tracing } : {}),
    });
    workers.push(worker);
    polled[env.TASK_QUEUE] = () => worker.getState();
    log(`polling task queue ${env.TASK_QUEUE} on ${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE}; sticky cache ${env.WORKER_MAX_CACHED_WORKFLOWS} workflows)`);
  }
  if (env.WORKER_QUEUES.includes('risk')) {
    // §6 the portfolio run's pages on their own, rate-limited queue (src/worker/worker.ts createRiskWorker).
    const riskWorker = await createRiskWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.RISK_TASK_QUEUE,
      deps,
      dataConverter: dataConverter(ring),
      shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
      activitiesPerSecond: env.RISK_ACTIVITIES_PER_SECOND,
      maxConcurrentActivities: env.RISK_MAX_CONCURRENT_ACTIVITIES,
      ...(tracing ? { tracing } : {}),
    });
    workers.push(riskWorker);
    polled[env.RISK_TASK_QUEUE] = () => riskWorker.getState();
    log(`polling task queue ${env.RISK_TASK_QUEUE} on ${env.TEMPORAL_ADDRESS} for risk portfolio pages (≤ ${env.RISK_MAX_CONCURRENT_ACTIVITIES} at once, ≤ ${env.RISK_ACTIVITIES_PER_SECOND}/s)`);
  }
  const both = runTogether(workers);
  const running = both.running;
  const done = (async () => {
    await running;
    startup.abort(); // ends the SMTP wait if it is still going
    await smtpWait;
    await connection.close();
    mailer.close();
    await db.$disconnect();
    await tracing?.shutdown().catch(() => undefined); // the last spans, best effort
    await healthServer?.close();
    log('stopped');
  })();
  // The process exits only once `done` resolves: after the last running activity has finished.
  polling.stop = async (signal) => {
    log(`${signal}: draining (up to ${env.SHUTDOWN_GRACE_SECONDS}s for running activities)`);
    draining = true;
    both.shutdown();
    await done;
  };
  await done;
});
