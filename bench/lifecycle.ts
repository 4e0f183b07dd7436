/**
 * npm run bench:lifecycle [-- --customers 100000 --burst 10000 --concurrency 32 --raw 2000 --managers 200 --cache 250 --digest-delay PT1M --idle-seconds 60 --workers 1 --temporal-db-file]
 *
 * The customer lifecycle (`customer-<id>`, workflows/lifecycle/) at scale, on a Temporal dev server
 * with the production worker (`src/worker/main.ts`) in its own process, next to the raw rate of
 * starting empty workflows on the same server in the same run (before and after, as
 * bench:onboarding measures it):
 *
 * 1. start rate: N APPROVED customers are written straight into a scratch database (bulk SQL:
 *    customer and individual or enterprise profile, date of birth encrypted with the development key
 *    ring as createCustomer does, a relationship manager each from a pool, a few supervisors); each
 *    lifecycle is started with `startLifecycle` (bounded concurrency) and the clock stops when every
 *    one has run its first activity (a CustomerLifecycle row for each) → lifecycles/s.
 * 2. idle memory: the worker's RSS (/proc/<pid>/status) once all N sleep on their timers, with the
 *    sticky cache set deliberately (WORKER_MAX_CACHED_WORKFLOWS).
 * 3. a due burst: M of the customers have a backfilled last review, so that their next review falls
 *    due in the same minute a few minutes ahead (the worker's bench policy sets
 *    `lifecycle.reviewDueLocalTime` to that bank-local minute and a short `digestDelay`); timed from
 *    the due instant until every review task exists and every reminder has gone out in a sent digest
 *    (one per relationship manager), received by an SMTP sink → reviews/s.
 *
 * The due minute can only be chosen once the start rate is known (the burst must come after the
 * starts have settled), and a worker reads its policy at start-up: so the N − M other customers are
 * started first, under a first worker; it is then replaced by one whose policy has the due minute,
 * and the M burst customers are started under it. The start rate counts both parts (N in the sum of
 * their times, the restart excluded); the memory is read from both workers.
 *
 * Everything it starts (dev server, scratch database, worker, SMTP sink) it stops and removes.
 */
import { randomUUID } from 'node:crypto';
import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { contactPreferencesSchema } from '../src/domain/contact';
import { calendarDateIn, zonedDateTimeToInstant } from '../src/domain/business-calendar';
import { addMonthsClamped, nextReviewDue } from '../src/domain/lifecycle-schedule';
import { aad } from '../src/customers/encrypted-fields';
import { loadConfig } from '../src/config/env';
import { startLifecycle } from '../src/lifecycle/start-lifecycle';
import { bankTimeZone, DEFAULT_POLICY, parsePolicy, type Policy } from '../src/policy/policy';
import { parseDurationMs } from '../src/policy/duration';
import { encryptField } from '../src/security/crypto';
import { developmentKeyRing } from '../src/security/keyring';
import { startDevServer } from '../src/temporal/dev-server';
import { dataConverter } from '../src/temporal/codec';
import { startSmtpSink } from '../src/embedded/smtp-sink';
import {
  cpuSecondsOf,
  cpuSecondsOfAll,
  createScratchDatabase,
  DEFAULT_ADMIN_URL,
  machineCpu,
  memoryOf,
  pct,
  pool,
  rawStartRate,
  sleep,
  spawnEntry,
  waitForPoller,
  waitUntilIdle,
} from './support';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    burst: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
    raw: { type: 'string', default: '2000' },
    /** Relationship managers the customers are spread over (one digest each in the burst). */
    managers: { type: 'string', default: '200' },
    supervisors: { type: 'string', default: '5' },
    /** Every k-th customer is an enterprise (MEDIUM, reviewed quarterly); the rest are VIP individuals (half-yearly). */
    'enterprise-every': { type: 'string', default: '10' },
    /** The worker's WORKER_MAX_CACHED_WORKFLOWS; default: the variable's own default (src/config/env.ts). */
    cache: { type: 'string' },
    /** How long the worker sits idle (all lifecycles on their timers) before its memory is read: V8 returns freed memory after a while. */
    'idle-seconds': { type: 'string', default: '60' },
    /** The bench policy's lifecycle.digestDelay: the digest waits this long after the due minute. */
    'digest-delay': { type: 'string', default: 'PT1M' },
    /** Worker processes on the task queue (issue 13, the scaling note); the memory figure is the first one's. */
    workers: { type: 'string', default: '1' },
    /**
     * The dev server keeps its SQLite database in a file in the scratch directory instead of in memory.
     * In memory it held 21.8 GiB with 96,000 lifecycles started (2026-12-04: the 24 GiB machine ran out
     * of memory before the starts ended), so a 100,000 run needs this; the rates are then not
     * comparable with in-memory runs.
     */
    'temporal-db-file': { type: 'boolean', default: false },
    'admin-url': { type: 'string', default: DEFAULT_ADMIN_URL },
  },
});
const N = Number(values.customers);
const M = Number(values.burst);
const C = Number(values.concurrency);
const RAW = Number(values.raw);
const MANAGERS = Number(values.managers);
const SUPERVISORS = Number(values.supervisors);
const ENTERPRISE_EVERY = Number(values['enterprise-every']);
const DIGEST_DELAY = values['digest-delay'];
const IDLE_MS = Number(values['idle-seconds']) * 1000;
const WORKERS = Number(values.workers);
const DIGEST_DELAY_MS = parseDurationMs(DIGEST_DELAY) ?? 0;
const CACHE = loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: values.cache }).WORKER_MAX_CACHED_WORKFLOWS;
for (const [name, v, min] of [['--customers', N, 1], ['--burst', M, 0], ['--concurrency', C, 1], ['--raw', RAW, 1], ['--managers', MANAGERS, 1], ['--supervisors', SUPERVISORS, 1], ['--enterprise-every', ENTERPRISE_EVERY, 1], ['--workers', WORKERS, 1]] as const) {
  if (!Number.isSafeInteger(v) || v < min) throw new Error(`${name} must be a whole number ≥ ${min}, got ${v}`);
}
if (M > N) throw new Error(`--burst (${M}) may not exceed --customers (${N})`);
if (!parseDurationMs(DIGEST_DELAY)) throw new Error(`--digest-delay must be an ISO-8601 duration such as PT1M, got ${DIGEST_DELAY}`);

