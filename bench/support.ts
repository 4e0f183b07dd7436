/**
 * What the benchmarks (bench/onboarding.ts, bench/lifecycle.ts) and the fault drill (bench/drill.ts)
 * share: a scratch database on the local PostgreSQL, migrated like the tests'
 * (test/support/global-setup.ts); the production processes (src/worker/main.ts, src/api/main.ts) as
 * child processes; a bounded-concurrency pool; the synthetic customers both feed through the real
 * path; the raw start rate; and a process's memory and CPU time from /proc.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { PROJECT_ROOT } from '../src/temporal/binaries';

export const DEFAULT_ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Runs `task(i)` for i in [0, n) with at most `c` in flight; returns each call's latency in ms. */
export async function pool(n: number, c: number, task: (i: number) => Promise<unknown>): Promise<number[]> {
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

/** The p-th percentile of an ascending array. */
export const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Synthetic customers
// ---------------------------------------------------------------------------------------------

/** A name-safe rendering of a number: 0 → "A", 27 → "BB"… (names may not contain digits). */
export const lettersOf = (i: number) => {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s.charAt(0) + s.slice(1).toLowerCase();
};

/** A valid, distinct SSN for index i (area 123, group 01–99, serial 0001–9999): distinct for i < 989,901. */
export const ssn = (i: number) => `123-${String(1 + (Math.floor(i / 9999) % 99)).padStart(2, '0')}-${String(1 + (i % 9999)).padStart(4, '0')}`;

export interface SyntheticIndividual {
  type: 'INDIVIDUAL';
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  email?: string;
  phone?: string;
  totalAssetsUsd: number;
  identity: { kind: 'SSN'; number: string };
}

/**
 * The i-th valid synthetic individual (§2.3 first-contact data): distinct name and SSN per index,
 * assets spread over the §2.1 segments. `emailDomain` undefined → reachable by phone only.
 */
export function syntheticIndividual(i: number, emailDomain: string | undefined = 'bench.test'): SyntheticIndividual {
  return {
    type: 'INDIVIDUAL',
    firstName: 'Bench',
    lastName: `Customer ${lettersOf(i)}`,
    dateOfBirth: '1985-03-14',
    ...(emailDomain ? { email: `customer${i}@${emailDomain}` } : { phone: '+12025550143' }),
    totalAssetsUsd: (i % 20) * 75_000,
    identity: { kind: 'SSN', number: ssn(i) },
  };
}

/** The same customers as rows of an import file (the `ccm customers import` CSV columns). */
export function syntheticCsv(count: number, offset = 0): string {
  const columns = ['type', 'firstName', 'lastName', 'dateOfBirth', 'email', 'phone', 'totalAssetsUsd', 'identityKind', 'identityNumber'] as const;
  const lines: string[] = [columns.join(',')];
  for (let i = offset; i < offset + count; i++) {
    const c = syntheticIndividual(i);
    lines.push([c.type, c.firstName, c.lastName, c.dateOfBirth, c.email ?? '', c.phone ?? '', String(c.totalAssetsUsd), c.identity.kind, c.identity.number].join(','));
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// A scratch database
// ---------------------------------------------------------------------------------------------

export interface ScratchDatabase {
  name: string;
  /** postgresql://…/<name> on the admin URL's server. */
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates `<prefix>_<random>` on the server of `adminUrl` and applies the committed migrations
 * (scripts/db.ts migrate → src/db/migrate.ts, in a child: the WASM schema engine needs
 * --experimental-wasm-modules and leaves a timer behind).
 */
export async function createScratchDatabase(prefix: string, adminUrl = DEFAULT_ADMIN_URL): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect().catch((err: Error) => {
    throw new Error(`PostgreSQL is not reachable at ${adminUrl} (${err.message}); start it or set BENCH_DATABASE_ADMIN_URL`);
  });
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
  const migrate = spawnSync(process.execPath, ['--experimental-wasm-modules', '--no-warnings', '--import', 'tsx', 'scripts/db.ts', 'migrate'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATABASE_URL: url.toString() },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) {
    await drop();
    throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  }
  return { name, url: url.toString(), drop };
}

// ---------------------------------------------------------------------------------------------
// The production processes as children
// ---------------------------------------------------------------------------------------------

/** `node --import tsx <entry>` in the project root, as `npm run worker` / `npm run api` start them. */
export function spawnEntry(entry: string, env: NodeJS.ProcessEnv, stdio: 'pipe' | 'ignore' = 'pipe'): ChildProcess {
  // BENCH_CHILD_NODE_ARGS: extra Node flags for the children (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the worker).
  const extra = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawn(process.execPath, [...extra, '--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    // MALLOC_ARENA_MAX=2 as the production image sets it (Dockerfile: the worker's idle RSS, issue 8).
    env: { MALLOC_ARENA_MAX: '2', ...process.env, ...env },
    stdio: ['ignore', stdio, stdio],
  });
}

/**
 * Resolves once the process `pid` polls `taskQueue` for workflow tasks (or, with `activities`, for
 * activity tasks: a risk-only worker, WORKER_QUEUES=risk, polls no workflow queue) — the SDK's
 * default worker identity is `<pid>@<host>` — so a restarted worker is told apart from the one it
 * replaces and no log wording is relied on. Rejects when `alive()` turns false or after `timeoutMs`.
 */
export async function waitForPoller(
  temporal: Client,
  taskQueue: string,
  pid: number,
  opts: { timeoutMs?: number; alive?: () => boolean; namespace?: string; activities?: boolean } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  const prefix = `${pid}@`;
  for (;;) {
    if (opts.alive && !opts.alive()) throw new Error(`worker ${pid} exited before polling ${taskQueue}`);
    try {
      const res = await temporal.workflowService.describeTaskQueue({
        namespace: opts.namespace ?? 'default',
        taskQueue: { name: taskQueue, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: opts.activities ? proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY : proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      if (res.pollers?.some((p) => p.identity?.startsWith(prefix))) return;
    } catch {
      // the server may be restarting; keep asking until the deadline
    }
    if (Date.now() > deadline) throw new Error(`worker ${pid} did not poll ${taskQueue} within ${opts.timeoutMs ?? 180_000} ms`);
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------
// The raw start rate, and what a process costs (bench/lifecycle.ts)
// ---------------------------------------------------------------------------------------------

/**
 * The raw reference: starts/s of `count` empty workflows (a type no worker runs, on a queue no
 * worker polls) with `concurrency` in flight, as bench/onboarding.ts measures it. `label` keeps the
 * ids of several rounds apart.
 */
export async function rawStartRate(temporal: Client, o: { count: number; concurrency: number; label: string }): Promise<number> {
  const queue = `raw-${randomUUID().slice(0, 8)}`;
  const t = performance.now();
  await pool(o.count, o.concurrency, (i) => temporal.workflow.start('benchEmpty', { taskQueue: queue, workflowId: `bench-empty-${queue}-${o.label}-${i}`, args: [] }));
  return o.count / ((performance.now() - t) / 1000);
}

/** A process's resident memory now and at its peak (/proc/<pid>/status VmRSS and VmHWM), in MiB. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds a process has used (user + system, plus its reaped children's). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3; utime … cstime are 14–17.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLOCK_TICKS;
  } catch {
    return 0; // gone
  }
}

/** CPU seconds used by every process named `comm` (e.g. all of PostgreSQL's: postmaster with its reaped backends, and the live ones). */
export function cpuSecondsOfAll(comm: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) total += cpuSecondsOf(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

/** Busy share of the whole machine (all cores) between two /proc/stat samples: `const s = machineCpu(); …; machineBusy(s)`. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const n = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
export const machineBusy = (since: { busy: number; total: number }) => {
  const now = machineCpu();
  return now.total > since.total ? (now.busy - since.busy) / (now.total - since.total) : 0;
};

/**
 * Resolves once process `pid` is idle: it used under `threshold` of one core over a `windowMs`
 * window (its workflow tasks have settled), or after `timeoutMs` (returns false then).
 */
export async function waitUntilIdle(pid: number, o: { windowMs?: number; threshold?: number; timeoutMs?: number } = {}): Promise<boolean> {
  const windowMs = o.windowMs ?? 5000;
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  let before = cpuSecondsOf(pid);
  while (Date.now() < deadline) {
    await sleep(windowMs);
    const after = cpuSecondsOf(pid);
    if ((after - before) / (windowMs / 1000) < (o.threshold ?? 0.05)) return true;
    before = after;
  }
  return false;
}
