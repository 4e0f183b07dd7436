/**
 * npm run bench:risk [-- --customers 100000 --page-size 1000 --lanes 2 --change-every 20 --enterprise-every 5]
 *
 * §6 "Every customer's risk is re-assessed every quarter": how fast the real portfolio run
 * (workflows/risk/portfolio.ts) re-assesses N customers, next to how fast the same PostgreSQL takes
 * the same number of RiskAssessment-shaped rows written in bulk, in the same run.
 *
 *   1. A scratch database (migrated), a dev server, an SMTP sink; the production worker in its own
 *      process (src/worker/main.ts: the main worker and the risk worker, RISK_TASK_QUEUE).
 *   2. N APPROVED customers written by bulk SQL (test/support/risk-portfolio.ts): one in
 *      `--enterprise-every` an enterprise (NAICS code, years in business, two periods of financial
 *      statements), the others individuals (encrypted credit bureau figures, employment, income
 *      variability, income and debts), a realistic mix of good and bad facts. Each customer's rating in
 *      force is seeded as the rating the policy gives its facts, except every `--change-every`-th
 *      (20 → 5 %; one per block of 20, its position moving from block to block), seeded one notch off: the run changes exactly those, and signals their lifecycles
 *      (none run here: each signal is answered "not found", as for a customer without a lifecycle).
 *   3. The run: a QUARTERLY portfolio workflow, timed from its start to its result → customers/s.
 *   4. Raw: the run's own assessment rows read back, then written again in batches of 1000 (the default page)
 *      (one INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING each, as the run writes them) into a
 *      copy of RiskAssessment with its indexes → rows/s. Ratio = run / raw; target ≥ 25 %, and
 *      100,000 customers in ≤ 3 minutes.
 *   5. CPU seconds per process over the run (worker, Temporal, PostgreSQL, this process).
 *
 * Everything it starts it stops and removes.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_POLICY, parsePolicy } from '../src/policy/policy';
import { developmentKeyRing } from '../src/security/keyring';
import { dataConverter } from '../src/temporal/codec';
import { startDevServer } from '../src/temporal/dev-server';
import { startSmtpSink } from '../src/embedded/smtp-sink';
import { riskPortfolio } from '../workflows/risk/portfolio';
import { seedRiskPortfolio } from '../test/support/risk-portfolio';
import { cpuSecondsOf, cpuSecondsOfAll, createScratchDatabase, DEFAULT_ADMIN_URL, spawnEntry, waitForPoller } from './support';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    'page-size': { type: 'string', default: '1000' },
    lanes: { type: 'string', default: '2' }, // the workflow's default (DEFAULT_LANES)
    'change-every': { type: 'string', default: '20' },
    'enterprise-every': { type: 'string', default: '5' },
    'admin-url': { type: 'string', default: DEFAULT_ADMIN_URL },
  },
});
const N = Number(values.customers);
const PAGE = Number(values['page-size']);
const LANES = Number(values.lanes);
const CHANGE_EVERY = Number(values['change-every']);
const ENTERPRISE_EVERY = Number(values['enterprise-every']);
for (const [name, v, min] of [['--customers', N, 1], ['--page-size', PAGE, 1], ['--lanes', LANES, 1], ['--change-every', CHANGE_EVERY, 0], ['--enterprise-every', ENTERPRISE_EVERY, 1]] as const) {
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be a whole number ≥ ${min}, got ${String(v)}`);
}

/** Rows per INSERT of the raw reference: the run's default page (PAGE_SIZE), whatever --page-size is. */
const RAW_BATCH = 1000;

const log = (line: string) => process.stderr.write(`[bench:risk] ${line}\n`);
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ring = developmentKeyRing();
const policy = parsePolicy(DEFAULT_POLICY);

