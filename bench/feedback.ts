/**
 * npm run bench:feedback [-- --cases 10000 --spread-seconds 120 --lead-seconds 180 --concurrency 32 --raw <cases> --raw-starts 2000 --handlers 50 --pilot 200 --cache <n> --with-portfolio <customers> --portfolio-lead-seconds 2 --workers 1]
 *
 * §5.2 feedback cases at scale (issue 9, "Benchmark"), on a Temporal dev server with the production
 * worker (`src/worker/main.ts`) in its own process, next to raw references measured in the same run:
 *
 * 1. cases opened per second: N non-customer INDIVIDUAL cases are written straight into a scratch
 *    database (bulk SQL: contact and summary encrypted with the development key ring as the
 *    registration does, the e-mail blind-indexed; case numbers 1…N of the year; one department with
 *    a head and `--handlers` members who handle feedback; an executive on duty for the whole run);
 *    each case's workflow is started as the registration starts it (`feedbackCase`, id
 *    `feedback-<caseNo>`, bounded concurrency) and the clock stops when every case has run its first
 *    activity (beginCase: status IN_PROGRESS, a handler) → cases/s, beside the raw start rate of
 *    empty workflows (before and after, as bench:onboarding measures it).
 * 2. escalation latency: the cases' registrations are backdated so that their response deadlines
 *    (registeredAt + `individualResponseHours`) fall due evenly over `--spread-seconds`; the bench
 *    policy has no reminders (`reminderFractions: []`), so the ladder's first step is the department
 *    head at the deadline (the executive on duty comes `executiveEscalationAfter` later, outside the
 *    run). Per case: from its deadline to its escalation email (`Escalation: feedback case <caseNo> …`,
 *    X-Idempotency-Key `feedback:<caseNo>:0:HEAD:0:<head>`) accepted by the SMTP sink
 *    (src/embedded/smtp-sink.ts; its receive time, ms) → p50/p99/max; exactly one each.
 * 3. raw timer latency: M empty workflows (bench/workflows/sleep-until.ts, run by a minimal worker
 *    in this process on its own task queue) sleep until the same instants, spread over the same
 *    window, so both populations share the machine; latency = close time − due instant.
 *
 * 4. with `--with-portfolio P` (issue 10, §6: "a portfolio run never delays an escalation email or a
 *    reminder"): P APPROVED customers are written in the scratch database first (bulk SQL,
 *    test/support/risk-portfolio.ts as bench:risk writes them: one in five an enterprise, one rating in
 *    20 seeded a notch off), and `--portfolio-lead-seconds` before the first deadline a QUARTERLY
 *    portfolio run is started as `ccm risk run` starts it (src/risk/portfolio-runs.ts
 *    startPortfolioRun): the workflow on the worker's TASK_QUEUE, its page activities on
 *    RISK_TASK_QUEUE, polled as in production (docker-compose `worker` and `risk-worker`) by a second
 *    process of the same entry with WORKER_QUEUES=risk, the cases' worker having WORKER_QUEUES=main
 *    (≤ RISK_MAX_CONCURRENT_ACTIVITIES at once, ≤ RISK_ACTIVITIES_PER_SECOND). The escalation figures are printed as without it, plus the run's start
 *    and end relative to the first deadline, its rate, how many escalations (and raw timers) fell due
 *    while it ran and their latency, against those due after it. P should make the run outlast the
 *    window to cover all of it (about 3,000 customers/s on the 2-core machine: 100,000 cover ~35 s).
 *
 *    `--risk-in-process`: one worker process polls both queues (WORKER_QUEUES=main,risk, the default
 *    of `npm run worker` for a small deployment): the layout that delays escalations (README).
 *
 * The deadlines must fall after every start has settled, and the start rate is only known once
 * measured: so a pilot of `--pilot` cases (deadlines a day away, not counted) is opened first, the
 * window is placed `--lead-seconds` after the starts are expected to end (the N rows written at half
 * the pilot's pace, N cases at its rate × 1.25, the raw sleepers at half the raw start rate), the N
 * rows are written with their registrations backdated to it (FeedbackEvent rows are append-only:
 * nothing is moved afterwards), and the N cases and M sleepers are started. The run stops with an
 * error when the starts overran the lead.
 *
 * Everything it starts (dev server, scratch database, workers, SMTP sink) it stops and removes.
 */
