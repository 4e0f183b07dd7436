/**
 * §3.1 staff API keys with expiry and revocation (issue 13; src/staff/api-keys.ts, src/security/auth.ts),
 * on the real database, through what a user touches:
 *
 * - the API (POST/GET /staff/:id/keys, DELETE /staff/:id/keys/:keyId, ADMIN only): a key issued with
 *   the policy's default lifetime or a given one (never beyond the policy's maximum), listed without
 *   its secret, revoked at once; an expired or revoked key refused with a 401 that says which and
 *   when; one audit record per issue and revocation, none with the key;
 * - the CLI (`ccm staff key issue --expires-in 90d`, `ccm staff key list`, `ccm staff key revoke`);
 * - keys never logged: the real API process (`npm run api`) at LOG_LEVEL=trace issues, uses, refuses
 *   and revokes keys, and none of them appears in anything it printed.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';
import { authenticate } from '../../src/security/auth';
import { developmentKeyRing } from '../../src/security/keyring';
import { PROJECT_ROOT } from '../../src/temporal/binaries';
import { apiCaller, staffWithKey, type ApiStaff, type CallOptions } from '../support/api';
import { ccmRunner } from '../support/cli';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';
import { startApi, type ApiOnly } from '../support/stack';
import { devServerAddress } from '../support/temporal';

jest.setTimeout(180_000);

const ring = developmentKeyRing();
const DAY_MS = 86_400_000;
let stack: ApiOnly;
let db: Db;
let baseUrl: string;
/** The API's clock: the tests move it past a key's expiry. */
let now = new Date('2026-12-03T12:00:00.000Z');

const staff: Record<'admin' | 'sup' | 'rm', ApiStaff> = {} as never;
const makeStaff = (prefix: string, roles: StaffRole[]) => staffWithKey(db, prefix, roles, { label: 'keys test' });
/** `base`: another API than this file's (the real API process). */
const call = (method: string, urlPath: string, opts: CallOptions & { base?: string } = {}) => apiCaller(() => opts.base ?? baseUrl)(method, urlPath, opts);

const auditOf = (entityId: string) => db.auditLog.findMany({ where: { entityId }, orderBy: { id: 'asc' } });

beforeAll(async () => {
  stack = await startApi({ ring, clock: { now: () => now } });
  ({ db, baseUrl } = stack);
  staff.admin = await makeStaff('adm', ['ADMIN']);
  staff.sup = await makeStaff('sup', ['SUPERVISOR']);
  staff.rm = await makeStaff('rm', ['RELATIONSHIP_MANAGER']);
});

afterAll(async () => {
  await stack?.stop();
});

