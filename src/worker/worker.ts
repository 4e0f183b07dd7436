/**
 * The worker: runs the workflows in workflows/ and the activities built by createActivities with
 * their dependencies injected. On shutdown it stops polling and lets running activities finish
 * (up to shutdownGraceTime) before it resolves: no activity is cut half-way.
 */
import type { TemporalConnectionSettings } from '../temporal/connection-options';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, failDeterministicErrorsForGood, type ActivityDeps } from '../../activities';
import { createRiskPortfolioActivities } from '../../activities/risk-portfolio';
import { activityTracingOptions, workerTracingOptions, type WorkerTracing } from '../observability/tracing';

export const WORKFLOWS_PATH = path.resolve(__dirname, '..', '..', 'workflows');

/**
 * Bundles workflows/ in a short-lived child process and returns the bundle. Webpack and its native
 * TypeScript compiler (swc) then never load into the long-lived worker process: measured with
 * `npm run bench:lifecycle`, 70–110 MiB less resident memory for as long as the worker runs
 * (`Worker.create({ workflowsPath })` bundles in-process and keeps both loaded).
 */
export async function bundleWorkflowsInChild(workflowsPath: string = WORKFLOWS_PATH, failureConverterPath?: string, workflowInterceptorModules?: string[]): Promise<{ code: string }> {
  // §3.1: the bundle carries the failure converter, so failure messages raised in workflow code are encrypted too.
  const converter = failureConverterPath ? `, failureConverterPath: ${JSON.stringify(failureConverterPath)}` : '';
  // Tracing (src/observability/tracing.ts): its workflow interceptors, only when it is on.
  const interceptors = workflowInterceptorModules?.length ? `, workflowInterceptorModules: ${JSON.stringify(workflowInterceptorModules)}` : '';
  const script = `
    const { bundleWorkflowCode } = require('@temporalio/worker');
    const quiet = () => {};
    const say = (m) => process.stderr.write(String(m) + '\\n');
    bundleWorkflowCode({ workflowsPath: ${JSON.stringify(workflowsPath)}${converter}${interceptors}, logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: say, error: say } })
      .then(({ code }) => process.stdout.write(code), (err) => { say(err && err.stack ? err.stack : err); process.exitCode = 1; });`;
  return new Promise((resolve, reject) => {
    // cwd: the project, so that require() finds @temporalio/worker in its node_modules.
    const child = spawn(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 && out.length) resolve({ code: Buffer.concat(out).toString('utf8') });
      else reject(new Error(`bundling ${workflowsPath} failed (exit ${code}): ${err.trim()}`));
    });
  });
}