const ring = developmentKeyRing();
const customerId = (i: number) => `cus_lc${String(i).padStart(8, '0')}`;
const managerId = (k: number) => `rm-${String(k).padStart(4, '0')}`;
const isEnterprise = (i: number) => i % ENTERPRISE_EVERY === ENTERPRISE_EVERY - 1;
/** Customers 0…M−1 are the burst's; M…N−1 are started first. */
const typeOf = (i: number): 'INDIVIDUAL' | 'ENTERPRISE' => (isEnterprise(i) ? 'ENTERPRISE' : 'INDIVIDUAL');
const DAY_MS = 86_400_000;
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const log = (line: string) => process.stderr.write(`[bench:lifecycle ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** CPU seconds of the processes involved (to tell which one a phase kept busy). */
interface CpuSample {
  worker: number;
  temporal: number;
  postgres: number;
  bench: number;
  machine: ReturnType<typeof machineCpu>;
  at: number;
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'ccm-bench-lifecycle-'));
  log(`scratch database, dev server${values['temporal-db-file'] ? ' (SQLite in a file)' : ''}, SMTP sink; ${N} customers, burst ${M}, sticky cache ${CACHE}`);
  const database = await createScratchDatabase('ccm_bench_lc', values['admin-url']);
  const server = await startDevServer({ uiPort: false, ...(values['temporal-db-file'] ? { dbFilename: path.join(scratch, 'temporal', 'dev.db') } : {}) }).catch(async (err: unknown) => {
    await database.drop();
    throw err;
  });
  const sink = await startSmtpSink({ dir: path.join(scratch, 'mail'), port: 0 });
  const sql = new pg.Pool({ connectionString: database.url, max: 4 });
  const temporal = new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: dataConverter(ring) });
  let worker: RunningWorker | undefined;
  // Ctrl-C or SIGTERM: stop waiting and clean up what was started (the finally below), then exit.
  const interrupted = new Promise<never>((_, reject) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => reject(new Error(`${signal}: stopped; cleaning up`)));
  });
  try {
    await Promise.race([interrupted, (async () => {
      const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
      const policyVersion = (phase: number) => `${DEFAULT_POLICY.version.split('-')[0]}-${900 + phase}`;
      const benchPolicy = (phase: number, reviewDueLocalTime: string): Policy =>
        parsePolicy({ ...DEFAULT_POLICY, version: policyVersion(phase), lifecycle: { ...DEFAULT_POLICY.lifecycle, reviewDueLocalTime, digestDelay: DIGEST_DELAY } });
      const tz = bankTimeZone(DEFAULT_POLICY);
      const workerEnv = (policyFile: string) => ({
        TEMPORAL_ADDRESS: server.address,
        DATABASE_URL: database.url,
        SMTP_URL: sink.url,
        TASK_QUEUE: taskQueue,
        MAIL_FROM: 'bench@bank.test',
        LOG_LEVEL: 'warn',
        POLICY_FILE: policyFile,
        WORKER_MAX_CACHED_WORKFLOWS: String(CACHE),
      });

      // The first worker: the bench policy with the default due time (the first N − M customers' reviews are months away).
      const policy1 = benchPolicy(1, DEFAULT_POLICY.lifecycle.reviewDueLocalTime);
      const policyFile1 = path.join(scratch, 'policy-1.json');
      writeFileSync(policyFile1, JSON.stringify(policy1));
      worker = await startWorker(temporal, taskQueue, workerEnv(policyFile1));

      const baseline = memoryOf(worker.pid);
      const cpuRaw0 = cpuSample(worker.pids, server.pid);
      const rawBefore = await rawStartRate(temporal, { count: RAW, concurrency: C, label: 'before' });
      const cpuRaw1 = cpuSample(worker.pids, server.pid);
      log(`raw before: ${fmt(rawBefore)} starts/s; worker polling, no workflow yet: RSS ${fmt(baseline.rssMiB, 0)} MiB`);

      const seeded = performance.now();
      await seed(sql, policy1);
      log(`${N} APPROVED customers written in ${fmt((performance.now() - seeded) / 1000)} s`);

      // ── 1a. The N − M customers without a due review: started under the first worker. ──
      const cpu0 = cpuSample(worker.pids, server.pid);
      const workerRss = () => ` · worker RSS ${fmt(memoryOf(worker!.pid).rssMiB, 0)} MiB`;
      const first = await startLifecycles(sql, temporal, taskQueue, M, N, () => undefined, workerRss);
      const cpu1 = cpuSample(worker.pids, server.pid);
      log(`${N - M} lifecycles in ${fmt(first.seconds)} s (${fmt((N - M) / Math.max(first.seconds, 1e-9))}/s)`);
      const memory1 = await idleMemory(worker.pid);
      log(`worker 1 idle with ${N - M} lifecycles: RSS ${fmt(memory1.rssMiB, 0)} MiB (peak ${fmt(memory1.peakMiB, 0)} MiB)`);

      const rate1 = N - M > 0 ? (N - M) / first.seconds : rawBefore * 0.3;
      let burst: Burst | undefined;
      let second = { seconds: 0, latencies: [] as number[] };
      let memory2 = memory1;
      let cpu2 = cpu1;
      let cpu3 = cpu1;
      if (M > 0) {
        // ── The due minute: after the burst customers' starts (estimated from the rate just measured) have settled. ──
        const leadMs = 30_000 + (M / rate1) * 1.5 * 1000 + 15_000 + IDLE_MS + 60_000; // restart, starts, settling, the idle wait, a margin
        const due = dueMinute(new Date(Date.now() + leadMs), tz);
        const policy2 = benchPolicy(2, due.localTime);
        const lastReviewAt = {
          INDIVIDUAL: backfilledLastReview(due.date, policy2.review.individualEveryMonths, tz),
          ENTERPRISE: backfilledLastReview(due.date, policy2.review.enterpriseEveryMonths, tz),
        };
        for (const type of ['INDIVIDUAL', 'ENTERPRISE'] as const) {
          const next = nextReviewDue(new Date(lastReviewAt[type]), type, policy2);
          if (next.getTime() !== due.at.getTime()) throw new Error(`a last review on ${lastReviewAt[type]} gives ${next.toISOString()}, not ${due.at.toISOString()}`);
        }
        log(`burst due at ${due.at.toISOString()} (${due.date} ${due.localTime} ${tz}); last reviews ${lastReviewAt.INDIVIDUAL} (individuals), ${lastReviewAt.ENTERPRISE} (enterprises)`);

        // The worker that runs the burst: the bench policy with the due minute.
        const policyFile2 = path.join(scratch, 'policy-2.json');
        writeFileSync(policyFile2, JSON.stringify(policy2));
        await worker.stop();
        worker = await startWorker(temporal, taskQueue, workerEnv(policyFile2));

        // ── 1b. The M burst customers, with their backfilled last review. ──
        cpu2 = cpuSample(worker.pids, server.pid);
        second = await startLifecycles(sql, temporal, taskQueue, 0, M, (i) => lastReviewAt[typeOf(i)], workerRss);
        cpu3 = cpuSample(worker.pids, server.pid);
        log(`${M} burst lifecycles in ${fmt(second.seconds)} s`);

        // ── 2. Idle: every lifecycle sleeps on its timer. ──
        memory2 = await idleMemory(worker.pid);
        log(`worker 2 idle with ${N} lifecycles: RSS ${fmt(memory2.rssMiB, 0)} MiB (peak ${fmt(memory2.peakMiB, 0)} MiB)`);

        const scheduled = await count(sql, `SELECT count(*) FROM "CustomerLifecycle" WHERE "nextReviewAt" = $1`, [due.at]);
        if (scheduled !== M) throw new Error(`${scheduled} of the ${M} burst lifecycles have their review due at ${due.at.toISOString()}`);
        const early = await count(sql, `SELECT count(*) FROM "Task" WHERE kind = 'PERIODIC_REVIEW'`);
        const toGo = due.at.getTime() - Date.now();
        if (toGo < 5000 || early > 0) throw new Error(`the burst customers were not all settled before the due minute (${early} reviews open, ${fmt(toGo / 1000)} s to go): the estimate was too short`);

        // ── 3. The due burst. ──
        log(`waiting ${fmt(toGo / 1000, 0)} s for the due minute`);
        await sleep(due.at.getTime() - Date.now());
        const cpu4 = cpuSample(worker.pids, server.pid);
        const measured = await measureBurst(sql, due.at);
        const cpu5 = cpuSample(worker.pids, server.pid);
        burst = { ...measured, cpu: [cpu4, cpu5], work: await temporalWork(temporal, sql), received: (await sink.list()).length };
      }
      const startSeconds = first.seconds + second.seconds;
      const startRate = N / startSeconds;
      const latencies = [...first.latencies, ...second.latencies].sort((a, b) => a - b);
      const other = await count(sql, `SELECT count(*) FROM "Task" WHERE kind <> 'PERIODIC_REVIEW'`);
      const contacts = await count(sql, `SELECT count(*) FROM "ContactEvent"`);

      const cpuRaw2 = cpuSample(worker.pids, server.pid);
      const rawAfter = await rawStartRate(temporal, { count: RAW, concurrency: C, label: 'after' });
      const cpuRaw3 = cpuSample(worker.pids, server.pid);
      const rawRate = (rawBefore + rawAfter) / 2;
      const rawCell = `${fmt(rawRate)} (${fmt(rawBefore)} / ${fmt(rawAfter)})`;
      const rss = M > 0 ? memory2 : memory1;
      const peak = Math.max(memory1.rssMiB, memory2.rssMiB);

      console.log('');
      console.log(`bench:lifecycle — ${N} customers (${N - Math.floor(N / ENTERPRISE_EVERY)} individuals, ${Math.floor(N / ENTERPRISE_EVERY)} enterprises), burst ${M}, ${MANAGERS} managers, concurrency ${C}, sticky cache ${CACHE}, digest delay ${DIGEST_DELAY}, ${WORKERS} worker process${WORKERS > 1 ? 'es' : ''}`);
      console.log('');
      console.log('| figure | measured | raw starts/s: mean (before / after) | ratio | target |');
      console.log('|---|---|---|---|---|');
      console.log(`| lifecycle starts | ${fmt(startRate)} lifecycles/s (${N} to their first activity in ${fmt(startSeconds)} s; start call p50 ${fmt(pct(latencies, 50), 0)} ms, p99 ${fmt(pct(latencies, 99), 0)} ms) | ${rawCell} | ${fmt((startRate / rawRate) * 100, 0)} % | – |`);
      console.log(
        `| worker RSS, all ${N} idle | ${fmt(rss.rssMiB, 0)} MiB (sticky cache ${CACHE}; at start ${fmt(baseline.rssMiB, 0)} MiB${M > 0 ? `; worker 1 with ${N - M} idle ${fmt(memory1.rssMiB, 0)} MiB, peak ${fmt(memory1.peakMiB, 0)} MiB` : `, peak ${fmt(memory1.peakMiB, 0)} MiB`}) | – | – | ≤ 500 MB: ${peak <= 500 ? 'met' : 'missed'} |`,
      );
      if (burst) {
        const burstRate = M / Math.max(burst.doneSeconds, 1e-9);
        console.log(
          `| due burst | ${fmt(burstRate)} reviews/s (${M} due → all tasks after ${fmt(burst.tasksSeconds)} s, every reminder in a sent digest after ${fmt(burst.doneSeconds)} s; ${burst.digests} digests to ${burst.managers} managers, ${burst.received} emails received${burst.stranded ? `; ${burst.stranded} reminder(s) stranded in no digest` : ''}) | ${rawCell} | ${fmt((burstRate / rawRate) * 100, 0)} % | ≥ 50 %: ${burstRate / rawRate >= 0.5 ? 'met' : 'missed'} |`,
        );
        console.log('');
        console.log(`the digest delay (${DIGEST_DELAY}) is a floor under the burst time: net of it ${fmt(M / Math.max(burst.doneSeconds - DIGEST_DELAY_MS / 1000, 1e-9))} reviews/s; tasks alone ${fmt(M / Math.max(burst.tasksSeconds, 1e-9))} reviews/s`);
        console.log(`Temporal work per review (sampled): ${burst.work}`);
      }
      console.log(`other work during the run: ${other} meeting/contact tasks, ${contacts} contact events`);
      console.log('');
      console.log('CPU seconds per phase (share of one core; the machine has 2):');
      console.log(cpuLine(`raw starts (${RAW}, before)`, cpuRaw0, cpuRaw1));
      console.log(cpuLine(`starts (${N - M}, worker 1)`, cpu0, cpu1));
      if (burst) {
        console.log(cpuLine(`starts (${M}, worker 2)`, cpu2, cpu3));
        console.log(cpuLine(`due burst (${M})`, burst.cpu[0], burst.cpu[1]));
      }
      console.log(cpuLine(`raw starts (${RAW}, after)`, cpuRaw2, cpuRaw3));

      await worker.stop();
      worker = undefined;
    })()]);
  } finally {
    await worker?.stop();
    await temporal.connection.close();
    await sql.end();
    await sink.stop();
    await server.stop();
    await database.drop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

interface Burst {
  tasksSeconds: number;
  doneSeconds: number;
  managers: number;
  digests: number;
  /** Reminders DUE that no digest listed (a digest run was sending when they joined it). */
  stranded: number;
  received: number;
  cpu: [CpuSample, CpuSample];
  /** What Temporal did per review, from sampled histories. */
  work: string;
}

interface RunningWorker {
  /** The first process's pid (its memory is the figure). */
  pid: number;
  /** Every process's pid (--workers): CPU is their sum. */
  pids: number[];
  stop(): Promise<void>;
}

/** `--workers` processes of the production worker on `taskQueue`; resolves once every one polls it. */
async function startWorker(temporal: Client, taskQueue: string, env: NodeJS.ProcessEnv): Promise<RunningWorker> {
  const started: RunningWorker[] = [];
  for (let i = 0; i < WORKERS; i++) started.push(await startWorkerProcess(temporal, taskQueue, env));
  return {
    pid: started[0]!.pid,
    pids: started.map((w) => w.pid),
    stop: async () => {
      await Promise.all(started.map((w) => w.stop()));
    },
  };
}

/** The production worker in its own process; resolves once it polls `taskQueue` (its workflows bundled). */
async function startWorkerProcess(temporal: Client, taskQueue: string, env: NodeJS.ProcessEnv): Promise<RunningWorker> {
  const child: ChildProcess = spawnEntry('src/worker/main.ts', env);
  child.stdout?.resume();
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPoller(temporal, taskQueue, child.pid ?? -1, { alive: () => child.exitCode === null });
  return {
    pid: child.pid ?? -1,
    pids: [child.pid ?? -1],
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The worker's memory once its lifecycles have settled on their timers: it has been idle (under 5 %
 * of a core for 5 s), then `--idle-seconds` more, so that V8 has returned what it freed.
 */
async function idleMemory(pid: number): Promise<{ rssMiB: number; peakMiB: number }> {
  if (!(await waitUntilIdle(pid))) log('the worker did not settle within 120 s; reading its memory anyway');
  // Sampled along the way (logged), so that memory V8 or malloc has yet to return shows as a trend.
  const samples: number[] = [];
  for (let waited = 0; waited < IDLE_MS; waited += 15_000) {
    samples.push(memoryOf(pid).rssMiB);
    await sleep(Math.min(15_000, IDLE_MS - waited));
  }
  const memory = memoryOf(pid);
  log(`idle RSS every 15 s: ${[...samples, memory.rssMiB].map((m) => fmt(m, 0)).join(' → ')} MiB`);
  return memory;
}

async function count(sql: pg.Pool, query: string, params: unknown[] = []): Promise<number> {
  const { rows } = await sql.query<{ count: string }>(query, params);
  return Number(rows[0]?.count ?? 0);
}

/**
 * Staff (one creator, the relationship managers, the supervisors) and N APPROVED customers with their
 * profile, in bulk. Individuals are VIP (a dedicated manager, §4.1), enterprises MEDIUM (§4.2); each has
 * a manager from the pool. The others' approval lies 1–150 days back (enterprises 1–60), so their
 * first review is one to six months ahead; birthdays are half a year away, so no greeting falls in the run.
 */
async function seed(sql: pg.Pool, policy: Policy): Promise<void> {
  const staff = [
    { id: 'bench-maker', name: 'Bench Maker', roles: '{CUSTOMER_SERVICE}' },
    ...Array.from({ length: MANAGERS }, (_, k) => ({ id: managerId(k), name: `Manager ${k}`, roles: '{RELATIONSHIP_MANAGER}' })),
    ...Array.from({ length: SUPERVISORS }, (_, k) => ({ id: `sup-${k}`, name: `Supervisor ${k}`, roles: '{SUPERVISOR}' })),
  ];
  await sql.query(
    `INSERT INTO "StaffMember" (id, name, email, roles, "updatedAt")
     SELECT id, name, id || '@bank.test', roles::"StaffRole"[], now() FROM unnest($1::text[], $2::text[], $3::text[]) AS s(id, name, roles)`,
    [staff.map((s) => s.id), staff.map((s) => s.name), staff.map((s) => s.roles)],
  );
  const tz = bankTimeZone(policy);
  const now = Date.now();
  const birthMonth = ((Number(calendarDateIn(new Date(now), tz).slice(5, 7)) + 5) % 12) + 1; // six months from now
  const prefs = JSON.stringify(contactPreferencesSchema.parse({}));
  const BATCH = 5000;
  for (let from = 0; from < N; from += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, N - from) }, (_, k) => from + k);
    const ids = rows.map(customerId);
    const enterprise = rows.map(isEnterprise);
    const createdAt = rows.map((i) => new Date(now - (1 + (i % (isEnterprise(i) ? 60 : 150))) * DAY_MS).toISOString());
    await sql.query(
      `INSERT INTO "Customer" (id, type, status, "displayName", email, "contactPreferences", channel, "createdByStaffId", segment, "ageGroup", "enterpriseSize",
                               "serviceTier", "classificationPolicyVersion", "classifiedAt", "relationshipManagerId", "createdAt", "updatedAt")
       SELECT id, type::"CustomerType", 'APPROVED', name, email, $5::jsonb, 'IMPORT', 'bench-maker', segment, CASE WHEN type = 'INDIVIDUAL' THEN 'MIDDLE_AGED' END,
              CASE WHEN type = 'ENTERPRISE' THEN segment END, segment, $6, created, manager, created, created
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $7::text[]) AS c(id, type, name, created, manager)
         CROSS JOIN LATERAL (SELECT CASE WHEN type = 'ENTERPRISE' THEN 'MEDIUM' ELSE 'VIP' END AS segment,
                                    lower(replace(id, '_', '-')) || '@bench.test' AS email) d`,
      [ids, enterprise.map((e) => (e ? 'ENTERPRISE' : 'INDIVIDUAL')), rows.map((i) => `Bench Customer ${i}`), createdAt, prefs, policy.version, rows.map((i) => managerId(i % MANAGERS))],
    );
    const individuals = rows.filter((i) => !isEnterprise(i));
    await sql.query(
      `INSERT INTO "IndividualProfile" ("customerId", "firstName", "lastName", "dateOfBirthCiphertext", "totalAssetsUsd", "updatedAt")
       SELECT id, 'Bench', 'Customer', dob, 250000, now() FROM unnest($1::text[], $2::text[]) AS p(id, dob)`,
      [
        individuals.map(customerId),
        individuals.map((i) => {
          const dob = `${1950 + (i % 50)}-${String(birthMonth).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
          return encryptField(ring, dob, aad.dateOfBirth(customerId(i)));
        }),
      ],
    );
    const enterprises = rows.filter(isEnterprise);
    await sql.query(
      `INSERT INTO "EnterpriseProfile" ("customerId", "legalName", "registrationState", employees, "annualRevenueUsd", "totalAssetsUsd", "naicsCode", "updatedAt")
       SELECT id, 'Bench Enterprise ' || id, 'DE', 250, 50000000, 40000000, '541511', now() FROM unnest($1::text[]) AS p(id)`,
      [enterprises.map(customerId)],
    );
  }
}

