/**
 * npm run bench:onboarding [-- --customers 10000 --concurrency 32 --raw 2000]
 * npm run bench:onboarding -- --import [--rows 10000 --concurrency 8 --raw 2000]
 *
 * Onboards N synthetic customers through the real path — createCustomer (validation, encryption,
 * PostgreSQL transaction with audit record) → onboarding workflow started on a Temporal dev server,
 * with the production worker (`src/worker/main.ts`) running in its own process, as in deployment — and prints customers per second and p50/p99 time to
 * PENDING_REVIEW, next to the raw rate of starting empty workflows on the same server in the same run.
 *
 * --import: the same customers as a CSV file, imported the way an operator does it — `ccm customers
 * import <file> --concurrency 8` (bin/ccm.js, src/customers/import-csv.ts) in its own process — and
 * timed from the command's start until every imported row's onboarding workflow exists on the
 * server (however the start is made: in the row's transaction or after it), printed as rows per
 * second next to the raw start rate and their ratio.
 *
 * Everything it needs (dev server, a fresh database on the local PostgreSQL) it starts and removes.
 */
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createCustomer } from '../src/customers/create-customer';
import { createDb, type Db } from '../src/db/client';
import { DEFAULT_POLICY } from '../src/policy/policy';
import { developmentKeyRing } from '../src/security/keyring';
import { systemClock } from '../src/shared/clock';
import { startDevServer } from '../src/temporal/dev-server';
import { PROJECT_ROOT } from '../src/temporal/binaries';
import { dataConverter } from '../src/temporal/codec';
import { startSmtpSink } from '../src/embedded/smtp-sink';
import { createScratchDatabase, DEFAULT_ADMIN_URL, pct, pool, sleep, spawnEntry, syntheticCsv, syntheticIndividual, waitForPoller } from './support';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '10000' },
    /** Default 32 (the path), 8 with --import (ccm's own default). */
    concurrency: { type: 'string' },
    raw: { type: 'string', default: '2000' },
    /** Measure `ccm customers import` of a generated CSV file instead of createCustomer calls. */
    import: { type: 'boolean', default: false },
    rows: { type: 'string', default: '10000' },
    /** Measure without the worker (isolates the request path from the workflows' own load). */
    'no-worker': { type: 'boolean', default: false },
    'admin-url': { type: 'string', default: DEFAULT_ADMIN_URL },
  },
});
const IMPORT = values.import;
const N = Number(IMPORT ? values.rows : values.customers);
const C = Number(values.concurrency ?? (IMPORT ? 8 : 32));
const RAW = Number(values.raw);

interface Measured {
  rows: [string, string][];
  /** Items per second of the measured path, compared with the raw start rate. */
  rate: number;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const database = await createScratchDatabase('ccm_bench', values['admin-url']);
  const databaseUrl = database.url;
  const server = await startDevServer({ uiPort: false });
  const sink = await startSmtpSink({ dir: `/tmp/${database.name}-mail`, port: 0 });
  try {
    const ring = developmentKeyRing();
    const converter = dataConverter(ring);
    const db = createDb({ url: databaseUrl, max: C + 4 });
    const temporal = new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: converter });
    const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
    const env = { TEMPORAL_ADDRESS: server.address, DATABASE_URL: databaseUrl, SMTP_URL: sink.url, TASK_QUEUE: taskQueue, MAIL_FROM: 'bench@bank.test', LOG_LEVEL: 'warn' };
    // The worker runs as it does in deployment: its own process (src/worker/main.ts), same database and server.
    const worker = values['no-worker'] ? undefined : spawnEntry('src/worker/main.ts', env);
    worker?.stdout?.resume();
    worker?.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
    const workerExited = worker ? new Promise((resolve) => worker.once('exit', resolve)) : Promise.resolve();
    // Measure only once the worker has bundled its workflows and polls (bundling would skew the raw rate).
    if (worker) await waitForPoller(temporal, taskQueue, worker.pid ?? -1, { alive: () => worker.exitCode === null });
    await db.staffMember.create({ data: { id: 'bench-maker', name: 'Bench Maker', email: 'maker@bank.test', roles: ['CUSTOMER_SERVICE'] } });

    // 1. Raw: starting empty workflows (a type no worker runs) on the same server, measured before
    //    and after the real path (the mean is the reference), so drift in machine load shows.
    const rawQueue = `raw-${randomUUID().slice(0, 8)}`;
    const rawRound = async (round: number) => {
      const t = performance.now();
      await pool(RAW, C, (i) => temporal.workflow.start('benchEmpty', { taskQueue: rawQueue, workflowId: `bench-empty-${rawQueue}-${round}-${i}`, args: [] }));
      return RAW / ((performance.now() - t) / 1000);
    };
    const rawBefore = await rawRound(1);

    // 2. The real path.
    const measured = IMPORT ? await measureImport(db, temporal, env) : await measurePath(db, temporal, taskQueue);
    const rawAfter = await rawRound(2);
    const rawRate = (rawBefore + rawAfter) / 2;

    const rows: [string, string][] = [
      ...measured.rows,
      ['raw empty-workflow starts/s', `${rawRate.toFixed(1)} (mean of ${rawBefore.toFixed(1)} before and ${rawAfter.toFixed(1)} after; ${RAW} starts each)`],
      [IMPORT ? 'import / raw' : 'path / raw', `${((measured.rate / rawRate) * 100).toFixed(0)} % (target ≥ 50 %)`],
    ];
    console.log(rows.map(([k, v]) => `${k.padEnd(30)} ${v}`).join('\n'));

    worker?.kill('SIGTERM');
    await workerExited;
    await temporal.connection.close();
    await db.$disconnect();
  } finally {
    await sink.stop();
    await server.stop();
    await database.drop();
  }
}