async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'ccm-bench-risk-'));
  log(`scratch database, dev server, SMTP sink; ${N} customers, page ${PAGE}, ${LANES} lane(s), one rating in ${CHANGE_EVERY} seeded off`);
  const database = await createScratchDatabase('ccm_bench_risk', values['admin-url']);
  const server = await startDevServer({ uiPort: false }).catch(async (err: unknown) => {
    await database.drop();
    throw err;
  });
  const sink = await startSmtpSink({ dir: path.join(scratch, 'mail'), port: 0 });
  const sql = new pg.Pool({ connectionString: database.url, max: 2 });
  const temporal = new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: dataConverter(ring) });
  const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
  const riskTaskQueue = `bench-risk-${randomUUID().slice(0, 8)}`;
  const child = spawnEntry('src/worker/main.ts', {
    TEMPORAL_ADDRESS: server.address,
    DATABASE_URL: database.url,
    SMTP_URL: sink.url,
    TASK_QUEUE: taskQueue,
    RISK_TASK_QUEUE: riskTaskQueue,
    MAIL_FROM: 'bench@bank.test',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
  });
  child.stdout?.resume();
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const seeded = performance.now();
    const asOf = new Date();
    await seedRiskPortfolio({ url: database.url, ring, policy, count: N, prefix: 'B', asOf, changeEvery: CHANGE_EVERY, enterpriseEvery: ENTERPRISE_EVERY });
    log(`${N} APPROVED customers written in ${fmt((performance.now() - seeded) / 1000)} s`);
    await waitForPoller(temporal, taskQueue, child.pid ?? -1, { alive: () => child.exitCode === null });

    // ── The run. ──
    const cpu0 = { worker: cpuSecondsOf(child.pid!), temporal: cpuSecondsOf(server.pid), postgres: cpuSecondsOfAll('postgres'), bench: process.cpuUsage() };
    const t0 = performance.now();
    const runId = `risk-portfolio-bench-${randomUUID().slice(0, 8)}`;
    const handle = await temporal.workflow.start(riskPortfolio, {
      workflowId: runId,
      taskQueue,
      args: [{ runId, kind: 'QUARTERLY', activityTaskQueue: riskTaskQueue, pageSize: PAGE, lanes: LANES }],
    });
    const result = await handle.result();
    const runSeconds = (performance.now() - t0) / 1000;
    const cpu = {
      worker: cpuSecondsOf(child.pid!) - cpu0.worker,
      temporal: cpuSecondsOf(server.pid) - cpu0.temporal,
      postgres: cpuSecondsOfAll('postgres') - cpu0.postgres,
      bench: (process.cpuUsage(cpu0.bench).user + process.cpuUsage(cpu0.bench).system) / 1e6,
    };
    const runRate = result.processed / runSeconds;
    const [{ rows, customers }] = (await sql.query<{ rows: number; customers: number }>(`SELECT count(*)::int AS rows, count(DISTINCT "customerId")::int AS customers FROM "RiskAssessment" WHERE "runKey" = $1`, [runId])).rows as [{ rows: number; customers: number }];
    const timing = await whereTheTimeWent(temporal, runId);

    // ── Raw: the same rows, written again in bulk by one client. ──
    const raw = await rawBulkRate(sql, runId);

    const ratio = runRate / raw.rate;
    const summaryLine = Object.entries(result.summary)
      .sort()
      .map(([k, c]) => `${k} UP ${c.UP} DOWN ${c.DOWN} SAME ${c.SAME} NEW ${c.NEW}`)
      .join('; ');
    process.stdout.write(
      [
        '',
        `bench:risk  ${new Date().toISOString()}  ${os.cpus().length} cores  page ${PAGE}  lanes ${LANES}`,
        `customers         ${N} (${N - Math.floor(N / ENTERPRISE_EVERY)} individuals, ${Math.floor(N / ENTERPRISE_EVERY)} enterprises); seeded one notch off: 1 in ${CHANGE_EVERY}`,
        `run               ${result.status}: ${result.processed} processed, ${result.changed} changed, ${result.failed} failed; ${rows} assessments for ${customers} customers`,
        `run time          ${fmt(runSeconds, 1)} s   (target ≤ 180 s for 100,000)`,
        `run rate          ${fmt(runRate, 0)} customers/s`,
        `raw bulk rate     ${fmt(raw.rate, 0)} rows/s   (${raw.rows} RiskAssessment rows in batches of ${RAW_BATCH} in ${fmt(raw.seconds, 1)} s)`,
        `run / raw         ${fmt(ratio * 100, 0)} %   (target ≥ 25 %)`,
        `cpu seconds       worker ${fmt(cpu.worker)}  temporal ${fmt(cpu.temporal)}  postgres ${fmt(cpu.postgres)}  bench ${fmt(cpu.bench)}   (${fmt((cpu.worker * 1e6) / N, 0)} µs worker, ${fmt((cpu.postgres * 1e6) / N, 0)} µs postgres per customer)`,
        `pages             ${timing.pages} in ${timing.runs} workflow run(s) (${timing.events} history events): per page p50 queued ${fmt(timing.queuedMs, 0)} ms, in the activity ${fmt(timing.activityMs, 0)} ms, workflow turnaround ${fmt(timing.turnaroundMs, 0)} ms`,
        `summary           ${summaryLine}`,
        '',
      ].join('\n'),
    );
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await temporal.connection.close();
    await sql.end();
    await sink.stop();
    await server.stop();
    await database.drop();
  }
}

