/**
 * npm run drill [-- --only <name>] [--quick]
 *
 * Real faults against the real stack, all on this machine (issue 7, "Drill"): a scratch database on
 * the local PostgreSQL, a Temporal dev server (state in a SQLite file, so it survives a SIGKILL), a
 * recording SMTP server (bench/drill-smtp.ts), and the production API (src/api/main.ts) and worker
 * (src/worker/main.ts) as child processes — so SIGKILL is real — reaching PostgreSQL, Temporal and
 * SMTP through TCP fault proxies (test/support/fault-proxy.ts) that the drills cut. Requests go over
 * HTTP with fetch, as a client's would; the harness reads PostgreSQL and Temporal directly, never
 * through a proxy.
 *
 * Drills (each bounded in time; they run in this order and share the stack):
 *   worker-kill       approval burst (§2.3 step 3 maker-checker: an AUDITOR who did not enter the
 *                     records), the worker SIGKILLed twice and restarted: one welcome email per
 *                     approved customer with an email address
 *   temporal-restart  reminders due in 10–20 s, the dev server SIGKILLed and restarted (same port,
 *                     same SQLite file) while their timers are pending: one due email each (§5.2)
 *   postgres-cut      API load (POST /customers, POST /reminders, GETs) while PostgreSQL is cut for 20 s
 *   temporal-cut      the same load while Temporal is cut for 6 s
 *   smtp-down         reminders falling due while SMTP is cut for 40 s: each emailed once afterwards
 *   smtp-refuse       the same while the server answers 451 for 40 s
 *   smtp-slow         the server holds every answer 70 s, and the worker is SIGKILLed while a send is held
 *
 * Per drill it prints requests, 2xx/4xx/5xx (5xx outside the outage window: requests that neither
 * overlapped an outage nor ended within SETTLE_MS after it), requests without an answer (network
 * error or no answer within the client's timeout), rows committed, their workflows, emails expected
 * vs received, duplicates, lost, orphans (a workflow whose row does not exist, or a committed row
 * whose workflow does not exist or failed). After load drills every POST that got a 5xx or no answer
 * is retried with the same body and Idempotency-Key, as a client would; a reminder key that then
 * still reads 404 is stuck. Exit code 0 when every target holds: 0 lost, 0 duplicated, 0 orphans,
 * 0 5xx outside the outage window; 1 otherwise. Logs of the children stay in the printed directory
 * when a target fails; `--keep` keeps them and the scratch database whatever the outcome.
 */
import { mkdtempSync, rmSync, createWriteStream, type WriteStream } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Db } from '../src/db/client';
import { PrismaClient } from '../src/db/generated/client';
import { issueApiKey } from '../src/security/auth';
import { ensureBootstrapAdmin } from '../src/security/bootstrap-admin';
import { developmentKeyRing } from '../src/security/keyring';
import { freePort, startDevServer, type DevServer } from '../src/temporal/dev-server';
import { dataConverter } from '../src/temporal/codec';
import { onboardingWorkflowId } from '../workflows/onboarding';
import { reminderWorkflowId } from '../workflows/staff-reminder';
import { startFaultProxy, type FaultProxy } from '../test/support/fault-proxy';
import { startDrillSmtp, type DrillSmtp, type RecordedEmail } from './drill-smtp';
import { createScratchDatabase, DEFAULT_ADMIN_URL, pool, sleep, spawnEntry, syntheticIndividual, waitForPoller, type ScratchDatabase } from './support';

const DRILLS = ['worker-kill', 'temporal-restart', 'postgres-cut', 'temporal-cut', 'smtp-down', 'smtp-refuse', 'smtp-slow'] as const;
type DrillName = (typeof DRILLS)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'admin-url': { type: 'string', default: DEFAULT_ADMIN_URL },
    /** Keep the scratch database and the log directory (with the dev server's SQLite file) for a look afterwards. */
    keep: { type: 'boolean', default: false },
  },
});
if (values.only !== undefined && !(DRILLS as readonly string[]).includes(values.only)) {
  console.error(`--only must be one of ${DRILLS.join(', ')}, got ${JSON.stringify(values.only)}`);
  process.exit(2);
}
const QUICK = values.quick;
const COUNTS = {
  approvals: QUICK ? 40 : 200,
  restartReminders: QUICK ? 20 : 100,
  loadClients: QUICK ? 2 : 4,
  smtpReminders: QUICK ? 5 : 20,
  slowReminders: QUICK ? 3 : 10,
};
/** A request that ends within this long after an outage is still the outage's. */
const SETTLE_MS = 5_000;
/** How long a committed row may wait for its workflow (and an orphan workflow for its row) after a drill. */
const CONVERGE_MS = 30_000;
const MAIL_FROM = 'drill@bank.test';
const HTTP_TIMEOUT_MS = 30_000;

