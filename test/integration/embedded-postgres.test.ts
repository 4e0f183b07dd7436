/**
 * The embedded PostgreSQL (PGlite behind pglite-socket) as `npm start` uses it: the migration script
 * applies our migrations over TCP, Prisma reads and writes through @prisma/adapter-pg, and the data
 * survives a restart on the same directory.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../../src/db/generated/client';
import { EMBEDDED_PG_MAX_CONNECTIONS, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded/postgres';

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
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ccm-embedded-pg-'));
  dataDir = path.join(tmp, 'pglite');
  server = await startEmbeddedPostgres({ dataDir, port: 0, log: (line) => logs.push(line) });
  // Asynchronous child process, the way `npm run db:migrate` runs against it.
  const migrate = await run(
    process.execPath,
    ['--experimental-wasm-modules', '--no-warnings', '--import', 'tsx', 'scripts/db.ts', 'migrate'],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: server.url }, encoding: 'utf8' },
  );
  migrateOutput = migrate.stdout;
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await rm(tmp, { recursive: true, force: true });
});

function prismaOn(url: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: EMBEDDED_PG_MAX_CONNECTIONS }) });
}

test('the migration script applies our migrations over the wire', async () => {
  expect(server?.url).toBe(`postgresql://postgres@127.0.0.1:${server?.port}/postgres`);
  expect(migrateOutput).toMatch(/^applied: \d+_init/m);
  const pool = new pg.Pool({ connectionString: url(), max: 1 });
  try {
    const r = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL');
    expect(r.rows[0]?.n).toBeGreaterThanOrEqual(1);
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
    const ann = await prisma.staffMember.findUnique({ where: { email: 'ann@bank.example' } });
    expect(ann).toMatchObject({ id: 'staff-ann', roles: ['RELATIONSHIP_MANAGER'], active: true });

    // Reads racing two interactive transactions, one committed and one rolled back.
    const [reads, committed, rolledBack] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, () => prisma.staffMember.findUnique({ where: { id: 'staff-ann' } }))),
      prisma.$transaction(async (tx) => {
        await tx.staffMember.create({ data: { id: 'staff-bob', name: 'Bob', email: 'bob@bank.example', roles: [] } });
        await new Promise((resolve) => setTimeout(resolve, 20)); // others queue up meanwhile
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

test('several connections at once each get their own answers', async () => {
  // Large parameters arrive in several TCP chunks: without the gate another connection's Parse
  // slips in between and a query returns another query's result.
  const pool = new pg.Pool({ connectionString: url(), max: 4 });
  const big = 'x'.repeat(300_000);
  try {
    const rows = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const param = i % 2 ? big : 'ab';
        const r = await pool.query<{ k: number; n: number }>(`select ${i} as k, length($1::text) as n`, [param]);
        return { want: { k: i, n: param.length }, got: r.rows[0] };
      }),
    );
    for (const { want, got } of rows) expect(got).toEqual(want);

    // A client that disconnects inside a transaction leaves nothing behind for the next one.
    await pool.query(`CREATE TABLE gate_probe (id int PRIMARY KEY, name text)`);
    await pool.query(`INSERT INTO gate_probe VALUES (1, 'original')`);
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    await client.query('BEGIN');
    await client.query(`UPDATE gate_probe SET name = 'uncommitted' WHERE id = 1`);
    await client.end();
    const r = await pool.query<{ name: string }>(`SELECT name FROM gate_probe WHERE id = 1`);
    expect(r.rows[0]?.name).toBe('original');
    await pool.query('DROP TABLE gate_probe');
  } finally {
    await pool.end();
  }
}, 30_000);

test('a second server on the same directory is refused; a restart keeps the data', async () => {
  await expect(startEmbeddedPostgres({ dataDir, port: 0 })).rejects.toThrow(/is in use by process \d+/);

  const before = new pg.Client({ connectionString: url() });
  await before.connect();
  await before.query(
    `INSERT INTO "StaffMember" (id, name, email, roles, "updatedAt") VALUES ('staff-kept', 'Kept', 'kept@bank.example', '{AUDITOR}', now())`,
  );
  await before.end();
  await server?.stop();
  server = undefined;
  // The child process exited by itself after stopping, i.e. nothing was left open.
  expect(logs).toContain('embedded PostgreSQL stopped');
  expect(logs.filter((line) => /left handles open|did not stop|unexpectedly/.test(line))).toEqual([]);

  server = await startEmbeddedPostgres({ dataDir, port: 0 });
  const prisma = prismaOn(server.url);
  try {
    const kept = await prisma.staffMember.findUnique({ where: { id: 'staff-kept' } });
    expect(kept).toMatchObject({ email: 'kept@bank.example', roles: ['AUDITOR'] });
  } finally {
    await prisma.$disconnect();
  }
}, 30_000);
