/**
 * Embedded PostgreSQL for `npm start` without a database server: PGlite (PostgreSQL compiled to WASM,
 * data files under `dataDir`) served on the PostgreSQL wire protocol by @electric-sql/pglite-socket,
 * so Prisma, `pg` and the migration script connect to it like to any PostgreSQL. It runs in a child
 * process (see startEmbeddedPostgres).
 *
 * PGlite is ONE backend session. pglite-socket 0.2.17 multiplexes several connections onto it one
 * protocol message at a time, which is not enough: when a client's Parse/Bind/Execute/Sync arrive in
 * separate TCP chunks (e.g. a large parameter), another connection's Parse can replace the shared
 * unnamed statement in between, and the first query silently runs the other query's SQL (reproduced
 * with 5 pooled connections and a 300 kB parameter). So clients connect to a small gate in front of
 * pglite-socket that lets one connection at a time talk to PGlite, from the first message of a request
 * until its ReadyForQuery, and for a whole transaction (until ReadyForQuery says idle again).
 */
import { fork } from 'node:child_process';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';

/**
 * Pool size to use per process against the embedded server (`new PrismaPg({ connectionString, max })`).
 * The server accepts many connections (several processes may connect), but PGlite runs one statement
 * and one transaction at a time for all of them, so more pooled connections only wait in the gate
 * instead of in the pool. One keeps the number of open sockets and queued work minimal.
 */
export const EMBEDDED_PG_MAX_CONNECTIONS = 1;

/** Connections the embedded server accepts at once, over all processes. */
export const EMBEDDED_PG_SERVER_CONNECTIONS = 64;

