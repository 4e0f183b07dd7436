/**
 * The worker process (`npm run worker`, as docker-compose runs it) on the real stack, observed as
 * an operator does (issue 13, README "Observability"):
 * - every line it writes is one JSON object; its status lines have `component: worker`;
 * - the Temporal SDK's lines arrive through the same logger (`component: temporal`), and an
 *   activity's lines carry its workflowId, activityId and activityType — while its task token (a
 *   credential) and the recipient's e-mail address never appear;
 * - with WORKER_METRICS_ADDRESS set, the SDK's Prometheus endpoint answers with the worker's metrics
 *   (temporal_ prefix), including the activity that just ran;
 * - SIGTERM: it drains and says it stopped, exit 0.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/client';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { createReminder } from '../../src/reminders/create-reminder';
import { PROJECT_ROOT } from '../../src/temporal/binaries';
import { freePort } from '../../src/temporal/dev-server';
import { createStaff, testDb, unique } from '../support/fixtures';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';
import { devServerAddress } from '../support/temporal';

jest.setTimeout(150_000);

let db: Db;
let smtp: TestSmtpServer;
let temporal: Client;

beforeAll(async () => {
  db = testDb();
  smtp = await startTestSmtpServer();
  temporal = new Client({ connection: await Connection.connect({ address: devServerAddress() }) });
});

afterAll(async () => {
  await temporal?.connection.close();
  await smtp?.close();
  await db?.$disconnect();
});

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, output: () => string, timeoutMs = 100_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('JSON lines with workflow and activity ids, Prometheus worker metrics, clean stop', async () => {
  const taskQueue = `observe-${randomUUID().slice(0, 8)}`;
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  const worker = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: devServerAddress(),
      TASK_QUEUE: taskQueue,
      WORKER_QUEUES: 'main',
      SMTP_URL: smtp.url,
      MAIL_FROM: 'care@bank.test',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      WORKER_METRICS_ADDRESS: metricsAddress,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  worker.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  worker.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const output = () => stdout + stderr;
  const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
  const lines = () =>
    stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, any>);

  try {
    await until('the worker polling', () => lines().some((l) => l.component === 'worker' && /^polling task queue /.test(l.msg)), output);

    const [assignee, supervisor] = await Promise.all([createStaff(db, 'Mira Metric'), createStaff(db, 'Sol Super', ['SUPERVISOR'])]);
    const key = unique('observe');
    await createReminder(
      { db, temporal, taskQueue, policy: DEFAULT_POLICY },
      { key, staffId: assignee.id, escalationStaffId: supervisor.id, dueAt: new Date().toISOString(), subject: 'Observability test' },
    );
    await until('the reminder email', () => smtp.to(assignee.email).length === 1, output);
    const workflowId = `reminder-${key}`;
    const activityLines = await until(
      "the activity's completion line",
      () => {
        const found = lines().filter((l) => l.component === 'temporal' && l.workflowId === workflowId && l.activityId !== undefined);
        return found.some((l) => /Activity completed/.test(l.msg)) ? found : undefined;
      },
      output,
    );
    for (const line of activityLines) {
      expect(line).toMatchObject({ sdkComponent: 'worker', workflowId, workflowType: 'staffReminder', taskQueue, activityId: expect.any(String), activityType: expect.any(String) });
      if ('taskToken' in line) expect(line.taskToken).toBe('[Redacted]');
    }

    const res = await fetch(`http://${metricsAddress}/metrics`);
    expect(res.status).toBe(200);
    const metrics = await res.text();
    for (const name of ['temporal_worker_task_slots_available', 'temporal_activity_execution_latency_bucket', 'temporal_activity_schedule_to_start_latency_bucket', 'temporal_workflow_task_schedule_to_start_latency_bucket', 'temporal_sticky_cache_size']) {
      expect({ name, present: new RegExp(`^${name}\\{`, 'm').test(metrics) }).toEqual({ name, present: true });
    }
    expect(metrics).toMatch(new RegExp(`^temporal_activity_execution_latency_count\\{[^}]*task_queue="${taskQueue}"`, 'm'));
    await temporal.workflow.getHandle(workflowId).terminate('test finished');
  } finally {
    worker.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  // Nothing on stdout; every stderr line is a JSON object (JSON.parse throws otherwise).
  expect(stdout).toBe('');
  const all = lines();
  expect(all.at(-1)).toMatchObject({ level: 'info', component: 'worker', msg: 'stopped' });
  expect(all.every((l) => typeof l.time === 'string' && typeof l.level === 'string')).toBe(true);
  expect(stderr).not.toContain('@bank.test');
});
