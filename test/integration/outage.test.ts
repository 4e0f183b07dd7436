/**
 * Outages are explicit (issue 7 defect 5): the API on real parts, its PostgreSQL and its Temporal
 * each behind a fault proxy; the worker talks to both directly, so the workflows keep running while
 * the API's view of a dependency is cut. A cut dependency → 503 with `Retry-After: 5` and
 * `{ error: 'unavailable', dependency, message }` within a few seconds, no driver text; back → the
 * same request succeeds. Error shapes one by one: test/unit/outage.test.ts.
 */
import type { FastifyInstance } from 'fastify';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { buildApi } from '../../src/api/server';
import { createDb, type Db } from '../../src/db/client';
import { createSmtpMailer, type Mailer } from '../../src/mail/mailer';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { issueApiKey } from '../../src/security/auth';
import { developmentKeyRing } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import { dataConverter } from '../../src/temporal/codec';
import { failFastConnectionOptions } from '../../src/temporal/client';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { testDb, unique, workflowBundle } from '../support/fixtures';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';
import { devServerAddress } from '../support/temporal';

/** "Within a few seconds": the bound on one refused request. */
const ANSWER_BOUND_MS = 5000;
const MAIL_FROM = 'care@bank.test';
const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.11-98' });
const ring = developmentKeyRing();
const converter = dataConverter(ring);

let smtp: TestSmtpServer;
let mailer: Mailer;
let dbProxy: FaultProxy;
let temporalProxy: FaultProxy;
let direct: Db;
let apiDb: Db;
let apiTemporal: Client;
let nativeConnection: NativeConnection;
let worker: Worker;
let workerRun: Promise<void>;
let api: FastifyInstance;
let baseUrl: string;
let staffId: string;
let escalationId: string;
let apiKey: string;
let taskQueue: string;

beforeAll(async () => {
  taskQueue = unique('outage');
  smtp = await startTestSmtpServer();
  direct = testDb();
  mailer = createSmtpMailer({ url: smtp.url, from: MAIL_FROM });
  nativeConnection = await NativeConnection.connect({ address: devServerAddress() });
  worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    dataConverter: converter,
    activities: createActivities({ db: direct, mailer, clock: systemClock, mailFrom: MAIL_FROM, policy, ring }),
  });
  workerRun = worker.run();

  const dbUrl = new URL(process.env.DATABASE_URL!);
  dbProxy = await startFaultProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
  dbUrl.hostname = dbProxy.host;
  dbUrl.port = String(dbProxy.port);
  apiDb = createDb({ url: dbUrl.toString(), max: 4 });
  const [host, port] = devServerAddress().split(':');
  temporalProxy = await startFaultProxy({ host: host!, port: Number(port) });
  apiTemporal = new Client({ connection: await Connection.connect({ address: temporalProxy.address, ...failFastConnectionOptions() }), dataConverter: converter });
  api = await buildApi({ db: apiDb, temporal: apiTemporal, taskQueue, policy, ring, logLevel: 'silent' });
  baseUrl = await api.listen({ host: '127.0.0.1', port: 0 });

  staffId = unique('rm');
  escalationId = unique('sup');
  await direct.staffMember.create({ data: { id: staffId, name: 'Rita Manager', email: `${staffId}@bank.test`, roles: ['RELATIONSHIP_MANAGER'] } });
  await direct.staffMember.create({ data: { id: escalationId, name: 'Sue Pervisor', email: `${escalationId}@bank.test`, roles: ['SUPERVISOR'] } });
  apiKey = (await issueApiKey(direct, staffId, 'outage test')).key;
});

afterAll(async () => {
  await api?.close();
  await apiTemporal?.connection.close();
  await apiDb?.$disconnect();
  worker?.shutdown();
  await workerRun;
  await nativeConnection?.close();
  mailer?.close();
  await dbProxy?.close();
  await temporalProxy?.close();
  await smtp?.close();
  await direct?.$disconnect();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
  retryAfter: string | null;
  ms: number;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, text, retryAfter: res.headers.get('retry-after'), ms: Date.now() - started };
}

function expectOutage(answer: Answer, dependency: 'database' | 'temporal') {
  expect({ status: answer.status, retryAfter: answer.retryAfter, body: answer.body }).toEqual({
    status: 503,
    retryAfter: '5',
    body: {
      error: 'unavailable',
      dependency,
      message: dependency === 'database' ? 'the database is unavailable; retry later' : expect.stringMatching(/Temporal.*unavailable; retry later/),
    },
  });
  expect(answer.ms).toBeLessThan(ANSWER_BOUND_MS);
  expect(answer.text).not.toMatch(/prisma|invocation|grpc|Connection terminated|Can't reach/i);
  expect(answer.text).not.toMatch(/ECONN|UNAVAILABLE|DEADLINE_EXCEEDED/);
}

const reminderBody = (key: string, inMs = 3_600_000) => ({
  key,
  staffId,
  escalationStaffId: escalationId,
  dueAt: new Date(Date.now() + inMs).toISOString(),
  subject: 'Call back about the mortgage offer',
});

test('PostgreSQL cut: GET /customers and POST /reminders answer 503 with Retry-After (no row written); back: 200/201', async () => {
  expect((await call('GET', '/customers')).status).toBe(200); // the pool holds live connections now
  const key = unique('outage-db');

  dbProxy.cut();
  try {
    expectOutage(await call('GET', '/customers'), 'database');
    expectOutage(await call('POST', '/reminders', reminderBody(key)), 'database');
    expectOutage(await call('GET', '/customers'), 'database'); // new connections are refused too
  } finally {
    dbProxy.restore();
  }
  expect(await direct.reminder.count({ where: { key } })).toBe(0);

  expect((await call('GET', '/customers')).status).toBe(200);
  const created = await call('POST', '/reminders', reminderBody(key));
  expect(created.status).toBe(201);
});

test('Temporal cut: acknowledge answers 503 naming Temporal, the read falls back to the stored record; back: the acknowledgement goes through', async () => {
  const key = unique('outage-tp');
  expect((await call('POST', '/reminders', reminderBody(key))).status).toBe(201);
  // The workflow is running and answers its query before the cut.
  const deadline = Date.now() + 20_000;
  while ((await call('GET', `/reminders/${key}`)).body.source !== 'workflow') {
    if (Date.now() > deadline) throw new Error('reminder workflow never answered');
    await new Promise((r) => setTimeout(r, 200));
  }

  temporalProxy.cut();
  try {
    expectOutage(await call('POST', `/reminders/${key}/acknowledge`, {}), 'temporal');
    // A read degrades to the stored record instead of failing.
    const read = await call('GET', `/reminders/${key}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ key, source: 'database', status: 'SCHEDULED' });
  } finally {
    temporalProxy.restore();
  }

  // The client may retry as Retry-After says; the same request succeeds once Temporal is back.
  let ack: Answer | undefined;
  const until = Date.now() + 20_000;
  do {
    ack = await call('POST', `/reminders/${key}/acknowledge`, {});
    if (ack.status === 200) break;
    expect(ack.status).toBe(503); // never a 500 while the connection comes back
    await new Promise((r) => setTimeout(r, 250));
  } while (Date.now() < until);
  expect(ack.status).toBe(200);
  expect(ack.body).toMatchObject({ key, status: 'CANCELLED' });
});
