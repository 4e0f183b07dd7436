/**
 * npm run bench:start [-- --runs 3]
 *
 * How long a newcomer waits for `npm start`: the real command (npm start, nothing configured, so the
 * embedded PostgreSQL server, the Temporal dev server and the SMTP sink all start), timed from the
 * spawn until GET /health answers 200, then stopped with SIGINT to its process group (Ctrl-C).
 * First starts each get an empty DATA_DIR (the PostgreSQL cluster is created with initdb, all
 * migrations applied, the ADMIN bootstrapped); restarts reuse the last one's DATA_DIR. Also printed:
 * the embedded PostgreSQL's own share ("ready in N ms" from its start-up line) and how long Ctrl-C
 * took until the process had exited. Free ports each run; the DATA_DIRs are removed at the end.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/temporal/binaries';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Number(values.runs);
const HEALTH_POLL_MS = 100;
const START_TIMEOUT_MS = 300_000;

interface Sample {
  healthMs: number;
  postgresMs: number;
  stopMs: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function once(dataDir: string): Promise<Sample> {
  const ports = {
    TEMPORAL_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    API_PORT: await freePort(),
    EMBEDDED_PG_PORT: await freePort(),
    EMBEDDED_SMTP_PORT: await freePort(),
  };
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  for (const key of ['DATABASE_URL', 'SMTP_URL', 'TEMPORAL_ADDRESS']) delete env[key];
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  const t0 = performance.now();
  const child = spawn('npm', ['start'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let healthMs: number | undefined;
  let stopMs: number | undefined;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited:\n${out}`);
      if (performance.now() - t0 > START_TIMEOUT_MS) throw new Error(`no /health 200 within ${START_TIMEOUT_MS / 1000} s:\n${out}`);
      const status = await fetch(`http://127.0.0.1:${ports.API_PORT}/health`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) {
        healthMs = performance.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
    }
  } finally {
    const t1 = performance.now();
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    stopMs = performance.now() - t1;
  }
  const pgMs = /embedded PostgreSQL \S+ (?:initialised and )?ready in (\d+) ms/.exec(out)?.[1];
  if (!pgMs) throw new Error(`no PostgreSQL start-up line:\n${out}`);
  return { healthMs: healthMs, postgresMs: Number(pgMs), stopMs: stopMs };
}

function row(label: string, s: Sample[]): string {
  const f = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(1)).join(' / ');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! / 1000;
  return `${label.padEnd(28)} to /health 200: ${f(s.map((x) => x.healthMs))} s (median ${median(s.map((x) => x.healthMs)).toFixed(1)})   PostgreSQL: ${f(s.map((x) => x.postgresMs))} s   Ctrl-C to exit: ${f(s.map((x) => x.stopMs))} s`;
}

async function main(): Promise<void> {
  const dirs: string[] = [];
  try {
    const first: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'ccm-bench-start-'));
      chmodSync(dir, 0o755); // as root the PostgreSQL server runs as the user postgres
      dirs.push(dir);
      first.push(await once(dir));
      process.stderr.write(`first start ${i + 1}: ${(first.at(-1)!.healthMs / 1000).toFixed(1)} s\n`);
    }
    const restart: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      restart.push(await once(dirs.at(-1)!));
      process.stderr.write(`restart ${i + 1}: ${(restart.at(-1)!.healthMs / 1000).toFixed(1)} s\n`);
    }
    process.stdout.write(`${row('first start (empty DATA_DIR)', first)}\n${row('restart (same DATA_DIR)', restart)}\n`);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