export interface EmbeddedPostgresOptions {
  /** Directory of the PostgreSQL data files; created on first start (initdb), reused afterwards. */
  dataDir: string;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  log?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** postgresql://postgres@host:port/postgres (PGlite has one user and one database). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const MAX_MESSAGE_BYTES = 1 << 30; // PostgreSQL's own limit; anything larger is a corrupt stream
const CLEANUP_TIMEOUT_MS = 5000;
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

const CHILD_FLAG = '--ccm-embedded-postgres';
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;
/** After stopping, the child exits by itself; if it has not by then, something was left open. */
const EXIT_AFTER_STOP_MS = 5000;

type ToParent =
  | { type: 'ready'; port: number }
  | { type: 'log'; line: string }
  | { type: 'error'; message: string }
  | { type: 'stopped' };

/**
 * Starts the server in a child process and resolves once it accepts connections. A child because
 * PGlite executes every statement synchronously on its thread (it would stall the caller's event
 * loop, e.g. Temporal worker heartbeats), and because its CommonJS build calls `import()` internally,
 * which Jest's module sandbox rejects. The child stops with stop() or when this process goes away.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { host = '127.0.0.1', port, log } = options;
  const config: ServeOptions = { dataDir: path.resolve(options.dataDir), host, port };
  // Sources (tsx, Jest) need tsx in the child; the compiled build runs as is.
  const execArgv = __filename.endsWith('.ts') ? ['--import', pathToFileURL(require.resolve('tsx')).href] : [];
  const child = fork(__filename, [CHILD_FLAG, JSON.stringify(config)], {
    execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
  });
  const output: string[] = []; // last lines PGlite printed, for the error message
  const onOutput = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 20) output.shift();
      log?.(`pglite: ${line}`);
    }
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const actualPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`embedded PostgreSQL did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.on('message', (message: ToParent) => {
      if (message.type === 'log') log?.(message.line);
      else if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.port);
      } else if (message.type === 'error') {
        clearTimeout(timer);
        reject(new Error(message.message));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited during start-up (code ${code})\n${output.join('\n')}`.trim()));
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const stopped = new Promise<void>((resolve) =>
          child.on('message', (message: ToParent) => message.type === 'stopped' && resolve()),
        );
        child.send({ type: 'stop' });
        const outcome = await Promise.race([
          stopped.then(() => 'stopped' as const),
          exited.then(() => 'exited' as const),
          delay(STOP_TIMEOUT_MS).then(() => 'timeout' as const),
        ]);
        if (outcome === 'timeout') log?.(`embedded PostgreSQL did not stop within ${STOP_TIMEOUT_MS / 1000} s; killed`);
        if (outcome === 'stopped' && (await Promise.race([exited.then(() => true), delay(EXIT_AFTER_STOP_MS).then(() => false)])) === false) {
          log?.('embedded PostgreSQL left handles open after stopping; killed');
        }
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      }
      log?.('embedded PostgreSQL stopped');
    })());
  void exited.then((code) => {
    if (!stopping) log?.(`embedded PostgreSQL exited unexpectedly (code ${code})`);
  });
  return { url: `postgresql://postgres@${urlHost(host)}:${actualPort}/postgres`, port: actualPort, stop };
}

interface ServeOptions {
  dataDir: string;
  host: string;
  port: number;
}

/** The child process: serve until the parent says stop or disappears. */
function runChild(config: ServeOptions): void {
  const send = (message: ToParent): void => void (process.connected && process.send?.(message));
  // Ctrl-C reaches the whole process group; the parent decides when the database goes away
  // (it may still need it while draining activities).
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  serve({ ...config, log: (line) => send({ type: 'log', line }) }).then(
    (server) => {
      // No process.exit(): the child ends only when stop() really closed everything.
      let shuttingDown = false;
      const shutdown = (): void => {
        if (shuttingDown) return;
        shuttingDown = true;
        void server.stop().then(
          () => {
            send({ type: 'stopped' });
            if (process.connected) process.disconnect();
          },
          (err: unknown) => {
            send({ type: 'log', line: `embedded PostgreSQL: stop failed: ${String(err)}` });
            process.exit(1);
          },
        );
      };
      process.on('message', (message: { type?: string }) => {
        if (message.type === 'stop') shutdown();
      });
      process.on('disconnect', shutdown);
      send({ type: 'ready', port: server.port });
    },
    (err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      process.exitCode = 1;
      if (process.connected) process.disconnect();
    },
  );
}

async function serve(options: ServeOptions & { log: (line: string) => void }): Promise<{ port: number; stop(): Promise<void> }> {
  const { host, port, log, dataDir } = options;
  // Listen first: a second `npm start` fails on the port before it touches the data files.
  const gate = new SessionGate();
  const links = new Set<ClientLink>();
  let provideUpstream: (port: number) => void = () => undefined;
  let failUpstream: (err: unknown) => void = () => undefined;
  const upstreamPort = new Promise<number>((resolve, reject) => {
    provideUpstream = resolve;
    failUpstream = reject;
  });
  upstreamPort.catch(() => undefined); // reported by serve() itself
  const front = net.createServer((socket) => {
    socket.on('error', () => undefined); // a client resetting its connection must not end the server
    if (links.size >= EMBEDDED_PG_SERVER_CONNECTIONS) {
      socket.end(errorResponse('53300', `too many connections to the embedded PostgreSQL (${EMBEDDED_PG_SERVER_CONNECTIONS})`));
      return;
    }
    // Early clients wait (their bytes stay buffered in the paused socket) until PGlite is up.
    void upstreamPort.then(
      (p) => {
        const link = new ClientLink(socket, net.connect(p, '127.0.0.1'), gate);
        links.add(link);
        void link.done.then(() => links.delete(link));
      },
      () => socket.destroy(),
    );
  });
  await listen(front, port, host).catch((err: NodeJS.ErrnoException) => {
    throw new Error(
      err.code === 'EADDRINUSE'
        ? `embedded PostgreSQL: ${host}:${port} is in use (another npm start? set EMBEDDED_PG_PORT or DATABASE_URL)`
        : `embedded PostgreSQL: cannot listen on ${host}:${port}: ${err.message}`,
    );
  });
  const actualPort = (front.address() as net.AddressInfo).port;

  const boot = async () => {
    // Loaded here, in the child only: the parent never needs PGlite's code.
    const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite-socket'),
    ]);
    const release = await lockDataDir(dataDir);
    const started = Date.now();
    let db: PGlite | undefined;
    try {
      db = await PGlite.create({ dataDir });
      // Only the gate connects here; loopback and a free port keep it private.
      const socketServer = new PGLiteSocketServer({
        db,
        host: '127.0.0.1',
        port: 0,
        maxConnections: EMBEDDED_PG_SERVER_CONNECTIONS + 1,
      });
      await socketServer.start();
      const innerPort = Number(socketServer.getServerConn().split(':').pop());
      log(`embedded PostgreSQL (PGlite) ready in ${Date.now() - started} ms on ${host}:${actualPort}, data in ${dataDir}`);
      return { db, socketServer, innerPort, release };
    } catch (err) {
      await db?.close().catch(() => undefined);
      await release();
      throw err;
    }
  };
  let inner: Awaited<ReturnType<typeof boot>>;
  try {
    inner = await boot();
    provideUpstream(inner.innerPort);
  } catch (err) {
    failUpstream(err);
    await new Promise<void>((resolve) => front.close(() => resolve()));
    throw err;
  }
  const { db, socketServer, release } = inner;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      await Promise.all([...links].map((link) => link.close()));
      await closed;
      // pglite-socket detaches its handlers on the next ticks (and may roll back); let that finish first.
      await new Promise((resolve) => setImmediate(resolve));
      await socketServer.stop();
      await db.close();
      await release();
    })());

  return { port: actualPort, stop };
}