/**
 * startLifecycle for customers [from, to) with C in flight, timed until each has run its first
 * activity (its CustomerLifecycle row exists). Returns the seconds and each start call's latency.
 */
/** `progress`: appended to each progress line (the worker's RSS while the starts run: how memory grows with the number of lifecycles). */
async function startLifecycles(
  sql: pg.Pool,
  temporal: Client,
  taskQueue: string,
  from: number,
  to: number,
  lastReviewAt: (i: number) => string | undefined,
  progress: () => string = () => '',
): Promise<{ seconds: number; latencies: number[] }> {
  const n = to - from;
  if (n === 0) return { seconds: 0, latencies: [] };
  const before = await count(sql, `SELECT count(*) FROM "CustomerLifecycle"`);
  const t = performance.now();
  let lastLog = t;
  const latencies = await pool(n, C, async (k) => {
    const i = from + k;
    const at = lastReviewAt(i);
    const outcome = await startLifecycle(temporal, { customerId: customerId(i), customerType: typeOf(i), taskQueue, ...(at ? { lastReviewAt: at } : {}) });
    if (outcome !== 'STARTED') throw new Error(`lifecycle of ${customerId(i)}: ${outcome}`);
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`… ${k + 1} of ${n} started${progress()}`);
    }
  });
  // Until every row exists; given up only when none has appeared for two minutes.
  let done = 0;
  let progressAt = performance.now();
  for (;;) {
    const now = (await count(sql, `SELECT count(*) FROM "CustomerLifecycle"`)) - before;
    if (now >= n) break;
    if (now !== done) [done, progressAt] = [now, performance.now()];
    if (performance.now() - progressAt > 120_000) throw new Error(`only ${done} of ${n} lifecycles ran their first activity, none more for 120 s`);
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`… ${done} of ${n} ran their first activity${progress()}`);
    }
    await sleep(100);
  }
  return { seconds: (performance.now() - t) / 1000, latencies };
}