/**
 * Where a page's time goes, from the histories of every run of the workflow (continue-as-new makes
 * several): p50 of scheduled → started (waiting on the risk queue, its rate limit), started →
 * completed (the activity: load, score, write, commit, signals), and completed → the lane's next page
 * scheduled (the workflow's task and the progress mirror).
 */
async function whereTheTimeWent(temporal: Client, workflowId: string): Promise<{ runs: number; pages: number; events: number; queuedMs: number; activityMs: number; turnaroundMs: number }> {
  const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  const queued: number[] = [];
  const active: number[] = [];
  const turnaround: number[] = [];
  let runs = 0;
  let events = 0;
  for await (const execution of temporal.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    runs += 1;
    const history = await temporal.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    events += history.events?.length ?? 0;
    const scheduled = new Map<string, { at: number; lane: string }>();
    const started = new Map<string, number>();
    const lastDone = new Map<string, number>();
    for (const e of history.events ?? []) {
      const at = ms(e.eventTime);
      const id = String(e.eventId);
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'assessRiskPage') {
        const input = e.activityTaskScheduledEventAttributes;
        const lane = String(input.activityId ?? id);
        scheduled.set(id, { at, lane });
        const prev = [...lastDone.values()].filter((t) => t <= at).sort((a, b) => b - a)[0];
        if (prev !== undefined) turnaround.push(at - prev);
      } else if (e.activityTaskStartedEventAttributes && scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId))) {
        const sid = String(e.activityTaskStartedEventAttributes.scheduledEventId);
        started.set(sid, at);
        queued.push(at - scheduled.get(sid)!.at);
      } else if (e.activityTaskCompletedEventAttributes && started.has(String(e.activityTaskCompletedEventAttributes.scheduledEventId))) {
        const sid = String(e.activityTaskCompletedEventAttributes.scheduledEventId);
        active.push(at - started.get(sid)!);
        lastDone.set(sid, at);
      }
    }
  }
  const p50 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return { runs, pages: active.length, events, queuedMs: p50(queued), activityMs: p50(active), turnaroundMs: p50(turnaround) };
}

/**
 * Rows/s at which PostgreSQL takes `runId`'s assessment rows again, written in bulk: read back first
 * (not timed), then one INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING per page of rows into a
 * copy of RiskAssessment with its indexes and unique key, in one transaction each.
 */
async function rawBulkRate(sql: pg.Pool, runId: string): Promise<{ rate: number; rows: number; seconds: number }> {
  await sql.query(`CREATE TABLE raw_assessment (LIKE "RiskAssessment" INCLUDING ALL)`);
  try {
    const { rows } = await sql.query<Record<string, unknown>>(
      `SELECT "customerId", "customerType"::text AS "customerType", rating, "previousRating", total, factors::text AS factors, groups::text AS groups, reasons::text AS reasons, "capApplied"::text AS cap, "policyVersion", "assessedAt"
         FROM "RiskAssessment" WHERE "runKey" = $1 ORDER BY "customerId"`,
      [runId],
    );
    const client = await sql.connect();
    const t = performance.now();
    try {
      for (let i = 0; i < rows.length; i += RAW_BATCH) {
        const b = rows.slice(i, i + RAW_BATCH);
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO raw_assessment (id, "customerId", "runKey", trigger, "customerType", rating, "previousRating", total, factors, groups, reasons, "capApplied", "policyVersion", "assessedAt")
           SELECT gen_random_uuid(), a.cid, $1, 'QUARTERLY', a.ctype::"CustomerType", a.rating, a.prev, a.total, a.factors::jsonb, a.groups::jsonb, a.reasons::jsonb, a.cap::jsonb, $2, now()
             FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[], $11::text[]) AS a(cid, ctype, rating, prev, total, factors, groups, reasons, cap)
           ON CONFLICT ("customerId", "runKey") DO NOTHING`,
          [
            `${runId}-raw`,
            policy.version,
            b.map((r) => r.customerId),
            b.map((r) => r.customerType),
            b.map((r) => r.rating),
            b.map((r) => r.previousRating),
            b.map((r) => r.total),
            b.map((r) => r.factors),
            b.map((r) => r.groups),
            b.map((r) => r.reasons),
            b.map((r) => r.cap),
          ],
        );
        await client.query('COMMIT');
      }
    } finally {
      client.release();
    }
    const seconds = (performance.now() - t) / 1000;
    return { rate: rows.length / seconds, rows: rows.length, seconds };
  } finally {
    await sql.query(`DROP TABLE raw_assessment`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