import { randomUUID } from 'node:crypto';
import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConfig } from '../src/config/env';
import { caseYear, feedbackWorkflowId, formatCaseNo } from '../src/domain/case-number';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../src/policy/policy';
import { developmentKeyRing } from '../src/security/keyring';
import { startDevServer } from '../src/temporal/dev-server';
import { dataConverter } from '../src/temporal/codec';
import { SA } from '../src/temporal/search-attributes';
import { startSmtpSink } from '../src/embedded/smtp-sink';
import { createDb, type Db } from '../src/db/client';
import { startPortfolioRun } from '../src/risk/portfolio-runs';
import { seedRiskPortfolio } from '../test/support/risk-portfolio';
import { writeFeedbackCases } from './drill-seed';
import type { PortfolioProgress } from '../workflows/risk/definitions';
import { feedbackCase } from '../workflows/feedback/feedback-case';
import {
  cpuSecondsOf,
  cpuSecondsOfAll,
  createScratchDatabase,
  DEFAULT_ADMIN_URL,
  machineCpu,
  pct,
  pool,
  rawStartRate,
  sleep,
  spawnEntry,
  waitForPoller,
} from './support';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    /** The deadlines fall due evenly over this many seconds. */
    'spread-seconds': { type: 'string', default: '120' },
    /** The first deadline this long after the starts are expected to have ended. */
    'lead-seconds': { type: 'string', default: '180' },
    concurrency: { type: 'string', default: '32' },
    /** Raw timer workflows sleeping until instants over the same window; default: as many as cases (the same instants). */
    raw: { type: 'string' },
    /** Empty workflows started for the raw start rate (before and after). */
    'raw-starts': { type: 'string', default: '2000' },
    /** Members of the department who handle feedback (the cases are spread over them, least loaded first). */
    handlers: { type: 'string', default: '50' },
    /** Cases opened first, deadlines a day away, to measure the rate the window is placed by (not counted). */
    pilot: { type: 'string', default: '200' },
    /** The worker's WORKER_MAX_CACHED_WORKFLOWS; default: the variable's own default (src/config/env.ts). */
    cache: { type: 'string' },
    /** Customers of a QUARTERLY portfolio run started just before the first deadline (0: none). */
    'with-portfolio': { type: 'string', default: '0' },
    /** How long before the first deadline the portfolio run is started. */
    'portfolio-lead-seconds': { type: 'string', default: '2' },
    /** The risk queue polled by the cases' worker process too (WORKER_QUEUES=main,risk) instead of a second process (WORKER_QUEUES=risk). */
    'risk-in-process': { type: 'boolean', default: false },
    /** Worker processes polling the cases' task queue (issue 13, the scaling note): 1 is production's layout; more share the queue. */
    workers: { type: 'string', default: '1' },
    'admin-url': { type: 'string', default: DEFAULT_ADMIN_URL },
  },
});
const N = Number(values.cases);
const SPREAD_MS = Number(values['spread-seconds']) * 1000;
const LEAD_MS = Number(values['lead-seconds']) * 1000;
const C = Number(values.concurrency);
const M = Number(values.raw ?? values.cases);
const RAW_STARTS = Number(values['raw-starts']);
const HANDLERS = Number(values.handlers);
const PILOT = Number(values.pilot);
const PORTFOLIO = Number(values['with-portfolio']);
const PORTFOLIO_LEAD_MS = Number(values['portfolio-lead-seconds']) * 1000;
const RISK_IN_PROCESS = values['risk-in-process'] === true;
const WORKERS = Number(values.workers);
if (!Number.isInteger(WORKERS) || WORKERS < 1 || WORKERS > 8) throw new Error(`--workers: a whole number of worker processes from 1 to 8, not ${JSON.stringify(values.workers)}`);
if (RISK_IN_PROCESS && !PORTFOLIO) throw new Error('--risk-in-process needs --with-portfolio');
/** The production layout (docker-compose): the portfolio pages in their own worker process. */
const RISK_PROCESS = PORTFOLIO > 0 && !RISK_IN_PROCESS;
const CACHE = loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: values.cache }).WORKER_MAX_CACHED_WORKFLOWS;
/** The risk worker's limits as the worker child will read them (it inherits this environment). */
const RISK_LIMITS = loadConfig({ RISK_ACTIVITIES_PER_SECOND: process.env.RISK_ACTIVITIES_PER_SECOND, RISK_MAX_CONCURRENT_ACTIVITIES: process.env.RISK_MAX_CONCURRENT_ACTIVITIES });
for (const [name, v, min] of [['--cases', N, 1], ['--spread-seconds', SPREAD_MS, 1000], ['--lead-seconds', LEAD_MS, 0], ['--concurrency', C, 1], ['--raw', M, 1], ['--raw-starts', RAW_STARTS, 1], ['--handlers', HANDLERS, 1], ['--pilot', PILOT, 1], ['--with-portfolio', PORTFOLIO, 0], ['--portfolio-lead-seconds', PORTFOLIO_LEAD_MS, 0]] as const) {
  if (!Number.isSafeInteger(v) || v < min) throw new Error(`${name} must be a whole number ≥ ${name.endsWith('seconds') ? min / 1000 : min}, got ${name.endsWith('seconds') ? v / 1000 : v}`);
}

