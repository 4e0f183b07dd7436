/**
 * npm run bench:api [-- --customers 100000 --duration 30 --connections 16 --warmup 3]
 *
 * Issue 12: "every read is audited (§3.1), so a list is a write too". How fast the production API
 * serves the three reads staff make all day — the inbox (GET /tasks), the customer list
 * (GET /customers?pageSize=20) and a customer page (GET /customers/:id) — next to the same SQL run
 * raw through pgbench against the same database in the same run. Target: API ≥ 50 % of raw and
 * p99 ≤ 50 ms at 16 connections with 100,000 customers.
 *
 *   1. A scratch database (migrated) with N customers written by bulk SQL (INSERT … SELECT FROM
 *      generate_series: customer, identity document, individual or enterprise profile), 20 % of them
 *      managed by one of 50 relationship managers, open tasks for the inbox, one staff member
 *      (CUSTOMER_SERVICE, sees every customer) with an API key; then VACUUM ANALYZE.
 *   2. The API in its own process (src/api/main.ts, as `npm run api`), with the default log level.
 *      No Temporal (TEMPORAL_ADDRESS points at a closed port: reads never need it) and no SMTP. The
 *      policy is the default but for `security.rateLimits.perApiKey` (POLICY_FILE): a load generator
 *      is not a person, and the per-key limit would answer it 429 within seconds. The limiter still
 *      counts every request.
 *   3. Per endpoint: a warm-up, then autocannon with `--connections` for `--duration` seconds (the
 *      customer page asks for a random customer each time) → requests/s, p50, p99; every answer 200.
 *   4. Raw, per endpoint: pgbench (-M extended, the pg driver's protocol; 2 threads) with the same
 *      connections and duration, running per transaction the SQL statements the API runs for one request
 *      (authentication, the read, the audit INSERT — one commit), → transactions/s and p50/p99 from
 *      pgbench's per-transaction log. The chain trigger of issue 13 runs in both.
 *   5. The ratio API / raw per endpoint, and audit commits per second of the API (group commit).
 *
 * Everything it starts it stops and removes.
 */
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import autocannon from 'autocannon';
import { hashApiKey } from '../src/security/auth';
import { DEFAULT_POLICY } from '../src/policy/policy';
import { CUSTOMER_VIEW_SELECT } from '../src/customers/customer-rows';
import { createScratchDatabase, cpuSecondsOf, cpuSecondsOfAll, DEFAULT_ADMIN_URL, pct, sleep, spawnEntry } from './support';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '3' },
    'admin-url': { type: 'string', default: DEFAULT_ADMIN_URL },
    /** Only the endpoints whose name contains this text. */
    only: { type: 'string' },
    /** Issue 13's cost: the same run with the audit chain trigger disabled (a measurement only; never in production). */
    'without-chain': { type: 'boolean', default: false },
    /** Keep the scratch database (its URL is printed) to look into it afterwards. */
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(values.customers);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const WARMUP = Number(values.warmup);
for (const [name, v, min] of [['--customers', N, 100], ['--duration', DURATION, 1], ['--connections', CONNECTIONS, 1], ['--warmup', WARMUP, 0]] as const) {
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be a whole number ≥ ${min}, got ${String(v)}`);
}

/** Issue 12's targets. */
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 50;
/** Relationship managers among whom a fifth of the customers are shared. */
const MANAGERS = 50;
/** Open tasks in the bench user's inbox (assigned to them or their team); others' tasks: ten times as many. */
const INBOX_TASKS = 400;
const STAFF_ID = 'bench-cs';
const API_KEY = `ccm_bench${'x'.repeat(39)}`;

const log = (line: string) => process.stderr.write(`[bench:api] ${line}\n`);
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const customerId = (n: number) => `cus_bench_${String(n).padStart(7, '0')}`;

async function seed(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO "StaffMember" (id, name, email, roles, "updatedAt") VALUES ($1, 'Bench Service', 'bench-cs@bank.test', '{CUSTOMER_SERVICE}', now())`,
      [STAFF_ID],
    );
    await c.query(
      `INSERT INTO "StaffMember" (id, name, email, roles, "updatedAt")
       SELECT 'bench-rm-' || g, 'Bench Manager ' || g, 'bench-rm-' || g || '@bank.test', '{RELATIONSHIP_MANAGER}', now() FROM generate_series(1, $1::int) g`,
      [MANAGERS],
    );
    await c.query(`INSERT INTO "ApiKey" (id, "staffId", "keyHash", label) VALUES (gen_random_uuid(), $1, $2, 'bench')`, [STAFF_ID, hashApiKey(API_KEY)]);
    // Customers: one in five an enterprise; newest first is n = 1 (createdAt one second apart).
    await c.query(
      `INSERT INTO "Customer" (id, type, status, "displayName", email, phone, "contactPreferences", channel, "createdByStaffId",
                               segment, "ageGroup", "enterpriseSize", "industrySector", "serviceTier", "classificationPolicyVersion", "classifiedAt",
                               "relationshipManagerId", version, "createdAt", "updatedAt")
       SELECT 'cus_bench_' || lpad(g::text, 7, '0'),
              CASE WHEN g % 5 = 0 THEN 'ENTERPRISE' ELSE 'INDIVIDUAL' END::"CustomerType", 'APPROVED',
              CASE WHEN g % 5 = 0 THEN 'Bench Enterprise ' || g ELSE 'Bench Customer ' || g END,
              'customer' || g || '@bench.test', '+12025550143', '{"email": true, "sms": false}'::jsonb, 'BRANCH', $1,
              CASE WHEN g % 5 = 0 THEN 'MEDIUM' WHEN g % 7 = 0 THEN 'VIP' ELSE 'REGULAR' END,
              CASE WHEN g % 5 = 0 THEN NULL ELSE 'MIDDLE_AGED' END,
              CASE WHEN g % 5 = 0 THEN 'MEDIUM' ELSE NULL END,
              CASE WHEN g % 5 = 0 THEN 'SERVICES' ELSE NULL END,
              CASE WHEN g % 5 = 0 THEN 'MEDIUM' WHEN g % 7 = 0 THEN 'VIP' ELSE 'REGULAR' END, 'bench', now(),
              CASE WHEN g % 5 = 1 THEN 'bench-rm-' || (1 + g % $3::int) ELSE NULL END,
              1, now() - g * interval '1 second', now()
         FROM generate_series(1, $2::int) g`,
      [STAFF_ID, N, MANAGERS],
    );
    await c.query(
      `INSERT INTO "IdentityDocument" ("customerId", kind, "numberCiphertext", "numberBlindIndex", last4, "keyId", "issuingCountry", "updatedAt")
       SELECT 'cus_bench_' || lpad(g::text, 7, '0'), CASE WHEN g % 5 = 0 THEN 'EIN' ELSE 'SSN' END::"IdentityKind",
              'bench-ciphertext-never-decrypted-' || g, 'bench-' || g, lpad((g % 10000)::text, 4, '0'), 'bench', 'US', now()
         FROM generate_series(1, $1::int) g`,
      [N],
    );
    await c.query(
      `INSERT INTO "IndividualProfile" ("customerId", "firstName", "lastName", "dateOfBirthCiphertext", "totalAssetsUsd", "employmentType", "updatedAt")
       SELECT 'cus_bench_' || lpad(g::text, 7, '0'), 'Bench', 'Customer ' || g, 'bench-ciphertext', (g % 20) * 75000, 'SALARIED', now()
         FROM generate_series(1, $1::int) g WHERE g % 5 <> 0`,
      [N],
    );
    await c.query(
      `INSERT INTO "EnterpriseProfile" ("customerId", "legalName", "registrationState", employees, "annualRevenueUsd", "totalAssetsUsd", "naicsCode", "updatedAt")
       SELECT 'cus_bench_' || lpad(g::text, 7, '0'), 'Bench Enterprise ' || g, 'DE', 250, 25000000, 12000000, '54', now()
         FROM generate_series(1, $1::int) g WHERE g % 5 = 0`,
      [N],
    );
    // Open periodic reviews: the bench user's (half assigned to them, half to their team), and ten times as many for the managers.
    await c.query(
      `INSERT INTO "Task" (id, kind, subject, "customerId", "assigneeStaffId", team, "dueAt", "overdueAt", status, "workflowId", "policyVersion", "updatedAt")
       SELECT 'review:cus_bench_' || lpad(g::text, 7, '0') || ':1', 'PERIODIC_REVIEW', 'PERIODIC_REVIEW INDIVIDUAL', 'cus_bench_' || lpad(g::text, 7, '0'),
              CASE WHEN g <= $1::int / 2 THEN $2 WHEN g <= $1::int THEN NULL ELSE 'bench-rm-' || (1 + g % $3::int) END,
              CASE WHEN g > $1::int / 2 AND g <= $1::int THEN 'CUSTOMER_SERVICE' ELSE NULL END,
              now() + (g % 90) * interval '1 day', now() + (g % 90 + 14) * interval '1 day', 'OPEN', 'customer-cus_bench_' || g, 'bench', now()
         FROM generate_series(1, $1::int * 11) g WHERE g <= $4::int`,
      [INBOX_TASKS, STAFF_ID, MANAGERS, N],
    );
    await c.query('COMMIT');
    await c.query('VACUUM ANALYZE');
  } finally {
    await c.end();
  }
}