/** createCustomer N times with C in flight, as the API's POST /customers runs it. */
async function measurePath(db: Db, temporal: Client, taskQueue: string): Promise<Measured> {
  const ring = developmentKeyRing();
  const deps = { db, temporal, taskQueue, policy: DEFAULT_POLICY, ring, clock: systemClock };
  const actor = { staffId: 'bench-maker', roles: ['CUSTOMER_SERVICE' as const] };
  const start = performance.now();
  const latencies = await pool(N, C, (i) => createCustomer(deps, actor, { ...syntheticIndividual(i), channel: 'IMPORT' }));
  const seconds = (performance.now() - start) / 1000;
  const rate = N / seconds;
  const sorted = [...latencies].sort((a, b) => a - b);
  const pending = await db.customer.count({ where: { status: 'PENDING_REVIEW' } });
  return {
    rate,
    rows: [
      ['customers onboarded', `${N} (${pending} PENDING_REVIEW in the database)`],
      ['concurrency', String(C)],
      ['customers per second', rate.toFixed(1)],
      ['time to PENDING_REVIEW p50', `${pct(sorted, 50).toFixed(1)} ms`],
      ['time to PENDING_REVIEW p99', `${pct(sorted, 99).toFixed(1)} ms`],
    ],
  };
}

/**
 * `ccm customers import` of N generated rows in its own process, timed until every imported
 * customer's onboarding workflow exists (counted on the server by workflow type, so a start made
 * after the row's commit — an outbox — is waited for, not credited early).
 */
async function measureImport(db: Db, temporal: Client, env: Record<string, string>): Promise<Measured> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccm-bench-import-'));
  try {
    const file = path.join(dir, 'customers.csv');
    const reportFile = path.join(dir, 'report.json');
    writeFileSync(file, syntheticCsv(N), { mode: 0o600 });
    const onboardings = async () => (await temporal.workflow.count('WorkflowType = "onboarding"')).count;

    const start = performance.now();
    const ccm: ChildProcess = spawn(process.execPath, ['bin/ccm.js', 'customers', 'import', file, '--as', 'bench-maker', '--concurrency', String(C), '--report', reportFile], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    ccm.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      process.stderr.write(d);
    });
    const code = await new Promise<number | null>((resolve) => ccm.once('exit', resolve));
    const ccmSeconds = (performance.now() - start) / 1000;
    if (code !== 0 && code !== 1) throw new Error(`ccm customers import exited with ${code}:\n${stderr}`);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { rows: number; imported: number; skipped: number };
    const customers = await db.customer.count();

    // Until the last imported row's workflow exists (bounded: a start that never comes is reported, not waited for).
    const deadline = performance.now() + 300_000;
    let workflows = await onboardings();
    while (workflows < customers && performance.now() < deadline) {
      await sleep(100);
      workflows = await onboardings();
    }
    const seconds = (performance.now() - start) / 1000;
    if (workflows < customers) throw new Error(`only ${workflows} of ${customers} onboarding workflows exist 300 s after the import ended`);
    const rate = report.imported / seconds;
    const cliLine = /(\d+ of \d+ rows in [\d.]+ s \([\d.]+ rows\/s[^)]*\))/.exec(stderr)?.[1];
    return {
      rate,
      rows: [
        ['rows imported', `${report.imported} of ${report.rows} (${report.skipped} skipped; ${customers} customers, ${workflows} onboarding workflows)`],
        ['concurrency', String(C)],
        ['import rows/s', `${rate.toFixed(1)} (every workflow existed after ${seconds.toFixed(1)} s; ccm exited after ${ccmSeconds.toFixed(1)} s)`],
        ...(cliLine ? ([['ccm said', cliLine]] as [string, string][]) : []),
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