const ring = developmentKeyRing();
const HOUR_MS = 3_600_000;
const DEPARTMENT = 'BENCH';
const HEAD = 'bench-head';
const EXECUTIVE = 'bench-exec';
const handlerId = (k: number) => `bench-handler-${String(k).padStart(3, '0')}`;
const BENCH_RULE = 'bench';
const PILOT_RULE = 'bench-pilot';
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n: number) => `${fmt(n, 0)} ms`;
const log = (line: string) => process.stderr.write(`[bench:feedback ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** CPU seconds of the processes involved (to tell which one a phase kept busy). */
interface CpuSample {
  worker: number;
  /** The second worker process taking the run's pages (--risk-worker-process). */
  riskWorker?: number;
  temporal: number;
  postgres: number;
  /** This process: the raw timers' worker, the SMTP sink, the starts and the polling. */
  bench: number;
  machine: ReturnType<typeof machineCpu>;
  at: number;
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'ccm-bench-feedback-'));
  const mailDir = path.join(scratch, 'mail');
  log(`scratch database, dev server, SMTP sink; ${N} cases over ${SPREAD_MS / 1000} s, ${M} raw timers, sticky cache ${CACHE}${PORTFOLIO ? `; a portfolio run of ${PORTFOLIO} customers from ${PORTFOLIO_LEAD_MS / 1000} s before the first deadline` : ''}`);
  // The raw timers' worker runs in this process: no signal handlers of the SDK's (ours clean up), quiet logs.
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  const database = await createScratchDatabase('ccm_bench_fb', values['admin-url']);
  const server = await startDevServer({ uiPort: false }).catch(async (err: unknown) => {
    await database.drop();
    throw err;
  });
  const sink = await startSmtpSink({ dir: mailDir, port: 0 });
  const sql = new pg.Pool({ connectionString: database.url, max: 4 });
  const connection = await Connection.connect({ address: server.address });
  const temporal = new Client({ connection, dataConverter: dataConverter(ring) });
  const plain = new Client({ connection });
  // startPortfolioRun's deps (its database is read for a RESCORE only; connects on first use).
  const db = PORTFOLIO ? createDb({ url: database.url, max: 1 }) : undefined;
  let worker: RunningWorker | undefined;
  let riskWorker: RunningWorker | undefined;
  /** Workers 2…N of --workers: the same entry and queue, WORKER_QUEUES=main. */
  const moreWorkers: RunningWorker[] = [];
  let rawWorker: RunningWorker | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => reject(new Error(`${signal}: stopped; cleaning up`)));
  });
  try {
    await Promise.race([interrupted, (async () => {
      const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
      const rawQueue = `bench-sleep-${randomUUID().slice(0, 8)}`;
      const riskQueue = `bench-risk-${randomUUID().slice(0, 8)}`;
      // The bench policy: no reminders, so the first step of every ladder is the department head at the deadline.
      const policy: Policy = parsePolicy({ ...DEFAULT_POLICY, version: `${DEFAULT_POLICY.version.split('-')[0]}-901`, feedback: { ...DEFAULT_POLICY.feedback, reminderFractions: [] } });
      const policyFile = path.join(scratch, 'policy.json');
      writeFileSync(policyFile, JSON.stringify(policy));
      const responseMs = policy.feedback.individualResponseHours * HOUR_MS;

      await seedStaff(sql);
      if (PORTFOLIO) {
        const seeded = performance.now();
        await seedRiskPortfolio({ url: database.url, ring, policy, count: PORTFOLIO, prefix: 'P', asOf: new Date() });
        log(`${PORTFOLIO} APPROVED portfolio customers written in ${fmt((performance.now() - seeded) / 1000)} s`);
      }
      worker = await startWorker(temporal, taskQueue, {
        TEMPORAL_ADDRESS: server.address,
        DATABASE_URL: database.url,
        SMTP_URL: sink.url,
        TASK_QUEUE: taskQueue,
        RISK_TASK_QUEUE: riskQueue,
        WORKER_QUEUES: RISK_PROCESS ? 'main' : 'main,risk',
        MAIL_FROM: 'bench@bank.test',
        LOG_LEVEL: 'warn',
        POLICY_FILE: policyFile,
        WORKER_MAX_CACHED_WORKFLOWS: String(CACHE),
      });
      for (let i = 1; i < WORKERS; i++) {
        moreWorkers.push(
          await startWorker(temporal, taskQueue, {
            TEMPORAL_ADDRESS: server.address,
            DATABASE_URL: database.url,
            SMTP_URL: sink.url,
            TASK_QUEUE: taskQueue,
            RISK_TASK_QUEUE: riskQueue,
            WORKER_QUEUES: 'main',
            MAIL_FROM: 'bench@bank.test',
            LOG_LEVEL: 'warn',
            POLICY_FILE: policyFile,
            WORKER_MAX_CACHED_WORKFLOWS: String(CACHE),
          }),
        );
      }
      if (RISK_PROCESS) {
        riskWorker = await startWorker(temporal, null, {
          TEMPORAL_ADDRESS: server.address,
          DATABASE_URL: database.url,
          SMTP_URL: sink.url,
          TASK_QUEUE: taskQueue,
          RISK_TASK_QUEUE: riskQueue,
          WORKER_QUEUES: 'risk',
          MAIL_FROM: 'bench@bank.test',
          LOG_LEVEL: 'warn',
          POLICY_FILE: policyFile,
        });
      }
      if (PORTFOLIO) await waitForActivityPoller(temporal, riskQueue, (riskWorker ?? worker).pid);
      rawWorker = await startRawWorker(server.address, rawQueue);
      await waitForPoller(temporal, rawQueue, process.pid);
      const sample = () => cpuSample([worker!.pid, ...moreWorkers.map((w) => w.pid)], server.pid, riskWorker?.pid);

      const cpuRaw0 = sample();
      const rawBefore = await rawStartRate(temporal, { count: RAW_STARTS, concurrency: C, label: 'before' });
      const cpuRaw1 = sample();
      log(`raw before: ${fmt(rawBefore)} starts/s`);

      // ── The pilot: cases a day from their deadline, opened to measure the rate (not counted). ──
      const year = caseYear(new Date(Date.now() - responseMs), policy);
      const caseNoOf = (sequence: number) => formatCaseNo({ year, sequence }, policy);
      const pilotSeqs = Array.from({ length: PILOT }, (_, k) => N + 1 + k);
      const pilotWritten = performance.now();
      await writeCases(sql, policy, pilotSeqs.map((s) => ({ caseNo: caseNoOf(s), registeredAt: new Date() })), PILOT_RULE);
      const pilotWriteMs = performance.now() - pilotWritten;
      const cpuPilot0 = sample();
      const pilot = await openCases(sql, temporal, taskQueue, policy, pilotSeqs.map(caseNoOf), PILOT_RULE);
      const cpuPilot1 = sample();
      const pilotRate = PILOT / pilot.seconds;
      // Most cases begin at a steady pace; a few wait out activity retries (beginCase could not get a connection in time): a tail.
      const pilotPace = (0.95 * PILOT) / pilot.seconds95;
      const pilotTail = pilot.seconds - pilot.seconds95;
      log(`pilot: ${PILOT} cases opened in ${fmt(pilot.seconds)} s (${fmt(pilotRate)}/s; 95 % in ${fmt(pilot.seconds95)} s)`);

      // ── The window: after the N rows are written and the N cases and M sleepers started (as expected from the pilot), plus the lead. ──
      const caseNos = Array.from({ length: N }, (_, i) => caseNoOf(i + 1));
      const expectedMs = (N / PILOT) * pilotWriteMs * 2 + ((N / pilotPace) * 1.25 + pilotTail * 1.5) * 1000 + (M / (rawBefore / 2)) * 1000 + 15_000;
      const windowAt = Math.ceil((Date.now() + expectedMs + LEAD_MS) / 1000) * 1000;
      const caseDue = (i: number) => windowAt + Math.floor((i * SPREAD_MS) / N);
      const rawDue = (j: number) => windowAt + Math.floor((j * SPREAD_MS) / M);
      log(`deadlines from ${new Date(windowAt).toISOString()} to ${new Date(caseDue(N - 1)).toISOString()} (writes and starts expected to take ${fmt(expectedMs / 1000, 0)} s, lead ${fmt(LEAD_MS / 1000, 0)} s)`);
      const seeded = performance.now();
      // Registered individualResponseHours before their deadline: the SLA puts the target there.
      await writeCases(sql, policy, caseNos.map((caseNo, i) => ({ caseNo, registeredAt: new Date(caseDue(i) - responseMs) })), BENCH_RULE);
      log(`${N} cases written in ${fmt((performance.now() - seeded) / 1000)} s`);

      // ── 1. The N cases. ──
      const cpu0 = sample();
      const opened = await openCases(sql, temporal, taskQueue, policy, caseNos, BENCH_RULE);
      const cpu1 = sample();
      const openRate = N / opened.seconds;
      log(`${N} cases opened in ${fmt(opened.seconds)} s (${fmt(openRate)}/s)`);
      const scheduled = await count(sql, `SELECT count(*) FROM "FeedbackCase" WHERE "routingRuleId" = $1 AND "targetAt" = "registeredAt" + make_interval(hours => $2) AND "targetAt" >= $3`, [BENCH_RULE, policy.feedback.individualResponseHours, new Date(windowAt)]);
      if (scheduled !== N) throw new Error(`${scheduled} of the ${N} cases have their deadline in the window`);

      // ── The M raw sleepers, due over the same window. ──
      const cpu2 = sample();
      const t = performance.now();
      await pool(M, C, (j) => plain.workflow.start('benchSleepUntil', { taskQueue: rawQueue, workflowId: `${rawQueue}-${j}`, args: [new Date(rawDue(j)).toISOString()] }));
      const sleeperSeconds = (performance.now() - t) / 1000;
      await timerArmed(plain, `${rawQueue}-${M - 1}`);
      const cpu3 = sample();
      const startsEndedAt = Date.now();
      log(`${M} raw sleepers started in ${fmt(sleeperSeconds)} s (${fmt(M / sleeperSeconds)}/s)`);

      // Settled: every assigned email sent, no escalation yet, the window still ahead.
      const assigned = await until(() => emlCount(mailDir) >= N + PILOT, 60_000);
      if (!assigned) log(`only ${emlCount(mailDir)} of ${N + PILOT} assignment emails received before the window`);
      const early = await count(sql, `SELECT count(*) FROM "Notification" WHERE kind = 'FEEDBACK_ESCALATION'`);
      const toGo = windowAt - Date.now();
      if (toGo < 5000 || early > 0) throw new Error(`the starts were not settled before the first deadline (${early} escalations, ${fmt(toGo / 1000)} s to go): raise --lead-seconds`);
      log(`waiting ${fmt(toGo / 1000, 0)} s for the first deadline`);
      const cpu4 = sample();
      // ── 4. The portfolio run, started just before the first deadline (it sends no email: the count below is unaffected). ──
      let run: PortfolioRunning | undefined;
      let cpuIdleEnd: CpuSample | undefined;
      if (PORTFOLIO) {
        await sleep(Math.max(0, windowAt - PORTFOLIO_LEAD_MS - Date.now()));
        cpuIdleEnd = sample();
        run = await startRun(db!, temporal, taskQueue, riskQueue, policy, cpuIdleEnd, sample);
        log(`portfolio run ${run.runId} started ${fmt((windowAt - run.startedAt) / 1000)} s before the first deadline`);
      }
      await sleep(windowAt - Date.now() - 1000);
      const baseline = emlCount(mailDir);
      await sleep(Math.max(0, windowAt - Date.now()));

      // ── 2 and 3. The window: until every escalation is received and every sleeper has closed. ──
      const cpu5 = sample();
      const window = await watchWindow(plain, mailDir, rawQueue, baseline, windowAt);
      const cpu6 = sample();
      // A run that outlasts the window is waited for before the raw starts are measured again.
      const runOutcome = run ? await run.done : undefined;

      const cpuRaw2 = sample();
      const rawAfter = await rawStartRate(temporal, { count: RAW_STARTS, concurrency: C, label: 'after' });
      const cpuRaw3 = sample();
      const rawRate = (rawBefore + rawAfter) / 2;

      // Escalation latency: the sink's receive time of each case's HEAD email minus its deadline.
      const messages = await sink.list();
      const byKind = new Map<string, number>();
      for (const m of messages) byKind.set(m.headers?.['x-notification-kind'] ?? '?', (byKind.get(m.headers?.['x-notification-kind'] ?? '?') ?? 0) + 1);
      const indexOf = new Map(caseNos.map((c, i) => [c, i]));
      const received = new Map<number, number[]>();
      let foreign = 0;
      for (const m of messages) {
        const key = m.headers?.['x-idempotency-key'] ?? '';
        const match = /^feedback:(.+):0:HEAD:0:(.+)$/.exec(key);
        if (!match) continue;
        const i = indexOf.get(match[1]!);
        if (i === undefined || match[2] !== HEAD || !m.subject.startsWith(`Escalation: feedback case ${match[1]}`)) {
          foreign += 1;
          continue;
        }
        received.set(i, [...(received.get(i) ?? []), Date.parse(m.receivedAt)]);
      }
      const duplicates = [...received.values()].reduce((a, r) => a + r.length - 1, 0);
      const missing = N - received.size;
      const escalation = [...received.entries()].map(([i, at]) => Math.min(...at) - caseDue(i)).sort((a, b) => a - b);
      // Where the time went: deadline → the email's Notification row (timer, workflow task, activity, the escalation's transaction), row → accepted (claim, SMTP).
      const { rows: notes } = await sql.query<{ key: string; created: Date }>(`SELECT "idempotencyKey" AS key, "createdAt" AS created FROM "Notification" WHERE kind = 'FEEDBACK_ESCALATION'`);
      const toRow: number[] = [];
      const rowToSink: number[] = [];
      for (const n of notes) {
        const i = indexOf.get(/^feedback:(.+):0:HEAD:0:/.exec(n.key)?.[1] ?? '');
        if (i === undefined) continue;
        toRow.push(n.created.getTime() - caseDue(i));
        const at = received.get(i);
        if (at) rowToSink.push(Math.min(...at) - n.created.getTime());
      }
      toRow.sort((a, b) => a - b);
      rowToSink.sort((a, b) => a - b);
      const sent = await count(sql, `SELECT count(*) FROM "Notification" WHERE kind = 'FEEDBACK_ESCALATION' AND status = 'SENT'`);
      const level1 = await count(sql, `SELECT count(*) FROM "FeedbackCase" WHERE "routingRuleId" = $1 AND "escalationLevel" = 1`, [BENCH_RULE]);

      // Raw timer latency: each sleeper's close time minus its due instant.
      const raw: number[] = [];
      const rawByDue: { due: number; latency: number }[] = [];
      let rawOpen = 0;
      for await (const w of plain.workflow.list({ query: `TaskQueue = "${rawQueue}"` })) {
        const j = Number(w.workflowId.slice(rawQueue.length + 1));
        if (w.closeTime && w.status.name === 'COMPLETED') {
          raw.push(w.closeTime.getTime() - rawDue(j));
          rawByDue.push({ due: rawDue(j), latency: w.closeTime.getTime() - rawDue(j) });
        } else rawOpen += 1;
      }
      raw.sort((a, b) => a - b);
      // Where the time went, from the histories of a sample of each population.
      const SAMPLE = 40;
      const picks = (n: number) => [...new Set(Array.from({ length: Math.min(SAMPLE, n) }, (_, k) => Math.floor((k * n) / Math.min(SAMPLE, n))))];
      const caseSplitOf = async (i: number) => ({ ...(await historySplit(temporal, feedbackWorkflowId(caseNos[i]!), caseDue(i))), accepted: Math.min(...(received.get(i) ?? [NaN])) });
      const caseSplits = await Promise.all(picks(N).map(caseSplitOf));
      // The tail: the slowest cases' histories (where a p99 goes is rarely where the p50 goes).
      const slowest = [...received.entries()].map(([i, at]) => ({ i, latency: Math.min(...at) - caseDue(i) })).sort((a, b) => b.latency - a.latency).slice(0, 20);
      const slowSplits = await Promise.all(slowest.map(({ i }) => caseSplitOf(i)));
      const rawSplits = await Promise.all(picks(M).map((j) => historySplit(plain, `${rawQueue}-${j}`, rawDue(j))));
      const split = (label: string, xs: number[]) => {
        const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
        return `${label} ${ms(pct(v, 50))} / ${ms(v.at(-1) ?? NaN)}`;
      };
      const caseLine = (label: string, xs: typeof caseSplits) => {
        const timeouts = xs.reduce((a, x) => a + x.taskTimeouts, 0);
        return (
          `${label} (${xs.length}): ` +
          [
            split('timer armed (its task started → TimerStarted)', xs.map((x) => x.armDelay)),
            split('timer fired after the deadline', xs.map((x) => x.fired - x.due)),
            split('→ workflow task started', xs.map((x) => x.taskStarted - x.fired)),
            split('→ escalateCase scheduled', xs.map((x) => x.activityScheduled - x.taskStarted)),
            split('→ activity started', xs.map((x) => x.activityStarted - x.activityScheduled)),
            split('→ email accepted', xs.map((x) => x.accepted - x.activityStarted)),
          ].join(', ') +
          (timeouts ? `; ${timeouts} workflow tasks timed out after the timer` : '')
        );
      };
      const splitLines = [
        caseLine('cases', caseSplits),
        caseLine(`slowest cases (${fmt(slowest.at(-1)?.latency ?? NaN, 0)}–${fmt(slowest[0]?.latency ?? NaN, 0)} ms)`, slowSplits),
        `raw timers (${rawSplits.length}): ` +
          [
            split('timer armed (its task started → TimerStarted)', rawSplits.map((x) => x.armDelay)),
            split('timer fired after the due instant', rawSplits.map((x) => x.fired - x.due)),
            split('→ workflow task started', rawSplits.map((x) => x.taskStarted - x.fired)),
            split('→ completed', rawSplits.map((x) => x.completed - x.taskStarted)),
          ].join(', '),
      ];
      const [e50, e99, eMax] = [pct(escalation, 50), pct(escalation, 99), escalation.at(-1) ?? NaN];
      const [r50, r99, rMax] = [pct(raw, 50), pct(raw, 99), raw.at(-1) ?? NaN];
      const ratio = e99 / r99;

      console.log('');
      console.log(
        `bench:feedback — ${N} INDIVIDUAL cases (non-customers) in one department (${HANDLERS} handlers), deadlines over ${SPREAD_MS / 1000} s from ${new Date(windowAt).toISOString()}; ${M} raw timers over the same window; concurrency ${C}, sticky cache ${CACHE}, ${WORKERS} worker process${WORKERS > 1 ? 'es' : ''} on the cases' queue, policy ${policy.version} (reminderFractions [])`,
      );
      console.log('');
      console.log('| figure | measured | reference | ratio | target |');
      console.log('|---|---|---|---|---|');
      console.log(
        `| cases opened | ${fmt(openRate)} cases/s (${N} to their first activity in ${fmt(opened.seconds)} s; start call p50 ${ms(pct(opened.latencies, 50))}, p99 ${ms(pct(opened.latencies, 99))}; pilot ${fmt(pilotRate)}/s) | raw starts ${fmt(rawRate)}/s (${fmt(rawBefore)} / ${fmt(rawAfter)}) | ${fmt((openRate / rawRate) * 100, 0)} % | – |`,
      );
      console.log(
        `| escalation latency, deadline → email accepted | p50 ${ms(e50)}, p99 ${ms(e99)}, max ${ms(eMax)} (${received.size} of ${N} cases) | raw timer p50 ${ms(r50)}, p99 ${ms(r99)}, max ${ms(rMax)} (${raw.length} of ${M}) | p99 ${fmt(ratio, 2)}× raw | p99 ≤ 1 s: ${e99 <= 1000 ? 'met' : 'missed'}; ≤ 2× raw p99: ${ratio <= 2 ? 'met' : 'missed'} |`,
      );
      console.log('');
      if (run && runOutcome) {
        // The portfolio run: when it ran against the window, its rate, and the latency of what fell due while it ran against what fell due after.
        const { startedAt, runId } = run;
        const { endedAt, result, error } = runOutcome;
        const runSeconds = (endedAt - startedAt) / 1000;
        const rel = (at: number) => `${at >= windowAt ? '+' : '−'}${fmt(Math.abs(at - windowAt) / 1000)} s`;
        const lastDue = caseDue(N - 1);
        const during = [...received.entries()].filter(([i]) => caseDue(i) >= startedAt && caseDue(i) <= endedAt).map(([i, at]) => Math.min(...at) - caseDue(i)).sort((a, b) => a - b);
        const outside = [...received.entries()].filter(([i]) => caseDue(i) < startedAt || caseDue(i) > endedAt).map(([i, at]) => Math.min(...at) - caseDue(i)).sort((a, b) => a - b);
        const dueDuring = caseNos.filter((_, i) => caseDue(i) >= startedAt && caseDue(i) <= endedAt).length;
        const rawDuring = rawByDue.filter((r) => r.due >= startedAt && r.due <= endedAt).map((r) => r.latency).sort((a, b) => a - b);
        const rawOutside = rawByDue.filter((r) => r.due < startedAt || r.due > endedAt).map((r) => r.latency).sort((a, b) => a - b);
        const lat = (xs: number[]) => (xs.length ? `p50 ${ms(pct(xs, 50))}, p99 ${ms(pct(xs, 99))}, max ${ms(xs.at(-1)!)} (${xs.length})` : 'none');
        const covered = Math.max(0, Math.min(endedAt, lastDue) - Math.max(startedAt, windowAt)) / Math.max(lastDue - windowAt, 1);
        console.log(
          `portfolio run in progress during the window: ${runId} (QUARTERLY, ${PORTFOLIO} customers, risk queue ≤ ${RISK_LIMITS.RISK_MAX_CONCURRENT_ACTIVITIES} page activities at once, ≤ ${RISK_LIMITS.RISK_ACTIVITIES_PER_SECOND}/s, pages taken by ${RISK_PROCESS ? 'a second worker process' : `the cases' worker process`}) ${error ? `FAILED (${error})` : `${result!.status}: ${result!.processed} processed, ${result!.changed} changed, ${result!.failed} failed`} in ${fmt(runSeconds)} s → ${fmt((result?.processed ?? 0) / runSeconds, 0)} customers/s; ran from ${rel(startedAt)} to ${rel(endedAt)} relative to the first deadline (deadlines 0 to +${fmt((lastDue - windowAt) / 1000)} s): ${fmt(covered * 100, 0)} % of the window, ${dueDuring} of ${N} escalations fell due while it ran`,
        );
        console.log(`  escalation latency, due while the run was in progress: ${lat(during)}; due after it: ${lat(outside)}`);
        console.log(`  raw timer latency, due while the run was in progress: ${lat(rawDuring)}; due after it: ${lat(rawOutside)}`);
        console.log('');
      }
      console.log(
        `emails: ${received.size} cases with their HEAD escalation, ${missing} missing, ${duplicates} duplicates${foreign ? `, ${foreign} HEAD keys of no bench case` : ''}; ${sent} escalations SENT in the database, ${level1} cases at escalation level 1; received by kind: ${[...byKind.entries()].map(([k, v]) => `${k} ${v}`).join(', ')}`,
      );
      console.log(
        `escalation latency split at the Notification row's createdAt: deadline → row p50 ${ms(pct(toRow, 50))}, p99 ${ms(pct(toRow, 99))}; row → accepted p50 ${ms(pct(rowToSink, 50))}, p99 ${ms(pct(rowToSink, 99))}`,
      );
      console.log(`where the time went (history event times of a sample; p50 / max):`);
      for (const line of splitLines) console.log(`  ${line}`);
      console.log(
        `window: every escalation received ${fmt(window.emailsDoneAt === undefined ? NaN : (window.emailsDoneAt - caseDue(N - 1)) / 1000)} s after the last deadline, every sleeper closed ${fmt(window.rawDoneAt === undefined ? NaN : (window.rawDoneAt - rawDue(M - 1)) / 1000)} s after its last${rawOpen ? `; ${rawOpen} sleepers not completed` : ''}${window.stalled ? '; stopped waiting: no progress for 60 s' : ''}`,
      );
      const failures = new Map<string, number>();
      for (const w of [worker, ...moreWorkers]) for (const [k, v] of w.failures ?? []) failures.set(k, (failures.get(k) ?? 0) + v);
      const failed = [...failures.entries()];
      console.log(`activity attempts that failed and were retried (worker log): ${failed.length ? failed.map(([k, v]) => `${k} ${v}`).join(', ') : 'none'}`);
      console.log(`raw sleepers started at ${fmt(M / sleeperSeconds)}/s; the starts ended ${fmt((windowAt - startsEndedAt) / 1000, 0)} s before the first deadline`);
      console.log('');
      console.log('CPU seconds per phase (share of one core; the machine has 2; "bench" includes the raw timers\' worker and the SMTP sink):');
      console.log(cpuLine(`raw starts (${RAW_STARTS}, before)`, cpuRaw0, cpuRaw1));
      console.log(cpuLine(`pilot (${PILOT} cases)`, cpuPilot0, cpuPilot1));
      console.log(cpuLine(`cases opened (${N})`, cpu0, cpu1));
      console.log(cpuLine(`raw sleepers started (${M})`, cpu2, cpu3));
      console.log(cpuLine('idle, before the window', cpu4, cpuIdleEnd ?? cpu5));
      if (cpuIdleEnd) console.log(cpuLine('lead, portfolio run started', cpuIdleEnd, cpu5));
      console.log(cpuLine('the window', cpu5, cpu6));
      if (run && runOutcome) console.log(cpuLine(`portfolio run (${PORTFOLIO})`, runOutcome.cpuStart, runOutcome.cpuEnd));
      console.log(cpuLine(`raw starts (${RAW_STARTS}, after)`, cpuRaw2, cpuRaw3));

      await worker.stop();
      worker = undefined;
    })()]);
  } finally {
    await worker?.stop();
    for (const w of moreWorkers) await w.stop();
    await riskWorker?.stop();
    await rawWorker?.stop();
    await db?.$disconnect();
    await connection.close();
    await sql.end();
    await sink.stop();
    await server.stop();
    await database.drop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

interface PortfolioRunning {
  runId: string;
  /** Wall clock just before the start call. */
  startedAt: number;
  /** Resolves (never rejects) when the run has closed. */
  done: Promise<{ endedAt: number; result?: PortfolioProgress; error?: string; cpuStart: CpuSample; cpuEnd: CpuSample }>;
}

/**
 * A QUARTERLY portfolio run as `ccm risk run` starts it (src/risk/portfolio-runs.ts), by a risk
 * officer: the workflow on `taskQueue`, its pages on `riskQueue`. Its end is the close time of its
 * last workflow run (continue-as-new makes several), as the server records it.
 */
async function startRun(db: Db, temporal: Client, taskQueue: string, riskQueue: string, policy: Policy, cpuStart: CpuSample, sample: () => CpuSample): Promise<PortfolioRunning> {
  const startedAt = Date.now();
  const { runId, handle } = await startPortfolioRun({ db, temporal, taskQueue, riskTaskQueue: riskQueue, policy }, { staffId: 'bench-risk-officer', roles: ['RISK_OFFICER'] }, { kind: 'QUARTERLY', dryRun: false });
  const done = handle.result().then(
    async (result) => {
      const cpuEnd = sample();
      const closed = (await handle.describe().catch(() => undefined))?.closeTime?.getTime();
      return { endedAt: closed ?? Date.now(), result, cpuStart, cpuEnd };
    },
    (err: unknown) => ({ endedAt: Date.now(), error: err instanceof Error ? err.message : String(err), cpuStart, cpuEnd: sample() }),
  );
  return { runId, startedAt, done };
}

/** Resolves once the process `pid` polls `taskQueue` for activity tasks (the risk worker runs activities only). */
async function waitForActivityPoller(temporal: Client, taskQueue: string, pid: number): Promise<void> {
  const ok = await until(async () => {
    const res = await temporal.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    return res.pollers?.some((p) => p.identity?.startsWith(`${pid}@`)) ?? false;
  }, 60_000);
  if (!ok) throw new Error(`the worker (pid ${pid}) did not poll the risk task queue ${taskQueue} within 60 s`);
}

interface RunningWorker {
  pid: number;
  stop(): Promise<void>;
  /** Activity attempts that failed, by activity type, as the worker logged them (a retry follows each). */
  failures?: Map<string, number>;
}

/** The production worker in its own process; resolves once it polls `taskQueue` (its workflows bundled). */
/** Starts the worker entry; waits for its workflow poller on `taskQueue` (null: a risk-only worker, waited for by waitForActivityPoller). */
async function startWorker(temporal: Client, taskQueue: string | null, env: NodeJS.ProcessEnv): Promise<RunningWorker> {
  const child: ChildProcess = spawnEntry('src/worker/main.ts', env);
  child.stdout?.resume();
  const failures = new Map<string, number>();
  let carry = '';
  child.stderr?.on('data', (d: Buffer) => {
    process.stderr.write(d);
    const lines = (carry + d.toString('utf8')).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      const type = /^\s*activityType: '(\w+)'/.exec(line)?.[1];
      if (type) failures.set(type, (failures.get(type) ?? 0) + 1);
    }
  });
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!stopping) log(`the worker (pid ${child.pid}) exited on its own: code ${code}, signal ${signal}; the run cannot finish`);
      resolve();
    }),
  );
  if (taskQueue !== null) await waitForPoller(temporal, taskQueue, child.pid ?? -1, { alive: () => child.exitCode === null });
  return {
    pid: child.pid ?? -1,
    failures,
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The raw timers' worker: bench/workflows/sleep-until.ts on its own queue, in this process. */
async function startRawWorker(address: string, taskQueue: string): Promise<RunningWorker> {
  const nativeConnection = await NativeConnection.connect({ address });
  const w = await Worker.create({ connection: nativeConnection, taskQueue, workflowsPath: path.join(__dirname, 'workflows', 'sleep-until.ts') });
  const running = w.run();
  return {
    pid: process.pid,
    stop: async () => {
      if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      await nativeConnection.close();
    },
  };
}

async function count(sql: pg.Pool, query: string, params: unknown[] = []): Promise<number> {
  const { rows } = await sql.query<{ count: string }>(query, params);
  return Number(rows[0]?.count ?? 0);
}

/** Messages the sink has stored (its `<stamp>-<id>.eml` files; a message is renamed into place once written). */
const emlCount = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.eml') && !f.startsWith('.')).length;

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
  return true;
}

