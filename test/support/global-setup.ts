/**
 * Once per test project: a fresh PostgreSQL database with the committed migrations applied, a
 * prebuilt workflow bundle, and (integration only) a Temporal dev server with our search attributes.
 * Everything is torn down by global-teardown.ts. PostgreSQL itself must be running (.ci/run starts it).
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
import { PROJECT_ROOT } from '../../src/temporal/binaries';

export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

declare global {
  var __CCM_TEARDOWN__: (() => Promise<void>)[] | undefined;
}

export default async function globalSetup(_global: Config.GlobalConfig, project: Config.ProjectConfig): Promise<void> {
  const teardown: (() => Promise<void>)[] = (globalThis.__CCM_TEARDOWN__ ??= []);
  const tier = typeof project.displayName === 'string' ? project.displayName : (project.displayName?.name ?? 'test');

  // 1. Database: created here, dropped in teardown.
  const dbName = `ccm_test_${tier}_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect().catch((err: Error) => {
    throw new Error(`PostgreSQL is not reachable at ${ADMIN_URL} (${err.message}); start it or set TEST_DATABASE_ADMIN_URL`);
  });
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  process.env.DATABASE_URL = url.toString();
  const migrate = spawnSync(
    process.execPath,
    ['--experimental-wasm-modules', '--no-warnings', '--import', 'tsx', 'scripts/db.ts', 'migrate'],
    { cwd: PROJECT_ROOT, env: process.env, encoding: 'utf8' },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  teardown.push(async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await c.end();
  });

  // 2. Workflow bundle, built once for every test file of the run.
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccm-bundle-'));
  process.env.CCM_WORKFLOW_BUNDLE = path.join(dir, 'workflow-bundle.js');
  writeFileSync(process.env.CCM_WORKFLOW_BUNDLE, code);

  // 3. Integration tier: a real Temporal dev server (in memory, headless).
  if (tier === 'integration') {
    const server: DevServer = await startDevServer({ uiPort: false, logFile: path.join(dir, 'temporal.log') });
    process.env.CCM_TEST_TEMPORAL_ADDRESS = server.address;
    teardown.push(() => server.stop());
  }
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (msg: string) => console.warn(msg),
  error: (msg: string) => console.error(msg),
};