describe('the API: POST, GET /staff/:id/keys and DELETE /staff/:id/keys/:keyId (ADMIN)', () => {
  test('issue: 201 with the key (once, not cached), expiring after the policy default (P90D); the key works; audited without the key', async () => {
    const res = await call('POST', `/staff/${staff.rm.id}/keys`, { as: staff.admin, body: { label: 'laptop 2027' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      staffId: staff.rm.id,
      label: 'laptop 2027',
      status: 'ACTIVE',
      createdAt: expect.any(String),
      expiresAt: new Date(now.getTime() + 90 * DAY_MS).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
      key: expect.stringMatching(/^ccm_[A-Za-z0-9_-]{43}$/),
    });
    expect((await call('GET', `/staff/${staff.rm.id}`, { as: res.body.key as string })).status).toBe(200);
    const audit = await auditOf(res.body.id as string);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'staff.api_key.issue',
      actorStaffId: staff.admin.id,
      entity: 'ApiKey',
      changes: { staffId: { before: null, after: staff.rm.id }, label: { before: null, after: 'laptop 2027' }, expiresAt: { before: null, after: res.body.expiresAt } },
    });
    expect(JSON.stringify(audit, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(res.body.key);
    expect(JSON.stringify(await db.apiKey.findUniqueOrThrow({ where: { id: res.body.id as string } }))).not.toContain(res.body.key);
  });

  test.each([
    ['30d', 30 * DAY_MS],
    ['12h', 12 * 3_600_000],
    ['P365D', 365 * DAY_MS],
  ])('expiresIn %s → expires that long after now', async (expiresIn, ms) => {
    const res = await call('POST', `/staff/${staff.rm.id}/keys`, { as: staff.admin, body: { label: `for ${expiresIn}`, expiresIn } });
    expect(res.status).toBe(201);
    expect(res.body.expiresAt).toBe(new Date(now.getTime() + ms).toISOString());
  });

  test('refused, nothing written: a lifetime past the policy maximum, a bad duration, an empty label, an unknown field (400); not an ADMIN (403); no such staff (404)', async () => {
    const before = await db.apiKey.count();
    const tooLong = await call('POST', `/staff/${staff.rm.id}/keys`, { as: staff.admin, body: { label: 'forever', expiresIn: '400d' } });
    expect(tooLong).toMatchObject({ status: 400, body: { error: 'validation_failed', issues: [{ field: 'expiresIn', value: '400d', reason: 'at most P365D (policy security.apiKeys.maxExpiresIn, §3.1)' }] } });
    const bad = await call('POST', `/staff/${staff.rm.id}/keys`, { as: staff.admin, body: { label: 'x', expiresIn: 'soon' } });
    expect(bad).toMatchObject({ status: 400, body: { issues: [{ field: 'expiresIn', reason: 'a duration such as 90d, 12h or P90D' }] } });
    expect((await call('POST', `/staff/${staff.rm.id}/keys`, { as: staff.admin, body: { label: ' ' } })).body.issues).toEqual([expect.objectContaining({ field: 'label', reason: 'must not be empty' })]);
    expect((await call('POST', `/staff/${staff.rm.id}/keys`, { as: staff.admin, body: { label: 'x', roles: ['ADMIN'] } })).body.issues).toEqual([{ field: 'roles', reason: 'unknown field' }]);
    const forbidden = await call('POST', `/staff/${staff.rm.id}/keys`, { as: staff.sup, body: { label: 'mine' } });
    expect(forbidden).toMatchObject({ status: 403, body: { error: 'forbidden', message: `requires one of the roles ADMIN; staff member ${staff.sup.id} has SUPERVISOR` } });
    expect((await call('GET', `/staff/${staff.rm.id}/keys`, { as: staff.rm })).status).toBe(403);
    expect(await call('POST', '/staff/nobody-here/keys', { as: staff.admin, body: { label: 'x' } })).toMatchObject({ status: 404, body: { message: 'active staff member nobody-here does not exist' } });
    expect(await db.apiKey.count()).toBe(before);
  });

  test('list: newest first, status, expiry, last use — never the key or its hash', async () => {
    const who = await makeStaff('list', ['CUSTOMER_SERVICE']);
    const issued = await call('POST', `/staff/${who.id}/keys`, { as: staff.admin, body: { label: 'second', expiresIn: '7d' } });
    const res = await call('GET', `/staff/${who.id}/keys`, { as: staff.admin });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      expect.objectContaining({ id: issued.body.id, label: 'second', status: 'ACTIVE', expiresAt: new Date(now.getTime() + 7 * DAY_MS).toISOString() }),
      expect.objectContaining({ label: 'keys test', status: 'ACTIVE', expiresAt: null }),
    ]);
    expect(res.text).not.toContain(issued.body.key);
    expect(res.text).not.toContain(who.key);
    expect(res.text).not.toMatch(/keyHash|ccm_/);
    expect((await call('GET', '/staff/nobody-here/keys', { as: staff.admin })).status).toBe(404);
  });

  test('revoke: 200 REVOKED by the ADMIN, refused at once with a 401 that says so; again → the first revocation, one audit record', async () => {
    const who = await makeStaff('rev', ['CUSTOMER_SERVICE']);
    const issued = await call('POST', `/staff/${who.id}/keys`, { as: staff.admin, body: { label: 'to revoke' } });
    const key = issued.body.key as string;
    expect((await call('GET', `/staff/${who.id}`, { as: key })).status).toBe(200);
    const res = await call('DELETE', `/staff/${who.id}/keys/${issued.body.id}`, { as: staff.admin });
    expect(res).toMatchObject({ status: 200, body: { id: issued.body.id, status: 'REVOKED', revokedAt: now.toISOString(), revokedBy: staff.admin.id } });
    const refused = await call('GET', `/staff/${who.id}`, { as: key });
    expect(refused).toMatchObject({
      status: 401,
      body: { error: 'unauthenticated', message: `API key ${issued.body.id} was revoked at ${now.toISOString()} by ${staff.admin.id}: ask an ADMIN for a new key` },
    });
    const later = new Date(now.getTime() + 60_000);
    now = later;
    const again = await call('DELETE', `/staff/${who.id}/keys/${issued.body.id}`, { as: staff.admin });
    expect(again.body.revokedAt).toBe(res.body.revokedAt);
    expect((await auditOf(issued.body.id as string)).map((a) => a.action)).toEqual(['staff.api_key.issue', 'staff.api_key.revoke']);
    // Another staff member's path, a key id that is not a UUID: refused.
    expect((await call('DELETE', `/staff/${staff.rm.id}/keys/${issued.body.id}`, { as: staff.admin })).status).toBe(404);
    expect(await call('DELETE', `/staff/${who.id}/keys/not-a-uuid`, { as: staff.admin })).toMatchObject({ status: 400, body: { issues: [{ field: 'keyId' }] } });
    expect((await call('DELETE', `/staff/${who.id}/keys/${issued.body.id}`, { as: staff.sup })).status).toBe(403);
    // The staff member's other key still works.
    expect((await call('GET', `/staff/${who.id}`, { as: who })).status).toBe(200);
  });

  test('expiry: the key works until its instant and is refused from then on, with when; the list says EXPIRED', async () => {
    const who = await makeStaff('exp', ['CUSTOMER_SERVICE']);
    const issued = await call('POST', `/staff/${who.id}/keys`, { as: staff.admin, body: { label: 'short', expiresIn: '1h' } });
    const key = issued.body.key as string;
    const start = now;
    now = new Date(start.getTime() + 3_600_000 - 1);
    expect((await call('GET', `/staff/${who.id}`, { as: key })).status).toBe(200);
    now = new Date(start.getTime() + 3_600_000);
    expect(await call('GET', `/staff/${who.id}`, { as: key })).toMatchObject({
      status: 401,
      body: { error: 'unauthenticated', message: `API key ${issued.body.id} expired at ${issued.body.expiresAt}: ask an ADMIN for a new key` },
    });
    expect((await call('GET', `/staff/${who.id}/keys`, { as: staff.admin })).body).toEqual(expect.arrayContaining([expect.objectContaining({ id: issued.body.id, status: 'EXPIRED' })]));
  });
});

