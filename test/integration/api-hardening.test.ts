/**
 * Issue 13 hardening of the API (src/api/hardening.ts), §3.1 "protected … in transit, access by role
 * and need", on the real database and over real HTTP:
 *
 * - security headers on every answer: a strict CSP (no 'unsafe-inline') for everything the console
 *   serves, the Swagger UI's own relaxed one — and the UI still loads: every file its page names is
 *   served from this origin, no inline script —, the survey page's own header kept, the codec's CORS kept;
 * - the per-address limit on failed authentications: a brute force of bad keys from one address is cut
 *   off with 429 and Retry-After — also its next request with a valid key — while a valid key from
 *   another address still works; the block ends with the window; behind a trusted proxy the client's
 *   X-Forwarded-For address is the one counted;
 * - the per-key limit: 429 with Retry-After for the key past its limit, another key unaffected.
 *
 * Different client addresses are real: requests leave from 127.0.0.2, 127.0.0.3 … (Linux routes all
 * of 127.0.0.0/8 to the loopback interface).
 */
import { request as httpRequest } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { CSP_DIRECTIVES, DOCS_CSP } from '../../src/api/hardening';
import { buildApi } from '../../src/api/server';
import type { Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';
import { SURVEY_PAGE_HEADERS } from '../../src/feedback/survey-page';
import { DEFAULT_POLICY, type Policy } from '../../src/policy/policy';
import { issueApiKey } from '../../src/security/auth';
import { developmentKeyRing } from '../../src/security/keyring';
import { dataConverter } from '../../src/temporal/codec';
import { testDb, unique } from '../support/fixtures';
import { devServerAddress } from '../support/temporal';

const ring = developmentKeyRing();
let db: Db;
let temporal: Client;
const apis: FastifyInstance[] = [];

/** The policy with small limits, so a test reaches them in a few requests. */
function policyWith(rateLimits: Policy['security']['rateLimits']): Policy {
  return { ...DEFAULT_POLICY, security: { ...DEFAULT_POLICY.security, rateLimits } };
}

async function startApi(policy: Policy, extra: { trustProxy?: string[] } = {}): Promise<{ port: number }> {
  const api = await buildApi({
    db,
    temporal,
    taskQueue: 'api-hardening',
    policy,
    ring,
    logLevel: 'silent',
    reconcile: false,
    codec: dataConverter(ring).payloadCodecs[0],
    rateLimits: policy.security.rateLimits,
    ...extra,
  });
  apis.push(api);
  await api.listen({ host: '127.0.0.1', port: 0 });
  return { port: (api.server.address() as { port: number }).port };
}

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

/** One HTTP request from the client address `from` (default 127.0.0.1). */
function call(port: number, method: string, path: string, opts: { from?: string; key?: string; headers?: Record<string, string> } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, localAddress: opts.from ?? '127.0.0.1', headers: { ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}), ...opts.headers }, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function staffKey(roles: StaffRole[] = ['SUPERVISOR']): Promise<{ id: string; key: string }> {
  const id = unique('hard');
  await db.staffMember.create({ data: { id, name: 'Hardening test', email: `${id}@bank.test`, roles } });
  return { id, key: (await issueApiKey(db, id, 'hardening test')).key };
}

const BAD_KEY = 'ccm_this-is-not-a-key-of-anyone-0000000000000';

beforeAll(async () => {
  db = testDb();
  temporal = new Client({ connection: Connection.lazy({ address: devServerAddress() }) });
});

afterAll(async () => {
  for (const api of apis) await api.close();
  await temporal?.connection.close();
  await db?.$disconnect();
});

// ─────────────────────────────────────── headers ───────────────────────────────────────

