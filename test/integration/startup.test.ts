/**
 * Patient start-up (issue 7 defect 11): the real worker and API processes (`npm run worker`,
 * `npm run api`) started while Temporal, PostgreSQL and SMTP are all unreachable — each behind a
 * fault proxy that is cut. Each process logs one line per attempt naming the dependency, the
 * variable and the address (no transport dump), the API answers /health 503 'starting' at once;
 * (each line a JSON log line with its component, src/observability/logger.ts);
 * once the proxies are restored the API turns 200 and the worker polls; SIGTERM exits 0. A SIGTERM
 * while still waiting exits 0 too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { PROJECT_ROOT } from '../../src/temporal/binaries';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';
import { devServerAddress } from '../support/temporal';

jest.setTimeout(180_000);

let smtp: TestSmtpServer;
let proxies: { temporal: FaultProxy; database: FaultProxy; smtp: FaultProxy };
let env: NodeJS.ProcessEnv;

function hostPort(address: string): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname, port: Number(url.port) };
}

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  const dbUrl = new URL(process.env.DATABASE_URL!);
  proxies = {
    temporal: await startFaultProxy(hostPort(devServerAddress())),
    database: await startFaultProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) }),
    smtp: await startFaultProxy(hostPort(smtp.url)),
  };
  dbUrl.hostname = proxies.database.host;
  dbUrl.port = String(proxies.database.port);
  env = {
    ...process.env,
    TEMPORAL_ADDRESS: proxies.temporal.address,
    DATABASE_URL: dbUrl.toString(),
    SMTP_URL: `smtp://${proxies.smtp.address}`,
    MAIL_FROM: 'care@bank.test',
    TASK_QUEUE: `startup-${randomUUID().slice(0, 8)}`,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  for (const p of Object.values(proxies ?? {})) await p.close();
  await smtp?.close();
});

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function spawnEntry(entry: string): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function until<T>(what: string, proc: Proc, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (proc.child.exitCode !== null) throw new Error(`exited (${proc.child.exitCode}) before ${what}:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A process's status lines: its JSON log lines (src/observability/logger.ts) that name a component. */
function statusLines(output: string): { component: string; msg: string }[] {
  const lines: { component: string; msg: string }[] = [];
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const line = JSON.parse(text) as { component?: unknown; msg?: unknown };
      if (typeof line.component === 'string' && typeof line.msg === 'string') lines.push({ component: line.component, msg: line.msg });
    } catch {
      // the last line may still be arriving
    }
  }
  return lines;
}

/** The messages `component` logged. */
const said = (output: string, component: string): string[] => statusLines(output).filter((l) => l.component === component).map((l) => l.msg);

/** The waiting line for one dependency: one line, named, with the variable and the address. */
function waitingLine(output: string, component: string, name: string, variable: string, address: string): string | undefined {
  const escaped = `waiting for ${name} at ${address} (${variable}): `.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return said(output, component).find((msg) => new RegExp(`^${escaped}[a-z ()0-9]+; retrying in [0-9.]+ s$`).test(msg));
}

function expectWaitingLines(proc: Proc, component: 'worker' | 'api') {
  const out = proc.output();
  const lines = {
    temporal: waitingLine(out, component, 'Temporal', 'TEMPORAL_ADDRESS', proxies.temporal.address),
    database: waitingLine(out, component, 'the database', 'DATABASE_URL', proxies.database.address),
    smtp: waitingLine(out, component, 'SMTP', 'SMTP_URL', proxies.smtp.address),
  };
  expect(lines).toEqual({ temporal: expect.any(String), database: expect.any(String), smtp: expect.any(String) });
  // A short cause, never the transport dump the issue found (tonic::transport::Error(…)) or a stack.
  expect(out).not.toMatch(/tonic|ConnectError|Os \{|\n\s+at |invocation|Failed to connect before the deadline/);
}

async function health(url: string): Promise<{ status: number; body: { status: string; checks: Record<string, { ok: boolean }> } } | undefined> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as never };
  } catch {
    return undefined;
  }
}

test('everything unreachable at start: both wait and say for what; /health 503 starting; restored → 200 and polling; SIGTERM exits 0', async () => {
  proxies.temporal.cut();
  proxies.database.cut();
  proxies.smtp.cut();
  const worker = spawnEntry('src/worker/main.ts');
  const api = spawnEntry('src/api/main.ts');
  try {
    const url = await until('the API listening', api, () => said(api.output(), 'api').map((msg) => /^listening on (http:\/\/\S+)/.exec(msg)?.[1]).find(Boolean));
    const starting = await health(url);
    expect(starting).toMatchObject({ status: 503, body: { status: 'starting', checks: { temporal: { ok: false }, database: { ok: false }, smtp: { ok: false } } } });

    await until('the worker waiting lines', worker, () => /waiting for SMTP/.test(worker.output()) && /waiting for Temporal/.test(worker.output()) && /waiting for the database/.test(worker.output()));
    await until('the API waiting lines', api, () => /waiting for SMTP/.test(api.output()) && /waiting for Temporal/.test(api.output()) && /waiting for the database/.test(api.output()));
    expectWaitingLines(worker, 'worker');
    expectWaitingLines(api, 'api');
    expect(worker.output()).not.toMatch(/polling task queue/);

    proxies.temporal.restore();
    proxies.database.restore();
    proxies.smtp.restore();

    const ok = await until('/health 200', api, async () => {
      const h = await health(url);
      return h?.status === 200 ? h : undefined;
    });
    expect(ok.body).toMatchObject({ status: 'ok', checks: { temporal: { ok: true }, database: { ok: true }, smtp: { ok: true } } });
    await until('the worker polling', worker, () => said(worker.output(), 'worker').some((msg) => msg.startsWith('polling task queue')));
    for (const [proc, component] of [[worker, 'worker'], [api, 'api']] as const) {
      const out = proc.output();
      for (const [name, address] of [['Temporal', proxies.temporal.address], ['the database', proxies.database.address]] as const) {
        // "is up" once per dependency
        expect([component, name, said(out, component).filter((msg) => msg === `${name} at ${address} is up`).length]).toEqual([component, name, 1]);
      }
    }

    worker.child.kill('SIGTERM');
    api.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await api.exited).toBe(0);
  } finally {
    worker.child.kill('SIGKILL');
    api.child.kill('SIGKILL');
  }
});

test('SIGTERM while still waiting: both exit 0 at once', async () => {
  proxies.temporal.cut();
  proxies.database.cut();
  proxies.smtp.cut();
  const worker = spawnEntry('src/worker/main.ts');
  const api = spawnEntry('src/api/main.ts');
  try {
    await until('the worker waiting', worker, () => /waiting for Temporal/.test(worker.output()));
    await until('the API waiting', api, () => /waiting for Temporal/.test(api.output()));
    worker.child.kill('SIGTERM');
    api.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await api.exited).toBe(0);
    expect(said(worker.output(), 'worker')).toContain('SIGTERM: stopping');
    expect(worker.output()).not.toMatch(/polling task queue/);
  } finally {
    worker.child.kill('SIGKILL');
    api.child.kill('SIGKILL');
    proxies.temporal.restore();
    proxies.database.restore();
    proxies.smtp.restore();
  }
});
