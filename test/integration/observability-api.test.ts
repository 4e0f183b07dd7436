/**
 * Observability of a real API on the real stack (Temporal dev server, PostgreSQL, SMTP; issue 13):
 *
 * - §3.1 logs: an API instance logging at trace into a captured stream, exactly as the API process
 *   logs (src/observability/logger.ts), while customers are created and one is refused. Every line
 *   is JSON with the request's id; the request bodies and headers do reach the logger (debug
 *   `request received` lines) — and yet no line holds the identity number (either spelling), the
 *   date of birth, the names, the e-mail address or the API key that were sent.
 * - X-Request-Id: a well-formed one is the request's id (logs and response), anything else is replaced.
 * - GET /metrics (Prometheus): from loopback without a token; the request counter moves with the
 *   requests made; the §2.3 onboarding queue and the §3.2 overdue-review gauges equal the rows this
 *   file made; with METRICS_TOKEN only the bearer token opens it; a non-loopback caller without a
 *   token configured is refused.
 */
import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server';
import type { Db } from '../../src/db/client';
import { createLogger } from '../../src/observability/logger';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { developmentKeyRing } from '../../src/security/keyring';
import { staffWithKey } from '../support/api';
import { unique } from '../support/fixtures';
import { startApiStack, type ApiStack } from '../support/stack';

jest.setTimeout(120_000);

const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.12-97' });
const ring = developmentKeyRing();
const METRICS_TOKEN = 'm'.repeat(8) + '0123456789abcdef0123456789abcdef';

let stack: ApiStack;
let db: Db;
/** The API under test: logs captured, at trace. */
let api: FastifyInstance;
let baseUrl: string;
const logLines: string[] = [];
let csKey: string;

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: 'care@bank.test', ring });
  db = stack.db;
  // As the API process logs (component api), into a captured stream.
  const logger = createLogger({ level: 'trace', format: 'json', destination: { write: (line: string) => void logLines.push(line) } }).child({ component: 'api' });
  api = await buildApi({ db, temporal: stack.temporal, taskQueue: stack.taskQueue, policy, ring, logger, reconcile: false });
  baseUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  csKey = (await staffWithKey(db, 'obs-cs', ['CUSTOMER_SERVICE'], { label: 'observability test' })).key;
});

afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

/** A valid SSN (area 100–665, group ≠ 00). */
const ssn = () => `${randomInt(100, 666)}-${randomInt(10, 100)}-${String(randomInt(1000, 10000))}`;

