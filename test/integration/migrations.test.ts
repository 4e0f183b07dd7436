/**
 * Prisma Migrate on the WASM schema engine: the committed migrations (prisma/migrations) build
 * exactly the schema in prisma/schema.prisma, and the history table is the one `prisma migrate
 * deploy` keeps, so the two tools are interchangeable.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { MIGRATIONS_DIR, SCHEMA_PATH } from '../../src/db/migrate';
import { PROJECT_ROOT } from '../../src/temporal/binaries';

function dbScript(...args: string[]) {
  return spawnSync(process.execPath, ['--experimental-wasm-modules', '--no-warnings', '--import', 'tsx', 'scripts/db.ts', ...args], {
    cwd: PROJECT_ROOT,
    env: process.env,
    encoding: 'utf8',
  });
}

test('the committed migrations equal schema.prisma (empty diff)', () => {
  const result = dbScript('create', '--check');
  expect(result.stderr).toBe('');
  expect(result.stdout.trim()).toBe('migrations match schema.prisma');
  expect(result.status).toBe(0);
});

test('the drift check fails, showing the SQL, when schema.prisma gains a column the migrations lack', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccm-schema-'));
  const drifted = path.join(dir, 'schema.prisma');
  writeFileSync(drifted, readFileSync(SCHEMA_PATH, 'utf8').replace(/(model StaffMember \{\n)/, '$1  pager String?\n'));
  const result = dbScript('create', '--check', '--schema', drifted);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('ALTER TABLE "StaffMember" ADD COLUMN');
  expect(result.stderr).toContain('"pager" TEXT');
});

test('the history table records every migration with the checksum prisma migrate deploy computes', async () => {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name',
    );
    const folders = readdirSync(MIGRATIONS_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    expect(folders.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.migration_name)).toEqual(folders);
    for (const row of rows) {
      const sql = readFileSync(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
    }
  } finally {
    await client.end();
  }
});

test('applying again is a no-op', () => {
  const result = dbScript('migrate');
  expect(result.status).toBe(0);
  expect(result.stdout.trim()).toBe('database is up to date');
});
