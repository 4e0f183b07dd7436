/**
 * The Temporal UI's codec with the staff console's session (issue 12, §3.1): the UI's "include
 * cross-origin credentials" sends the console's cookie with /codec/decode, so an operator signed in
 * to the console with a role of CODEC_ROLES reads payloads in clear; anyone else — no session, a role
 * that may not decode, a session signed out — is refused and sees ciphertext. On real parts: the API
 * on a real port with the payload codec of production (AES-256-GCM), this file's database, the
 * Temporal dev server.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { developmentKeyRing } from '../../src/security/keyring';
import { dataConverter } from '../../src/temporal/codec';
import { staffWithKey } from '../support/api';
import { startApiStack, type ApiStack } from '../support/stack';
import { ConsoleBrowser, csrfOf } from '../support/console-browser';

const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.12-91' });
const ring = developmentKeyRing();
const codec = dataConverter(ring).payloadCodecs[0];
const UI_ORIGIN = 'http://localhost:8233';

let stack: ApiStack;
let db: Db;

const makeStaff = (prefix: string, roles: StaffRole[]) => staffWithKey(db, prefix, roles, { label: 'console-codec test' });

/** An encrypted payload as the Temporal UI sends it for decoding. */
async function encryptedPayload(value: unknown) {
  const [p] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
  return {
    metadata: Object.fromEntries(Object.entries(p!.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p!.data ?? new Uint8Array()).toString('base64'),
  };
}

async function decode(cookie: string | undefined, payload: unknown) {
  const res = await fetch(`${stack.baseUrl}/codec/decode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: UI_ORIGIN, 'x-namespace': 'default', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ payloads: [payload] }),
  });
  const body = (await res.json()) as { payloads?: { data: string }[] };
  return { status: res.status, headers: res.headers, clear: body.payloads ? Buffer.from(body.payloads[0]!.data, 'base64').toString('utf8') : undefined };
}

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: 'care@bank.test', ring, api: { codec } });
  db = stack.db;
});

afterAll(async () => {
  await stack?.stop();
});

test('an AUDITOR signed in to the console decodes in the Temporal UI; the answer allows the UI origin with credentials', async () => {
  const auditor = await makeStaff('aud', ['AUDITOR']);
  const b = new ConsoleBrowser(stack.baseUrl);
  await b.signIn(auditor.key);
  const payload = await encryptedPayload({ customerId: 'cus_codec', note: 'in clear only for decoders' });

  const preflight = await fetch(`${stack.baseUrl}/codec/decode`, { method: 'OPTIONS', headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');

  const res = await decode(b.cookieHeader(), payload);
  expect(res.status).toBe(200);
  expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  expect(JSON.parse(res.clear!)).toEqual({ customerId: 'cus_codec', note: 'in clear only for decoders' });

  // Signed out: the same cookie decodes nothing any more.
  const inbox = await b.get('/console');
  const stolen = b.cookieHeader();
  await b.submit(inbox, '/console/sign-out', { _csrf: csrfOf(inbox) });
  const after = await decode(stolen, payload);
  expect(after.status).toBe(401);
  expect(after.clear).toBeUndefined();
});

test('no session, or a session whose role may not decode (CUSTOMER_SERVICE), is refused: the UI shows ciphertext', async () => {
  const payload = await encryptedPayload({ secret: 'x' });
  expect((await decode(undefined, payload)).status).toBe(401);
  expect((await decode('ccm_console=forged.signature', payload)).status).toBe(401);

  const cs = await makeStaff('cs', ['CUSTOMER_SERVICE']);
  const b = new ConsoleBrowser(stack.baseUrl);
  await b.signIn(cs.key);
  const res = await decode(b.cookieHeader(), payload);
  expect(res.status).toBe(401);
  expect(res.clear).toBeUndefined();
  // The same person's API key is refused as well (403: a key without a decoding role), as before.
  const keyed = await fetch(`${stack.baseUrl}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${cs.key}`, 'x-namespace': 'default' }, body: JSON.stringify({ payloads: [payload] }) });
  expect(keyed.status).toBe(403);
});
