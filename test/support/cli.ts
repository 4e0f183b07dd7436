/**
 * The real CLI in the integration tests: `node bin/ccm.js …` as a child process, as an operator runs
 * it, against the test file's PostgreSQL database (DATABASE_URL, own-database.ts) and — when given a
 * task queue — the Temporal dev server from global-setup.ts. What a test asserts is what the operator
 * sees: the exit code, stdout, the one-line error on stderr.
 *
 *   const keys = cliKeys('fb-1');                     // the CLI's data keys; keys.ring for this process
 *   const ccm = ccmRunner({ keys, taskQueue: () => stack.taskQueue });
 *   const res = await ccm(['--as', CS, 'feedback', 'list']);  // { code, stdout, stderr }
 *
 * The worker behind such a CLI is startApiStack's (stack.ts) with `keys.ring`; staff with fixed ids
 * (the CLI's output names them) come from staffMembers.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';
import { keyRingFromEnv, type KeyRing } from '../../src/security/keyring';
import { PROJECT_ROOT } from '../../src/temporal/binaries';
import { devServerAddress } from './temporal';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `args`; `env` adds to (or, with '', blanks) the runner's variables for this run only. */
export type Ccm = (args: string[], env?: Record<string, string>) => Promise<CliResult>;

export interface CliKeys {
  /** DATA_ENCRYPTION_KEYS, DATA_ENCRYPTION_KEY_ID (the first id) and BLIND_INDEX_KEY, fresh random keys. */
  env: { DATA_ENCRYPTION_KEYS: string; DATA_ENCRYPTION_KEY_ID: string; BLIND_INDEX_KEY: string };
  /** The same keys as this process's key ring (the worker's codec, the test's own encryption). */
  ring: KeyRing;
}

const randomKey = () => randomBytes(32).toString('base64');

/** Fresh data keys under `ids` (the first current) and a blind-index key, for the CLI and this process alike. */
export function cliKeys(...ids: [string, ...string[]]): CliKeys {
  const env = { DATA_ENCRYPTION_KEYS: ids.map((id) => `${id}:${randomKey()}`).join(','), DATA_ENCRYPTION_KEY_ID: ids[0], BLIND_INDEX_KEY: randomKey() };
  return { env, ring: keyRingFromEnv(env) };
}

export interface CcmOptions {
  /** Temporal: the dev server, on this task queue (a function is read at each run: a stack's queue is known once it runs). */
  taskQueue?: string | (() => string);
  /** The CLI's data keys (cliKeys); without them it inherits this process's (none: the development key ring). */
  keys?: CliKeys;
  /** More variables for every run (after the above). */
  env?: Record<string, string>;
  /** The run is killed after this long. */
  timeoutMs?: number;
}

/**
 * A `ccm(args, env?)` for a test file. Every run has this process's environment without CCM_STAFF_ID
 * (who acts is given by `--as`) and POLICY_FILE (the default policy, as the tests'), LOG_LEVEL=warn,
 * then the options' variables, then the run's own.
 */
export function ccmRunner(opts: CcmOptions = {}): Ccm {
  return (args, env = {}) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    delete childEnv.CCM_STAFF_ID;
    delete childEnv.POLICY_FILE;
    const taskQueue = typeof opts.taskQueue === 'function' ? opts.taskQueue() : opts.taskQueue;
    Object.assign(childEnv, { LOG_LEVEL: 'warn' }, taskQueue ? { TEMPORAL_ADDRESS: devServerAddress(), TASK_QUEUE: taskQueue } : {}, opts.keys?.env, opts.env, env);
    return runCcm(args, childEnv, opts.timeoutMs ?? 60_000);
  };
}

/** Runs `node bin/ccm.js …` asynchronously (a worker in this process keeps running meanwhile). */
function runCcm(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'ccm.js'), ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Staff members with the given ids, one per entry `id: roles`, each named `Staff <id>` with the address `<id>@bank.test`. */
export async function staffMembers(db: Db, staff: Record<string, readonly StaffRole[]>): Promise<void> {
  await db.staffMember.createMany({ data: Object.entries(staff).map(([id, roles]) => ({ id, name: `Staff ${id}`, email: `${id}@bank.test`, roles: [...roles] })) });
}
