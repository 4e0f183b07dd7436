/**
 * §6 "Every customer's risk is re-assessed every quarter", on the real stack: the Temporal dev server,
 * PostgreSQL, the portfolio workflow (workflows/risk/portfolio.ts) on a main worker and its pages on
 * the risk worker (src/worker/worker.ts createRiskWorker), a portfolio of a few hundred customers
 * written in bulk (test/support/risk-portfolio.ts).
 *
 * 1. The Schedule (src/risk/schedule.ts): the quarterly calendar in the bank's time zone; ensure is
 *    idempotent; pause and resume; with a short interval spec it starts a run that assesses every
 *    customer once, with the expected ratings, changes and RiskPortfolioRun COMPLETED.
 * 2. The production workers (src/worker/main.ts, WORKER_QUEUES main and risk) in two child processes
 *    are SIGKILLed mid-run; new ones finish the run: every customer scored exactly once for it, the counts right.
 * 3. `ccm risk rescore --policy <stricter> --dry-run` writes nothing and reports the expected changes
 *    by customer type and segment; without --dry-run the policy is adopted and applied.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { Db } from '../../src/db/client';
import { createSmtpMailer, type Mailer } from '../../src/mail/mailer';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../src/policy/policy';
import { startPortfolioRun } from '../../src/risk/portfolio-runs';
import { describeRiskSchedule, ensureRiskSchedule, pauseRiskSchedule, quarterlySpec, resumeRiskSchedule, riskScheduleId } from '../../src/risk/schedule';
import { developmentKeyRing } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import { PROJECT_ROOT } from '../../src/temporal/binaries';
import { dataConverter } from '../../src/temporal/codec';
import { createRiskWorker, runTogether } from '../../src/worker/worker';
import { progressQuery, type PortfolioProgress } from '../../workflows/risk/definitions';
import { type riskPortfolio } from '../../workflows/risk/portfolio';
import { until } from '../support/api';
import { testDb, unique, workflowBundle } from '../support/fixtures';
import { expectedSummary, seededOff, seedRiskPortfolio, type SeededCustomer } from '../support/risk-portfolio';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';
import { devServerAddress } from '../support/temporal';

jest.setTimeout(120_000);

const ring = developmentKeyRing();
const policy = parsePolicy(DEFAULT_POLICY);
const COUNT = 300;
const CHANGE_EVERY = 20; // 15 of 300 seeded one notch off the rating their facts give
const MAIL_FROM = 'risk@bank.test';
/** §6 a stricter policy: lower cut-offs, so more customers are MEDIUM/HIGH and B–D. */
const STRICTER: Policy = parsePolicy({
  ...DEFAULT_POLICY,
  version: '2099.01-1',
  riskScorecards: {
    ...DEFAULT_POLICY.riskScorecards,
    individual: { ...DEFAULT_POLICY.riskScorecards.individual, ratingFrom: { MEDIUM: 20, HIGH: 45 } },
    enterprise: { ...DEFAULT_POLICY.riskScorecards.enterprise, ratingFrom: { B: 15, C: 35, D: 60 } },
  },
});

let db: Db;
let temporal: Client;
let smtp: TestSmtpServer;
let mailer: Mailer;
let customers: SeededCustomer[];
let seededAt: Date;
const stops: (() => Promise<void>)[] = [];
const children: { child: ChildProcess; exited: Promise<unknown> }[] = [];

beforeAll(async () => {
  db = testDb();
  temporal = new Client({ connection: await Connection.connect({ address: devServerAddress() }), dataConverter: dataConverter(ring) });
  smtp = await startTestSmtpServer();
  mailer = createSmtpMailer({ url: smtp.url, from: MAIL_FROM });
  seededAt = new Date();
  customers = await seedRiskPortfolio({ url: process.env.DATABASE_URL!, ring, policy, count: COUNT, prefix: 'RPF', asOf: seededAt, changeEvery: CHANGE_EVERY });
  await db.staffMember.create({ data: { id: 'risk-officer-rpf', name: 'Rita Risk', email: 'rita-rpf@bank.test', roles: ['RISK_OFFICER'] } });
});

afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  for (const stop of stops.reverse()) await stop();
  mailer?.close();
  await smtp?.close();
  await temporal?.connection.close();
  await db?.$disconnect();
});

/** The main worker (workflows) and the risk worker (pages) in this process, on their own queues. */
async function inProcessWorkers(): Promise<{ taskQueue: string; riskTaskQueue: string }> {
  const taskQueue = unique('rpf');
  const riskTaskQueue = unique('rpf-risk');
  const connection = await NativeConnection.connect({ address: devServerAddress() });
  const converter = dataConverter(ring);
  const deps = { db, mailer, clock: systemClock, mailFrom: MAIL_FROM, policy, ring, temporal };
  const main = await Worker.create({ connection, taskQueue, workflowBundle: workflowBundle(), dataConverter: converter, activities: createActivities(deps) });
  const risk = await createRiskWorker({ connection, namespace: 'default', taskQueue: riskTaskQueue, deps, dataConverter: converter, activitiesPerSecond: 50, maxConcurrentActivities: 2 });
  const both = runTogether([main, risk]);
  stops.push(async () => {
    both.shutdown();
    await both.running;
    await connection.close();
  });
  return { taskQueue, riskTaskQueue };
}