const t0 = Date.now();
const say = (line: string) => process.stderr.write(`[drill ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Child processes: the API and the worker, restarted when they die on their own
// ---------------------------------------------------------------------------------------------

interface StackEvent {
  at: number;
  text: string;
}

class Supervised {
  proc: ChildProcess | undefined;
  private expectingExit = false;
  private stopping = false;
  private readonly log: WriteStream;

  constructor(
    readonly name: 'api' | 'worker',
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly ready: (child: ChildProcess) => Promise<void>,
    logDir: string,
    private readonly events: StackEvent[],
  ) {
    this.log = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
  }

  get pid(): number {
    return this.proc?.pid ?? -1;
  }

  alive(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Spawns the process and resolves once it is ready (the worker polls, the API answers HTTP). */
  async start(): Promise<void> {
    this.expectingExit = false;
    const child = spawnEntry(this.entry, this.env);
    this.proc = child;
    this.log.write(`\n===== ${new Date().toISOString()} start pid ${child.pid} =====\n`);
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    child.once('exit', (code, signal) => {
      this.log.write(`===== ${new Date().toISOString()} pid ${child.pid} exited (${signal ?? code}) =====\n`);
      if (this.expectingExit || this.stopping || this.proc !== child) return;
      // A crash: note it, and restart as a process manager would, so the drill goes on.
      this.events.push({ at: Date.now(), text: `${this.name} (pid ${child.pid}) exited by itself (${signal ?? `code ${code}`}); restarted` });
      say(`${this.name} exited by itself (${signal ?? `code ${code}`}); restarting`);
      setTimeout(() => {
        if (!this.stopping) this.start().catch((err: Error) => say(`${this.name} restart failed: ${err.message}`));
      }, 1000);
    });
    await this.ready(child);
  }

  /** SIGKILL (or another signal) and wait for the exit; not a crash. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.proc;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expectingExit = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.proc;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}

// ---------------------------------------------------------------------------------------------
// The stack
// ---------------------------------------------------------------------------------------------

interface Stack {
  dir: string;
  db: ScratchDatabase;
  prisma: Db;
  sql: pg.Pool;
  smtp: DrillSmtp;
  server: DevServer;
  temporalPort: number;
  temporalDbFile: string;
  pgProxy: FaultProxy;
  temporalProxy: FaultProxy;
  smtpProxy: FaultProxy;
  temporal: Client;
  taskQueue: string;
  apiUrl: string;
  adminKey: string;
  api: Supervised;
  worker: Supervised;
  events: StackEvent[];
}

let stack: Stack | undefined;

async function startStack(): Promise<Stack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccm-drill-'));
  const events: StackEvent[] = [];
  const adminUrl = new URL(values['admin-url']);
  const db = await createScratchDatabase('ccm_drill', adminUrl.toString());
  say(`database ${db.name} migrated; logs in ${dir}`);
  // One pool for the harness's reads and its Prisma client (staff keys), ended by us: DROP … WITH
  // (FORCE) at the end must not meet an idle connection without an error handler.
  const sql = new pg.Pool({ connectionString: db.url, max: 4 });
  sql.on('error', () => undefined);
  const prisma: Db = new PrismaClient({ adapter: new PrismaPg(sql) });
  const smtp = await startDrillSmtp();
  const temporalPort = await freePort();
  const temporalDbFile = path.join(dir, 'temporal.db');
  const server = await startDevServer({ port: temporalPort, uiPort: false, dbFilename: temporalDbFile, logFile: path.join(dir, 'temporal.log') });
  const pgProxy = await startFaultProxy({ host: adminUrl.hostname, port: Number(adminUrl.port || 5432) });
  const temporalProxy = await startFaultProxy({ host: '127.0.0.1', port: temporalPort });
  const smtpProxy = await startFaultProxy({ host: smtp.host, port: smtp.port });
  const proxiedDbUrl = new URL(db.url);
  proxiedDbUrl.hostname = pgProxy.host;
  proxiedDbUrl.port = String(pgProxy.port);

  const temporal = new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: dataConverter(developmentKeyRing()) });
  // §3.1: the first ADMIN and its key, as `npm start` makes them (the standalone API does not).
  const admin = await ensureBootstrapAdmin(prisma, MAIL_FROM, dir);
  if (!admin.created) throw new Error('the scratch database already had an ADMIN');
  const taskQueue = `drill-${randomUUID().slice(0, 8)}`;
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'test', // the development key ring (src/security/keyring.ts), as the harness's client uses
    DATA_ENCRYPTION_KEYS: '',
    DATA_ENCRYPTION_KEY_ID: '',
    BLIND_INDEX_KEY: '',
    LOG_LEVEL: 'warn',
    TEMPORAL_ADDRESS: temporalProxy.address,
    TEMPORAL_NAMESPACE: 'default',
    DATABASE_URL: proxiedDbUrl.toString(),
    // The worker sends through it; the API checks it for /health.
    SMTP_URL: `smtp://${smtpProxy.address}`,
    TASK_QUEUE: taskQueue,
    MAIL_FROM,
  };
  const api = new Supervised(
    'api',
    'src/api/main.ts',
    { ...env, API_HOST: '127.0.0.1', API_PORT: String(apiPort) },
    (child) => waitForHttp(apiUrl, admin.key, () => child.exitCode === null && child.signalCode === null),
    dir,
    events,
  );
  const worker = new Supervised(
    'worker',
    'src/worker/main.ts',
    { ...env, SHUTDOWN_GRACE_SECONDS: '5' },
    (child) => waitForPoller(temporal, taskQueue, child.pid ?? -1, { alive: () => child.exitCode === null && child.signalCode === null }),
    dir,
    events,
  );
  const s: Stack = {
    dir,
    db,
    prisma,
    sql,
    smtp,
    server,
    temporalPort,
    temporalDbFile,
    pgProxy,
    temporalProxy,
    smtpProxy,
    temporal,
    taskQueue,
    apiUrl,
    adminKey: admin.key,
    api,
    worker,
    events,
  };
  stack = s;
  await Promise.all([api.start(), worker.start()]);
  say(`API ${apiUrl} (pid ${api.pid}), worker pid ${worker.pid} on ${taskQueue}, Temporal ${server.address}`);
  return s;
}

async function stopStack(s: Stack): Promise<void> {
  await Promise.allSettled([s.api.stop(), s.worker.stop()]);
  await Promise.allSettled([s.pgProxy.close(), s.temporalProxy.close(), s.smtpProxy.close()]);
  await s.temporal.connection.close().catch(() => undefined);
  await s.server.stop().catch(() => undefined);
  await s.smtp.close().catch(() => undefined);
  await s.prisma.$disconnect().catch(() => undefined);
  await s.sql.end().catch(() => undefined);
  if (values.keep) say(`kept database ${s.db.name} and ${s.dir}`);
  else await s.db.drop().catch((err: Error) => say(`could not drop ${s.db.name}: ${err.message}`));
}

