/**
 * The transactional outbox of workflow starts (issue 7 "two stores, one truth"), on the dev server
 * and real PostgreSQL: a record committed without its start (the process died between commit and
 * start) is started by the reconciler; a start while Temporal is unreachable is deferred and
 * recorded (attempts, lastError, next attempt), never lost; a second start of the same business key
 * is "already started", never a second run.
 */
import { Client, Connection } from '@temporalio/client';
import { SA } from '../../src/temporal/search-attributes';
import { startRecord, WorkflowStarter, type StartRequest } from '../../src/outbox/workflow-starts';
import type { StaffReminderInput } from '../../workflows/staff-reminder';
import type { Db } from '../../src/db/client';
import { testDb, unique } from '../support/fixtures';
import { devServerAddress } from '../support/temporal';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { failFastConnectionOptions } from '../../src/temporal/client';

let db: Db;
let temporal: Client;
let proxy: FaultProxy;
let viaProxy: Client;
const taskQueue = unique('outbox'); // no worker polls it: the workflows are started, never run

beforeAll(async () => {
  db = testDb();
  temporal = new Client({ connection: await Connection.connect({ address: devServerAddress() }) });
  const [host, port] = devServerAddress().split(':');
  proxy = await startFaultProxy({ host: host!, port: Number(port) });
  viaProxy = new Client({ connection: await Connection.connect({ address: proxy.address, ...failFastConnectionOptions() }) });
});

afterAll(async () => {
  await viaProxy?.connection.close();
  await proxy?.close();
  await temporal?.connection.close();
  await db?.$disconnect();
});

function request(): StartRequest {
  const key = unique('obx');
  const input: StaffReminderInput = { reminderKey: key, staffId: 'stf-a', escalationStaffId: 'stf-b', dueAt: new Date(Date.now() + 86_400_000).toISOString(), escalateAfterMs: 1000, policyVersion: 'test' };
  return { workflowType: 'staffReminder', workflowId: `reminder-${key}`, taskQueue, args: [input], searchAttributes: [{ key: SA.ProcessKind, value: 'REMINDER' }, { key: SA.DueAt, value: new Date(input.dueAt) }] };
}

const describe = (c: Client, id: string) => c.workflow.getHandle(id).describe();

test('a record committed without its start (crash after commit) is started by the reconciler, with its search attributes', async () => {
  const req = request();
  await db.workflowStart.create({ data: { ...startRecord(req, new Date()), nextAttemptAt: new Date(Date.now() - 1000) } });
  await expect(describe(temporal, req.workflowId)).rejects.toThrow(/not found/i);

  const starter = new WorkflowStarter({ db, temporal, log: () => undefined });
  expect(await starter.reconcile()).toBeGreaterThanOrEqual(1);
  const started = await describe(temporal, req.workflowId);
  expect(started.type).toBe('staffReminder');
  expect(started.typedSearchAttributes.get(SA.ProcessKind)).toBe('REMINDER');
  expect(started.typedSearchAttributes.get(SA.DueAt)?.toISOString()).toBe((req.args[0] as StaffReminderInput).dueAt);
  const row = await db.workflowStart.findUniqueOrThrow({ where: { workflowId: req.workflowId } });
  expect(row.startedAt).not.toBeNull();

  // Idempotent by business key: starting again is "already started", one run.
  expect(await starter.start(req)).toBe('ALREADY_STARTED');
  const runs = await temporal.workflow.count(`WorkflowId = '${req.workflowId}'`);
  expect(runs.count).toBe(1);
  await starter.close();
});

test('a start while Temporal is unreachable is deferred and recorded, and started once Temporal is back', async () => {
  const req = request();
  await db.workflowStart.create({ data: startRecord(req, new Date()) });
  const starter = new WorkflowStarter({ db, temporal: viaProxy, log: () => undefined });
  proxy.cut();
  try {
    expect(await starter.startWithin(req, 10_000)).toBe('DEFERRED');
    const row = await db.workflowStart.findUniqueOrThrow({ where: { workflowId: req.workflowId } });
    expect(row).toMatchObject({ startedAt: null, attempts: 1 });
    expect(row.lastError).toBeTruthy();
    expect(row.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() - 5_000);
  } finally {
    proxy.restore();
  }
  const loop = starter.runReconciler(200);
  const deadline = Date.now() + 15_000;
  while (!(await db.workflowStart.findUniqueOrThrow({ where: { workflowId: req.workflowId } })).startedAt) {
    if (Date.now() > deadline) throw new Error('not started within 15 s of Temporal coming back');
    await new Promise((r) => setTimeout(r, 100));
  }
  await loop.stop();
  expect((await describe(temporal, req.workflowId)).status.name).toBe('RUNNING');
  await starter.close();
});
