/**
 * src/app/wait-for.ts: a dependency that is not there yet is waited for, one log line per attempt
 * naming it, its variable and its address with a short cause, then "is up" once (issue 7 defect 11).
 * The probes are real: a TCP connect to a port that is closed and then listened on, and a probe
 * that never answers.
 */
import net from 'node:net';
import { backoffDelay, formatDelay, urlAddress, waitFor, WaitAborted } from '../../src/app/wait-for';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

test('backoff doubles from the initial delay up to the cap; delays read as seconds', () => {
  expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 500, 5000))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
  expect([500, 1000, 5000, 250].map(formatDelay)).toEqual(['0.5 s', '1 s', '5 s', '0.3 s']);
});

test('urlAddress shows host:port only — never the password in a DATABASE_URL', () => {
  expect(urlAddress('postgresql://ccm:s3cret@db.internal:6543/ccm?sslmode=require', 5432)).toBe('db.internal:6543');
  expect(urlAddress('smtp://user:pw@mail.example', 25)).toBe('mail.example:25');
  expect(urlAddress('not a url', 25)).toBe('(unparsable URL)');
});

test('a refused dependency: one line per attempt with the cause and the next delay, then "is up" once it listens', async () => {
  const port = await freePort();
  const lines: string[] = [];
  const target = { name: 'the database', variable: 'DATABASE_URL', address: `127.0.0.1:${port}` };
  // A real TCP connect: ECONNREFUSED until the server listens.
  const probe = () =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('reached');
      });
      socket.once('error', reject);
    });
  const waiting = waitFor(target, probe, { log: (l) => lines.push(l), initialDelayMs: 100, maxDelayMs: 200 });
  while (lines.length < 3) await new Promise((r) => setTimeout(r, 20));

  const server = net.createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  try {
    await expect(waiting).resolves.toBe('reached');
  } finally {
    await new Promise((r) => server.close(r));
  }
  const waitingLines = lines.slice(0, -1);
  expect(waitingLines.length).toBeGreaterThanOrEqual(3);
  const line = (delay: string) => `waiting for the database at 127.0.0.1:${port} (DATABASE_URL): connection refused; retrying in ${delay}`;
  expect(waitingLines.slice(0, 3)).toEqual([line('0.1 s'), line('0.2 s'), line('0.2 s')]);
  expect(lines.at(-1)).toBe(`the database at 127.0.0.1:${port} is up`);
  expect(lines.filter((l) => l.endsWith('is up'))).toHaveLength(1);
});

test('an attempt that never answers counts as "timed out"; abort ends the wait with WaitAborted', async () => {
  const lines: string[] = [];
  const abort = new AbortController();
  const waiting = waitFor({ name: 'SMTP', variable: 'SMTP_URL', address: '127.0.0.1:2525' }, () => new Promise<never>(() => undefined), {
    log: (l) => lines.push(l),
    initialDelayMs: 100,
    attemptTimeoutMs: 50,
    signal: abort.signal,
  });
  while (lines.length < 2) await new Promise((r) => setTimeout(r, 10));
  abort.abort();
  await expect(waiting).rejects.toBeInstanceOf(WaitAborted);
  expect(lines[0]).toBe('waiting for SMTP at 127.0.0.1:2525 (SMTP_URL): timed out; retrying in 0.1 s');
});