/** Until the API answers an authenticated request (whatever /health says about the dependencies). */
async function waitForHttp(apiUrl: string, key: string, alive: () => boolean, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error('the API exited during start-up');
    try {
      const res = await fetch(`${apiUrl}/staff/admin`, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the API did not answer at ${apiUrl} within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** SIGKILLs the dev server and starts it again on the same port with the same SQLite file. */
async function restartTemporal(s: Stack, downMs: number): Promise<{ killedAt: number; upAt: number }> {
  const killedAt = Date.now();
  process.kill(s.server.pid, 'SIGKILL');
  await waitUntil(() => !processAlive(s.server.pid), 10_000);
  await sleep(downMs);
  s.server = await startDevServer({ port: s.temporalPort, uiPort: false, dbFilename: s.temporalDbFile, logFile: path.join(s.dir, 'temporal.log'), startupTimeoutMs: 60_000 });
  return { killedAt, upAt: Date.now() };
}

/** SIGKILLs the worker and starts a new one; resolves once the new one polls. */
async function restartWorker(s: Stack): Promise<{ killedAt: number; upAt: number }> {
  const killedAt = Date.now();
  const old = s.worker.pid;
  await s.worker.kill('SIGKILL');
  await s.worker.start();
  say(`worker ${old} SIGKILLed; ${s.worker.pid} polls after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
  return { killedAt, upAt: Date.now() };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(predicate: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// A client that keeps score
// ---------------------------------------------------------------------------------------------

interface Outcome {
  route: string;
  start: number;
  end: number;
  /** HTTP status, or 0: no answer (connection error or the client's timeout). */
  status: number;
}

interface Window {
  from: number;
  to: number;
}

class Recorder {
  readonly outcomes: Outcome[] = [];
  constructor(private readonly apiUrl: string) {}

  async call(
    method: 'GET' | 'POST',
    route: string,
    urlPath: string,
    key: string,
    body?: unknown,
    opts: { timeoutMs?: number; idempotencyKey?: string } = {},
  ): Promise<{ status: number; json: any }> {
    const start = Date.now();
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    let status: number;
    let json: any;
    try {
      const res = await fetch(`${this.apiUrl}${urlPath}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(opts.timeoutMs ?? HTTP_TIMEOUT_MS),
      });
      status = res.status;
      const text = await res.text();
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
    } catch {
      status = 0;
    }
    this.outcomes.push({ route, start, end: Date.now(), status });
    return { status, json };
  }
}

const failed = (status: number) => status === 0 || status >= 500;

// ---------------------------------------------------------------------------------------------
// Staff, rows, workflows, emails
// ---------------------------------------------------------------------------------------------

interface DrillStaff {
  cs: { id: string; key: string };
  auditor: { id: string; key: string };
  rm: { id: string; key: string; email: string };
  supervisor: { id: string; key: string };
}

/** Staff of one drill, registered through POST /staff by the ADMIN; their keys issued as `ccm keys issue` does. */
async function drillStaff(s: Stack, client: Recorder, prefix: string): Promise<DrillStaff> {
  const make = async (suffix: string, name: string, role: string) => {
    const id = `${prefix}-${suffix}`;
    const email = `${id}@drill.test`;
    const res = await client.call('POST', 'POST /staff', '/staff', s.adminKey, { id, name, email, roles: [role] });
    if (res.status !== 201) throw new Error(`POST /staff ${id}: ${res.status} ${JSON.stringify(res.json)}`);
    const { key } = await issueApiKey(s.prisma, id, 'drill');
    return { id, key, email };
  };
  const [cs, auditor, rm, supervisor] = await Promise.all([
    make('cs', 'Drill Service', 'CUSTOMER_SERVICE'),
    make('aud', 'Drill Auditor', 'AUDITOR'),
    make('rm', 'Drill Manager', 'RELATIONSHIP_MANAGER'),
    make('sup', 'Drill Supervisor', 'SUPERVISOR'),
  ]);
  return { cs, auditor, rm, supervisor };
}

type WorkflowStatus = string;

/** Every onboarding and reminder workflow the server knows, by id → status name. */
async function listWorkflows(s: Stack): Promise<Map<string, WorkflowStatus>> {
  const out = new Map<string, WorkflowStatus>();
  const query = 'ProcessKind IN ("ONBOARDING", "REMINDER") OR WorkflowType IN ("onboarding", "staffReminder")';
  for await (const wf of s.temporal.workflow.list({ query })) out.set(wf.workflowId, wf.status.name);
  return out;
}

/** Workflow id of every committed row that should have one: customers (onboarding) and reminders. */
async function rowWorkflowIds(s: Stack): Promise<Set<string>> {
  const customers = await s.sql.query<{ id: string }>('SELECT id FROM "Customer"');
  const reminders = await s.sql.query<{ key: string }>('SELECT key FROM "Reminder"');
  return new Set([...customers.rows.map((r) => onboardingWorkflowId(r.id)), ...reminders.rows.map((r) => reminderWorkflowId(r.key))]);
}

const DEAD = new Set(['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED']);

interface OrphanReport {
  /** Workflows (anywhere) whose row does not exist. */
  workflowsWithoutRow: Set<string>;
  /** Of the given rows: no workflow, or one that failed / was terminated. */
  rowsWithoutWorkflow: Set<string>;
  /** Of the given rows: how many have a workflow. */
  withWorkflow: number;
  dead: number;
}

async function orphans(s: Stack, scope: string[]): Promise<OrphanReport> {
  const [workflows, rows] = await Promise.all([listWorkflows(s), rowWorkflowIds(s)]);
  const workflowsWithoutRow = new Set([...workflows.keys()].filter((id) => !rows.has(id)));
  const rowsWithoutWorkflow = new Set<string>();
  let withWorkflow = 0;
  let dead = 0;
  for (const id of scope) {
    let status = workflows.get(id);
    if (!status) {
      // Not (yet) in the visibility store: ask for the execution itself.
      status = await s.temporal.workflow
        .getHandle(id)
        .describe()
        .then((d) => d.status.name as string)
        .catch(() => undefined);
    }
    if (status) withWorkflow++;
    if (status && DEAD.has(status)) dead++;
    if (!status || DEAD.has(status)) rowsWithoutWorkflow.add(id);
  }
  return { workflowsWithoutRow, rowsWithoutWorkflow, withWorkflow, dead };
}

/**
 * The drill's orphans at its end: rows of `scope` without a (living) workflow, and workflows without
 * a row that were not there when the drill began (`before`).
 */