/** One connection at a time owns the PGlite session; the others wait their turn in arrival order. */
class SessionGate {
  private owner: ClientLink | undefined;
  private readonly waiting: Array<{ link: ClientLink; grant: () => void }> = [];

  owns(link: ClientLink): boolean {
    return this.owner === link;
  }

  acquire(link: ClientLink): Promise<void> {
    if (!this.owner) this.owner = link;
    if (this.owner === link) return Promise.resolve();
    return new Promise((grant) => this.waiting.push({ link, grant }));
  }

  release(link: ClientLink): void {
    if (this.owner !== link) {
      const i = this.waiting.findIndex((w) => w.link === link);
      if (i >= 0) this.waiting.splice(i, 1);
      return;
    }
    const next = this.waiting.shift();
    this.owner = next?.link;
    next?.grant();
  }
}

type Kind = 'sync' | 'unit' | 'copy';

/**
 * A client connection relayed to its own pglite-socket connection. It takes the gate before sending
 * anything and gives it back once every request sent has been answered with ReadyForQuery and the
 * session is idle (not inside a transaction, no half-sent extended-protocol request).
 */
class ClientLink {
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private inbound: Buffer = Buffer.alloc(0);
  private started = false;
  private readonly queue: Array<{ message: Buffer; kind: Kind }> = [];
  private pumping = false;
  private syncsPending = 0;
  private inUnit = false;
  private status = 'I';
  private closing: Promise<void> | undefined;
  private upstreamOpen = true;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly replies: ReadyForQueryScanner;

  constructor(
    private readonly client: net.Socket,
    private readonly upstream: net.Socket,
    private readonly gate: SessionGate,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.replies = new ReadyForQueryScanner((status) => this.onReady(status));
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.onClientData(chunk));
    client.on('error', () => undefined);
    client.on('close', () => void this.close());
    upstream.on('data', (chunk: Buffer) => {
      this.replies.push(chunk);
      if (!client.destroyed) client.write(chunk);
    });
    upstream.on('error', () => undefined);
    upstream.on('close', () => {
      this.upstreamOpen = false;
      this.flushIdleWaiters();
      void this.close();
    });
  }

  /** Ends the connection, first leaving the shared session as it found it when this link owns it. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.queue.length = 0;
      this.client.destroy();
      if (this.gate.owns(this) && this.upstreamOpen) {
        if (this.inUnit) this.send(SYNC, 'sync');
        await this.whenIdle();
        if (this.status !== 'I' && this.upstreamOpen) {
          this.send(simpleQuery('ROLLBACK'), 'sync');
          await this.whenIdle();
        }
      }
      this.gate.release(this);
      if (this.upstreamOpen) {
        await new Promise<void>((resolve) => {
          this.upstream.once('close', () => resolve());
          this.upstream.end();
        });
      }
      this.resolveDone();
    })());
  }

  private onClientData(chunk: Buffer): void {
    if (this.closing) return;
    this.inbound = this.inbound.length ? Buffer.concat([this.inbound, chunk]) : chunk;
    for (;;) {
      if (!this.started) {
        // Startup-phase messages have no type byte: length, then a request code.
        if (this.inbound.length < 8) break;
        const length = this.inbound.readInt32BE(0);
        const code = this.inbound.readInt32BE(4);
        if (length < 8 || length > 10_000) return void this.close();
        if (this.inbound.length < length) break;
        const message = this.take(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.client.write('N'); // no TLS on a loopback dev database
          continue;
        }
        if (code === CANCEL_REQUEST) return void this.close(); // PGlite has no backend process to cancel
        this.started = true;
        this.queue.push({ message, kind: 'sync' }); // answered with ReadyForQuery after authentication
        continue;
      }
      if (this.inbound.length < 5) break;
      const type = String.fromCharCode(this.inbound[0]!);
      const length = this.inbound.readInt32BE(1);
      if (length < 4 || length > MAX_MESSAGE_BYTES) return void this.close();
      if (this.inbound.length < 1 + length) break;
      const message = this.take(1 + length);
      if (type === 'X') return void this.close(); // Terminate: PGlite's session outlives this client
      this.queue.push({ message, kind: kindOf(type) });
    }
    void this.pump();
  }

  private take(n: number): Buffer {
    const message = this.inbound.subarray(0, n);
    this.inbound = this.inbound.subarray(n);
    return message;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length && !this.closing) {
        if (!this.gate.owns(this)) await this.gate.acquire(this);
        if (this.closing) break; // close() releases the gate
        const next = this.queue.shift();
        if (next) this.send(next.message, next.kind);
      }
    } finally {
      this.pumping = false;
    }
  }

  private send(message: Buffer, kind: Kind): void {
    if (kind === 'sync') {
      this.syncsPending++;
      this.inUnit = false;
    } else if (kind === 'unit') this.inUnit = true;
    this.upstream.write(message);
  }

  private onReady(status: string): void {
    this.syncsPending = Math.max(0, this.syncsPending - 1);
    this.status = status;
    if (this.syncsPending === 0) this.flushIdleWaiters();
    if (this.closing || !this.gate.owns(this)) return;
    if (this.syncsPending === 0 && !this.inUnit && status === 'I' && !this.queue.length) this.gate.release(this);
    else if (this.queue.length) void this.pump();
  }

  private whenIdle(): Promise<void> {
    if (this.syncsPending === 0 || !this.upstreamOpen) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.upstream.destroy(); // PGlite did not answer: give up on this connection, not on the server
        resolve();
      }, CLEANUP_TIMEOUT_MS);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private flushIdleWaiters(): void {
    for (const waiter of this.idleWaiters.splice(0)) waiter();
  }
}

/** Messages after which the backend answers ReadyForQuery ('sync'), COPY data ('copy'), the rest. */
function kindOf(type: string): Kind {
  if (type === 'S' || type === 'Q' || type === 'F') return 'sync';
  if (type === 'd' || type === 'c' || type === 'f') return 'copy';
  return 'unit';
}

