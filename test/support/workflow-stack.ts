/**
 * The real stack of a time-skipping workflow test file (test/workflow/): the time-skipping test
 * server, the file's database, a real SMTP server, the mailer, and workers running the real
 * activities on the file's task queues — started once before the file's tests and stopped after
 * them. Also the recorder of workflow histories for the replay test (test/workflow/replay.test.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import type { Db } from '../../src/db/client';
import { createSmtpMailer, type Mailer } from '../../src/mail/mailer';
import { DEFAULT_POLICY, type Policy } from '../../src/policy/policy';
import { developmentKeyRing, type KeyRing } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import { testDb, workflowBundle } from './fixtures';
import { startTestSmtpServer, type TestSmtpServer } from './smtp';
import { timeSkippingEnv } from './temporal';

export interface TimeSkippingStackOptions {
  /** The queues a worker runs on from the start (one worker each, sharing the activities); none: the file runs its own (`createWorker`). */
  taskQueue?: string | string[];
  policy?: Policy;
  mailFrom?: string;
  ring?: KeyRing;
  /** Changes to the activities' dependencies (e.g. `publicBaseUrl`, or `temporal: undefined` for activities without a client). */
  activities?: Partial<ActivityDeps>;
}

export interface TimeSkippingStack {
  env: TestWorkflowEnvironment;
  db: Db;
  smtp: TestSmtpServer;
  mailer: Mailer;
  /** The workers on `taskQueue`, in its order; `worker` is the first. */
  workers: Worker[];
  worker: Worker | undefined;
  /** A worker on `taskQueue` with the stack's activities, `overrides` applied (not run: the caller runs it). */
  createWorker(taskQueue: string, overrides?: Partial<ActivityDeps>): Promise<Worker>;
  stop(): Promise<void>;
}

/**
 * Starts the stack: the activities get the database, the mailer (from `mailFrom`, care@bank.test by
 * default), the system clock, `policy` (DEFAULT_POLICY), `ring` (the development key ring) and the
 * test server's client, with `activities` applied on top.
 */
export async function startTimeSkippingStack(opts: TimeSkippingStackOptions = {}): Promise<TimeSkippingStack> {
  const mailFrom = opts.mailFrom ?? 'care@bank.test';
  const [env, smtp] = await Promise.all([timeSkippingEnv(), startTestSmtpServer()]);
  const db = testDb();
  const mailer = createSmtpMailer({ url: smtp.url, from: mailFrom });
  const deps: ActivityDeps = { db, mailer, clock: systemClock, mailFrom, policy: opts.policy ?? DEFAULT_POLICY, ring: opts.ring ?? developmentKeyRing(), temporal: env.client, ...opts.activities };
  const activities = createActivities(deps);
  const createWorker = (taskQueue: string, overrides?: Partial<ActivityDeps>) =>
    Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities: overrides ? createActivities({ ...deps, ...overrides }) : activities });
  const workers: Worker[] = [];
  const release = async () => {
    mailer.close();
    await db.$disconnect();
    await smtp.close();
    await env.teardown();
  };
  try {
    for (const taskQueue of opts.taskQueue === undefined ? [] : [opts.taskQueue].flat()) workers.push(await createWorker(taskQueue));
  } catch (err) {
    await release(); // a worker that cannot be created leaves no server behind
    throw err;
  }
  const running = workers.map((w) => w.run());
  const stop = async () => {
    for (const w of workers) w.shutdown();
    await Promise.all(running);
    await release();
  };
  return { env, db, smtp, mailer, workers, worker: workers[0], createWorker, stop };
}

/**
 * The file's stack: started in a `beforeAll` (registered now, so before the file's own) and stopped in
 * an `afterAll`. `started` receives it once it runs, e.g. `(s) => ({ env, db, smtp } = s)`.
 */
export function timeSkippingStack(opts: TimeSkippingStackOptions, started: (stack: TimeSkippingStack) => void): void {
  let stack: TimeSkippingStack | undefined;
  beforeAll(async () => {
    stack = await startTimeSkippingStack(opts);
    started(stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });
}

const HISTORIES = path.join(__dirname, '..', 'workflow', 'histories');

/**
 * protobufjs object form (enums and 64-bit numbers as strings, bytes base64): readable in a diff and
 * read back with `History.fromObject` (test/workflow/replay.test.ts). The SDK's historyToJSON trips
 * over the two protobufjs copies in node_modules.
 */
export const historyJson = (history: temporal.api.history.v1.IHistory) =>
  JSON.stringify(temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), { longs: String, enums: String, bytes: String }), null, 1) + '\n';

/**
 * Saves each workflow's history (a workflow id: its latest run) as
 * test/workflow/histories/<label>/<scenario>.<workflowType>.json; without a label (CCM_HISTORY_LABEL unset), nothing.
 */
export async function saveHistories(client: Client, label: string | undefined, scenario: string, workflows: (string | { workflowId: string; runId: string })[]): Promise<void> {
  if (!label) return;
  const out = path.join(HISTORIES, label);
  mkdirSync(out, { recursive: true });
  for (const ref of workflows) {
    const handle = typeof ref === 'string' ? client.workflow.getHandle(ref) : client.workflow.getHandle(ref.workflowId, ref.runId);
    const { type } = await handle.describe();
    writeFileSync(path.join(out, `${scenario}.${type}.json`), historyJson(await handle.fetchHistory()));
  }
}