/**
 * Staff, the department, the executive on duty: the head (escalated to at the deadline), HANDLERS
 * members who handle feedback, an executive on a shift covering the run (the ladder's next step,
 * which comes executiveEscalationAfter later, would find them).
 */
async function seedStaff(sql: pg.Pool): Promise<void> {
  const staff = [
    { id: HEAD, name: 'Bench Head', roles: '{SUPERVISOR}' },
    { id: EXECUTIVE, name: 'Bench Executive', roles: '{SUPERVISOR}' },
    ...Array.from({ length: HANDLERS }, (_, k) => ({ id: handlerId(k), name: `Handler ${k}`, roles: '{CUSTOMER_SERVICE}' })),
  ];
  await sql.query(
    `INSERT INTO "StaffMember" (id, name, email, roles, "updatedAt")
     SELECT id, name, id || '@bank.test', roles::"StaffRole"[], now() FROM unnest($1::text[], $2::text[], $3::text[]) AS s(id, name, roles)`,
    [staff.map((s) => s.id), staff.map((s) => s.name), staff.map((s) => s.roles)],
  );
  await sql.query(`INSERT INTO "Department" (code, name, "headStaffId", "updatedAt") VALUES ($1, 'Bench department', $2, now())`, [DEPARTMENT, HEAD]);
  await sql.query(
    `INSERT INTO "DepartmentMember" ("departmentCode", "staffId", "handlesFeedback", "updatedAt")
     SELECT $1, id, handles, now() FROM unnest($2::text[], $3::boolean[]) AS m(id, handles)`,
    [DEPARTMENT, [HEAD, ...Array.from({ length: HANDLERS }, (_, k) => handlerId(k))], [false, ...Array.from({ length: HANDLERS }, () => true)]],
  );
  await sql.query(
    `INSERT INTO "ExecutiveOnDutyShift" (id, "staffId", "startsAt", "endsAt", "createdByStaffId") VALUES (gen_random_uuid(), $1, now() - interval '1 hour', now() + interval '3 days', $1)`,
    [EXECUTIVE],
  );
}