/** Finds ReadyForQuery ('Z', one status byte: I idle, T in transaction, E failed transaction) in the reply stream. */
class ReadyForQueryScanner {
  private header: Buffer = Buffer.alloc(0);
  private type = 0;
  private remaining = 0;

  constructor(private readonly onReady: (status: string) => void) {}

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining === 0) {
        const take = chunk.subarray(i, i + 5 - this.header.length);
        i += take.length;
        this.header = this.header.length ? Buffer.concat([this.header, take]) : take;
        if (this.header.length < 5) return;
        this.type = this.header[0]!;
        this.remaining = this.header.readInt32BE(1) - 4;
        this.header = Buffer.alloc(0);
        continue;
      }
      const n = Math.min(this.remaining, chunk.length - i);
      if (this.type === 0x5a /* Z */) this.onReady(String.fromCharCode(chunk[i]!));
      this.remaining -= n;
      i += n;
    }
  }
}

function simpleQuery(sql: string): Buffer {
  const text = Buffer.from(`${sql}\0`);
  const header = Buffer.alloc(5);
  header.write('Q', 0);
  header.writeInt32BE(4 + text.length, 1);
  return Buffer.concat([header, text]);
}

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function urlHost(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}

/**
 * PGlite does not guard its data directory the way postmaster.pid does; two processes on the same
 * files would corrupt them. A pid file next to the directory refuses the second one; a stale file
 * (its process gone) is taken over.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(path.dirname(dataDir), { recursive: true });
  const lockPath = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    const file = await open(lockPath, 'wx').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return undefined;
      throw err;
    });
    if (file) {
      await file.writeFile(String(process.pid));
      await file.close();
      return () => rm(lockPath, { force: true });
    }
    const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    if (pid && isAlive(pid)) {
      throw new Error(`embedded PostgreSQL: ${dataDir} is in use by process ${pid} (lock file ${lockPath})`);
    }
    await rm(lockPath, { force: true });
  }
  throw new Error(`embedded PostgreSQL: cannot lock ${dataDir} (${lockPath})`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Last, so that the classes above are initialised when the child starts serving.
if (process.argv[2] === CHILD_FLAG && process.send) runChild(JSON.parse(process.argv[3] ?? '{}') as ServeOptions);