async function drillOrphans(s: Stack, scope: string[], before: Set<string>, notes: string[]): Promise<{ orphans: number; workflows: number }> {
  const o = await orphans(s, scope);
  const fresh = [...o.workflowsWithoutRow].filter((id) => !before.has(id));
  const sample = (xs: string[]) => `${xs.slice(0, 4).join(', ')}${xs.length > 4 ? ' …' : ''}`;
  if (fresh.length) notes.push(`${fresh.length} workflows without a row: ${sample(fresh)}`);
  if (o.rowsWithoutWorkflow.size) notes.push(`${o.rowsWithoutWorkflow.size} rows without a running workflow (${o.dead} failed/terminated): ${sample([...o.rowsWithoutWorkflow])}`);
  return { orphans: fresh.length + o.rowsWithoutWorkflow.size, workflows: o.withWorkflow + fresh.length };
}

/** True when none of the workflows has an activity pending (nothing more can be sent on its behalf). */
async function quiescent(s: Stack, ids: string[]): Promise<boolean> {
  let busy = false;
  await pool(ids.length, 8, async (i) => {
    if (busy) return;
    const d = await s.temporal.workflow
      .getHandle(ids[i]!)
      .describe()
      .catch(() => undefined);
    if (d && d.status.name === 'RUNNING' && (d.raw.pendingActivities?.length ?? 0) > 0) busy = true;
  });
  return !busy;
}

interface EmailTally {
  expected: number;
  received: number;
  duplicates: number;
  lost: number;
  lostIds: string[];
  /** id → copies, for ids delivered more than once, with whether every copy had the same Message-ID. */
  duplicated: { id: string; copies: number; sameMessageId: boolean }[];
}

function tally(delivered: RecordedEmail[], expected: Set<string>, classify: (m: RecordedEmail) => string | undefined): EmailTally {
  const copies = new Map<string, RecordedEmail[]>();
  for (const m of delivered) {
    const id = classify(m);
    if (id !== undefined && expected.has(id)) copies.set(id, [...(copies.get(id) ?? []), m]);
  }
  const duplicated = [...copies]
    .filter(([, ms]) => ms.length > 1)
    .map(([id, ms]) => ({ id, copies: ms.length, sameMessageId: ms.every((m) => m.messageId === ms[0]!.messageId) }));
  const duplicates = duplicated.reduce((n, d) => n + d.copies - 1, 0);
  const lostIds = [...expected].filter((id) => !copies.has(id));
  return { expected: expected.size, received: copies.size, duplicates, lost: lostIds.length, lostIds, duplicated };
}

/** A reminder's due email (src/reminders/emails.ts): "Reminder: …" carrying "Reminder key: <key>". */
const reminderDueKey = (m: RecordedEmail) => (m.subject.startsWith('Reminder:') ? /Reminder key: (\S+)/.exec(m.text)?.[1] : undefined);
/** A customer's welcome email (§2.3 → §4 on approval), by the customer's own address. */
const welcomeAddress = (m: RecordedEmail) => (/welcome/i.test(m.subject) ? m.to[0] : undefined);

/**
 * Waits until every expected email has arrived and nothing is left to send (no workflow of `ids`
 * has a pending activity, the SMTP server holds no answer), then a quiet period for late copies;
 * gives up at `deadline`. Returns when it settled (undefined: it did not).
 */