/** Assessments of a run per customer: how many customers, and the most any one got. */
async function assessmentsOf(runKey: string): Promise<{ customers: number; rows: number; maxPerCustomer: number }> {
  const [r] = await db.$queryRawUnsafe<{ customers: number; rows: number; max: number }[]>(
    `SELECT count(DISTINCT "customerId")::int AS customers, count(*)::int AS rows, coalesce(max(n), 0)::int AS max
       FROM (SELECT "customerId", count(*) OVER (PARTITION BY "customerId") AS n FROM "RiskAssessment" WHERE "runKey" = $1) x`,
    runKey,
  );
  return { customers: r!.customers, rows: r!.rows, maxPerCustomer: r!.max };
}

const ratings = async () => new Map((await db.customer.findMany({ select: { id: true, riskRating: true } })).map((c) => [c.id, c.riskRating]));

test('§6 the quarterly Schedule: quarter starts at 02:00 in the bank time zone; ensure is idempotent; its run assesses every customer once', async () => {
  const { taskQueue, riskTaskQueue } = await inProcessWorkers();

  // The production calendar: day 1 of January, April, July, October at 02:00 America/New_York.
  const spec = quarterlySpec(policy);
  expect(spec).toMatchObject({ timezone: 'America/New_York', calendars: [{ month: ['JANUARY', 'APRIL', 'JULY', 'OCTOBER'], dayOfMonth: 1, hour: 2, minute: 0 }] });
  const quarterly = riskScheduleId(unique('q'));
  const made = await ensureRiskSchedule(temporal, { policy, taskQueue, activityTaskQueue: riskTaskQueue, scheduleId: quarterly });
  stops.push(() => temporal.schedule.getHandle(quarterly).delete());
  expect(made.outcome).toBe('CREATED');
  const local = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  for (const next of made.nextRuns.slice(0, 4)) expect(local.format(new Date(next))).toMatch(/^(1|4|7|10)\/1, 02:00$/);
  await pauseRiskSchedule(temporal, 'test pause', quarterly);
  const again = await ensureRiskSchedule(temporal, { policy, taskQueue, activityTaskQueue: riskTaskQueue, scheduleId: quarterly });
  expect(again).toMatchObject({ outcome: 'UPDATED', paused: true }); // idempotent, and a pause is kept
  const shown = await describeRiskSchedule(temporal, quarterly);
  expect(shown).toMatchObject({ paused: true, note: 'test pause', overlap: 'BUFFER_ONE', timezone: 'America/New_York' });
  expect(shown.catchupWindowMs).toBe(30 * 86_400_000);
  await resumeRiskSchedule(temporal, 'test resume', quarterly);
  expect((await describeRiskSchedule(temporal, quarterly)).paused).toBe(false);

  // The same Schedule with a short interval (injected spec): its first action runs the portfolio.
  const fast = riskScheduleId(unique('fast'));
  await ensureRiskSchedule(temporal, { policy, taskQueue, activityTaskQueue: riskTaskQueue, scheduleId: fast, spec: { intervals: [{ every: '5 seconds' }] }, pageSize: 40 });
  const first = await until('the Schedule starts a run', async () => (await describeRiskSchedule(temporal, fast)).recentRuns[0], 60_000, 100);
  await temporal.schedule.getHandle(fast).delete(); // one run is enough
  expect(first.workflowId).toMatch(/^risk-portfolio-quarterly-fast-.+-\d{4}-\d\d-\d\dT/); // the workflow id carries the scheduled time
  const result = await temporal.workflow.getHandle<typeof riskPortfolio>(first.workflowId).result();

  const expected = expectedSummary(customers, policy, seededAt);
  const changed = customers.filter((_, i) => seededOff(i, CHANGE_EVERY)).length;
  expect(result).toMatchObject({ runId: first.workflowId, kind: 'QUARTERLY', dryRun: false, status: 'COMPLETED', processed: COUNT, total: COUNT, changed, failed: 0, policyVersion: policy.version });
  expect(result.summary).toEqual(expected);
  expect(await assessmentsOf(first.workflowId)).toEqual({ customers: COUNT, rows: COUNT, maxPerCustomer: 1 });
  const run = await db.riskPortfolioRun.findUniqueOrThrow({ where: { id: first.workflowId } });
  expect(run).toMatchObject({ kind: 'QUARTERLY', dryRun: false, status: 'COMPLETED', total: COUNT, processed: COUNT, changed, policyVersion: policy.version });
  expect(run.finishedAt).not.toBeNull();
  expect(run.summary).toEqual(expected);
  // Ratings in force are the facts' ratings; each change audited once (§6.1, §3.1).
  const now = await ratings();
  expect(customers.filter((c) => now.get(c.id) === null)).toEqual([]);
  expect(await db.auditLog.count({ where: { action: 'risk.rating.change' } })).toBe(changed);
});

