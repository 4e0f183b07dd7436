/**
 * Once per jest run (the first tier's setup; the second reuses them): a fresh PostgreSQL database
 * with the committed migrations applied, the template each test file clones for a database of its
 * own (own-database.ts), and a prebuilt workflow bundle; for the integration tier, a Temporal dev
 * server with our search attributes. Everything is torn down by global-teardown.ts. PostgreSQL
 * itself must be running (.ci/run starts it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '@jest/types';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { WORKFLOWS_PATH } from '../../src/worker/worker';
import { FAILURE_CONVERTER_PATH } from '../../src/temporal/codec';
import { PROJECT_ROOT } from '../../src/temporal/binaries';

export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

declare global {
  var __CCM_TEARDOWN__: (() => Promise<void>)[] | undefined;
}

export default async function globalSetup(_global: Config.GlobalConfig, project: Config.ProjectConfig): Promise<void> {
  const teardown: (() => Promise<void>)[] = (globalThis.__CCM_TEARDOWN__ ??= []);
  const tier = typeof project.displayName === 'string' ? project.displayName : (project.displayName?.name ?? 'test');

  // Both tiers' setups run in jest's one main process: the template database and the workflow
  // bundle are made by the first and shared by the second.
  if (!process.env.CCM_TEST_DB_TEMPLATE) await migratedTemplate(teardown);
  if (!process.env.CCM_WORKFLOW_BUNDLE) {
    // 2. Workflow bundle, built once for every test file of the run.
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietLogger });
    process.env.CCM_WORKFLOW_BUNDLE = path.join(mkdtempSync(path.join(os.tmpdir(), 'ccm-bundle-')), 'workflow-bundle.js');
    writeFileSync(process.env.CCM_WORKFLOW_BUNDLE, code);
  }

  // 3. Integration tier: a real Temporal dev server (in memory, headless).
  if (tier === 'integration') {
    const server: DevServer = await startDevServer({ uiPort: false, logFile: path.join(path.dirname(process.env.CCM_WORKFLOW_BUNDLE), 'temporal.log') });
    process.env.CCM_TEST_TEMPORAL_ADDRESS = server.address;
    teardown.push(() => server.stop());
  }
}

/**
 * 1. A fresh database with the committed migrations, the template each test file clones for a
 * database of its own (test/support/own-database.ts); it and every clone are dropped in teardown.
 */
async function migratedTemplate(teardown: (() => Promise<void>)[]): Promise<void> {
  const dbName = `ccm_test_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect().catch((err: Error) => {
    throw new Error(`PostgreSQL is not reachable at ${ADMIN_URL} (${err.message}); start it or set TEST_DATABASE_ADMIN_URL`);
  });
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  teardown.push(async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    const { rows } = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $1 || '_')`, [dbName]);
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await c.end();
  });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const migrate = spawnSync(
    process.execPath,
    ['--experimental-wasm-modules', '--no-warnings', '--import', 'tsx', 'scripts/db.ts', 'migrate'],
    { cwd: PROJECT_ROOT, env: { ...process.env, DATABASE_URL: url.toString() }, encoding: 'utf8' },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  process.env.CCM_TEST_DB_TEMPLATE = dbName;
  process.env.CCM_TEST_DB_ADMIN_URL = ADMIN_URL;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (msg: string) => console.warn(msg),
  error: (msg: string) => console.error(msg),
};
