/**
 * npm run drill [-- --only <name>[,<name>…]] [--quick]
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
 * The lifecycle, feedback and risk processes (issue 13, "Failure drills for every process"); their
 * cases, customers and portfolios are written in bulk SQL (bench/drill-seed.ts) as the benchmarks
 * write them, their workflows started as production starts them:
 *   escalation-kill   §5.2 feedback cases whose response deadlines fall due within seconds of each
 *                     other (the drill policy has no reminders: the first step is the department head
 *                     at the deadline); the worker SIGKILLed a third into the burst and again while its
 *                     successor's first escalation is on its way: one head escalation email per case
 *   review-kill       customer lifecycles whose periodic reviews (§3.2) fall due in the same bank-local
 *                     minute (the drill policy's lifecycle.reviewDueLocalTime, digestDelay PT10S); the
 *                     worker SIGKILLed once a third of the review tasks exist and again while the first
 *                     digests are on their way: each review reminder listed in exactly one delivered digest
 *   portfolio-kill    a §6 QUARTERLY portfolio run (its pages on RISK_TASK_QUEUE, polled by a risk-only
 *                     worker process, WORKER_QUEUES=risk, as in production): the risk worker SIGKILLed a
 *                     quarter of the way in, the main worker (the run's workflow) past half-way: every
 *                     APPROVED customer scored exactly once for the run, the run's counts right
 *   temporal-restart-timers  review timers, feedback SLA timers and a portfolio run all pending, the
 *                     dev server SIGKILLed and restarted (same port, same SQLite file): each reminder
 *                     and escalation emailed once, every customer scored once
 * For these the email columns count what each must deliver exactly once: escalation emails, review
 * reminders in delivered digests, and (portfolio) customers' assessments for the run (RiskAssessment rows).
 * Their worker kills never fall between the mail server's 250 and the SENT row (killAmidSends).
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
import { mkdtempSync, rmSync, createWriteStream, writeFileSync, type WriteStream } from 'node:fs';
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
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { caseYear, feedbackWorkflowId, formatCaseNo } from '../src/domain/case-number';
import { bankTimeZone, DEFAULT_POLICY, parsePolicy, type Policy } from '../src/policy/policy';
import { startLifecycle } from '../src/lifecycle/start-lifecycle';
import { startPortfolioRun } from '../src/risk/portfolio-runs';
import { SA } from '../src/temporal/search-attributes';
import { feedbackCase } from '../workflows/feedback/feedback-case';
import { customerWorkflowId } from '../workflows/lifecycle/definitions';
import { seedRiskPortfolio } from '../test/support/risk-portfolio';
import { backfilledLastReview, dueMinute, insertStaff, seedFeedbackDepartment, seedLifecycleCustomers, writeFeedbackCases } from './drill-seed';
import { startFaultProxy, type FaultProxy } from '../test/support/fault-proxy';
import { startDrillSmtp, type DrillSmtp, type RecordedEmail } from './drill-smtp';
import { createScratchDatabase, DEFAULT_ADMIN_URL, pool, sleep, spawnEntry, syntheticIndividual, waitForPoller, type ScratchDatabase } from './support';

const DRILLS = [
  'worker-kill',
  'temporal-restart',
  'postgres-cut',
  'temporal-cut',
  'smtp-down',
  'smtp-refuse',
  'smtp-slow',
  'escalation-kill',
  'review-kill',
  'portfolio-kill',
  'temporal-restart-timers',
] as const;
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
/** --only one drill, or several separated by commas (run in the order of DRILLS). */
const ONLY = values.only?.split(',').map((n) => n.trim());
if (ONLY !== undefined && !ONLY.every((n) => (DRILLS as readonly string[]).includes(n))) {
  console.error(`--only must be one or more (comma-separated) of ${DRILLS.join(', ')}, got ${JSON.stringify(values.only)}`);
  process.exit(2);
}
const QUICK = values.quick;
const COUNTS = {
  approvals: QUICK ? 40 : 200,
  restartReminders: QUICK ? 20 : 100,
  loadClients: QUICK ? 2 : 4,
  smtpReminders: QUICK ? 5 : 20,
  slowReminders: QUICK ? 3 : 10,
  /** escalation-kill: feedback cases, their deadlines over `escalationSpreadMs`. */
  escalations: QUICK ? 40 : 200,
  escalationSpreadMs: QUICK ? 10_000 : 20_000,
  /** review-kill: customers due in one minute, spread over this many relationship managers (one digest each). */
  reviews: QUICK ? 60 : 300,
  reviewManagers: QUICK ? 6 : 20,
  /** portfolio-kill: customers written for the run (every APPROVED customer of the database is in it). */
  portfolio: QUICK ? 1_000 : 5_000,
  /** temporal-restart-timers: lifecycles, feedback cases and portfolio customers pending at once. */
  timerReviews: QUICK ? 30 : 100,
  timerCases: QUICK ? 30 : 100,
  timerPortfolio: QUICK ? 1_000 : 5_000,
};
/** The drill policy's lifecycle.digestDelay: a review burst's digests go out this long after the due minute. */
const DIGEST_DELAY = 'PT10S';
/** Pages of a portfolio run (the page size follows from the portfolio), at RISK_PAGES_PER_SECOND: the run lasts long enough to be hit. */
const PORTFOLIO_PAGES = 60;
const RISK_PAGES_PER_SECOND = 2;
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
    readonly name: 'api' | 'worker' | 'risk-worker',
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
  /** RISK_TASK_QUEUE: the §6 portfolio pages, polled by `riskWorker` only (WORKER_QUEUES=risk; `worker` has main). */
  riskTaskQueue: string;
  apiUrl: string;
  adminKey: string;
  api: Supervised;
  worker: Supervised;
  riskWorker: Supervised;
  /** POLICY_FILE of the children: the drill policy (drillPolicy); rewritten by a review drill for its due minute. */
  policyFile: string;
  policy: Policy;
  events: StackEvent[];
}