function individual(identityNumber: string, email: string) {
  return {
    type: 'INDIVIDUAL',
    channel: 'BRANCH',
    firstName: 'Zenobia',
    lastName: 'Quixtrel',
    dateOfBirth: '1979-03-14',
    email,
    phone: '(213) 373-4253',
    totalAssetsUsd: 50_000,
    identity: { kind: 'SSN', number: identityNumber },
  };
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${csKey}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function scrape(headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`, { headers });
  expect([res.status, res.headers.get('content-type')]).toEqual([200, expect.stringContaining('text/plain')]);
  return res.text();
}

/** The value of one series in a scrape (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(m[3]);
  }
  return 0;
}

describe('§3.1 logs of the API', () => {
  const sent: { ssn: string; email: string }[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const one = { ssn: ssn(), email: `${unique('zq')}@example.com` };
      sent.push(one);
      const res = await post('/customers', individual(one.ssn, one.email), { 'x-request-id': `obs-create-${i}` });
      expect([res.status, res.headers.get('x-request-id')]).toEqual([201, `obs-create-${i}`]);
    }
    // Refused (a phone number that is none): the body is logged at debug all the same.
    const refused = { ssn: ssn(), email: `${unique('zq')}@example.com` };
    sent.push(refused);
    const bad = await post('/customers', { ...individual(refused.ssn, refused.email), phone: '555-CALL-NOW' });
    expect([bad.status, bad.body.error]).toEqual([400, 'validation_failed']);
  });

  test('every line is JSON; the requests are logged with their id, and their bodies and headers reach the logger redacted', () => {
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.length).toBeGreaterThan(0);
    const received = lines.filter((l) => l.msg === 'request received' && l.req === undefined && l.body?.type === 'INDIVIDUAL');
    expect(received).toHaveLength(3);
    for (const line of received) {
      expect(line).toMatchObject({
        level: 'debug',
        component: 'api',
        body: { type: 'INDIVIDUAL', channel: 'BRANCH', identity: '[Redacted]', firstName: '[Redacted]', lastName: '[Redacted]', email: '[Redacted]', phone: '[Redacted]', dateOfBirth: '[Redacted]' },
        headers: { authorization: '[Redacted]', 'content-type': 'application/json' },
      });
    }
    expect(received.slice(0, 2).map((l) => l.reqId)).toEqual(['obs-create-0', 'obs-create-1']);
    // Fastify's own request/response lines carry the same id.
    expect(lines.filter((l) => l.reqId === 'obs-create-0' && l.res?.statusCode === 201)).toHaveLength(1);
  });

  test('no log line holds an identity number, a name, a date of birth, an e-mail address or the API key that were sent', () => {
    const text = logLines.join('');
    const leaks: string[] = [];
    for (const { ssn: number, email } of sent) {
      for (const secret of [number, number.replace(/-/g, ''), email]) if (text.includes(secret)) leaks.push(secret);
    }
    for (const secret of [csKey, csKey.slice(4), 'Zenobia', 'Quixtrel', '1979-03-14', '373-4253', '2133734253', '555-CALL-NOW']) if (text.includes(secret)) leaks.push(secret);
    expect(leaks).toEqual([]);
  });

  test('X-Request-Id: a malformed one is replaced by a new id, echoed in the response', async () => {
    const res = await fetch(`${baseUrl}/health`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const none = await fetch(`${baseUrl}/health`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(none.headers.get('x-request-id')).not.toBe(id);
  });
});

describe('GET /metrics', () => {
  test('loopback without a token: the request counter moves with the requests made', async () => {
    const before = await scrape();
    const route = { method: 'GET', route: '/staff/:id', status_code: '200' };
    const csId = (await db.apiKey.findFirstOrThrow({ where: { label: 'observability test' } })).staffId;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${baseUrl}/staff/${csId}`, { headers: { authorization: `Bearer ${csKey}` } });
      expect(res.status).toBe(200);
    }
    expect((await fetch(`${baseUrl}/no/such/route`, { headers: { authorization: `Bearer ${csKey}` } })).status).toBe(404);
    const after = await scrape();
    expect(sample(after, 'ccm_http_requests_total', route) - sample(before, 'ccm_http_requests_total', route)).toBe(3);
    expect(sample(after, 'ccm_http_request_duration_seconds_count', route) - sample(before, 'ccm_http_request_duration_seconds_count', route)).toBe(3);
    // A 404 is one series whatever its URL (no ids or tokens in label values).
    expect(sample(after, 'ccm_http_requests_total', { method: 'GET', route: '(unmatched)', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(after).not.toContain('/no/such/route');
  });

  test('§2.3, §3.2, §5.2 business gauges equal the rows in the database', async () => {
    // Three overdue periodic reviews, one not yet overdue, one done (only the three count).
    const now = Date.now();
    const task = (id: string, overdueAt: number, status: 'OPEN' | 'DONE' = 'OPEN') => ({
      id: `review:${unique(id)}:1`,
      kind: 'PERIODIC_REVIEW' as const,
      subject: 'periodic review',
      dueAt: new Date(overdueAt - 86_400_000),
      overdueAt: new Date(overdueAt),
      status,
      workflowId: unique('wf'),
      policyVersion: policy.version,
    });
    await db.task.createMany({
      data: [task('a', now - 3_600_000), task('b', now - 60_000), task('c', now - 86_400_000), task('d', now + 86_400_000), task('e', now - 60_000, 'DONE')],
    });
    const text = await scrape();
    expect(sample(text, 'ccm_periodic_reviews_overdue')).toBe(3);
    // The two customers created above wait for the audit team (§2.3 step 3).
    expect(sample(text, 'ccm_onboarding_queue', { status: 'PENDING_REVIEW' })).toBe(await db.customer.count({ where: { status: 'PENDING_REVIEW' } }));
    expect(sample(text, 'ccm_onboarding_queue', { status: 'PENDING_REVIEW' })).toBe(2);
    expect(sample(text, 'ccm_onboarding_queue', { status: 'INFO_REQUESTED' })).toBe(0);
    // Every label value is present, 0 included; the read succeeded.
    for (const status of ['REGISTERED', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESPONDED', 'RESOLVED', 'REOPENED']) {
      expect(text).toContain(`ccm_feedback_cases_open{status="${status}"} 0`);
    }
    expect(text).toContain('ccm_feedback_sla_breached{deadline="target"} 0');
    for (const status of ['PENDING', 'SENDING', 'SENT', 'FAILED']) expect(text).toMatch(new RegExp(`ccm_emails\\{status="${status}"\\} \\d+`));
    expect(sample(text, 'ccm_business_gauges_up')).toBe(1);
  });

  test('METRICS_TOKEN set: only its bearer token opens /metrics, loopback included; unset: a remote caller is refused', async () => {
    const guarded = await buildApi({ db, temporal: stack.temporal, taskQueue: stack.taskQueue, policy, ring, logLevel: 'silent', reconcile: false, metricsToken: METRICS_TOKEN });
    try {
      const none = await guarded.inject({ method: 'GET', url: '/metrics' });
      expect([none.statusCode, none.headers['www-authenticate']]).toEqual([401, 'Bearer']);
      const wrong = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
      expect(wrong.statusCode).toBe(401);
      const staffKey = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${csKey}` } });
      expect(staffKey.statusCode).toBe(401);
      const right = await guarded.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect([right.statusCode, right.body]).toEqual([200, expect.stringContaining('ccm_onboarding_queue{status="PENDING_REVIEW"} 2')]);
    } finally {
      await guarded.close();
    }
    const remote = await api.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
    expect([remote.statusCode, remote.json()]).toEqual([403, expect.objectContaining({ error: 'forbidden' })]);
  });
});
