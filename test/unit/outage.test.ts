/**
 * src/api/outage.ts on REAL error objects: each is produced here by the real driver (Prisma on the
 * pg adapter, pg, the Temporal TS client and its Rust core, nodemailer) failing against a closed
 * port, a server that resets, closes or never answers, or a fault proxy that is cut — the shapes
 * the API meets when PostgreSQL or Temporal goes away (issue 7 defect 5). No hand-made look-alikes.
 * The same shapes through the whole API (503 + Retry-After) are in test/integration/outage.test.ts.
 */
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { failureCause, failureCode, outageOf } from '../../src/api/outage';
import { createDb, type Db } from '../../src/db/client';
import { createSmtpMailer } from '../../src/mail/mailer';
import { NotFoundError, ValidationError } from '../../src/shared/errors';
import { failFastInterceptors } from '../../src/temporal/client';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
const dbs: Db[] = [];

/** A TCP server doing `onConnection` with every socket (kept so afterAll can end them). */
async function tcpServer(onConnection: (s: net.Socket) => void): Promise<number> {
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onConnection(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return (server.address() as net.AddressInfo).port;
}

/** A port nothing listens on: connections are refused. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

let refusedPort: number;
/** Accepts and never sends a byte (a hung server). */
let silentPort: number;
/** Accepts and closes at once (FIN). */
let hangUpPort: number;
/** A fault proxy, cut: connections reset. */
let cutProxy: FaultProxy;

beforeAll(async () => {
  refusedPort = await closedPort();
  silentPort = await tcpServer(() => undefined);
  hangUpPort = await tcpServer((s) => s.end());
  cutProxy = await startFaultProxy({ host: '127.0.0.1', port: silentPort });
  cutProxy.cut();
});

afterAll(async () => {
  for (const db of dbs) await db.$disconnect().catch(() => undefined);
  await cutProxy.close();
  for (const s of sockets) s.destroy();
  for (const server of servers) await new Promise((r) => server.close(r));
});

const dbAt = (port: number) => {
  const db = createDb({ url: `postgresql://ccm@127.0.0.1:${port}/ccm`, max: 2 });
  dbs.push(db);
  return db;
};

/** The error `fn` rejects with (fails the test if it resolves). */
async function errorOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

const DATABASE = { dependency: 'database', message: 'the database is unavailable; retry later' };
const TEMPORAL = { dependency: 'temporal', message: expect.stringMatching(/Temporal.*unavailable; retry later/) };

describe('PostgreSQL through Prisma and pg', () => {
  test('refused (nothing listening): raw query P2010 and model query P1001 → database, refused', async () => {
    const db = dbAt(refusedPort);
    for (const err of [await errorOf(() => db.$queryRaw`SELECT 1`), await errorOf(() => db.staffMember.findMany())]) {
      expect(outageOf(err)).toEqual(DATABASE);
      expect(failureCode(err)).toBe('refused');
      expect(failureCause(err)).toBe('connection refused');
    }
  });

  test('reset on connect (a cut fault proxy): P1017/P2010 ConnectionClosed → database, unreachable', async () => {
    const db = dbAt(cutProxy.port);
    const err = await errorOf(() => db.staffMember.findMany());
    expect(err).toMatchObject({ name: 'PrismaClientKnownRequestError' });
    expect(outageOf(err)).toEqual(DATABASE);
    expect(failureCode(err)).toBe('unreachable');
    expect(failureCause(err)).toMatch(/^connection (reset|closed)$/);
  });

  test('closed by the server before the handshake: "Connection terminated unexpectedly" → database', async () => {
    const err = await errorOf(() => dbAt(hangUpPort).$queryRaw`SELECT 1`);
    expect((err as Error).message).toMatch(/Connection terminated unexpectedly/);
    expect(outageOf(err)).toEqual(DATABASE);
    expect(failureCause(err)).toBe('connection closed');
  });

  test('a server that never answers: the connect is bounded (createDb) and the error → database, timeout', async () => {
    const db = dbAt(silentPort);
    const started = Date.now();
    const err = await errorOf(() => db.$queryRaw`SELECT 1`);
    expect(Date.now() - started).toBeLessThan(10_000); // bounded, not hung
    expect(outageOf(err)).toEqual(DATABASE);
    expect(failureCode(err)).toBe('timeout');
    const tx = await errorOf(() => db.$transaction(async (t) => t.$queryRaw`SELECT 1`));
    expect(outageOf(tx)).toEqual(DATABASE);
  });

  test('pg without Prisma: the raw ECONNREFUSED → database', async () => {
    const client = new pg.Client({ connectionString: `postgresql://ccm@127.0.0.1:${refusedPort}/ccm` });
    const err = await errorOf(() => client.connect());
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(outageOf(err)).toEqual(DATABASE);
    expect(failureCode(err)).toBe('refused');
  });
});

describe('Temporal through the TS client and the Rust core', () => {
  test('Connection.connect to a closed port: "Failed to connect before the deadline" → temporal', async () => {
    const err = await errorOf(() => Connection.connect({ address: `127.0.0.1:${refusedPort}`, connectTimeout: 300 }));
    expect((err as Error).message).toMatch(/Failed to connect before the deadline/);
    expect(outageOf(err)).toEqual(TEMPORAL);
  });

  test('a call on a lazy connection to a closed port: gRPC UNAVAILABLE, and ServiceError around it → temporal, refused', async () => {
    // A port of its own: grpc-js shares subchannels per address, and one in back-off after another
    // test's attempt reports "Last error: null" (then the cause is 'unreachable', not 'refused').
    const connection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}`, interceptors: failFastInterceptors() });
    try {
      const raw = await errorOf(() => connection.workflowService.getSystemInfo({}));
      expect(raw).toMatchObject({ code: 14 });
      expect(outageOf(raw)).toEqual(TEMPORAL);
      expect(failureCode(raw)).toBe('refused');
      const wrapped = await errorOf(() => new Client({ connection }).workflow.getHandle('some-workflow').describe());
      expect(wrapped).toMatchObject({ name: 'ServiceError' });
      expect(outageOf(wrapped)).toEqual(TEMPORAL);
      expect(failureCause(wrapped)).toBe('connection refused');
    } finally {
      await connection.close();
    }
  });

  test('a server that never answers, with a deadline: DEADLINE_EXCEEDED → temporal, timeout', async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${silentPort}`, interceptors: failFastInterceptors() });
    try {
      const err = await errorOf(() => connection.withDeadline(Date.now() + 500, () => connection.workflowService.getSystemInfo({})));
      expect(err).toMatchObject({ code: 4 });
      expect(outageOf(err)).toEqual(TEMPORAL);
      expect(failureCode(err)).toBe('timeout');
    } finally {
      await connection.close();
    }
  });

  test('NativeConnection (the worker) to a closed port and to a cut proxy: TransportError → temporal, short cause', async () => {
    const refused = await errorOf(() => NativeConnection.connect({ address: `127.0.0.1:${refusedPort}` }));
    expect((refused as Error).message).toMatch(/tonic::transport/);
    expect(outageOf(refused)).toEqual(TEMPORAL);
    expect(failureCause(refused)).toBe('connection refused');
    const reset = await errorOf(() => NativeConnection.connect({ address: cutProxy.address }));
    expect(outageOf(reset)).toEqual(TEMPORAL);
    // tonic reports the reset at connect or during the first call (reset, closed, broken pipe).
    expect(failureCause(reset)).toMatch(/^connection (reset|closed)$/);
  });
});