/** The local minute (bank time zone) at or after `after`, rounded up to a whole minute. */
function dueMinute(after: Date, tz: string): { at: Date; date: string; localTime: string } {
  const rounded = new Date(Math.ceil(after.getTime() / 60_000) * 60_000);
  const date = calendarDateIn(rounded, tz);
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(rounded);
  const localTime = `${parts.find((p) => p.type === 'hour')?.value}:${parts.find((p) => p.type === 'minute')?.value}`;
  return { at: zonedDateTimeToInstant(date, localTime, tz), date, localTime };
}

/**
 * A last review (ISO instant, noon bank time) whose next review falls due on `dueDate`: its local
 * date plus `months` (addMonthsClamped, as nextReviewDue counts) is `dueDate`. The latest such date;
 * none exists for a due date a shorter month cannot reach (e.g. the 30th after February).
 */
function backfilledLastReview(dueDate: string, months: number, tz: string): string {
  const dueMs = Date.parse(`${dueDate}T00:00:00Z`);
  for (let back = months * 28 - 7; back <= months * 31 + 7; back += 1) {
    const candidate = new Date(dueMs - back * DAY_MS).toISOString().slice(0, 10);
    if (addMonthsClamped(candidate, months) === dueDate) return zonedDateTimeToInstant(candidate, '12:00', tz).toISOString();
  }
  throw new Error(`no last-review date is ${months} months before ${dueDate} (month-end clamp); run the bench on another day`);
}