describe('security headers (@fastify/helmet)', () => {
  let port: number;
  let staff: { id: string; key: string };
  beforeAll(async () => {
    ({ port } = await startApi(DEFAULT_POLICY));
    staff = await staffKey();
  });

  const STRICT_CSP =
    "default-src 'self';base-uri 'self';script-src 'self';script-src-attr 'none';style-src 'self';img-src 'self' data:;font-src 'self';connect-src 'self';form-action 'self';frame-ancestors 'none';object-src 'none'";

  test('every answer — public, authenticated, refused, not found — carries the strict CSP and the transport headers', async () => {
    const answers = await Promise.all([
      call(port, 'GET', '/health'),
      call(port, 'GET', `/staff/${staff.id}`, { key: staff.key }),
      call(port, 'GET', `/staff/${staff.id}`),
      call(port, 'GET', '/staff/no-such-staff-member', { key: staff.key }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([expect.any(Number), 200, 401, 404]);
    for (const a of answers) {
      expect(a.headers['content-security-policy']).toBe(STRICT_CSP);
      expect(a.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(a.headers['x-content-type-options']).toBe('nosniff');
      expect(a.headers['referrer-policy']).toBe('no-referrer');
      expect(a.headers['x-frame-options']).toBe('DENY');
      expect(a.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(a.headers['x-powered-by']).toBeUndefined();
    }
  });

  test("the console's CSP lets its own files (/console/assets/…) and form posts through and nothing inline", () => {
    expect(CSP_DIRECTIVES.scriptSrc).toEqual(["'self'"]);
    expect(CSP_DIRECTIVES.styleSrc).toEqual(["'self'"]);
    expect(CSP_DIRECTIVES.formAction).toEqual(["'self'"]);
    expect(STRICT_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  test('the Swagger UI (/docs) has its own CSP — inline styles, never inline scripts — and still loads: every file its page names is served here', async () => {
    const page = await call(port, 'GET', '/docs/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(DOCS_CSP);
    expect(DOCS_CSP).toContain("script-src 'self';");
    expect(DOCS_CSP).toContain("style-src 'self' 'unsafe-inline'");
    // No inline script: every <script> names its file (the CSP's script-src 'self' allows it).
    const scripts = [...page.text.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const attrs of scripts) expect(attrs).toMatch(/\bsrc="[^"]+"/);
    expect(page.text).not.toMatch(/\son[a-z]+="/); // no inline event handlers (script-src-attr 'none')
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => new URL(m[1]!, `http://127.0.0.1:${port}/docs/`));
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const url of assets) {
      expect(url.origin).toBe(`http://127.0.0.1:${port}`); // 'self'
      const asset = await call(port, 'GET', url.pathname);
      expect([url.pathname, asset.status]).toEqual([url.pathname, 200]);
    }
    // The initializer fetches the OpenAPI document from this origin (connect-src 'self').
    const initializer = await call(port, 'GET', '/docs/static/swagger-initializer.js');
    expect(initializer.text).toContain("url: resolveUrl('./json')");
    expect(initializer.text).toContain('validatorUrl: null'); // no call to an outside validator
    const doc = await call(port, 'GET', '/docs/json');
    expect(doc.status).toBe(200);
    expect(doc.json()).toHaveProperty('openapi');
  });

  test("the survey page keeps its own, stricter header (no scripts at all, src/feedback/survey-page.ts)", async () => {
    const page = await call(port, 'GET', '/survey/not-a-token', { headers: { accept: 'text/html' } });
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(SURVEY_PAGE_HEADERS['content-security-policy']);
  });

  test("the codec routes keep their CORS for the Temporal UI and may be read from its origin", async () => {
    const preflight = await call(port, 'OPTIONS', '/codec/decode', {
      headers: { origin: 'http://localhost:8233', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:8233');
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(preflight.headers['cross-origin-resource-policy']).toBe('cross-origin');
    const other = await call(port, 'OPTIONS', '/codec/decode', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect((await call(port, 'GET', '/health')).headers['cross-origin-resource-policy']).toBe('same-origin');
  });
});

// ───────────────────────────────────── rate limits ─────────────────────────────────────

describe('§3.1 failed authentications per client address (@fastify/rate-limit, policy security.rateLimits.authFailuresPerIp)', () => {
  test('a brute force of bad keys from one address is cut off (429, Retry-After), even its valid key; a valid key from elsewhere still works', async () => {
    const { port } = await startApi(policyWith({ perApiKey: { max: 1000, window: 'PT1M' }, authFailuresPerIp: { max: 3, window: 'PT10M' } }));
    const victim = await staffKey();
    const colleague = await staffKey();
    const attacker = '127.0.0.2';

    const tries: Res[] = [];
    for (let i = 0; i < 3; i++) tries.push(await call(port, 'GET', `/staff/${victim.id}`, { from: attacker, key: `${BAD_KEY}${i}` }));
    expect(tries.map((t) => [t.status, t.json().message])).toEqual(Array.from({ length: 3 }, () => [401, 'unknown API key']));

    // After the third failure, the next try from that address is answered 429, and so is everything after it.
    const cut = await call(port, 'GET', `/staff/${victim.id}`, { from: attacker, key: `${BAD_KEY}x` });
    expect(cut.status).toBe(429);
    expect(cut.json()).toEqual({ error: 'rate_limited', message: expect.stringMatching(/^too many failed authentications from this address: at most 3 per PT10M \(policy security\.rateLimits\.authFailuresPerIp, §3\.1\); retry in \d+ s$/) });
    const retryAfter = Number(cut.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(cut.headers['www-authenticate']).toBeUndefined();

    const stillCut = await call(port, 'GET', `/staff/${victim.id}`, { from: attacker, key: victim.key });
    expect(stillCut.status).toBe(429);
    expect(Number(stillCut.headers['retry-after'])).toBeGreaterThan(0);
    // The key was never looked at: its lastUsedAt did not move.
    expect((await db.apiKey.findFirstOrThrow({ where: { staffId: victim.id } })).lastUsedAt).toBeNull();

    const elsewhere = await call(port, 'GET', `/staff/${victim.id}`, { from: '127.0.0.3', key: colleague.key });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.json()).toMatchObject({ id: victim.id });
    // Successful requests from the other address do not count as failures there.
    for (let i = 0; i < 5; i++) expect((await call(port, 'GET', '/health', { from: '127.0.0.3' })).status).not.toBe(429);
  });

  test('the block ends with the window: then the address may try again', async () => {
    const { port } = await startApi(policyWith({ perApiKey: { max: 1000, window: 'PT1M' }, authFailuresPerIp: { max: 2, window: 'PT2S' } }));
    const staff = await staffKey();
    const from = '127.0.0.4';
    for (let i = 0; i < 2; i++) expect((await call(port, 'GET', `/staff/${staff.id}`, { from, key: BAD_KEY })).status).toBe(401);
    expect((await call(port, 'GET', `/staff/${staff.id}`, { from, key: BAD_KEY })).status).toBe(429);
    expect((await call(port, 'GET', `/staff/${staff.id}`, { from, key: staff.key })).status).toBe(429);
    await new Promise((r) => setTimeout(r, 2300));
    expect((await call(port, 'GET', `/staff/${staff.id}`, { from, key: staff.key })).status).toBe(200);
  });

  test('behind a trusted proxy (API_TRUST_PROXY) the client address from X-Forwarded-For is the one counted', async () => {
    const { port } = await startApi(policyWith({ perApiKey: { max: 1000, window: 'PT1M' }, authFailuresPerIp: { max: 2, window: 'PT10M' } }), { trustProxy: ['127.0.0.5'] });
    const staff = await staffKey();
    const viaProxy = (client: string, key: string) => call(port, 'GET', `/staff/${staff.id}`, { from: '127.0.0.5', key, headers: { 'x-forwarded-for': client } });
    expect((await viaProxy('203.0.113.7', BAD_KEY)).status).toBe(401);
    expect((await viaProxy('203.0.113.7', BAD_KEY)).status).toBe(401);
    expect((await viaProxy('203.0.113.7', BAD_KEY)).status).toBe(429);
    // Another client behind the same proxy is not cut off with it.
    expect((await viaProxy('203.0.113.8', staff.key)).status).toBe(200);
    // An untrusted sender cannot choose its address by the header.
    const direct = (key: string) => call(port, 'GET', `/staff/${staff.id}`, { from: '127.0.0.6', key, headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect((await direct(BAD_KEY)).status).toBe(401);
    expect((await direct(BAD_KEY)).status).toBe(401);
    expect((await direct(BAD_KEY)).status).toBe(429);
    expect((await viaProxy('203.0.113.9', staff.key)).status).toBe(200);
  });
});

describe('§3.1 requests per API key (policy security.rateLimits.perApiKey)', () => {
  test('the key past its limit gets 429 with Retry-After; another key, and the public routes, are not affected', async () => {
    const { port } = await startApi(policyWith({ perApiKey: { max: 5, window: 'PT1M' }, authFailuresPerIp: { max: 10, window: 'PT10M' } }));
    const busy = await staffKey();
    const other = await staffKey();
    for (let i = 0; i < 5; i++) expect((await call(port, 'GET', `/staff/${busy.id}`, { key: busy.key })).status).toBe(200);
    const limited = await call(port, 'GET', `/staff/${busy.id}`, { key: busy.key });
    expect(limited.status).toBe(429);
    expect(limited.json()).toEqual({ error: 'rate_limited', message: expect.stringMatching(/^rate limit of this API key exceeded: 5 requests per PT1M \(policy security\.rateLimits\.perApiKey, §3\.1\); retry in /) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Same address, another key: its own count.
    expect((await call(port, 'GET', `/staff/${busy.id}`, { key: other.key })).status).toBe(200);
    expect((await call(port, 'GET', '/health')).status).not.toBe(429);
  });
});
