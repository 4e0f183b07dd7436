/**
 * Optional OpenTelemetry tracing end to end (issue 13, README "Observability", src/observability/tracing.ts):
 * a collector (a local HTTP server taking OTLP/HTTP JSON at /v1/traces) receives, in ONE trace, the
 * client's StartWorkflow span (a client with the API's tracing, as src/api/main.ts makes it), the
 * workflow's StartActivity span (the workflow interceptors bundled into the real worker process) and
 * the worker's RunActivity span — from a reminder started through the outbox, its e-mail activity
 * run by `npm run worker` with OTEL_EXPORTER_OTLP_ENDPOINT set. Span attributes carry ids, never
 * the staff member's e-mail address (§3.1).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/client';
import { clientTracingOptions, tracingFromEnv } from '../../src/observability/tracing';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { createReminder } from '../../src/reminders/create-reminder';
import { PROJECT_ROOT } from '../../src/temporal/binaries';
import { createStaff, testDb, unique } from '../support/fixtures';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';
import { devServerAddress } from '../support/temporal';

jest.setTimeout(150_000);

interface Span {
  traceId: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string } }[];
}

let db: Db;
let smtp: TestSmtpServer;
let collector: http.Server;
let endpoint: string;
const bodies: string[] = [];

beforeAll(async () => {
  db = testDb();
  smtp = await startTestSmtpServer();
  collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => collector?.close(resolve));
  await smtp?.close();
  await db?.$disconnect();
});

/** Every span the collector received (OTLP/HTTP JSON). */
function spans(): Span[] {
  return bodies.flatMap((b) => {
    const parsed = JSON.parse(b) as { resourceSpans?: { scopeSpans?: { spans?: Span[] }[] }[] };
    return (parsed.resourceSpans ?? []).flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => s.spans ?? []));
  });
}

const attribute = (span: Span, key: string) => span.attributes?.find((a) => a.key === key)?.value.stringValue;

test('one trace from the client through the workflow to the activity', async () => {
  const taskQueue = `traced-${randomUUID().slice(0, 8)}`;
  const worker = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: devServerAddress(), TASK_QUEUE: taskQueue, WORKER_QUEUES: 'main', SMTP_URL: smtp.url, MAIL_FROM: 'care@bank.test', LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  worker.stdout.on('data', (d: Buffer) => (output += d.toString()));
  worker.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
  const until = async (what: string, fn: () => boolean) => {
    const deadline = Date.now() + 100_000;
    while (!fn()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output}\n${JSON.stringify(spans().map((s) => s.name))}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const tracing = await tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, 'ccm-api');
  const temporal = new Client({ connection: await Connection.connect({ address: devServerAddress() }), ...clientTracingOptions(tracing) });
  const workflowId = `reminder-${unique('traced')}`;
  try {
    await until('the worker polling', () => output.includes('polling task queue'));
    expect(output).toContain(`tracing to ${endpoint}`);
    const [assignee, supervisor] = await Promise.all([createStaff(db, 'Tia Trace'), createStaff(db, 'Sam Span', ['SUPERVISOR'])]);
    await createReminder(
      { db, temporal, taskQueue, policy: DEFAULT_POLICY },
      { key: workflowId.slice('reminder-'.length), staffId: assignee.id, escalationStaffId: supervisor.id, dueAt: new Date().toISOString(), subject: 'Tracing test' },
    );
    await until('the reminder email', () => smtp.to(assignee.email).length === 1);
    await tracing!.shutdown(); // the client's spans
    await until('the worker spans', () => spans().some((s) => s.name.startsWith('RunActivity')));

    const start = spans().find((s) => s.name === 'StartWorkflow:staffReminder');
    expect(start).toBeDefined();
    const trace = spans().filter((s) => s.traceId === start!.traceId);
    const names = trace.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['StartWorkflow:staffReminder', expect.stringMatching(/^StartActivity:/), expect.stringMatching(/^RunActivity:/)]));
    const run = trace.find((s) => s.name.startsWith('RunActivity'))!;
    expect(attribute(run, 'temporalWorkflowId')).toBe(workflowId);
    expect(bodies.join('')).not.toContain(assignee.email);
    await temporal.workflow.getHandle(workflowId).terminate('test finished');
  } finally {
    worker.kill('SIGTERM');
    await temporal.connection.close();
  }
  expect(await exited).toBe(0);
});