/**
 * From the due instant until every burst review's task exists and every reminder has been listed in
 * a digest whose email was sent (Notification SENT), polled every 250 ms. A reminder that is DUE but
 * still unlisted a minute after the last digest went out, with every other reminder delivered, is
 * reported as stranded (and the clock stops at the last delivery) instead of being waited for.
 */
async function measureBurst(sql: pg.Pool, dueAt: Date): Promise<Pick<Burst, 'tasksSeconds' | 'doneSeconds' | 'managers' | 'digests' | 'stranded'>> {
  const since = (now: number) => (now - dueAt.getTime()) / 1000;
  const deadline = Date.now() + Math.max(900_000, M * 100);
  const STALL_MS = 60_000;
  let tasksSeconds: number | undefined;
  let lastLog = Date.now();
  let digested = 0;
  let lastProgress = Date.now();
  let stranded = 0;
  for (;;) {
    const tasks = await count(sql, `SELECT count(*) FROM "Task" WHERE kind = 'PERIODIC_REVIEW'`);
    if (tasksSeconds === undefined && tasks >= M) tasksSeconds = since(Date.now());
    const now = await count(
      sql,
      `SELECT count(*) FROM "Reminder" r JOIN "Notification" n ON n."idempotencyKey" = r."digestKey" AND n.status = 'SENT' WHERE r.key LIKE 'review-%'`,
    );
    if (now !== digested) [digested, lastProgress] = [now, Date.now()];
    if (tasks >= M && digested >= M) break;
    // Stranded: some digests went out, none for a minute, every reminder is DUE, and their digests are due long since.
    if (tasks >= M && digested > 0 && Date.now() - lastProgress > STALL_MS && Date.now() > dueAt.getTime() + DIGEST_DELAY_MS + STALL_MS) {
      const due = await count(sql, `SELECT count(*) FROM "Reminder" WHERE key LIKE 'review-%' AND status = 'DUE'`);
      const unlisted = await count(sql, `SELECT count(*) FROM "Reminder" WHERE key LIKE 'review-%' AND status = 'DUE' AND "digestKey" IS NULL`);
      if (due >= M && unlisted > 0 && digested + unlisted >= M) {
        stranded = unlisted;
        log(`${unlisted} reminder(s) DUE but in no digest ${fmt(STALL_MS / 1000, 0)} s after the last digest went out: stranded`);
        break;
      }
    }
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      log(`… ${fmt(since(Date.now()), 0)} s after the due minute: ${tasks} review tasks, ${digested} reminders in sent digests`);
    }
    if (Date.now() > deadline) throw new Error(`${fmt(since(Date.now()), 0)} s after the due minute: ${tasks} of ${M} review tasks, ${digested} reminders in sent digests`);
    await sleep(250);
  }
  const doneSeconds = since(stranded ? lastProgress : Date.now());
  const managers = await count(sql, `SELECT count(DISTINCT "staffId") FROM "Reminder" WHERE key LIKE 'review-%'`);
  const digests = await count(sql, `SELECT count(*) FROM "Notification" WHERE kind = 'REMINDER_DIGEST' AND status = 'SENT'`);
  return { tasksSeconds: tasksSeconds ?? doneSeconds, doneSeconds, managers, digests, stranded };
}