// ───────────────────────────────────────── CLI ─────────────────────────────────────────

const ccm = ccmRunner();

describe('the CLI: ccm staff key issue | list | revoke', () => {
  test('issue --expires-in 90d prints the key once on stdout; list shows it ACTIVE without the key; revoke refuses it at once', async () => {
    const who = await makeStaff('cli', ['RELATIONSHIP_MANAGER']);
    const before = Date.now();
    const issued = await ccm(['--as', staff.admin.id, 'staff', 'key', 'issue', who.id, '--expires-in', '90d', '--label', 'tablet']);
    expect(issued).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ccm_[A-Za-z0-9_-]{43}\n$/) });
    const key = issued.stdout.trim();
    expect(issued.stderr).toMatch(new RegExp(`^\\[ccm\\] API key \\S+ issued to ${who.id} \\(tablet\\), expires \\S+\\. It is shown once, below: store it now\\.\\n$`));
    expect(issued.stderr).not.toContain(key);
    const row = await db.apiKey.findFirstOrThrow({ where: { staffId: who.id, label: 'tablet' } });
    expect(row.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 90 * DAY_MS);
    expect(row.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 90 * DAY_MS);
    expect(await authenticate(db, `Bearer ${key}`, new Date())).toEqual({ staffId: who.id, roles: ['RELATIONSHIP_MANAGER'] });

    const listed = await ccm(['--as', staff.admin.id, 'staff', 'key', 'list', who.id]);
    expect(listed.code).toBe(0);
    const iso = (d: Date) => d.toISOString().replace(/\./g, '\\.');
    expect(listed.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(new RegExp(`^${row.id}  ${who.id}  ACTIVE  expires ${iso(row.expiresAt!)}  last used \\S+  tablet$`)),
      expect.stringMatching(new RegExp(`^\\S+  ${who.id}  ACTIVE  expires never  last used never  keys test$`)),
    ]);
    expect(listed.stdout).not.toContain('ccm_');

    const revoked = await ccm(['--as', staff.admin.id, 'staff', 'key', 'revoke', row.id]);
    expect(revoked).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^API key ${row.id} of ${who.id} revoked at \\S+ by ${staff.admin.id}\\n$`)) });
    await expect(authenticate(db, `Bearer ${key}`, new Date())).rejects.toThrow(`API key ${row.id} was revoked at`);
    expect((await ccm(['--as', staff.admin.id, '--json', 'staff', 'key', 'list', who.id])).stdout).toContain('"status": "REVOKED"');
  });

  test('refused: not an ADMIN (exit 1), a lifetime past the policy maximum (exit 1, nothing written), an unknown key id', async () => {
    const who = await makeStaff('clir', ['RELATIONSHIP_MANAGER']);
    const before = await db.apiKey.count({ where: { staffId: who.id } });
    expect(await ccm(['--as', staff.sup.id, 'staff', 'key', 'issue', who.id])).toMatchObject({ code: 1, stderr: `ccm: requires one of the roles ADMIN; staff member ${staff.sup.id} has SUPERVISOR\n` });
    expect(await ccm(['--as', staff.admin.id, 'staff', 'key', 'issue', who.id, '--expires-in', '2y'])).toMatchObject({ code: 1, stderr: 'ccm: expiresIn: a duration such as 90d, 12h or P90D (got "2y")\n' });
    expect(await ccm(['--as', staff.admin.id, 'staff', 'key', 'issue', who.id, '--expires-in', '366d'])).toMatchObject({ code: 1, stderr: 'ccm: expiresIn: at most P365D (policy security.apiKeys.maxExpiresIn, §3.1) (got "366d")\n' });
    expect(await db.apiKey.count({ where: { staffId: who.id } })).toBe(before);
    const id = randomUUID();
    expect(await ccm(['--as', staff.admin.id, 'staff', 'key', 'revoke', id])).toMatchObject({ code: 1, stderr: `ccm: there is no API key ${id}\n` });
  });
});

// ─────────────────────────────────── keys never logged ───────────────────────────────────

describe('§3.1 keys never logged', () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startTestSmtpServer();
  });
  afterAll(() => smtp?.close());

  test('the API process at LOG_LEVEL=trace issues, uses, refuses and revokes keys: no key in anything it printed', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: devServerAddress(),
        SMTP_URL: smtp.url,
        MAIL_FROM: 'care@bank.test',
        API_HOST: '127.0.0.1',
        API_PORT: '0',
        LOG_LEVEL: 'trace',
        TASK_QUEUE: `keys-log-${randomUUID().slice(0, 8)}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 90_000;
      let base: string | undefined;
      while (!(base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1])) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the API did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const who = await makeStaff('log', ['CUSTOMER_SERVICE']);
      const issued = await call('POST', `/staff/${who.id}/keys`, { as: staff.admin, body: { label: 'logged?' }, base });
      expect(issued.status).toBe(201);
      const newKey = issued.body.key as string;
      const wrongKey = `ccm_${'x'.repeat(43)}`;
      const answers = [
        await call('GET', `/staff/${who.id}`, { as: newKey, base }), // 200
        await call('GET', `/staff/${who.id}/keys`, { as: newKey, base }), // 403
        await call('GET', `/customers/none`, { as: newKey, base }), // refused or 404
        await call('GET', `/staff/${who.id}`, { as: wrongKey, base }), // 401
        await call('GET', `/staff/${who.id}`, { as: `not-a-ccm-key ${wrongKey}`, base }), // 401: malformed header
        await call('DELETE', `/staff/${who.id}/keys/${issued.body.id}`, { as: staff.admin, base }), // 200
        await call('GET', `/staff/${who.id}`, { as: newKey, base }), // 401 revoked
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 403, expect.any(Number), 401, 401, 200, 401]);
      child.kill('SIGTERM');
      await exited;
      expect(output).toMatch(/"reqId"|incoming request|request completed/); // it did log the requests
      for (const key of [newKey, wrongKey, staff.admin.key, who.key]) expect(output).not.toContain(key);
      expect(output).not.toMatch(/ccm_[A-Za-z0-9_-]{20,}/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