test('§6 the production layout (WORKER_QUEUES: the cases\' worker and a risk-only worker, two processes) SIGKILLed mid-run: new workers finish it, every customer scored exactly once for the run', async () => {
  const taskQueue = unique('rpf-kill');
  const riskTaskQueue = unique('rpf-kill-risk');
  const spawnWorker = (queues: 'main' | 'risk') => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'test',
      TEMPORAL_ADDRESS: devServerAddress(),
      DATABASE_URL: process.env.DATABASE_URL,
      SMTP_URL: smtp.url,
      MAIL_FROM,
      TASK_QUEUE: taskQueue,
      RISK_TASK_QUEUE: riskTaskQueue,
      RISK_ACTIVITIES_PER_SECOND: '3', // slow pages, so the kill lands mid-run
      LOG_LEVEL: 'warn',
      SHUTDOWN_GRACE_SECONDS: '5',
      WORKER_QUEUES: queues,
    };
    delete env.POLICY_FILE;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const w = { child, exited: new Promise((resolve) => child.once('exit', resolve)), output: () => output };
    children.push(w);
    return w;
  };

  const first = { main: spawnWorker('main'), risk: spawnWorker('risk') };
  const { runId, handle } = await startPortfolioRun(
    { db, temporal, taskQueue, riskTaskQueue, policy },
    { staffId: 'risk-officer-rpf', roles: ['RISK_OFFICER'] },
    { kind: 'QUARTERLY', dryRun: false, pageSize: 20 },
  );
  // Kill -9 once a few pages are in (and more to come).
  await until('a few pages done', async () => {
    for (const w of Object.values(first)) if (w.child.exitCode !== null) throw new Error(`worker exited:\n${w.output()}`);
    const row = await db.riskPortfolioRun.findUnique({ where: { id: runId }, select: { processed: true } });
    return row !== null && row.processed >= 60;
  }, 90_000, 100);
  // Each process polls its own queue only.
  expect(first.risk.output()).toMatch(new RegExp(`polling task queue ${riskTaskQueue} .*for risk portfolio pages`));
  expect(first.risk.output()).not.toMatch(new RegExp(`polling task queue ${taskQueue} `));
  expect(first.main.output()).toMatch(new RegExp(`polling task queue ${taskQueue} `));
  expect(first.main.output()).not.toMatch(/risk portfolio pages/);
  for (const w of Object.values(first)) w.child.kill('SIGKILL');
  await Promise.all(Object.values(first).map((w) => w.exited));
  const atKill = await assessmentsOf(runId);
  expect(atKill.rows).toBeLessThan(COUNT);
  // The dead worker's sticky queue would hold the run's next workflow task for the main worker's
  // stickyQueueScheduleToStartTimeout (1 minute, src/worker/worker.ts) before it moves; an operator
  // can move it at once — and so does the test, so it waits for the heartbeat timeout (10 s) only.
  await temporal.workflowService.resetStickyTaskQueue({ namespace: 'default', execution: { workflowId: runId } });

  const second = { main: spawnWorker('main'), risk: spawnWorker('risk') };
  const result = await handle.result().catch((err: Error) => Promise.reject(new Error(`${err.message}\n${second.main.output()}\n${second.risk.output()}`)));
  expect(result).toMatchObject({ runId, status: 'COMPLETED', processed: COUNT, total: COUNT, failed: 0 });
  expect(await assessmentsOf(runId)).toEqual({ customers: COUNT, rows: COUNT, maxPerCustomer: 1 });
  const perCustomer = await db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "RiskAssessment" WHERE "runKey" = $1 GROUP BY "customerId" HAVING count(*) <> 1`, runId);
  expect(perCustomer).toEqual([]);
  // The first run set every rating its facts give: nothing changes now.
  expect(result.changed).toBe(0);
  expect(await db.riskPortfolioRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: 'COMPLETED', processed: COUNT, changed: 0 });
  for (const w of Object.values(second)) w.child.kill('SIGTERM');
  await Promise.all(Object.values(second).map((w) => w.exited));
});

test('§6 ccm risk rescore --dry-run with a stricter policy writes nothing and reports the changes by type and segment; applied, it adopts the version', async () => {
  const { taskQueue, riskTaskQueue } = await inProcessWorkers();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rpf-'));
  const file = path.join(dir, 'stricter.json');
  writeFileSync(file, JSON.stringify(STRICTER));
  const bad = path.join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ ...STRICTER, riskScorecards: { ...STRICTER.riskScorecards, individual: { ...STRICTER.riskScorecards.individual, ratingFrom: { MEDIUM: 50, HIGH: 40 } } } }));

  const before = { ratings: await ratings(), assessments: await db.riskAssessment.count(), audit: await db.auditLog.count(), adoptions: await db.riskPolicyAdoption.count(), measures: await db.riskMeasure.count() };
  const ccm = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: devServerAddress(), TASK_QUEUE: taskQueue, RISK_TASK_QUEUE: riskTaskQueue, CCM_STAFF_ID: 'risk-officer-rpf', LOG_LEVEL: 'warn' };
      delete env.POLICY_FILE;
      const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'ccm.js'), ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  // A bad file: refused before anything starts, the field and the reason named.
  const refused = await ccm(['risk', 'rescore', '--policy', bad, '--dry-run']);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toMatch(/policy\.riskScorecards\.individual\.ratingFrom/);

  const dry = await ccm(['risk', 'rescore', '--policy', file, '--dry-run', '--page-size', '64']);
  expect({ code: dry.code, stderr: dry.code === 0 ? '' : dry.stderr }).toEqual({ code: 0, stderr: '' });
  // The table: one row per customer type and segment with UP / DOWN / NEW / SAME, as the facts say.
  const expected = expectedSummary(customers.map((c) => ({ ...c, seededRating: before.ratings.get(c.id) ?? null })), STRICTER, seededAt);
  for (const [key, counts] of Object.entries(expected)) {
    const [type, segment] = key.split(':');
    const row = new RegExp(`^${type}\\s+${segment}\\s+${counts.UP}\\s+${counts.DOWN}\\s+${counts.NEW}\\s+${counts.SAME}\\s+${counts.UP + counts.DOWN + counts.NEW}$`, 'm');
    expect(dry.stdout).toMatch(row);
  }
  const wouldChange = Object.values(expected).reduce((n, c) => n + c.UP + c.DOWN + c.NEW, 0);
  expect(wouldChange).toBeGreaterThan(0);
  expect(Object.values(expected).reduce((n, c) => n + c.DOWN, 0)).toBe(0); // stricter: nobody less risky
  expect(dry.stdout).toContain(`dry run: nothing written; policy 2099.01-1 would change ${wouldChange} rating(s)`);
  // Nothing written but the run's own report row.
  expect({ ratings: await ratings(), assessments: await db.riskAssessment.count(), audit: await db.auditLog.count(), adoptions: await db.riskPolicyAdoption.count(), measures: await db.riskMeasure.count() }).toEqual(before);
  const dryRow = await db.riskPortfolioRun.findFirstOrThrow({ where: { kind: 'RESCORE', dryRun: true } });
  expect(dryRow).toMatchObject({ status: 'COMPLETED', policyVersion: '2099.01-1', processed: COUNT, changed: wouldChange, summary: expected });

  // Applied: the version is adopted (row + audit), the ratings follow, the progress query answers.
  const { runId, handle } = await startPortfolioRun(
    { db, temporal, taskQueue, riskTaskQueue, policy },
    { staffId: 'risk-officer-rpf', roles: ['RISK_OFFICER'] },
    { kind: 'RESCORE', dryRun: false, policyFile: file, pageSize: 50, lanes: 2 },
  );
  const result: PortfolioProgress = await handle.result();
  expect(result).toMatchObject({ status: 'COMPLETED', processed: COUNT, changed: wouldChange, summary: expected });
  expect(await handle.query(progressQuery)).toEqual(result);
  expect(await db.riskPolicyAdoption.findUniqueOrThrow({ where: { version: '2099.01-1' } })).toMatchObject({ adoptedByStaffId: 'risk-officer-rpf', runId });
  expect(await db.auditLog.count({ where: { action: 'risk.policy.adopt', entityId: '2099.01-1' } })).toBe(1);
  expect(await assessmentsOf(runId)).toEqual({ customers: COUNT, rows: COUNT, maxPerCustomer: 1 });
  const after = await ratings();
  const upgraded = customers.filter((c) => after.get(c.id) !== before.ratings.get(c.id)).length;
  expect(upgraded).toBe(wouldChange);

  // The same version again is refused: it was adopted.
  await expect(startPortfolioRun({ db, temporal, taskQueue, riskTaskQueue, policy }, { staffId: 'risk-officer-rpf', roles: ['RISK_OFFICER'] }, { kind: 'RESCORE', dryRun: false, policyFile: file })).rejects.toThrow(
    /policy\.version: must be newer than the policy in force \(2099\.01-1\)/,
  );
});