/**
 * Non-customer INDIVIDUAL cases, REGISTERED in the bench department, with their REGISTERED and ROUTED
 * events, as the registration writes them (src/feedback/register-feedback.ts insertCase): contact and
 * summary encrypted under `FeedbackCase.<field>:<caseNo>`, the e-mail blind-indexed.
 */
async function writeCases(sql: pg.Pool, policy: Policy, cases: { caseNo: string; registeredAt: Date }[], ruleId: string): Promise<void> {
  const BATCH = 2000;
  for (let from = 0; from < cases.length; from += BATCH) {
    await writeFeedbackCases(sql, ring, policy, cases.slice(from, from + BATCH), { department: DEPARTMENT, ruleId, label: 'bench' });
  }
}

/**
 * Starts the cases' workflows as the registration does (src/feedback/register-feedback.ts startCase:
 * `feedbackCase`, id `feedback-<caseNo>`, its search attributes and summary), C in flight, timed
 * until each has run its first activity (beginCase: IN_PROGRESS with a handler).
 */
async function openCases(sql: pg.Pool, temporal: Client, taskQueue: string, policy: Policy, caseNos: string[], ruleId: string): Promise<{ seconds: number; seconds95: number; latencies: number[] }> {
  const n = caseNos.length;
  const inProgress = () => count(sql, `SELECT count(*) FROM "FeedbackCase" WHERE "routingRuleId" = $1 AND status = 'IN_PROGRESS' AND "handlerStaffId" IS NOT NULL`, [ruleId]);
  const t = performance.now();
  let lastLog = t;
  const latencies = await pool(n, C, async (k) => {
    const caseNo = caseNos[k]!;
    await temporal.workflow.start(feedbackCase, {
      workflowId: feedbackWorkflowId(caseNo),
      taskQueue,
      args: [{ caseNo }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: SA.ProcessKind, value: 'FEEDBACK' },
        { key: SA.CaseNo, value: caseNo },
        { key: SA.BusinessStatus, value: 'REGISTERED' },
        { key: SA.Department, value: DEPARTMENT },
        { key: SA.PolicyVersion, value: policy.version },
      ],
      staticSummary: `Feedback case ${caseNo} (§5.2)`,
    });
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`… ${k + 1} of ${n} started`);
    }
  });
  // Until every case has begun; given up only when none has for two minutes.
  let done = 0;
  let progressAt = performance.now();
  let seconds95: number | undefined;
  for (;;) {
    const now = await inProgress();
    if (seconds95 === undefined && now >= 0.95 * n) seconds95 = (performance.now() - t) / 1000;
    if (now >= n) break;
    if (now !== done) [done, progressAt] = [now, performance.now()];
    if (performance.now() - progressAt > 120_000) throw new Error(`only ${done} of ${n} cases ran their first activity, none more for 120 s`);
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`… ${done} of ${n} cases began`);
    }
    await sleep(100);
  }
  const seconds = (performance.now() - t) / 1000;
  return { seconds, seconds95: seconds95 ?? seconds, latencies: latencies.sort((a, b) => a - b) };
}