/**
 * What one review cost Temporal, from the histories of a sample of burst customers: the lifecycle's
 * events since its review timer fired, its reminder's whole history so far, and the digest runs.
 */
async function temporalWork(temporal: Client, sql: pg.Pool): Promise<string> {
  const SAMPLE = Math.min(20, M);
  const { EventType } = proto.api.enums.v1;
  const tally = async (workflowId: string, afterTimer: boolean) => {
    const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
    let events = history.events ?? [];
    if (afterTimer) events = events.slice(events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED));
    const n = (t: proto.api.enums.v1.EventType) => events.filter((e) => e.eventType === t).length;
    return {
      events: events.length,
      wft: n(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
      activities: n(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
      timers: n(EventType.EVENT_TYPE_TIMER_STARTED),
      children: n(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED),
      childFailed: n(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED),
      upserts: n(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
      timedOut: n(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT),
    };
  };
  const sum = { lifecycle: [0, 0, 0, 0, 0, 0] };
  let sampled = 0;
  const missing: string[] = [];
  for (let i = 0; sampled < SAMPLE && i < M; i++) {
    // The lifecycle drives the review's reminder ladder itself (no reminder workflow per review).
    const l = await tally(`customer-${customerId(i)}`, true).catch((err: Error) => {
      missing.push(`${customerId(i)} (${err.message.split('\n')[0]})`);
      return undefined;
    });
    if (!l) continue;
    sampled += 1;
    [l.events, l.wft, l.activities, l.timers, l.upserts, l.timedOut].forEach((v, k) => (sum.lifecycle[k]! += v));
  }
  const avg = (v: number) => fmt(v / Math.max(sampled, 1));
  const [le, lw, la, lt, lu, lx] = sum.lifecycle as [number, number, number, number, number, number];
  const digestRuns = (await temporal.workflow.count('WorkflowType = "staffDigest"')).count;
  const managers = await count(sql, `SELECT count(DISTINCT "staffId") FROM "Reminder" WHERE key LIKE 'review-%'`);
  return (
    `lifecycle ${avg(le)} events (${avg(lw)} workflow tasks, ${avg(lx)} timed out, ${avg(la)} activities, ${avg(lt)} timers, ${avg(lu)} search-attribute upserts) + ` +
    `${digestRuns} staffDigest runs for ${managers} managers (${fmt(digestRuns / Math.max(M, 1), 2)} per review); ${sampled} customers sampled` +
    (missing.length ? `; history not found for ${missing.length}: ${missing.slice(0, 3).join(', ')}` : '')
  );
}

/** CPU seconds so far; `worker` is the sum over the worker processes (--workers). */
function cpuSample(workerPids: number[], temporalPid: number): CpuSample {
  const usage = process.cpuUsage();
  return {
    worker: workerPids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0),
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
  return `  ${label.padEnd(24)} ${fmt(seconds, 0)} s wall: worker ${share(b.worker - a.worker)}, Temporal ${share(b.temporal - a.temporal)}, PostgreSQL ${share(b.postgres - a.postgres)}, bench ${share(b.bench - a.bench)}; machine ${fmt(busy * 100, 0)} % busy`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