async function settle(
  s: Stack,
  opts: { expected: Set<string>; classify: (m: RecordedEmail) => string | undefined; workflowIds: string[]; deadline: number; quietMs?: number },
): Promise<number | undefined> {
  for (;;) {
    const t = tally(s.smtp.delivered, opts.expected, opts.classify);
    if (t.lost === 0 && s.smtp.holding() === 0 && (await quiescent(s, opts.workflowIds))) {
      const at = Date.now();
      await sleep(opts.quietMs ?? 5_000);
      return at;
    }
    if (Date.now() > opts.deadline) return undefined;
    await sleep(1000);
  }
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

interface DrillResult {
  drill: DrillName;
  seconds: number;
  requests: number;
  s2xx: number;
  s4xx: number;
  s5xx: number;
  s5xxOutside: number;
  noAnswer: number;
  noAnswerOutside: number;
  rows: number;
  workflows: number;
  emails?: EmailTally;
  orphans: number;
  notes: string[];
}

function score(
  drill: DrillName,
  started: number,
  client: Recorder,
  windows: Window[],
  rest: Omit<DrillResult, 'drill' | 'seconds' | 'requests' | 's2xx' | 's4xx' | 's5xx' | 's5xxOutside' | 'noAnswer' | 'noAnswerOutside'>,
): DrillResult {
  const o = client.outcomes;
  const inside = (x: Outcome) => windows.some((w) => x.start <= w.to + SETTLE_MS && x.end >= w.from);
  const outside5xx = o.filter((x) => x.status >= 500 && !inside(x));
  const outsideNone = o.filter((x) => x.status === 0 && !inside(x));
  const notes = [...rest.notes];
  const list = (xs: string[]) => `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? ` … (${xs.length})` : ''}`;
  if (rest.emails?.lostIds.length) notes.push(`never delivered: ${list(rest.emails.lostIds)}`);
  if (rest.emails?.duplicated.length) {
    notes.push(`delivered more than once: ${list(rest.emails.duplicated.map((d) => `${d.id} ×${d.copies}${d.sameMessageId ? ' (same Message-ID)' : ' (different Message-IDs)'}`))}`);
  }
  const byRoute = (xs: Outcome[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(`${x.route} → ${x.status || 'no answer'}`, (m.get(`${x.route} → ${x.status || 'no answer'}`) ?? 0) + 1);
    return [...m].map(([k, v]) => `${v}× ${k}`).join(', ');
  };
  const in5xx = o.filter((x) => x.status >= 500 && inside(x));
  if (in5xx.length) notes.push(`inside the outage window: ${byRoute(in5xx)}`);
  if (outside5xx.length) notes.push(`5xx OUTSIDE the outage window: ${byRoute(outside5xx)}`);
  if (outsideNone.length) notes.push(`no answer outside the outage window: ${byRoute(outsideNone)}`);
  for (const w of windows) notes.push(`outage window ${((w.from - started) / 1000).toFixed(1)}–${((w.to - started) / 1000).toFixed(1)} s after the drill began (+${SETTLE_MS / 1000} s settle)`);
  for (const e of stack?.events ?? []) if (e.at >= started) notes.push(`at ${((e.at - started) / 1000).toFixed(1)} s: ${e.text}`);
  return {
    drill,
    seconds: (Date.now() - started) / 1000,
    requests: o.length,
    s2xx: o.filter((x) => x.status >= 200 && x.status < 300).length,
    s4xx: o.filter((x) => x.status >= 400 && x.status < 500).length,
    s5xx: o.filter((x) => x.status >= 500).length,
    s5xxOutside: outside5xx.length,
    noAnswer: o.filter((x) => x.status === 0).length,
    noAnswerOutside: outsideNone.length,
    ...rest,
    notes,
  };
}

const passes = (r: DrillResult) => r.s5xxOutside === 0 && r.orphans === 0 && (!r.emails || (r.emails.lost === 0 && r.emails.duplicates === 0));

function table(results: DrillResult[]): string {
  const head = ['drill', 'requests', '2xx', '4xx', '5xx', '5xx outside window', 'no answer', 'rows', 'workflows', 'emails expected', 'received', 'duplicates', 'lost', 'orphans', 'target', 's'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 ? '---' : '--:')).join('|')}|`];
  for (const r of results) {
    const e = r.emails;
    lines.push(
      `| ${[
        r.drill,
        r.requests,
        r.s2xx,
        r.s4xx,
        r.s5xx,
        r.s5xxOutside,
        r.noAnswer,
        r.rows,
        r.workflows,
        e ? e.expected : '–',
        e ? e.received : '–',
        e ? e.duplicates : '–',
        e ? e.lost : '–',
        r.orphans,
        passes(r) ? 'met' : '**missed**',
        r.seconds.toFixed(0),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

function notesOf(r: DrillResult): string {
  return [`${r.drill}:`, ...r.notes.map((n) => `  - ${n}`)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Drills
// ---------------------------------------------------------------------------------------------

/** Separate identity numbers per drill (SSNs are unique across the database). */
const SSN_BASE: Record<DrillName, number> = {
  'worker-kill': 0,
  'temporal-restart': 100_000,
  'postgres-cut': 200_000,
  'temporal-cut': 300_000,
  'smtp-down': 400_000,
  'smtp-refuse': 500_000,
  'smtp-slow': 600_000,
};
const PREFIX: Record<DrillName, string> = {
  'worker-kill': 'wk',
  'temporal-restart': 'tr',
  'postgres-cut': 'pc',
  'temporal-cut': 'tc',
  'smtp-down': 'sd',
  'smtp-refuse': 'sr',
  'smtp-slow': 'ss',
};

const customerBody = (drill: DrillName, i: number, withEmail = true) => ({
  ...syntheticIndividual(SSN_BASE[drill] + i, withEmail ? `${PREFIX[drill]}.drill.test` : undefined),
  channel: 'BRANCH',
});

async function customersOf(s: Stack, staffId: string): Promise<{ id: string; email: string | null; status: string }[]> {
  const res = await s.sql.query<{ id: string; email: string | null; status: string }>('SELECT id, email, status::text AS status FROM "Customer" WHERE "createdByStaffId" = $1', [staffId]);
  return res.rows;
}

async function remindersOf(s: Stack, prefix: string): Promise<string[]> {
  const res = await s.sql.query<{ key: string }>('SELECT key FROM "Reminder" WHERE starts_with(key, $1)', [`${prefix}-`]);
  return res.rows.map((r) => r.key);
}

/** worker-kill: approval burst with the worker SIGKILLed twice; one welcome email per approved customer with an address. */
async function workerKill(s: Stack): Promise<DrillResult> {
  const drill = 'worker-kill';
  const started = Date.now();
  const client = new Recorder(s.apiUrl);
  const staff = await drillStaff(s, client, PREFIX[drill]);
  const orphansBefore = (await orphans(s, [])).workflowsWithoutRow;
  const N = COUNTS.approvals;
  const notes: string[] = [];

  // Every tenth customer has a phone number and no email: no welcome email for them.
  const created: { id: string; email?: string }[] = [];
  await pool(N, 8, async (i) => {
    const body = customerBody(drill, i, i % 10 !== 9);
    const res = await client.call('POST', 'POST /customers', '/customers', staff.cs.key, body, { idempotencyKey: randomUUID() });
    if (res.status === 201) created.push({ id: res.json.id as string, ...(body.email ? { email: body.email } : {}) });
  });
  say(`${drill}: ${created.length} customers created; approving with two worker kills`);

  const windows: Window[] = [];
  const killAt = [Math.floor(created.length * 0.25), Math.floor(created.length * 0.6)];
  let done = 0;
  let kills: Promise<void> = Promise.resolve();
  const approve = async (id: string) => {
    // As a client would: retry a 5xx or no answer; a 409 on a retry means the first one took effect.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const res = await client.call('POST', 'POST /reviews/:id/decision', `/reviews/${id}/decision`, staff.auditor.key, { decision: 'APPROVE' }, { timeoutMs: 120_000 });
      if (!failed(res.status)) return;
      await sleep(2000);
    }
  };
  await pool(created.length, 8, async (i) => {
    await approve(created[i]!.id);
    done++;
    if (killAt.includes(done)) {
      kills = kills.then(async () => {
        const w = await restartWorker(s);
        windows.push({ from: w.killedAt, to: w.upAt });
      });
    }
  });
  await kills;
  say(`${drill}: approvals answered; waiting for the welcome emails`);

  const expected = new Set(created.flatMap((c) => (c.email ? [c.email.toLowerCase()] : [])));
  const workflowIds = created.map((c) => onboardingWorkflowId(c.id));
  const settledAt = await settle(s, { expected, classify: welcomeAddress, workflowIds, deadline: Date.now() + 180_000 });
  const emails = tally(s.smtp.delivered, expected, welcomeAddress);
  if (settledAt === undefined) notes.push('did not settle within 180 s after the last approval (emails missing or activities still pending)');
  else notes.push(`settled ${((settledAt - started) / 1000).toFixed(0)} s after the drill began`);
  const rows = await customersOf(s, staff.cs.id);
  const notApproved = rows.filter((r) => r.status !== 'APPROVED');
  if (notApproved.length) notes.push(`${notApproved.length} customers not APPROVED in the database afterwards (${[...new Set(notApproved.map((r) => r.status))].join(', ')})`);
  const o = await drillOrphans(s, rows.map((r) => onboardingWorkflowId(r.id)), orphansBefore, notes);
  return score(drill, started, client, windows, { rows: rows.length, ...o, emails, notes });
}

/** temporal-restart: reminders due in 10–20 s; the dev server SIGKILLed and restarted while their timers are pending. */
async function temporalRestart(s: Stack): Promise<DrillResult> {
  const drill = 'temporal-restart';
  const started = Date.now();
  const client = new Recorder(s.apiUrl);
  const staff = await drillStaff(s, client, PREFIX[drill]);
  const orphansBefore = (await orphans(s, [])).workflowsWithoutRow;
  const M = COUNTS.restartReminders;
  const notes: string[] = [];
  const keys: string[] = [];
  const base = Date.now() + 10_000;
  await pool(M, 8, async (i) => {
    const key = `${PREFIX[drill]}-${i}`;
    const dueAt = new Date(base + Math.floor((i * 10_000) / M)).toISOString();
    const res = await client.call('POST', 'POST /reminders', '/reminders', staff.rm.key, { key, staffId: staff.rm.id, escalationStaffId: staff.supervisor.id, dueAt, subject: `Drill ${key}` }, { idempotencyKey: randomUUID() });
    if (res.status === 201) keys.push(key);
  });
  const pendingAtKill = keys.length;
  say(`${drill}: ${keys.length} reminders due ${((base - Date.now()) / 1000).toFixed(1)}–${((base + 10_000 - Date.now()) / 1000).toFixed(1)} s from now; SIGKILL of the dev server in 1 s`);

  // A reader in the background, as staff would look reminders up.
  let reading = true;
  const reader = (async () => {
    for (let n = 0; reading; n++) {
      if (keys.length) await client.call('GET', 'GET /reminders/:key', `/reminders/${keys[n % keys.length]}`, staff.rm.key);
      await sleep(250);
    }
  })();
  await sleep(Math.max(0, base + 1_000 - Date.now()));
  const dueBeforeKill = keys.filter((_, i) => base + Math.floor((i * 10_000) / M) < Date.now()).length;
  const { killedAt, upAt } = await restartTemporal(s, 3_000);
  say(`${drill}: dev server back after ${((upAt - killedAt) / 1000).toFixed(1)} s`);
  notes.push(`dev server SIGKILLed with ${pendingAtKill - dueBeforeKill} of ${pendingAtKill} timers still pending; back after ${((upAt - killedAt) / 1000).toFixed(1)} s`);
  const windows: Window[] = [{ from: killedAt, to: upAt }];

  const expected = new Set(keys);
  const workflowIds = keys.map(reminderWorkflowId);
  const settledAt = await settle(s, { expected, classify: reminderDueKey, workflowIds, deadline: upAt + 150_000 });
  reading = false;
  await reader;
  const emails = tally(s.smtp.delivered, expected, reminderDueKey);
  const early = s.smtp.delivered.filter((m) => expected.has(reminderDueKey(m) ?? '') && m.deliveredAt < upAt).length;
  notes.push(`${early} of the due emails went out before the restart`);
  if (settledAt === undefined) notes.push('did not settle within 150 s after the restart');
  else notes.push(`settled ${((settledAt - upAt) / 1000).toFixed(0)} s after the restart`);
  const rows = await remindersOf(s, PREFIX[drill]);
  const o = await drillOrphans(s, rows.map(reminderWorkflowId), orphansBefore, notes);
  return score(drill, started, client, windows, { rows: rows.length, ...o, emails, notes });
}

interface PostAttempt {
  kind: 'customer' | 'reminder';
  body: Record<string, unknown>;
  idempotencyKey: string;
  status: number;
}

/**
 * API load for the cut drills: `clients` loops of POST /customers, POST /reminders (due tomorrow:
 * no email during the drill), GET /customers and GET /reminders/:key, with `outage` applied
 * `beforeMs` into the load for `outageMs`; then every POST that got a 5xx or no answer is retried
 * (same body, same Idempotency-Key), and the rows and workflows are compared until they agree.
 */
async function loadUnderOutage(s: Stack, drill: DrillName, opts: { beforeMs: number; outageMs: number; afterMs: number; cut: () => void; restore: () => void }): Promise<DrillResult> {
  const started = Date.now();
  const client = new Recorder(s.apiUrl);
  const staff = await drillStaff(s, client, PREFIX[drill]);
  const notes: string[] = [];
  const prefix = PREFIX[drill];
  const orphansBefore = (await orphans(s, [])).workflowsWithoutRow;
  const seedKey = `${prefix}-seed`;
  const dueTomorrow = () => new Date(Date.now() + 86_400_000).toISOString();
  await client.call('POST', 'POST /reminders', '/reminders', staff.rm.key, { key: seedKey, staffId: staff.rm.id, escalationStaffId: staff.supervisor.id, dueAt: dueTomorrow(), subject: 'Drill seed' });

  const posts: PostAttempt[] = [];
  const createdKeys: string[] = [seedKey];
  let customerN = 0;
  let reminderN = 0;
  const loadStart = Date.now();
  const until = loadStart + opts.beforeMs + opts.outageMs + opts.afterMs;
  const window: Window = { from: loadStart + opts.beforeMs, to: loadStart + opts.beforeMs + opts.outageMs };
  const outage = (async () => {
    await sleep(window.from - Date.now());
    window.from = Date.now();
    opts.cut();
    say(`${drill}: cut for ${opts.outageMs / 1000} s`);
    await sleep(opts.outageMs);
    opts.restore();
    window.to = Date.now();
    say(`${drill}: restored`);
  })();
  await Promise.all(
    Array.from({ length: COUNTS.loadClients }, async (_, c) => {
      for (let n = c; Date.now() < until; n++) {
        switch (n % 4) {
          case 0: {
            const body = customerBody(drill, customerN++);
            const idempotencyKey = randomUUID();
            const res = await client.call('POST', 'POST /customers', '/customers', staff.cs.key, body, { idempotencyKey });
            posts.push({ kind: 'customer', body, idempotencyKey, status: res.status });
            break;
          }
          case 1: {
            const key = `${prefix}-${reminderN++}`;
            const body = { key, staffId: staff.rm.id, escalationStaffId: staff.supervisor.id, dueAt: dueTomorrow(), subject: `Drill ${key}` };
            const idempotencyKey = randomUUID();
            const res = await client.call('POST', 'POST /reminders', '/reminders', staff.rm.key, body, { idempotencyKey });
            posts.push({ kind: 'reminder', body, idempotencyKey, status: res.status });
            if (res.status === 201) createdKeys.push(key);
            break;
          }
          case 2:
            await client.call('GET', 'GET /customers', '/customers?pageSize=10', staff.cs.key);
            break;
          default:
            await client.call('GET', 'GET /reminders/:key', `/reminders/${createdKeys[n % createdKeys.length]}`, staff.rm.key);
        }
        await sleep(100);
      }
    }),
  );
  await outage;

  // A client that got an error tries again, with the same request and the same Idempotency-Key.
  await sleep(Math.max(0, window.to + SETTLE_MS - Date.now()));
  const retried = posts.filter((p) => failed(p.status));
  const retryAnswers = new Map<string, number>();
  await pool(retried.length, 4, async (i) => {
    const p = retried[i]!;
    const route = p.kind === 'customer' ? 'POST /customers (retry)' : 'POST /reminders (retry)';
    let status = 0;
    for (let attempt = 1; attempt <= 3; attempt++) {
      status = (await client.call('POST', route, p.kind === 'customer' ? '/customers' : '/reminders', p.kind === 'customer' ? staff.cs.key : staff.rm.key, p.body, { idempotencyKey: p.idempotencyKey })).status;
      if (!failed(status)) break;
      await sleep(2000);
    }
    const label = `${route} → ${status || 'no answer'}`;
    retryAnswers.set(label, (retryAnswers.get(label) ?? 0) + 1);
  });
  const retriedCustomers = retried.filter((p) => p.kind === 'customer').length;
  notes.push(
    `${retried.length} POSTs retried after the outage (${retriedCustomers} customers, ${retried.length - retriedCustomers} reminders)` +
      (retryAnswers.size ? `: ${[...retryAnswers].map(([k, v]) => `${v}× ${k}`).join(', ')}` : ''),
  );

  // Rows and workflows must agree within CONVERGE_MS.
  const scope = async () => [...(await customersOf(s, staff.cs.id)).map((r) => onboardingWorkflowId(r.id)), ...(await remindersOf(s, prefix)).map(reminderWorkflowId)];
  const convergeStart = Date.now();
  let report = await orphans(s, await scope());
  const newOrphans = (r: OrphanReport) => [...r.workflowsWithoutRow].filter((id) => !orphansBefore.has(id));
  while ((report.rowsWithoutWorkflow.size > 0 || newOrphans(report).length > 0) && Date.now() - convergeStart < CONVERGE_MS) {
    await sleep(1000);
    report = await orphans(s, await scope());
  }
  const wfNoRow = newOrphans(report);
  if (report.rowsWithoutWorkflow.size === 0 && wfNoRow.length === 0) notes.push(`rows and workflows agreed ${((Date.now() - convergeStart) / 1000).toFixed(0)} s after the retries`);
  else {
    const sample = (xs: string[]) => (xs.length ? ` (${xs.slice(0, 4).join(', ')}${xs.length > 4 ? ' …' : ''})` : '');
    notes.push(
      `after ${CONVERGE_MS / 1000} s: ${wfNoRow.length} workflows without a row${sample(wfNoRow)}, ` +
        `${report.rowsWithoutWorkflow.size} rows without a running workflow${sample([...report.rowsWithoutWorkflow])} (${report.dead} of them failed/terminated)`,
    );
    // Counted as orphans above; watched a while longer only to say whether (and when) they resolve.
    let later = report;
    while ((later.rowsWithoutWorkflow.size > 0 || newOrphans(later).length > 0) && Date.now() - convergeStart < 2 * CONVERGE_MS) {
      await sleep(2000);
      later = await orphans(s, await scope());
    }
    const left = later.rowsWithoutWorkflow.size + newOrphans(later).length;
    notes.push(left ? `still ${left} after ${(2 * CONVERGE_MS) / 1000} s` : `they agreed ${((Date.now() - convergeStart) / 1000).toFixed(0)} s after the retries`);
  }
  // No key stuck: every reminder whose POST failed and was retried reads 200 now.
  const retriedKeys = retried.filter((p) => p.kind === 'reminder').map((p) => String(p.body.key));
  const stuck: string[] = [];
  await pool(retriedKeys.length, 4, async (i) => {
    const got = await client.call('GET', 'GET /reminders/:key (retried key)', `/reminders/${retriedKeys[i]}`, staff.rm.key);
    if (got.status !== 200) stuck.push(`${retriedKeys[i]} (${got.status || 'no answer'})`);
  });
  if (retriedKeys.length) notes.push(`${stuck.length} of ${retriedKeys.length} retried reminder keys stuck (GET not 200 after convergence)${stuck.length ? `: ${stuck.slice(0, 5).join(', ')}` : ''}`);
  const rows = (await scope()).length;
  return score(drill, started, client, [window], { rows, workflows: report.withWorkflow + wfNoRow.length, orphans: wfNoRow.length + report.rowsWithoutWorkflow.size, notes });
}

/** SMTP drills: reminders falling due during a mail fault; each must be emailed exactly once afterwards. */
async function smtpFault(
  s: Stack,
  drill: DrillName,
  opts: { count: number; dueInMs: number; faultAtMs: number; fault: () => Promise<Window>; deadlineAfterFaultMs: number },
): Promise<DrillResult> {
  const started = Date.now();
  const client = new Recorder(s.apiUrl);
  const staff = await drillStaff(s, client, PREFIX[drill]);
  const orphansBefore = (await orphans(s, [])).workflowsWithoutRow;
  const notes: string[] = [];
  const keys: string[] = [];
  const base = Date.now() + opts.dueInMs;
  await pool(opts.count, 8, async (i) => {
    const key = `${PREFIX[drill]}-${i}`;
    const dueAt = new Date(base + Math.floor((i * 2_000) / opts.count)).toISOString();
    const res = await client.call('POST', 'POST /reminders', '/reminders', staff.rm.key, { key, staffId: staff.rm.id, escalationStaffId: staff.supervisor.id, dueAt, subject: `Drill ${key}` }, { idempotencyKey: randomUUID() });
    if (res.status === 201) keys.push(key);
  });
  const before = s.smtp.stats();
  await sleep(Math.max(0, started + opts.faultAtMs - Date.now()));
  const window = await opts.fault();
  const expected = new Set(keys);
  const settledAt = await settle(s, { expected, classify: reminderDueKey, workflowIds: keys.map(reminderWorkflowId), deadline: window.to + opts.deadlineAfterFaultMs });
  s.smtp.setMode({ kind: 'accept' });
  const emails = tally(s.smtp.delivered, expected, reminderDueKey);
  const after = s.smtp.stats();
  notes.push(
    `SMTP server: ${after.received - before.received} DATA received, ${after.refused - before.refused} refused (451), ${after.abandoned - before.abandoned} abandoned by the client before the answer`,
  );
  if (settledAt === undefined) notes.push(`did not settle within ${opts.deadlineAfterFaultMs / 1000} s after the fault ended`);
  else notes.push(`settled ${((settledAt - window.to) / 1000).toFixed(0)} s after the fault ended`);
  const pendingRows = await s.sql.query<{ status: string; n: string }>(
    `SELECT status::text AS status, count(*)::text AS n FROM "Notification" WHERE starts_with("idempotencyKey", $1) GROUP BY status`,
    [`reminder:${PREFIX[drill]}-`],
  );
  notes.push(`notification rows: ${pendingRows.rows.map((r) => `${r.n} ${r.status}`).join(', ') || 'none'}`);
  const rows = await remindersOf(s, PREFIX[drill]);
  const o = await drillOrphans(s, rows.map(reminderWorkflowId), orphansBefore, notes);
  return score(drill, started, client, [window], { rows: rows.length, ...o, emails, notes });
}

async function runDrill(s: Stack, name: DrillName): Promise<DrillResult> {
  switch (name) {
    case 'worker-kill':
      return workerKill(s);
    case 'temporal-restart':
      return temporalRestart(s);
    case 'postgres-cut':
      return loadUnderOutage(s, name, { beforeMs: 5_000, outageMs: 20_000, afterMs: 10_000, cut: () => s.pgProxy.cut(), restore: () => s.pgProxy.restore() });
    case 'temporal-cut':
      return loadUnderOutage(s, name, { beforeMs: 4_000, outageMs: 6_000, afterMs: 8_000, cut: () => s.temporalProxy.cut(), restore: () => s.temporalProxy.restore() });
    case 'smtp-down':
      return smtpFault(s, name, {
        count: COUNTS.smtpReminders,
        dueInMs: 8_000,
        faultAtMs: 6_000,
        deadlineAfterFaultMs: 150_000,
        fault: async () => {
          const from = Date.now();
          s.smtpProxy.cut();
          say(`${name}: SMTP cut for 40 s`);
          await sleep(40_000);
          s.smtpProxy.restore();
          return { from, to: Date.now() };
        },
      });
    case 'smtp-refuse':
      return smtpFault(s, name, {
        count: COUNTS.smtpReminders,
        dueInMs: 8_000,
        faultAtMs: 6_000,
        deadlineAfterFaultMs: 150_000,
        fault: async () => {
          const from = Date.now();
          s.smtp.setMode({ kind: 'refuse' });
          say(`${name}: SMTP answering 451 for 40 s`);
          await sleep(40_000);
          s.smtp.setMode({ kind: 'accept' });
          return { from, to: Date.now() };
        },
      });
    case 'smtp-slow':
      return smtpFault(s, name, {
        count: COUNTS.slowReminders,
        dueInMs: 6_000,
        faultAtMs: 0,
        deadlineAfterFaultMs: 170_000,
        fault: async () => {
          // Every answer held 70 s for the rest of the drill; the worker SIGKILLed 3 s into the first held send.
          s.smtp.setMode({ kind: 'hold', ms: 70_000 });
          say(`${name}: SMTP holding every answer 70 s`);
          const first = await Promise.race([s.smtp.nextData().then(() => true), sleep(60_000).then(() => false)]);
          if (!first) throw new Error('no send reached the SMTP server within 60 s');
          await sleep(3_000);
          const w = await restartWorker(s);
          return { from: w.killedAt, to: w.upAt };
        },
      });
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const chosen: DrillName[] = values.only ? [values.only as DrillName] : [...DRILLS];
  say(`drills: ${chosen.join(', ')}${QUICK ? ' (quick)' : ''}`);
  const s = await startStack();
  const results: DrillResult[] = [];
  try {
    for (const name of chosen) {
      say(`${name}: begins`);
      const r = await runDrill(s, name);
      results.push(r);
      console.log(`\n${table([r])}\n${notesOf(r)}\n`);
    }
  } finally {
    await stopStack(s);
  }
  const ok = results.every(passes);
  console.log(`\n## Drill ${new Date().toISOString().slice(0, 10)}${QUICK ? ' (--quick)' : ''}\n\n${table(results)}\n\n${results.map(notesOf).join('\n')}\n`);
  console.log(ok ? 'every target met' : `targets missed: ${results.filter((r) => !passes(r)).map((r) => r.drill).join(', ')}; logs in ${s.dir}`);
  if (ok && !values.keep) rmSync(s.dir, { recursive: true, force: true });
  process.exit(ok ? 0 : 1);
}

// Ctrl-C: take the children and the scratch database down with us.
process.once('SIGINT', () => {
  say('interrupted: stopping the stack');
  const s = stack;
  void (s ? stopStack(s) : Promise.resolve()).finally(() => process.exit(130));
});
process.once('exit', () => {
  for (const child of [stack?.api.proc, stack?.worker.proc]) if (child && child.exitCode === null) child.kill('SIGKILL');
});

main().catch(async (err: unknown) => {
  console.error(err);
  if (stack) await stopStack(stack).catch(() => undefined);
  process.exit(1);
});