let policySerial = 900;
/**
 * The drill policy: the defaults with no feedback reminders (§5.2: the first step of a case's ladder is
 * the department head at its deadline), the review digest `DIGEST_DELAY` after the due minute, and
 * reviews due at `reviewDueLocalTime` (bank time). A new version each time it changes.
 */
function drillPolicy(reviewDueLocalTime = DEFAULT_POLICY.lifecycle.reviewDueLocalTime): Policy {
  policySerial += 1;
  return parsePolicy({
    ...DEFAULT_POLICY,
    version: `${DEFAULT_POLICY.version.split('-')[0]}-${policySerial}`,
    feedback: { ...DEFAULT_POLICY.feedback, reminderFractions: [] },
    lifecycle: { ...DEFAULT_POLICY.lifecycle, reviewDueLocalTime, digestDelay: DIGEST_DELAY },
  });
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
  const riskTaskQueue = `${taskQueue}-risk`;
  const policy = drillPolicy();
  const policyFile = path.join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(policy));
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
    RISK_TASK_QUEUE: riskTaskQueue,
    POLICY_FILE: policyFile,
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
  // The production layout (docker-compose `worker` and `risk-worker`): the §6 pages in their own process.
  const worker = new Supervised(
    'worker',
    'src/worker/main.ts',
    { ...env, SHUTDOWN_GRACE_SECONDS: '5', WORKER_QUEUES: 'main' },
    (child) => waitForPoller(temporal, taskQueue, child.pid ?? -1, { alive: () => child.exitCode === null && child.signalCode === null }),
    dir,
    events,
  );
  const riskWorker = new Supervised(
    'risk-worker',
    'src/worker/main.ts',
    { ...env, SHUTDOWN_GRACE_SECONDS: '5', WORKER_QUEUES: 'risk', RISK_ACTIVITIES_PER_SECOND: String(RISK_PAGES_PER_SECOND) },
    (child) => waitForPoller(temporal, riskTaskQueue, child.pid ?? -1, { activities: true, alive: () => child.exitCode === null && child.signalCode === null }),
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
    riskTaskQueue,
    apiUrl,
    adminKey: admin.key,
    api,
    worker,
    riskWorker,
    policyFile,
    policy,
    events,
  };
  stack = s;
  await Promise.all([api.start(), worker.start(), riskWorker.start()]);
  say(`API ${apiUrl} (pid ${api.pid}), worker pid ${worker.pid} on ${taskQueue}, risk worker pid ${riskWorker.pid} on ${riskTaskQueue}, Temporal ${server.address}`);
  return s;
}

