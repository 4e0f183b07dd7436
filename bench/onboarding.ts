/**
 * npm run bench:onboarding [-- --customers 10000 --concurrency 32 --raw 2000]
 *
 * Onboards N synthetic customers through the real path — createCustomer (validation, encryption,
 * PostgreSQL transaction with audit record) → onboarding workflow started on a Temporal dev server,
 * with the production worker (`src/worker/main.ts`) running in its own process, as in deployment — and prints customers per second and p50/p99 time to
 * PENDING_REVIEW, next to the raw rate of starting empty workflows on the same server in the same run.
 * Everything it needs (dev server, a fresh database on the local PostgreSQL) it starts and removes.
 */
import { randomUUID } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createCustomer } from '../src/customers/create-customer';
import { createDb } from '../src/db/client';
import { DEFAULT_POLICY } from '../src/policy/policy';
import { developmentKeyRing } from '../src/security/keyring';
import { systemClock } from '../src/shared/clock';
import { startDevServer } from '../src/temporal/dev-server';
import { PROJECT_ROOT } from '../src/temporal/binaries';
import { dataConverter } from '../src/temporal/codec';
import { startSmtpSink } from '../src/embedded/smtp-sink';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
    raw: { type: 'string', default: '2000' },
    /** Measure without the worker (isolates the request path from the workflows' own load). */
    'no-worker': { type: 'boolean', default: false },
    'admin-url': { type: 'string', default: process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});
const N = Number(values.customers);
const C = Number(values.concurrency);
const RAW = Number(values.raw);

/** Runs `task(i)` for i in [0, n) with at most `c` in flight; returns each call's latency in ms. */
async function pool(n: number, c: number, task: (i: number) => Promise<unknown>): Promise<number[]> {
  const latencies = new Array<number>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(c, n) }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        await task(i);
        latencies[i] = performance.now() - t;
      }
    }),
  );
  return latencies;
}

/** A name-safe rendering of a number: 0 → "A", 27 → "BB"… (names may not contain digits). */
const lettersOf = (i: number) => {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s.charAt(0) + s.slice(1).toLowerCase();
};

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** A valid, distinct SSN for index i (area 123, group 01–99, serial 0001–9999). */
const ssn = (i: number) => `123-${String(1 + (Math.floor(i / 9999) % 99)).padStart(2, '0')}-${String(1 + (i % 9999)).padStart(4, '0')}`;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dbName = `ccm_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: values['admin-url'] });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = new URL(values['admin-url']);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const server = await startDevServer({ uiPort: false });
  const sink = await startSmtpSink({ dir: `/tmp/${dbName}-mail`, port: 0 });
  try {
    const migrate = spawnSync(process.execPath, ['--experimental-wasm-modules', '--no-warnings', '--import', 'tsx', 'scripts/db.ts', 'migrate'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      encoding: 'utf8',
    });
    if (migrate.status !== 0) throw new Error(migrate.stderr);

    const ring = developmentKeyRing();
    const converter = dataConverter(ring);
    const db = createDb({ url: databaseUrl, max: C + 4 });
    const temporal = new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: converter });
    const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
    // The worker runs as it does in deployment: its own process (src/worker/main.ts), same database and server.
    const worker = values['no-worker']
      ? undefined
      : spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
          cwd: PROJECT_ROOT,
          env: { ...process.env, TEMPORAL_ADDRESS: server.address, DATABASE_URL: databaseUrl, SMTP_URL: sink.url, TASK_QUEUE: taskQueue, MAIL_FROM: 'bench@bank.test', LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
    const workerExited = worker ? new Promise((resolve) => worker.once('exit', resolve)) : Promise.resolve();
    // Measure only once the worker has bundled its workflows and polls (bundling would skew the raw rate).
    if (worker) {
      await new Promise<void>((resolve, reject) => {
        worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before polling`)));
        worker.stderr?.on('data', (d: Buffer) => {
          process.stderr.write(d);
          if (d.toString().includes('polling task queue')) resolve();
        });
      });
    }
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
    const deps = { db, temporal, taskQueue, policy: DEFAULT_POLICY, ring, clock: systemClock };
    const actor = { staffId: 'bench-maker', roles: ['CUSTOMER_SERVICE' as const] };
    const start = performance.now();
    const latencies = await pool(N, C, (i) =>
      createCustomer(deps, actor, {
        type: 'INDIVIDUAL',
        channel: 'IMPORT',
        firstName: 'Bench',
        lastName: `Customer ${lettersOf(i)}`,
        dateOfBirth: '1985-03-14',
        email: `customer${i}@bench.test`,
        totalAssetsUsd: (i % 20) * 75_000,
        identity: { kind: 'SSN', number: ssn(i) },
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const rate = N / seconds;
    const sorted = [...latencies].sort((a, b) => a - b);
    const pending = await db.customer.count({ where: { status: 'PENDING_REVIEW' } });
    const rawAfter = await rawRound(2);
    const rawRate = (rawBefore + rawAfter) / 2;

    const rows: [string, string][] = [
      ['customers onboarded', `${N} (${pending} PENDING_REVIEW in the database)`],
      ['concurrency', String(C)],
      ['customers per second', rate.toFixed(1)],
      ['time to PENDING_REVIEW p50', `${pct(sorted, 50).toFixed(1)} ms`],
      ['time to PENDING_REVIEW p99', `${pct(sorted, 99).toFixed(1)} ms`],
      ['raw empty-workflow starts/s', `${rawRate.toFixed(1)} (mean of ${rawBefore.toFixed(1)} before and ${rawAfter.toFixed(1)} after; ${RAW} starts each)`],
      ['path / raw', `${((rate / rawRate) * 100).toFixed(0)} % (target ≥ 50 %)`],
    ];
    console.log(rows.map(([k, v]) => `${k.padEnd(30)} ${v}`).join('\n'));

    worker?.kill('SIGTERM');
    await workerExited;
    await temporal.connection.close();
    await db.$disconnect();
  } finally {
    await sink.stop();
    await server.stop();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
