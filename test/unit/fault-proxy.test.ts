/**
 * The fault proxy (test/support/fault-proxy.ts) on plain TCP: a real echo server behind it and a
 * real client in front. Its behaviour in front of PostgreSQL, Temporal and SMTP is covered in
 * test/integration/fault-proxy.test.ts.
 */
import net from 'node:net';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';

let echo: net.Server;
let echoPort: number;
let proxy: FaultProxy;
const clients: net.Socket[] = [];

beforeAll(async () => {
  echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => echo.close(() => r()));
});

beforeEach(async () => {
  proxy = await startFaultProxy({ host: '127.0.0.1', port: echoPort });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await proxy.close();
});

/** A connected client that collects what it receives and how its connection ended. */
async function connect(): Promise<{ socket: net.Socket; received: () => string; closed: Promise<string> }> {
  const socket = net.connect({ host: proxy.host, port: proxy.port });
  clients.push(socket);
  let data = '';
  socket.on('data', (c: Buffer) => (data += c.toString()));
  const closed = new Promise<string>((resolve) => {
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    socket.on('close', () => resolve('closed'));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => data, closed };
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the address is 127.0.0.1:<port> and bytes flow both ways unchanged', async () => {
  expect(proxy.address).toBe(`127.0.0.1:${proxy.port}`);
  const c = await connect();
  const payload = Buffer.alloc(3 * 1024 * 1024, 'x').toString() + 'end';
  c.socket.write(payload);
  await until(() => c.received().length === payload.length, 15_000);
  expect(c.received()).toBe(payload);
  expect(proxy.connections()).toBe(1);
});

test('pause holds bytes on open and new connections; resume releases them in order', async () => {
  const open = await connect();
  proxy.pause();
  open.socket.write('one,');
  const late = await connect(); // accepted while paused
  late.socket.write('held');
  open.socket.write('two');
  await sleep(300);
  expect(open.received()).toBe('');
  expect(late.received()).toBe('');
  expect(proxy.connections()).toBe(2);

  proxy.resume();
  await until(() => open.received() === 'one,two' && late.received() === 'held');
});

test('cut closes open connections and refuses new ones until restore', async () => {
  const open = await connect();
  open.socket.write('ping');
  await until(() => open.received() === 'ping');

  proxy.cut();
  expect(await open.closed).toBe('closed');
  expect(proxy.connections()).toBe(0);

  const refused = net.connect({ host: proxy.host, port: proxy.port });
  const outcome = await new Promise<string>((resolve) => {
    let got = '';
    refused.on('data', (c: Buffer) => (got += c.toString()));
    refused.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    refused.on('close', () => resolve(`closed:${got}`));
    refused.on('connect', () => refused.write('anyone?'));
  });
  expect(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'closed:']).toContain(outcome);

  proxy.restore();
  const again = await connect();
  again.socket.write('back');
  await until(() => again.received() === 'back');
});

test('slow delays every chunk by at least the given ms; slow(0) turns it off', async () => {
  const c = await connect();
  proxy.slow(300);
  const started = Date.now();
  c.socket.write('a');
  await until(() => c.received() === 'a');
  // one delay on the way in, one on the way back
  expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 300 - 5);

  proxy.slow(0);
  c.socket.write('b');
  await until(() => c.received() === 'ab', 250);
});

test('a target that is down: the client connection is closed, not left hanging', async () => {
  const dead = net.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadPort = (dead.address() as net.AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const toNowhere = await startFaultProxy({ host: '127.0.0.1', port: deadPort });
  try {
    const s = net.connect({ host: toNowhere.host, port: toNowhere.port });
    const outcome = await new Promise<string>((resolve) => {
      s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      s.on('close', () => resolve('closed'));
    });
    expect(['ECONNRESET', 'closed']).toContain(outcome);
    expect(toNowhere.connections()).toBe(0);
  } finally {
    await toNowhere.close();
  }
});

test('close() ends open connections and frees the port', async () => {
  const c = await connect();
  const port = proxy.port;
  await proxy.close();
  expect(await c.closed).toBe('closed');
  // the port can be listened on again
  proxy = await startFaultProxy({ host: '127.0.0.1', port: echoPort }, { port });
  expect(proxy.port).toBe(port);
});