export interface WorkerSetup {
  address: string;
  /** TLS/mTLS and the API key with the address (src/temporal/connection-options.ts); default: plaintext to `address`. */
  connectionOptions?: TemporalConnectionSettings;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  shutdownGraceSeconds?: number;
  /** A prebuilt workflow bundle (tests build it once); default: bundle workflows/ at start, in a child process (bundleWorkflowsInChild). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** §3.1: the payload codec that encrypts every payload (src/temporal/codec.ts). */
  dataConverter?: DataConverter;
  /** A connection already made (src/worker/main.ts waits for Temporal with it); default: connect to `address`. */
  connection?: NativeConnection;
  /**
   * Sticky cache size (WORKER_MAX_CACHED_WORKFLOWS): workflow runs kept in memory between tasks.
   * Idle lifecycles sleep for months and need not stay cached; an evicted run is replayed when its
   * timer fires. Default: the SDK's, sized from the heap limit (thousands of runs).
   */
  maxCachedWorkflows?: number;
  /** OpenTelemetry interceptors and span sink (src/observability/tracing.ts), when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing?: WorkerTracing;
}

export async function createWorker(setup: WorkerSetup): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = setup.connection ?? (await NativeConnection.connect(setup.connectionOptions ?? { address: setup.address }));
  const worker = await Worker.create({
    connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue,
    // Activities that start workflows (the lifecycle hand-off) use a client on the worker's own connection and codec.
    activities: createActivities({
      ...setup.deps,
      temporal: setup.deps.temporal ?? new Client({ connection, namespace: setup.namespace, ...(setup.dataConverter ? { dataConverter: setup.dataConverter } : {}) }),
    }),
    workflowBundle: setup.workflowBundle ?? (await bundleWorkflowsInChild(WORKFLOWS_PATH, setup.dataConverter?.failureConverterPath, setup.tracing?.workflowInterceptorModules)),
    ...workerTracingOptions(setup.tracing),
    shutdownGraceTime: `${setup.shutdownGraceSeconds ?? 30} seconds`,
    ...(setup.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: setup.maxCachedWorkflows } : {}),
    // When many timers fire at once (a day's reviews falling due), their tasks queue on this worker's
    // sticky queue. At the SDK's 10 s a backlog times out there and is dispatched again through the
    // normal queue (WorkflowTaskTimedOut, a stall and extra server work per task: bench:lifecycle).
    // A worker that stops cleanly hands its sticky queue back at once; only after a crash do its
    // tasks wait this long to move — nothing here is due within a minute.
    stickyQueueScheduleToStartTimeout: '1 minute',
    ...(setup.dataConverter ? { dataConverter: setup.dataConverter } : {}),
  });
  return { worker, connection };
}

export interface RiskWorkerSetup {
  /** The main worker's connection (one connection, two workers). */
  connection: NativeConnection;
  namespace: string;
  /** RISK_TASK_QUEUE. */
  taskQueue: string;
  deps: ActivityDeps;
  dataConverter?: DataConverter;
  shutdownGraceSeconds?: number;
  /** RISK_ACTIVITIES_PER_SECOND: page activities started per second, by this worker and on the whole queue. */
  activitiesPerSecond: number;
  /** RISK_MAX_CONCURRENT_ACTIVITIES: pages this worker runs at once. */
  maxConcurrentActivities: number;
  /** OpenTelemetry activity interceptors (activities only here: no workflows on this queue). */
  tracing?: WorkerTracing;
}

/**
 * §6 the risk worker: the portfolio run's page activities (activities/risk-portfolio.ts) on their
 * own task queue, activities only (the portfolio workflow itself is a few tasks per page on the main
 * queue). Its limits are deliberate: a page is up to 1000 customers in one transaction, so a couple at
 * a time keep PostgreSQL and the CPU free for the main queue's escalations and reminders;
 * `maxTaskQueueActivitiesPerSecond` (enforced by the server for every worker of the queue) and
 * `maxActivitiesPerSecond` (this worker) bound how fast pages start however many risk workers run.
 * Created next to the main worker wherever one is (src/worker/main.ts, src/cli/start.ts), and shut
 * down with it.
 */
export async function createRiskWorker(setup: RiskWorkerSetup): Promise<Worker> {
  const temporal = setup.deps.temporal ?? new Client({ connection: setup.connection, namespace: setup.namespace, ...(setup.dataConverter ? { dataConverter: setup.dataConverter } : {}) });
  return Worker.create({
    connection: setup.connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue,
    activities: failDeterministicErrorsForGood(createRiskPortfolioActivities({ ...setup.deps, temporal })),
    shutdownGraceTime: `${setup.shutdownGraceSeconds ?? 30} seconds`,
    maxConcurrentActivityTaskExecutions: setup.maxConcurrentActivities,
    maxActivitiesPerSecond: setup.activitiesPerSecond,
    maxTaskQueueActivitiesPerSecond: setup.activitiesPerSecond,
    ...activityTracingOptions(setup.tracing),
    ...(setup.dataConverter ? { dataConverter: setup.dataConverter } : {}),
  });
}

/** Runs both workers; resolves when both have stopped. `shutdown()` stops both (the caller awaits `running`). */
export function runTogether(workers: Worker[]): { running: Promise<void>; shutdown: () => void } {
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  // One failing (a fatal poll error) stops the other: they live and die together.
  const running = Promise.allSettled(workers.map((w) => w.run().finally(shutdown))).then((results) => {
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  });
  return { running, shutdown };
}