describe('SMTP (for /health and start-up; not an API outage)', () => {
  test('verify against a closed port: refused; against a server greeting 421: refused by the server', async () => {
    const closed = createSmtpMailer({ url: `smtp://127.0.0.1:${refusedPort}`, from: 'care@bank.test' });
    const err = await errorOf(() => closed.verify());
    expect(failureCode(err)).toBe('refused');
    expect(failureCause(err)).toBe('connection refused');
    expect(outageOf(err)).toBeUndefined(); // the API sends no mail itself
    closed.close();

    const busy = new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS', 'AUTH'],
      onConnect: (_s, cb) => cb(Object.assign(new Error('busy, try later'), { responseCode: 421 })),
    });
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.server.address() as net.AddressInfo).port;
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${port}`, from: 'care@bank.test' });
    try {
      const refused = await errorOf(() => mailer.verify());
      expect(failureCode(refused)).toBe('refused');
      expect(failureCause(refused)).toBe('refused by the server (421)');
    } finally {
      mailer.close();
      await new Promise<void>((r) => busy.close(() => r()));
    }
  });

  test('a server that never greets: nodemailer greeting timeout → timeout', async () => {
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${silentPort}?greetingTimeout=300`, from: 'care@bank.test' });
    try {
      const err = await errorOf(() => mailer.verify());
      expect(failureCode(err)).toBe('timeout');
      expect(failureCause(err)).toBe('timed out');
    } finally {
      mailer.close();
    }
  });
});

describe('not outages: bugs and bad requests stay what they are', () => {
  test('a Prisma validation error, our domain errors, a TypeError and a plain Error → undefined', async () => {
    const db = dbAt(refusedPort);
    // Rejected by Prisma before any connection is tried.
    const invalid = await errorOf(() => db.staffMember.findMany({ where: { noSuchField: 1 } as never }));
    expect(invalid).toMatchObject({ name: 'PrismaClientValidationError' });
    let typeError: unknown;
    try {
      (undefined as unknown as { x(): void }).x();
    } catch (err) {
      typeError = err;
    }
    for (const err of [invalid, new ValidationError([{ field: 'key', reason: 'required' }]), new NotFoundError('no reminder x'), typeError, new Error('boom'), 'a string', undefined]) {
      expect(outageOf(err)).toBeUndefined();
    }
  });
});