async function stopStack(s: Stack): Promise<void> {
  await Promise.allSettled([s.api.stop(), s.worker.stop(), s.riskWorker.stop()]);
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

/** SIGKILLs the worker (or the risk worker) and starts a new one; resolves once the new one polls. */
async function restartWorker(s: Stack, which: 'worker' | 'riskWorker' = 'worker'): Promise<{ killedAt: number; upAt: number }> {
  const w = s[which];
  const killedAt = Date.now();
  const old = w.pid;
  await w.kill('SIGKILL');
  await w.start();
  say(`${w.name} ${old} SIGKILLed; ${w.pid} polls after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
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
    // §7.1: a new hire is untrained, and an untrained AUDITOR is refused the §2.3 decision (src/training/gate.ts):
    // the drill's staff have done the foundation course.
    await s.sql.query(`UPDATE "StaffMember" SET "foundationCompletedAt" = now() WHERE id = $1`, [id]);
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

/** A kind of process whose rows and workflows must agree: which workflows (a visibility query), and which row ids they stand for. */
interface Process {
  query: string;
  /** Workflow id of every committed row that should have one. */
  rowWorkflowIds(s: Stack): Promise<Set<string>>;
}

const ids = async (s: Stack, query: string, map: (id: string) => string) => (await s.sql.query<{ id: string }>(query)).rows.map((r) => map(r.id));

/** Onboarding (a workflow per customer) and staff reminders (a workflow per reminder). */
const ONBOARDING_AND_REMINDERS: Process = {
  query: 'ProcessKind IN ("ONBOARDING", "REMINDER") OR WorkflowType IN ("onboarding", "staffReminder")',
  rowWorkflowIds: async (s) => new Set([...(await ids(s, 'SELECT id FROM "Customer"', onboardingWorkflowId)), ...(await ids(s, 'SELECT key AS id FROM "Reminder"', reminderWorkflowId))]),
};
/** §5.2 a workflow per feedback case (FeedbackCase.workflowId). */
const FEEDBACK: Process = {
  query: 'ProcessKind = "FEEDBACK" OR WorkflowType = "feedbackCase"',
  rowWorkflowIds: async (s) => new Set(await ids(s, 'SELECT "workflowId" AS id FROM "FeedbackCase"', (id) => id)),
};
/** §3.2 a lifecycle per customer. */
const LIFECYCLES: Process = {
  query: 'ProcessKind = "CUSTOMER_LIFECYCLE" OR WorkflowType = "customerLifecycle"',
  rowWorkflowIds: async (s) => new Set(await ids(s, 'SELECT id FROM "Customer"', customerWorkflowId)),
};
/** §6 a workflow per portfolio run (RiskPortfolioRun.id is its workflow id). */
const PORTFOLIO_RUNS: Process = {
  query: 'ProcessKind = "RISK_PORTFOLIO" OR WorkflowType = "riskPortfolio"',
  rowWorkflowIds: async (s) => new Set(await ids(s, 'SELECT id FROM "RiskPortfolioRun"', (id) => id)),
};

/** Every workflow of `proc` the server knows, by id → status name (the running one of a chain that continued as new). */
async function listWorkflows(s: Stack, proc: Process): Promise<Map<string, WorkflowStatus>> {
  const out = new Map<string, WorkflowStatus>();
  for await (const wf of s.temporal.workflow.list({ query: proc.query })) if (!out.has(wf.workflowId) || wf.status.name === 'RUNNING') out.set(wf.workflowId, wf.status.name);
  return out;
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

async function orphans(s: Stack, scope: string[], proc: Process = ONBOARDING_AND_REMINDERS): Promise<OrphanReport> {
  const [workflows, rows] = await Promise.all([listWorkflows(s, proc), proc.rowWorkflowIds(s)]);
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
async function drillOrphans(s: Stack, scope: string[], before: Set<string>, notes: string[], proc: Process = ONBOARDING_AND_REMINDERS): Promise<{ orphans: number; workflows: number }> {
  const o = await orphans(s, scope, proc);
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

/** What an email delivers: one id, several (a digest lists reminders), or none of the drill's. */
type Classify = (m: RecordedEmail) => string | string[] | undefined;

/** One delivery of an expected item: an email (its Message-ID), or a row (its id). */
interface Occurrence {
  id: string;
  messageId: string;
}

const occurrencesOf = (delivered: RecordedEmail[], classify: Classify): Occurrence[] =>
  delivered.flatMap((m) => [classify(m) ?? []].flat().map((id) => ({ id, messageId: m.messageId })));

function tally(delivered: RecordedEmail[], expected: Set<string>, classify: Classify): EmailTally {
  return tallyOf(occurrencesOf(delivered, classify), expected);
}

function tallyOf(occurrences: Occurrence[], expected: Set<string>): EmailTally {
  const copies = new Map<string, Occurrence[]>();
  for (const m of occurrences) {
    const id = m.id;
    if (expected.has(id)) copies.set(id, [...(copies.get(id) ?? []), m]);
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
  opts: { expected: Set<string>; classify: Classify; workflowIds: string[]; deadline: number; quietMs?: number },
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
  'escalation-kill': 700_000,
  'review-kill': 710_000,
  'portfolio-kill': 720_000,
  'temporal-restart-timers': 730_000,
};
const PREFIX: Record<DrillName, string> = {
  'worker-kill': 'wk',
  'temporal-restart': 'tr',
  'postgres-cut': 'pc',
  'temporal-cut': 'tc',
  'smtp-down': 'sd',
  'smtp-refuse': 'sr',
  'smtp-slow': 'ss',
  'escalation-kill': 'ek',
  'review-kill': 'rk',
  'portfolio-kill': 'pk',
  'temporal-restart-timers': 'tt',
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

// ---------------------------------------------------------------------------------------------
// The lifecycle, feedback and risk processes (issue 13)
// ---------------------------------------------------------------------------------------------

const ring = developmentKeyRing();
const HOUR_MS = 3_600_000;

async function countOf(s: Stack, query: string, params: unknown[] = []): Promise<number> {
  const { rows } = await s.sql.query<{ count: string }>(query, params);
  return Number(rows[0]?.count ?? 0);
}

/** GETs in the background, as staff would look things up while the drill runs; `stop()` ends them. */
function backgroundReader(client: Recorder, route: string, key: string, paths: () => string[], everyMs = 500): { stop(): Promise<void> } {
  let reading = true;
  const done = (async () => {
    for (let n = 0; reading; n++) {
      const ps = paths();
      if (ps.length) await client.call('GET', route, ps[n % ps.length]!, key);
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      reading = false;
      await done;
    },
  };
}

/** A staff member written in SQL, with an API key issued as `ccm keys issue` does. */
async function staffWithKey(s: Stack, id: string, name: string, role: string): Promise<{ id: string; key: string }> {
  await insertStaff(s.sql, [{ id, name, role }]);
  const { key } = await issueApiKey(s.prisma, id, 'drill');
  return { id, key };
}

/** A head escalation (§5.2) by its X-Idempotency-Key `feedback:<caseNo>:<round>:HEAD:<index>:<head>` → the case number. */
const escalationCaseNo = (m: RecordedEmail) => (m.subject.startsWith('Escalation: feedback case') ? /^feedback:([^:]+):\d+:HEAD:\d+:/.exec(m.idempotencyKey)?.[1] : undefined);
/** A review digest (§3.2, "Your reminders for …") → the customer of every periodic-review reminder it lists (`(reminder review-<customerId>-<cycle>)`). */
const digestReviewCustomers = (m: RecordedEmail) => (m.subject.startsWith('Your reminders for') ? [...m.text.matchAll(/\(reminder review-(.+?)-\d+\)/g)].map((x) => x[1]!) : undefined);

/**
 * §5.2 `count` feedback cases of a new department, registered `individualResponseHours` before
 * `dueAt(i)` (so that is their deadline), their workflows started as the registration starts them;
 * resolves once every case has run its first activity (IN_PROGRESS with a handler).
 */
async function openFeedbackCases(s: Stack, drill: DrillName, o: { count: number; firstSequence: number; dueAt: (i: number) => number }): Promise<{ caseNos: string[]; department: string; head: { id: string; key: string } }> {
  const prefix = PREFIX[drill];
  const department = `DRILL-${prefix.toUpperCase()}`;
  const head = { id: `${prefix}-head`, key: '' };
  const handlers = Array.from({ length: 5 }, (_, k) => `${prefix}-handler-${k}`);
  await seedFeedbackDepartment(s.sql, { code: department, head: head.id, executive: `${prefix}-exec`, handlers });
  head.key = (await issueApiKey(s.prisma, head.id, 'drill')).key;
  const policy = s.policy;
  const responseMs = policy.feedback.individualResponseHours * HOUR_MS;
  const registeredAt = (i: number) => new Date(o.dueAt(i) - responseMs);
  const caseNos = Array.from({ length: o.count }, (_, i) => formatCaseNo({ year: caseYear(registeredAt(i), policy), sequence: o.firstSequence + i }, policy));
  await writeFeedbackCases(s.sql, ring, policy, caseNos.map((caseNo, i) => ({ caseNo, registeredAt: registeredAt(i) })), { department, ruleId: `drill-${prefix}` });
  await pool(caseNos.length, 8, (i) =>
    s.temporal.workflow.start(feedbackCase, {
      workflowId: feedbackWorkflowId(caseNos[i]!),
      taskQueue: s.taskQueue,
      args: [{ caseNo: caseNos[i]! }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: SA.ProcessKind, value: 'FEEDBACK' },
        { key: SA.CaseNo, value: caseNos[i]! },
        { key: SA.BusinessStatus, value: 'REGISTERED' },
        { key: SA.Department, value: department },
        { key: SA.PolicyVersion, value: policy.version },
      ],
      staticSummary: `Feedback case ${caseNos[i]!} (§5.2)`,
    }),
  );
  const begun = () => countOf(s, `SELECT count(*) FROM "FeedbackCase" WHERE "departmentCode" = $1 AND status = 'IN_PROGRESS' AND "handlerStaffId" IS NOT NULL`, [department]);
  if (!(await waitUntil(async () => (await begun()) >= caseNos.length, 120_000, 250))) throw new Error(`${drill}: only ${await begun()} of ${caseNos.length} cases began within 120 s`);
  return { caseNos, department, head };
}

/**
 * The drill policy with reviews due in the whole bank-local minute at least `leadMs` ahead, adopted by
 * the workers: POLICY_FILE rewritten and both workers replaced gracefully (SIGTERM), as a deploy would —
 * a worker reads its policy at start-up.
 */
async function adoptDueMinute(s: Stack, leadMs: number): Promise<{ at: Date; date: string; localTime: string }> {
  const tz = bankTimeZone(DEFAULT_POLICY);
  const due = dueMinute(new Date(Date.now() + leadMs), tz);
  s.policy = drillPolicy(due.localTime);
  writeFileSync(s.policyFile, JSON.stringify(s.policy));
  const t = Date.now();
  // Both workers, as a deploy would: a risk worker still on the old version would fail a later run's
  // pages once restarted ("the run began with … neither deployed nor adopted", activities/risk-portfolio.ts).
  await Promise.all(
    [s.worker, s.riskWorker].map(async (w) => {
      await w.kill('SIGTERM');
      await w.start();
    }),
  );
  say(`policy ${s.policy.version}: reviews due at ${due.localTime} ${tz} (${due.at.toISOString()}); workers ${s.worker.pid}, ${s.riskWorker.pid} poll after ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return due;
}

/**
 * §3.2 `count` APPROVED customers with `managers` new relationship managers, their lifecycles started
 * (startLifecycle, as approval starts them) with a backfilled last review so that their next review
 * falls due in the minute `due`; resolves once every lifecycle has recorded that date.
 */
async function startDueLifecycles(s: Stack, drill: DrillName, o: { count: number; managers: string[]; due: { at: Date; date: string } }): Promise<string[]> {
  const prefix = PREFIX[drill];
  const customerIds = Array.from({ length: o.count }, (_, i) => `cus_${prefix}${String(i).padStart(8, '0')}`);
  const tz = bankTimeZone(s.policy);
  await seedLifecycleCustomers(s.sql, ring, s.policy, { ids: customerIds, managers: o.managers, createdBy: o.managers[0]!, timeZone: tz });
  const lastReviewAt = backfilledLastReview(o.due.date, s.policy.review.individualEveryMonths, tz);
  await pool(customerIds.length, 8, async (i) => {
    const outcome = await startLifecycle(s.temporal, { customerId: customerIds[i]!, customerType: 'INDIVIDUAL', taskQueue: s.taskQueue, lastReviewAt });
    if (outcome !== 'STARTED') throw new Error(`${drill}: lifecycle of ${customerIds[i]}: ${outcome}`);
  });
  const scheduled = () => countOf(s, `SELECT count(*) FROM "CustomerLifecycle" WHERE "customerId" = ANY($1) AND "nextReviewAt" = $2`, [customerIds, o.due.at]);
  if (!(await waitUntil(async () => (await scheduled()) >= customerIds.length, 120_000, 250))) {
    throw new Error(`${drill}: only ${await scheduled()} of ${customerIds.length} lifecycles have their review due at ${o.due.at.toISOString()} after 120 s`);
  }
  return customerIds;
}

/** Relationship managers (and a supervisor) of one drill, in SQL. */
async function reviewManagers(s: Stack, drill: DrillName, n: number): Promise<string[]> {
  const prefix = PREFIX[drill];
  const managers = Array.from({ length: n }, (_, k) => `${prefix}-rm-${k}`);
  await insertStaff(s.sql, [...managers.map((id, k) => ({ id, name: `Drill Manager ${k}`, role: 'RELATIONSHIP_MANAGER' })), { id: `${prefix}-sup`, name: 'Drill Supervisor', role: 'SUPERVISOR' }]);
  return managers;
}

const reviewTasks = (s: Stack, customerIds: string[]) => countOf(s, `SELECT count(*) FROM "Task" WHERE kind = 'PERIODIC_REVIEW' AND "customerId" = ANY($1)`, [customerIds]);

/** What the review burst left in the database: tasks, reminders, digest notifications, and the staffDigest runs. */
async function reviewNotes(s: Stack, customerIds: string[], managers: string[], notes: string[]): Promise<void> {
  const tasks = await reviewTasks(s, customerIds);
  const reminders = await s.sql.query<{ status: string; digested: boolean; n: string }>(
    `SELECT status::text AS status, "digestKey" IS NOT NULL AS digested, count(*)::text AS n FROM "Reminder" WHERE starts_with(key, 'review-') AND "staffId" = ANY($1) GROUP BY 1, 2`,
    [managers],
  );
  const digests = await s.sql.query<{ status: string; n: string }>(`SELECT status::text AS status, count(*)::text AS n FROM "Notification" WHERE kind = 'REMINDER_DIGEST' AND "recipientStaffId" = ANY($1) GROUP BY 1`, [managers]);
  const runs = new Map<string, number>();
  for await (const wf of s.temporal.workflow.list({ query: 'WorkflowType = "staffDigest"' })) {
    if (managers.some((m) => wf.workflowId.includes(m))) runs.set(wf.status.name, (runs.get(wf.status.name) ?? 0) + 1);
  }
  notes.push(
    `${tasks} of ${customerIds.length} PERIODIC_REVIEW tasks; review reminders: ${reminders.rows.map((r) => `${r.n} ${r.status}${r.digested ? ' in a digest' : ' in none'}`).join(', ') || 'none'}; ` +
      `digest notifications: ${digests.rows.map((r) => `${r.n} ${r.status}`).join(', ') || 'none'} for ${managers.length} managers; staffDigest runs: ${[...runs].map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}`,
  );
}

/** A §6 QUARTERLY portfolio run started as `ccm risk run` starts it, paged so that it lasts about PORTFOLIO_PAGES pages. */
async function startRun(s: Stack, officer: string, customers: number): Promise<{ runId: string; result: Promise<{ processed: number; total: number; failed: number; changed: number; status: string } | Error> }> {
  const pageSize = Math.max(10, Math.ceil(customers / PORTFOLIO_PAGES));
  const { runId, handle } = await startPortfolioRun(
    { db: s.prisma, temporal: s.temporal, taskQueue: s.taskQueue, riskTaskQueue: s.riskTaskQueue, policy: s.policy },
    { staffId: officer, roles: ['RISK_OFFICER'] },
    { kind: 'QUARTERLY', dryRun: false, pageSize },
  );
  say(`portfolio run ${runId}: ${customers} APPROVED customers, pages of ${pageSize}, ≤ ${RISK_PAGES_PER_SECOND} pages/s`);
  return { runId, result: handle.result().catch((err: Error) => err) };
}

const runProcessed = async (s: Stack, runId: string) =>
  (await s.sql.query<{ processed: number; total: number; status: string }>(`SELECT processed, total, status::text AS status FROM "RiskPortfolioRun" WHERE id = $1`, [runId])).rows[0] ?? { processed: 0, total: 0, status: 'NONE' };

/**
 * "Every customer scored exactly once": each customer APPROVED when the run began has one
 * RiskAssessment row for the run (rows as occurrences: a second row would be a duplicate); the run's
 * own counts agree (processed = total, nothing failed). Notes what it found.
 */
async function scoredOnce(s: Stack, runId: string, approved: string[], outcome: Awaited<Awaited<ReturnType<typeof startRun>>['result']> | undefined, notes: string[]): Promise<{ tally: EmailTally; orphans: number; rows: number }> {
  const rows = await s.sql.query<{ customerId: string; id: string }>(`SELECT "customerId", id::text AS id FROM "RiskAssessment" WHERE "runKey" = $1`, [runId]);
  const t = tallyOf(rows.rows.map((r) => ({ id: `risk:${r.customerId}`, messageId: r.id })), new Set(approved.map((id) => `risk:${id}`)));
  const row = await runProcessed(s, runId);
  let orphans = 0;
  if (outcome === undefined) {
    notes.push(`run ${runId} had not finished; its row: ${row.status}, ${row.processed} of ${row.total}`);
    orphans += 1;
  } else if (outcome instanceof Error) {
    notes.push(`run ${runId} failed: ${outcome.message.split('\n')[0]}`);
    orphans += 1;
  } else {
    notes.push(`run ${runId}: ${outcome.status}, processed ${outcome.processed} of ${outcome.total} (${approved.length} APPROVED when it began), ${outcome.changed} ratings changed, ${outcome.failed} failed; its row ${row.status} ${row.processed}/${row.total}`);
    if (outcome.processed !== outcome.total || outcome.total !== approved.length || outcome.failed !== 0 || row.status !== 'COMPLETED' || row.processed !== outcome.total) {
      notes.push(`run counts DISAGREE (processed ≠ total, total ≠ customers APPROVED at its start, failures, or the row not COMPLETED with the same count)`);
      t.duplicates += Math.max(0, outcome.processed - outcome.total);
    }
  }
  return { tally: t, orphans, rows: rows.rowCount ?? 0 };
}

/** How long the mail server holds its answers around a SIGKILL (killAmidSends). */
const HOLD_AROUND_KILL_MS = 5_000;

/**
 * SIGKILLs the worker while emails are on their way, but never in the instant between the mail
 * server's 250 and the worker's SENT row: SMTP's own window, which no client can close (the resend
 * carries the same Message-ID; see bench/drill-smtp.ts and smtp-slow). The server holds its answers
 * (HOLD_AROUND_KILL_MS) from a second before the kill — or, with `onSend`, until a send arrives and
 * is held — so a send in flight at the kill is abandoned before its 250, and sent again afterwards.
 */
async function killAmidSends(s: Stack, o: { onSend?: boolean } = {}): Promise<{ window: Window; held: number }> {
  s.smtp.setMode({ kind: 'hold', ms: HOLD_AROUND_KILL_MS });
  if (o.onSend) {
    const sent = await Promise.race([s.smtp.nextData().then(() => true), sleep(90_000).then(() => false)]);
    if (!sent) say('no send within 90 s; killing anyway');
    await sleep(300);
  } else await sleep(1_000);
  const killedAt = Date.now();
  const old = s.worker.pid;
  await s.worker.kill('SIGKILL');
  const held = s.smtp.holding();
  s.smtp.setMode({ kind: 'accept' });
  await s.worker.start();
  say(`worker ${old} SIGKILLed with ${held} sends held; ${s.worker.pid} polls after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
  return { window: { from: killedAt, to: Date.now() }, held };
}

const asWindow = (w: { killedAt: number; upAt: number }): Window => ({ from: w.killedAt, to: w.upAt });

function addTallies(a: EmailTally, b: EmailTally): EmailTally {
  return {
    expected: a.expected + b.expected,
    received: a.received + b.received,
    duplicates: a.duplicates + b.duplicates,
    lost: a.lost + b.lost,
    lostIds: [...a.lostIds, ...b.lostIds],
    duplicated: [...a.duplicated, ...b.duplicated],
  };
}

/** escalation-kill: §5.2 deadlines falling due within seconds; the worker SIGKILLed twice during the burst. */
async function escalationKill(s: Stack): Promise<DrillResult> {
  const drill = 'escalation-kill';
  const started = Date.now();
  const client = new Recorder(s.apiUrl);
  const notes: string[] = [];
  const N = COUNTS.escalations;
  const spread = COUNTS.escalationSpreadMs;
  const orphansBefore = (await orphans(s, [], FEEDBACK)).workflowsWithoutRow;
  // The deadlines after every case has begun (3–10 cases/s on the shared 2-core machine).
  const firstDue = Date.now() + 15_000 + N * 250;
  const dueAt = (i: number) => firstDue + Math.floor((i * spread) / N);
  const { caseNos, head } = await openFeedbackCases(s, drill, { count: N, firstSequence: 10_001, dueAt });
  const toGo = firstDue - Date.now();
  say(`${drill}: ${N} cases open; deadlines ${(toGo / 1000).toFixed(1)}–${((toGo + spread) / 1000).toFixed(1)} s from now`);
  if (toGo < 1000) notes.push(`the cases were still opening ${(-toGo / 1000).toFixed(1)} s after the first deadline`);
  const reader = backgroundReader(client, 'GET /feedback/:caseNo', head.key, () => caseNos.map((c) => `/feedback/${c}`));
  const expected = new Set(caseNos);
  const sentNow = () => tally(s.smtp.delivered, expected, escalationCaseNo).received;

  const windows: Window[] = [];
  await sleep(Math.max(0, firstDue + spread / 3 - 1_000 - Date.now()));
  const kill1 = await killAmidSends(s);
  const atKill1 = sentNow();
  windows.push(kill1.window);
  // Again while the new worker's first send (catching up on the deadlines missed meanwhile) is on its way.
  const kill2 = await killAmidSends(s, { onSend: true });
  const atKill2 = sentNow();
  windows.push(kill2.window);
  notes.push(`worker SIGKILLed with ${atKill1} of ${N} escalations delivered (${kill1.held} sends in flight), and again with ${atKill2} (${kill2.held} in flight)`);

  const settledAt = await settle(s, { expected, classify: escalationCaseNo, workflowIds: caseNos.map(feedbackWorkflowId), deadline: Date.now() + 150_000 });
  await reader.stop();
  const emails = tally(s.smtp.delivered, expected, escalationCaseNo);
  if (settledAt === undefined) notes.push('did not settle within 150 s after the second restart');
  else notes.push(`settled ${((settledAt - (firstDue + spread)) / 1000).toFixed(0)} s after the last deadline`);
  const level = await s.sql.query<{ level: number; n: string }>(`SELECT "escalationLevel" AS level, count(*)::text AS n FROM "FeedbackCase" WHERE "caseNo" = ANY($1) GROUP BY 1`, [caseNos]);
  notes.push(`cases by escalation level: ${level.rows.map((r) => `${r.n} at ${r.level}`).join(', ')}`);
  const o = await drillOrphans(s, caseNos.map(feedbackWorkflowId), orphansBefore, notes, FEEDBACK);
  return score(drill, started, client, windows, { rows: caseNos.length, ...o, emails, notes });
}

/** review-kill: periodic reviews due in one minute; the worker SIGKILLed during the burst and again during its digests. */
async function reviewKill(s: Stack): Promise<DrillResult> {
  const drill = 'review-kill';
  const started = Date.now();
  const client = new Recorder(s.apiUrl);
  const notes: string[] = [];
  const M = COUNTS.reviews;
  const orphansBefore = (await orphans(s, [], LIFECYCLES)).workflowsWithoutRow;
  const managers = await reviewManagers(s, drill, COUNTS.reviewManagers);
  const rm = { id: managers[0]!, key: (await issueApiKey(s.prisma, managers[0]!, 'drill')).key };
  // The worker's replacement (11–28 s here), the starts (~5/s on the fresh worker) and a margin.
  const due = await adoptDueMinute(s, 35_000 + M * 200);
  const customerIds = await startDueLifecycles(s, drill, { count: M, managers, due });
  const toGo = due.at.getTime() - Date.now();
  say(`${drill}: ${M} reviews due in ${(toGo / 1000).toFixed(1)} s (${due.localTime} bank time), ${managers.length} managers`);
  if (toGo < 1000) notes.push(`the lifecycles were still starting ${(-toGo / 1000).toFixed(1)} s after the due minute`);
  const reader = backgroundReader(client, 'GET /reviews/periodic', rm.key, () => ['/reviews/periodic']);
  const expected = new Set(customerIds);
  const listed = () => tally(s.smtp.delivered, expected, digestReviewCustomers).received;

  const windows: Window[] = [];
  await sleep(Math.max(0, due.at.getTime() - Date.now()));
  await waitUntil(async () => (await reviewTasks(s, customerIds)) >= Math.ceil(M / 3), 60_000, 100);
  const tasksAtKill1 = await reviewTasks(s, customerIds);
  windows.push((await killAmidSends(s)).window);
  // Again as the digests go out (DIGEST_DELAY after the due minute): while the first one is on its way.
  const kill2 = await killAmidSends(s, { onSend: true });
  const listedAtKill2 = listed();
  windows.push(kill2.window);
  notes.push(`worker SIGKILLed with ${tasksAtKill1} of ${M} review tasks open, and again while ${kill2.held} digest(s) were on their way (${listedAtKill2} of ${M} reminders in delivered digests by then)`);

  const workflowIds = customerIds.map(customerWorkflowId);
  const settledAt = await settle(s, { expected, classify: digestReviewCustomers, workflowIds, deadline: Date.now() + 150_000 });
  await reader.stop();
  const emails = tally(s.smtp.delivered, expected, digestReviewCustomers);
  if (settledAt === undefined) notes.push('did not settle within 150 s after the second restart');
  else notes.push(`settled ${((settledAt - due.at.getTime()) / 1000).toFixed(0)} s after the due minute`);
  await reviewNotes(s, customerIds, managers, notes);
  const o = await drillOrphans(s, workflowIds, orphansBefore, notes, LIFECYCLES);
  return score(drill, started, client, windows, { rows: customerIds.length, ...o, emails, notes });
}

/** portfolio-kill: a §6 portfolio run with the risk worker and then the main worker SIGKILLed mid-run. */
async function portfolioKill(s: Stack): Promise<DrillResult> {
  const drill = 'portfolio-kill';
  const started = Date.now();
  const client = new Recorder(s.apiUrl);
  const notes: string[] = [];
  const orphansBefore = (await orphans(s, [], PORTFOLIO_RUNS)).workflowsWithoutRow;
  const prefix = `D${PREFIX[drill].toUpperCase()}`;
  await seedRiskPortfolio({ url: s.db.url, ring, policy: s.policy, count: COUNTS.portfolio, prefix, asOf: new Date() });
  const officer = await staffWithKey(s, `${PREFIX[drill]}-risk`, 'Drill Risk Officer', 'RISK_OFFICER');
  const approved = await ids(s, `SELECT id FROM "Customer" WHERE status = 'APPROVED'`, (id) => id);
  const run = await startRun(s, officer.id, approved.length);
  const reader = backgroundReader(client, 'GET /customers/:id/risk', officer.key, () => approved.filter((_, i) => i % 97 === 0).map((id) => `/customers/${id}/risk`));

  const windows: Window[] = [];
  const reached = (share: number) => waitUntil(async () => {
    const r = await runProcessed(s, run.runId);
    return r.total > 0 && r.processed >= share * r.total;
  }, 120_000, 100);
  await reached(0.25);
  const at1 = await runProcessed(s, run.runId);
  windows.push(asWindow(await restartWorker(s, 'riskWorker')));
  await reached(0.55);
  const at2 = await runProcessed(s, run.runId);
  windows.push(asWindow(await restartWorker(s)));
  notes.push(`risk worker SIGKILLed at ${at1.processed} of ${at1.total} customers, the main worker (the run's workflow) at ${at2.processed}`);
  if (at2.status !== 'RUNNING' || at2.processed >= at2.total) notes.push(`the run had already ended (${at2.status}) when the main worker was killed`);

  const outcome = await Promise.race([run.result, sleep(300_000).then(() => undefined)]);
  await reader.stop();
  const scored = await scoredOnce(s, run.runId, approved, outcome, notes);
  notes.push(`finished ${((Date.now() - windows[1]!.to) / 1000).toFixed(0)} s after the second restart`);
  const o = await drillOrphans(s, [run.runId], orphansBefore, notes, PORTFOLIO_RUNS);
  return score(drill, started, client, windows, { rows: scored.rows, workflows: o.workflows, orphans: o.orphans + scored.orphans, emails: scored.tally, notes });
}

/** temporal-restart-timers: review timers, feedback SLA timers and a portfolio run pending while the dev server is SIGKILLed and restarted. */
async function temporalRestartTimers(s: Stack): Promise<DrillResult> {
  const drill = 'temporal-restart-timers';
  const started = Date.now();
  const client = new Recorder(s.apiUrl);
  const notes: string[] = [];
  const before = {
    feedback: (await orphans(s, [], FEEDBACK)).workflowsWithoutRow,
    lifecycles: (await orphans(s, [], LIFECYCLES)).workflowsWithoutRow,
    runs: (await orphans(s, [], PORTFOLIO_RUNS)).workflowsWithoutRow,
  };
  const prefix = `D${PREFIX[drill].toUpperCase()}`;
  await seedRiskPortfolio({ url: s.db.url, ring, policy: s.policy, count: COUNTS.timerPortfolio, prefix, asOf: new Date() });
  const officer = await staffWithKey(s, `${PREFIX[drill]}-risk`, 'Drill Risk Officer', 'RISK_OFFICER');
  const managers = await reviewManagers(s, drill, Math.max(2, Math.round(COUNTS.reviewManagers / 2)));
  // The worker's replacement (20–30 s here), the starts (slow on a fresh worker: 60 took 37 s in a
  // quick run; lifecycles and cases side by side), and the run's head start (RUN_LEAD_MS) before the kill.
  const RUN_LEAD_MS = 20_000;
  const KILL_BEFORE_DUE_MS = 5_000;
  const due = await adoptDueMinute(s, 40_000 + (COUNTS.timerReviews + COUNTS.timerCases) * 400 + RUN_LEAD_MS);
  // Feedback deadlines from 3 s before the due minute (during the outage) to 7 s after it.
  const dueAt = (i: number) => due.at.getTime() - 3_000 + Math.floor((i * 10_000) / COUNTS.timerCases);
  const [customerIds, { caseNos, head }] = await Promise.all([
    startDueLifecycles(s, drill, { count: COUNTS.timerReviews, managers, due }),
    openFeedbackCases(s, drill, { count: COUNTS.timerCases, firstSequence: 20_001, dueAt }),
  ]);
  const killAt = due.at.getTime() - KILL_BEFORE_DUE_MS;
  if (killAt - Date.now() < RUN_LEAD_MS / 2) notes.push(`set-up overran: ${((killAt - Date.now()) / 1000).toFixed(1)} s left before the kill`);
  await sleep(Math.max(0, killAt - RUN_LEAD_MS - Date.now()));
  const approved = await ids(s, `SELECT id FROM "Customer" WHERE status = 'APPROVED'`, (id) => id);
  const run = await startRun(s, officer.id, approved.length);
  const reader = backgroundReader(client, 'GET /feedback/:caseNo', head.key, () => caseNos.map((c) => `/feedback/${c}`));

  await sleep(Math.max(0, killAt - Date.now()));
  // Not before the run has a page done (it is under way), as long as the review timers are still pending.
  await waitUntil(async () => (await runProcessed(s, run.runId)).processed > 0, Math.max(0, due.at.getTime() - 2_000 - Date.now()), 100);
  const atKill = await runProcessed(s, run.runId);
  const escalationsAtKill = tally(s.smtp.delivered, new Set(caseNos), escalationCaseNo).received;
  const tasksAtKill = await reviewTasks(s, customerIds);
  say(`${drill}: SIGKILL of the dev server; run at ${atKill.processed} of ${atKill.total}, ${tasksAtKill} review tasks, ${escalationsAtKill} escalations`);
  const { killedAt, upAt } = await restartTemporal(s, 3_000);
  say(`${drill}: dev server back after ${((upAt - killedAt) / 1000).toFixed(1)} s`);
  notes.push(
    `dev server SIGKILLed ${((due.at.getTime() - killedAt) / 1000).toFixed(1)} s before the reviews fell due (${tasksAtKill} of ${customerIds.length} review tasks, ${escalationsAtKill} of ${caseNos.length} escalations, ` +
      `the run at ${atKill.processed} of ${atKill.total} customers, ${atKill.status}); back after ${((upAt - killedAt) / 1000).toFixed(1)} s`,
  );
  const windows: Window[] = [{ from: killedAt, to: upAt }];

  const expectedMail = new Set([...caseNos.map((c) => `esc:${c}`), ...customerIds.map((c) => `rev:${c}`)]);
  const classify: Classify = (m) => {
    const c = escalationCaseNo(m);
    if (c) return `esc:${c}`;
    return digestReviewCustomers(m)?.map((id) => `rev:${id}`);
  };
  const workflowIds = [...caseNos.map(feedbackWorkflowId), ...customerIds.map(customerWorkflowId)];
  const settledAt = await settle(s, { expected: expectedMail, classify, workflowIds, deadline: upAt + 180_000 });
  const outcome = await Promise.race([run.result, sleep(Math.max(10_000, upAt + 240_000 - Date.now())).then(() => undefined)]);
  await reader.stop();
  if (settledAt === undefined) notes.push('emails did not settle within 180 s after the restart');
  else notes.push(`emails settled ${((settledAt - upAt) / 1000).toFixed(0)} s after the restart`);
  const mail = tally(s.smtp.delivered, expectedMail, classify);
  const byKind = (p: string) => `${mail.expected === 0 ? 0 : [...expectedMail].filter((id) => id.startsWith(p)).length - mail.lostIds.filter((id) => id.startsWith(p)).length}`;
  const lastOf = (p: string) => {
    const at = s.smtp.delivered.filter((m) => [classify(m) ?? []].flat().some((id) => id.startsWith(p) && expectedMail.has(id))).map((m) => m.deliveredAt);
    return at.length ? `the last ${((Math.max(...at) - upAt) / 1000).toFixed(0)} s after the restart` : 'none';
  };
  notes.push(`delivered: ${byKind('esc:')} of ${caseNos.length} escalations (${lastOf('esc:')}), ${byKind('rev:')} of ${customerIds.length} review reminders in digests (${lastOf('rev:')}; digests wait ${DIGEST_DELAY} after the due minute)`);
  const scored = await scoredOnce(s, run.runId, approved, outcome, notes);
  await reviewNotes(s, customerIds, managers, notes);
  const a = await drillOrphans(s, caseNos.map(feedbackWorkflowId), before.feedback, notes, FEEDBACK);
  const b = await drillOrphans(s, customerIds.map(customerWorkflowId), before.lifecycles, notes, LIFECYCLES);
  const c = await drillOrphans(s, [run.runId], before.runs, notes, PORTFOLIO_RUNS);
  return score(drill, started, client, windows, {
    rows: caseNos.length + customerIds.length + scored.rows,
    workflows: a.workflows + b.workflows + c.workflows,
    orphans: a.orphans + b.orphans + c.orphans + scored.orphans,
    emails: addTallies(mail, scored.tally),
    notes,
  });
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
    case 'escalation-kill':
      return escalationKill(s);
    case 'review-kill':
      return reviewKill(s);
    case 'portfolio-kill':
      return portfolioKill(s);
    case 'temporal-restart-timers':
      return temporalRestartTimers(s);
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const chosen: DrillName[] = ONLY ? DRILLS.filter((d) => ONLY.includes(d)) : [...DRILLS];
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
  for (const child of [stack?.api.proc, stack?.worker.proc, stack?.riskWorker.proc]) if (child && child.exitCode === null) child.kill('SIGKILL');
});

main().catch(async (err: unknown) => {
  console.error(err);
  if (stack) await stopStack(stack).catch(() => undefined);
  process.exit(1);
});