/**
 * Event times from a workflow's history after the timer that woke it for the step: when it fired, when the
 * next workflow task started, the first activity after it (scheduled, started: the server records
 * an activity's start time in its started event), the close, and the workflow tasks that timed out after the timer. NaN where an event is missing.
 */
async function historySplit(client: Client, workflowId: string, due: number): Promise<{ due: number; armDelay: number; fired: number; taskStarted: number; activityScheduled: number; activityStarted: number; completed: number; taskTimeouts: number }> {
  const { EventType } = proto.api.enums.v1;
  const events = (await client.workflow.getHandle(workflowId).fetchHistory().catch(() => ({ events: [] }))).events ?? [];
  // The timer that woke the step: the last one fired before the first activity (or the close) after the first timer. A rung has
  // two since patch feedback-two-stage-timers (the first wakes FINAL_TIMER_LEAD_MS early to arm the exact one); a sleeper has one.
  const first = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED);
  const next = first < 0 ? -1 : events.findIndex((e, k) => k > first && (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED || e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED));
  const from = first < 0 ? -1 : events.findLastIndex((e, k) => k < (next < 0 ? events.length : next) && e.eventType === EventType.EVENT_TYPE_TIMER_FIRED);
  const after = from < 0 ? [] : events.slice(from);
  // The timer counts its duration from when the task that armed it completed, not from that task's start (the workflow's clock).
  const startedId = Number(events[from]?.timerFiredEventAttributes?.startedEventId ?? NaN);
  const armedAt = events.findIndex((e) => Number(e.eventId) === startedId);
  const armingTask = events.slice(0, Math.max(armedAt, 0)).findLast((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  const armDelay = armedAt < 0 || !armingTask ? NaN : tsToMs(events[armedAt]!.eventTime) - tsToMs(armingTask.eventTime);
  const at = (type: proto.api.enums.v1.EventType) => {
    const e = after.find((x) => x.eventType === type);
    return e ? tsToMs(e.eventTime) : NaN;
  };
  return {
    due,
    armDelay,
    fired: at(EventType.EVENT_TYPE_TIMER_FIRED),
    taskStarted: at(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED),
    activityScheduled: at(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    activityStarted: at(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED),
    completed: at(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED),
    // A task the worker did not complete in time (its sticky queue's schedule-to-start, or the task's start-to-close) is scheduled again.
    taskTimeouts: after.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT).length,
  };
}

/** Resolves once the sleeper's first workflow task has armed its timer (TimerStarted in its history). */
async function timerArmed(client: Client, workflowId: string): Promise<void> {
  const ok = await until(async () => ((await client.workflow.getHandle(workflowId).describe()).historyLength ?? 0) >= 5, 60_000);
  if (!ok) log(`${workflowId}: its timer was not armed within 60 s`);
}

/**
 * From the first deadline until every escalation email has been received (sink messages beyond
 * `baseline`: nothing else is sent in the window) and every sleeper has completed; polled every
 * second. Stops waiting after 60 s without progress once the last deadline has passed.
 */
async function watchWindow(client: Client, mailDir: string, rawQueue: string, baseline: number, windowAt: number): Promise<{ emailsDoneAt?: number; rawDoneAt?: number; stalled: boolean }> {
  const STALL_MS = 60_000;
  let emailsDoneAt: number | undefined;
  let rawDoneAt: number | undefined;
  let last = { emails: -1, raw: -1 };
  let progressAt = Date.now();
  let lastLog = Date.now();
  for (;;) {
    const emails = emlCount(mailDir) - baseline;
    const raw = rawDoneAt === undefined ? (await client.workflow.count(`TaskQueue = "${rawQueue}" AND ExecutionStatus = "Completed"`)).count : M;
    const now = Date.now();
    if (emailsDoneAt === undefined && emails >= N) emailsDoneAt = now;
    if (rawDoneAt === undefined && raw >= M) rawDoneAt = now;
    if (emailsDoneAt !== undefined && rawDoneAt !== undefined) return { emailsDoneAt, rawDoneAt, stalled: false };
    if (emails !== last.emails || raw !== last.raw) [last, progressAt] = [{ emails, raw }, now];
    if (now > windowAt + SPREAD_MS && now - progressAt > STALL_MS) {
      log(`no progress for ${STALL_MS / 1000} s: ${emails} of ${N} escalations, ${raw} of ${M} sleepers`);
      return { ...(emailsDoneAt !== undefined ? { emailsDoneAt } : {}), ...(rawDoneAt !== undefined ? { rawDoneAt } : {}), stalled: true };
    }
    if (now - lastLog > 15_000) {
      lastLog = now;
      log(`… ${fmt((now - windowAt) / 1000, 0)} s into the window: ${emails} of ${N} escalations received, ${raw} of ${M} sleepers completed`);
    }
    await sleep(1000);
  }
}

/** CPU seconds so far; `worker` is the sum over the cases' worker processes (--workers). */
function cpuSample(workerPids: number[], temporalPid: number, riskWorkerPid?: number): CpuSample {
  const usage = process.cpuUsage();
  return {
    worker: workerPids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0),
    ...(riskWorkerPid !== undefined ? { riskWorker: cpuSecondsOf(riskWorkerPid) } : {}),
    temporal: cpuSecondsOf(temporalPid),
    postgres: cpuSecondsOfAll('postgres'),
    bench: (usage.user + usage.system) / 1e6,
    machine: machineCpu(),
    at: performance.now(),
  };
}

function cpuLine(label: string, a: CpuSample, b: CpuSample): string {
  const seconds = (b.at - a.at) / 1000;
  const share = (x: number) => `${fmt(x, 0)} s (${fmt((x / Math.max(seconds, 1e-9)) * 100, 0)} % of a core)`;
  const busy = (b.machine.busy - a.machine.busy) / Math.max(b.machine.total - a.machine.total, 1);
  return `  ${label.padEnd(28)} ${fmt(seconds, 0)} s wall: worker ${share(b.worker - a.worker)}, ${b.riskWorker !== undefined ? `risk worker ${share(b.riskWorker - (a.riskWorker ?? 0))}, ` : ''}Temporal ${share(b.temporal - a.temporal)}, PostgreSQL ${share(b.postgres - a.postgres)}, bench ${share(b.bench - a.bench)}; machine ${fmt(busy * 100, 0)} % busy`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