/** A port nobody listens on (TEMPORAL_ADDRESS, SMTP_URL: the reads never use them). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Endpoint {
  name: string;
  path: string;
  /** Per request: the path (the customer page varies the customer). */
  pathOf?: () => string;
  /** pgbench script: the SQL the API runs for one such request. */
  raw: string;
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
}

async function runAutocannon(base: string, e: Endpoint, seconds: number): Promise<Figures & { non2xx: number; errors: number }> {
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${API_KEY}` },
    requests: [e.pathOf ? { method: 'GET', setupRequest: (req) => ({ ...req, path: e.pathOf!() }) } : { method: 'GET', path: e.path }],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

/** pgbench with the same connections and duration; p50/p99 from its per-transaction log (µs). */
function runPgbench(url: string, e: Endpoint, seconds: number, scratch: string): Figures {
  const dir = mkdtempSync(path.join(scratch, 'pgbench-'));
  const script = path.join(dir, 'script.sql');
  writeFileSync(script, e.raw);
  const res = spawnSync(
    'pgbench',
    ['-n', '-M', 'extended', '-c', String(CONNECTIONS), '-j', '2', '-T', String(seconds), '-D', `customers=${N}`, '-f', script, '-l', `--log-prefix=${path.join(dir, 'tx')}`, url],
    { encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`pgbench failed (${e.name}):\n${res.stdout}\n${res.stderr}`);
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(res.stdout)?.[1] ?? NaN);
  const latencies: number[] = [];
  for (const f of readdirSync(dir).filter((n) => n.startsWith('tx'))) {
    for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const us = Number(line.split(' ')[2]);
      if (Number.isFinite(us) && line) latencies.push(us / 1000);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return { rps: tps, p50: pct(latencies, 50), p99: pct(latencies, 99) };
}

/** The SQL the API runs per request, as pgbench scripts (variables: :customers; random customer :n). */
function endpoints(): Endpoint[] {
  const auth = `SELECT k.*, s.active, s.roles FROM "ApiKey" k JOIN "StaffMember" s ON s.id = k."staffId" WHERE k."keyHash" = '${hashApiKey(API_KEY)}';`;
  const select = CUSTOMER_VIEW_SELECT.text.replace(/\s+/g, ' ').trim();
  const audit = (action: string, ids: string) =>
    `INSERT INTO "AuditLog" ("actorStaffId", action, entity, "entityId", "customerId", changes, "requestId", "idempotencyKey") SELECT '${STAFF_ID}', '${action}', 'Customer', x.id, x.id, NULL, 'req-raw', NULL FROM (${ids}) x ON CONFLICT ("idempotencyKey") DO NOTHING;`;
  const page = `${select} WHERE TRUE ORDER BY c."createdAt" DESC, c.id DESC LIMIT 21 OFFSET 0;`;
  return [
    {
      name: 'GET /tasks (inbox)',
      path: '/tasks',
      raw: [
        auth,
        `SELECT s.roles, s.expertise, ARRAY(SELECT "departmentCode" FROM "DepartmentMember" WHERE "staffId" = s.id) AS departments, ARRAY(SELECT code FROM "Department" WHERE "headStaffId" = s.id) AS headed FROM "StaffMember" s WHERE s.id = '${STAFF_ID}';`,
        `SELECT * FROM "Task" t WHERE (t."assigneeStaffId" = '${STAFF_ID}' OR t.team = ANY ('{CUSTOMER_SERVICE}')) AND t.status = 'OPEN' ORDER BY t."dueAt", t.id LIMIT 21;`,
        '',
      ].join('\n'),
    },
    {
      name: 'GET /customers?pageSize=20',
      path: '/customers?pageSize=20',
      raw: [auth, `SELECT count(*)::int AS n FROM "Customer" c WHERE TRUE;`, page, audit('customer.list', `SELECT c.id FROM "Customer" c ORDER BY c."createdAt" DESC, c.id DESC LIMIT 20`), ''].join('\n'),
    },
    {
      name: 'GET /customers/:id',
      path: '/customers/:id',
      pathOf: () => `/customers/${customerId(1 + Math.floor(Math.random() * N))}`,
      raw: [
        '\\set n random(1, :customers)',
        auth,
        `${select} WHERE c.id = 'cus_bench_' || lpad(:n::text, 7, '0');`,
        audit('customer.read', `SELECT 'cus_bench_' || lpad(:n::text, 7, '0') AS id`),
        '',
      ].join('\n'),
    },
  ];
}

async function waitForApi(base: string, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (!alive()) throw new Error('the API exited during start-up');
    try {
      const res = await fetch(`${base}/customers?pageSize=1`, { headers: { authorization: `Bearer ${API_KEY}` } });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the API did not answer within 120 s');
    await sleep(250);
  }
}

async function main(): Promise<void> {
  if (spawnSync('pgbench', ['--version']).status !== 0) throw new Error('pgbench not found: install postgresql-contrib (Debian: apt-get install postgresql-contrib)');
  const loadAtStart = os.loadavg()[0]!; // others' work on the machine shows here
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'ccm-bench-api-'));
  log(`scratch database; ${N} customers; ${CONNECTIONS} connections, ${DURATION} s per run`);
  const database = await createScratchDatabase('ccm_bench_api', values['admin-url']);
  const sql = new pg.Pool({ connectionString: database.url, max: 2 });
  const apiPort = await closedPort();
  const base = `http://127.0.0.1:${apiPort}`;
  let child: ReturnType<typeof spawnEntry> | undefined;
  let exited: Promise<void> = Promise.resolve();
  try {
    const t0 = performance.now();
    await seed(database.url);
    log(`seeded in ${fmt((performance.now() - t0) / 1000)} s`);
    if (values['without-chain']) {
      await sql.query(`ALTER TABLE "AuditLog" DISABLE TRIGGER "AuditLog_chain"`);
      log('the audit chain trigger is DISABLED for this run (--without-chain)');
    }
    const policyFile = path.join(scratch, 'policy.json');
    const unlimited = { max: 1_000_000_000, window: 'PT1M' };
    writeFileSync(policyFile, JSON.stringify({ ...DEFAULT_POLICY, security: { ...DEFAULT_POLICY.security, rateLimits: { ...DEFAULT_POLICY.security.rateLimits, perApiKey: unlimited } } }));
    child = spawnEntry(
      'src/api/main.ts',
      {
        POLICY_FILE: policyFile,
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}`,
        SMTP_URL: `smtp://127.0.0.1:${await closedPort()}`,
        API_HOST: '127.0.0.1',
        API_PORT: String(apiPort),
        NODE_ENV: 'development',
      },
      'ignore',
    );
    const c = child;
    exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    await waitForApi(base, () => c.exitCode === null);

    const rows: string[] = [];
    let pass = true;
    for (const e of endpoints()) {
      if (values.only && !e.name.includes(values.only)) continue;
      if (WARMUP > 0) await runAutocannon(base, e, WARMUP);
      const [{ n: auditBefore }] = (await sql.query<{ n: string }>(`SELECT coalesce(max(seq), 0) AS n FROM "AuditLog"`)).rows as [{ n: string }];
      const cpu0 = { api: cpuSecondsOf(c.pid!), postgres: cpuSecondsOfAll('postgres') };
      const api = await runAutocannon(base, e, DURATION);
      const cpu = { api: cpuSecondsOf(c.pid!) - cpu0.api, postgres: cpuSecondsOfAll('postgres') - cpu0.postgres };
      const [{ n: auditAfter }] = (await sql.query<{ n: string }>(`SELECT coalesce(max(seq), 0) AS n FROM "AuditLog"`)).rows as [{ n: string }];
      if (api.non2xx > 0 || api.errors > 0) throw new Error(`${e.name}: ${api.non2xx} non-2xx answers, ${api.errors} errors`);
      const raw = runPgbench(database.url, e, DURATION, scratch);
      const ratio = api.rps / raw.rps;
      const ok = ratio >= TARGET_RATIO && api.p99 <= TARGET_P99_MS;
      pass &&= ok;
      const requests = api.rps * DURATION;
      rows.push(
        `${e.name.padEnd(28)} API ${fmt(api.rps, 0).padStart(6)} req/s  p50 ${fmt(api.p50, 0).padStart(4)} ms  p99 ${fmt(api.p99, 0).padStart(4)} ms   ` +
          `raw ${fmt(raw.rps, 0).padStart(6)} tx/s  p50 ${fmt(raw.p50, 0).padStart(4)} ms  p99 ${fmt(raw.p99, 0).padStart(4)} ms   ` +
          `API/raw ${fmt(ratio * 100, 0).padStart(3)} %  ${ok ? 'ok' : 'MISSED'}   ` +
          `(audit rows ${Number(auditAfter) - Number(auditBefore)}; cpu µs/request api ${fmt((cpu.api * 1e6) / requests, 0)} postgres ${fmt((cpu.postgres * 1e6) / requests, 0)})`,
      );
      log(rows[rows.length - 1]!);
    }
    process.stdout.write(
      [
        '',
        `bench:api  ${new Date().toISOString()}  ${os.cpus().length} cores  ${N} customers  ${CONNECTIONS} connections  ${DURATION} s per run${values['without-chain'] ? '  WITHOUT the audit chain' : ''}  (1-min load average at start ${loadAtStart.toFixed(1)}, at end ${os.loadavg()[0]!.toFixed(1)})`,
        ...rows,
        `target: API/raw ≥ ${TARGET_RATIO * 100} % and API p99 ≤ ${TARGET_P99_MS} ms — ${pass ? 'met' : 'NOT met'}`,
        '',
      ].join('\n'),
    );
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await sql.end();
    if (values.keep) log(`kept the database: ${database.url}`);
    else await database.drop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
