/**
 * src/temporal/codec.ts (Temporal payload encryption) and src/api/routes/codec.ts (Temporal's remote
 * codec server protocol for the UI and CLI). Policy ../shared/policy.md §3.1: customer data protected in
 * storage and in transit (encryption); every access recorded.
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { defaultPayloadConverter, type DefaultFailureConverter, type Payload } from '@temporalio/common';
import { DecryptionError } from '../../src/security/crypto';
import { createKeyRing, type KeyRing } from '../../src/security/keyring';
import { ENCRYPTED_ENCODING, createEncryptionCodec, dataConverter, isEncryptedPayload, payloadKeyId } from '../../src/temporal/codec';
import { codecRoutes, type CodecAccessEvent, type CodecRoutesOptions } from '../../src/api/routes/codec';

const OLD = randomBytes(32);
const NEW = randomBytes(32);
const ring: KeyRing = createKeyRing({ keys: { k2025b: OLD, k2026a: NEW }, currentKeyId: 'k2026a', blindIndexKey: randomBytes(32) });
const INPUT = { customerId: 'cus-4711', identityNumber: '123-45-6789', name: 'Zoë Adams' };
const str = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload | undefined): unknown => defaultPayloadConverter.fromPayload(payload ?? {});

describe('encryption codec (§3.1: payloads encrypted before they reach Temporal)', () => {
  const codec = createEncryptionCodec(ring);

  it('round-trips payloads of every kind the default converter makes', async () => {
    const values = [INPUT, 'text', 42, null, [1, 'two'], new Uint8Array([0, 1, 255])];
    const payloads = values.map(toPayload).concat([{ metadata: { encoding: Buffer.from('binary/null') } }]);
    const decoded = await codec.decode(await codec.encode(payloads));
    expect(decoded.map((p) => str(p.metadata?.encoding))).toEqual(payloads.map((p) => str(p.metadata?.encoding)));
    expect(decoded.slice(0, values.length).map(fromPayload)).toEqual(values);
  });

  it('marks payloads binary/encrypted with the current key id, with no plaintext left in them', async () => {
    const [encoded] = await codec.encode([toPayload(INPUT)]);
    expect(encoded).toBeDefined();
    expect(str(encoded?.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(str(encoded?.metadata?.['encryption-key-id'])).toBe('k2026a');
    expect(Object.keys(encoded?.metadata ?? {}).sort()).toEqual(['encoding', 'encryption-key-id']); // json/plain is hidden too
    expect(isEncryptedPayload(encoded ?? {})).toBe(true);
    expect(payloadKeyId(encoded ?? {})).toBe('k2026a');
    const bytes = Buffer.from(encoded?.data ?? new Uint8Array());
    for (const secret of ['123-45-6789', 'cus-4711', 'Zo', 'json/plain', 'identityNumber']) expect(bytes.includes(secret)).toBe(false);
  });

  it('encrypts the same payload differently every time (random IV)', async () => {
    const [a, b] = await codec.encode([toPayload(INPUT), toPayload(INPUT)]);
    expect(Buffer.from(a?.data ?? []).equals(Buffer.from(b?.data ?? []))).toBe(false);
  });

  it('decodes payloads of every key in the ring (rotation: old histories stay readable)', async () => {
    const oldCodec = createEncryptionCodec(ring.withCurrentKey('k2025b'));
    const [old] = await oldCodec.encode([toPayload(INPUT)]);
    expect(payloadKeyId(old ?? {})).toBe('k2025b');
    const [fresh] = await codec.encode([toPayload(INPUT)]);
    const decoded = await codec.decode([old ?? {}, fresh ?? {}]);
    expect(decoded.map(fromPayload)).toEqual([INPUT, INPUT]);
  });

  it('passes through payloads it did not encrypt (histories from before encryption)', async () => {
    const plain = [toPayload(INPUT), toPayload('x'), {}];
    expect(await codec.decode(plain)).toEqual(plain);
  });

  it('refuses a payload under a key the ring lacks, a tampered payload and one without key id', async () => {
    const stranger = createEncryptionCodec(createKeyRing({ keys: { k2019x: randomBytes(32) }, currentKeyId: 'k2019x', blindIndexKey: randomBytes(32) }));
    const [foreign] = await stranger.encode([toPayload(INPUT)]);
    await expect(codec.decode([foreign ?? {}])).rejects.toMatchObject({ name: 'DecryptionError', reason: 'UNKNOWN_KEY_ID', keyId: 'k2019x' });

    const [encoded] = await codec.encode([toPayload(INPUT)]);
    const data = Buffer.from(encoded?.data ?? []);
    data[20] = (data[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...encoded, data }])).rejects.toMatchObject({ reason: 'AUTHENTICATION_FAILED' });

    // The key id in the metadata is authenticated: pointing it at another key fails.
    const relabelled = { ...encoded, metadata: { ...encoded?.metadata, 'encryption-key-id': Buffer.from('k2025b') } };
    await expect(codec.decode([relabelled])).rejects.toBeInstanceOf(DecryptionError);

    await expect(codec.decode([{ metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING) }, data }])).rejects.toMatchObject({ reason: 'MALFORMED_TOKEN' });
  });

  it('dataConverter(ring) is { payloadCodecs: [codec], failureConverterPath } for Client, Worker and the test environment', async () => {
    const converter = dataConverter(ring);
    expect(Object.keys(converter)).toEqual(['payloadCodecs', 'failureConverterPath']);
    // §3.1: failure messages and stack traces become an encoded payload (sealed by the codec).
    const loaded = (await import(converter.failureConverterPath)) as { failureConverter?: DefaultFailureConverter };
    expect(loaded.failureConverter?.options.encodeCommonAttributes).toBe(true);
    expect(converter.payloadCodecs).toHaveLength(1);
    const [encoded] = await converter.payloadCodecs[0].encode([toPayload(INPUT)]);
    expect(fromPayload((await codec.decode([encoded ?? {}]))[0])).toEqual(INPUT);
  });
});

// ---- the remote codec endpoint -----------------------------------------------------------------

const UI = 'http://localhost:8233';
type JsonPayload = { metadata: Record<string, string>; data: string };
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});
const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});

describe('codec routes: Temporal remote codec protocol (§3.1)', () => {
  const codec = createEncryptionCodec(ring);
  let app: FastifyInstance;
  let audit: CodecAccessEvent[];
  let allow: boolean;

  async function build(options: Partial<CodecRoutesOptions> = {}): Promise<FastifyInstance> {
    const instance = Fastify({ logger: false });
    await instance.register(
      codecRoutes({
        codec,
        authorize: () => allow,
        recordAccess: (event) => {
          audit.push(event);
        },
        ...options,
      }),
    );
    await instance.ready();
    return instance;
  }

  beforeEach(async () => {
    audit = [];
    allow = true;
    app = await build();
  });
  afterEach(() => app.close());

  const post = (path: string, payloads: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, payload: { payloads } });

  it('POST /codec/decode of an encoded payload gives the original back', async () => {
    const encoded = await codec.encode([toPayload(INPUT), toPayload('second')]);
    const res = await post('/codec/decode', encoded.map(toJson), { origin: UI });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(UI);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json<{ payloads: JsonPayload[] }>();
    expect(body.payloads.map(fromJson).map(fromPayload)).toEqual([INPUT, 'second']);
    expect(body.payloads[0]?.metadata.encoding).toBe(Buffer.from('json/plain').toString('base64')); // metadata values are base64
    expect(audit).toEqual([expect.objectContaining({ action: 'decode', namespace: 'default', outcome: 'ok', payloads: 2, keyIds: ['k2026a'], origin: UI })]);
  });

  it('POST /codec/encode encrypts what the UI or CLI sends; decode reverses it', async () => {
    const res = await post('/codec/encode', [toJson(toPayload(INPUT))]);
    expect(res.statusCode).toBe(200);
    const [encoded] = res.json<{ payloads: JsonPayload[] }>().payloads;
    expect(Buffer.from(encoded?.metadata.encoding ?? '', 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encoded?.metadata['encryption-key-id'] ?? '', 'base64').toString()).toBe('k2026a');
    expect(fromPayload((await codec.decode([fromJson(encoded!)]))[0])).toEqual(INPUT);
    expect(audit[0]).toMatchObject({ action: 'encode', outcome: 'ok', payloads: 1, keyIds: ['k2026a'] });
  });

  it('passes through payloads that are not encrypted, and accepts an empty list', async () => {
    const plain = toJson(toPayload('already plain'));
    expect((await post('/codec/decode', [plain])).json()).toEqual({ payloads: [plain] });
    expect((await post('/codec/decode', [])).json()).toEqual({ payloads: [] });
  });

  it('answers the CORS preflight of the Temporal UI without authorization', async () => {
    allow = false;
    for (const url of ['/codec/decode', '/codec/encode']) {
      const res = await app.inject({
        method: 'OPTIONS',
        url,
        headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
      });
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(UI);
      expect(res.headers['access-control-allow-methods']).toBe('POST, OPTIONS');
      expect(String(res.headers['access-control-allow-headers']).split(', ').sort()).toEqual(['authorization', 'content-type', 'x-namespace']);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers.vary).toBe('Origin');
    }
  });

  it('gives no CORS headers to other origins (preflight and request refused with 403)', async () => {
    const preflight = await app.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.statusCode).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const res = await post('/codec/decode', [], { origin: 'https://evil.example' });
    expect(res.statusCode).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(audit).toEqual([expect.objectContaining({ outcome: 'forbidden', origin: 'https://evil.example' })]);
  });

  it('serves configured origins instead of the default', async () => {
    await app.close();
    app = await build({ corsOrigins: ['https://temporal.bank.example'] });
    const ok = await app.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin: 'https://temporal.bank.example', 'access-control-request-method': 'POST' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://temporal.bank.example');
    const other = await app.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin: UI, 'access-control-request-method': 'POST' } });
    expect(other.statusCode).toBe(403);
  });

  it('401 when authorize returns false and no credentials were sent; 403 with credentials; nothing decoded', async () => {
    allow = false;
    const encoded = (await codec.encode([toPayload(INPUT)])).map(toJson);
    const res = await post('/codec/decode', encoded, { origin: UI });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['access-control-allow-origin']).toBe(UI); // so the UI can read the error
    expect(res.body).not.toContain('123-45-6789');
    const withToken = await post('/codec/decode', encoded, { authorization: 'Bearer nope' });
    expect(withToken.statusCode).toBe(403);
    expect(audit.map((e) => e.outcome)).toEqual(['unauthenticated', 'forbidden']);
  });

  it('hands the request to authorize (headers available for the later authentication)', async () => {
    const seen: (string | undefined)[] = [];
    await app.close();
    app = await build({
      authorize: (request) => {
        seen.push(request.headers.authorization);
        return request.headers.authorization === 'Bearer ok';
      },
    });
    expect((await post('/codec/decode', [], { authorization: 'Bearer ok' })).statusCode).toBe(200);
    expect(seen).toEqual(['Bearer ok']);
  });

  it('refuses another namespace when one is configured', async () => {
    await app.close();
    app = await build({ namespace: 'ccm-prod' });
    expect((await post('/codec/decode', [], { 'x-namespace': 'other' })).statusCode).toBe(403);
    expect((await post('/codec/decode', [], { 'x-namespace': 'ccm-prod' })).statusCode).toBe(200);
  });

  it.each<[string, unknown]>([
    ['no payloads', {}],
    ['payloads not an array', { payloads: 'x' }],
    ['data not base64', { payloads: [{ metadata: {}, data: 'not base64!' }] }],
    ['metadata value not base64', { payloads: [{ metadata: { encoding: 'json plain' }, data: '' }] }],
    ['data of impossible base64 length', { payloads: [{ metadata: {}, data: 'AAAAA' }] }],
  ])('400 for a bad body (%s)', async (_what, body) => {
    const res = await app.inject({ method: 'POST', url: '/codec/decode', headers: { 'content-type': 'application/json' }, payload: body as object });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'validation_failed' });
    expect(audit[0]).toMatchObject({ outcome: 'bad_request' });
  });

  it('400 naming the reason when a payload cannot be decrypted (unknown key, tampered)', async () => {
    const [encoded] = (await codec.encode([toPayload(INPUT)])).map(toJson);
    const foreign = { ...encoded!, metadata: { ...encoded!.metadata, 'encryption-key-id': Buffer.from('k1999').toString('base64') } };
    const res = await post('/codec/decode', [foreign]);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'decode_failed', reason: 'UNKNOWN_KEY_ID' });
    expect(audit[0]).toMatchObject({ outcome: 'failed', reason: 'UNKNOWN_KEY_ID', keyIds: ['k1999'] });
  });

  it('records accesses in the request log by default, without payload contents', async () => {
    const lines: string[] = [];
    const logged = Fastify({ logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
    await logged.register(codecRoutes({ codec, authorize: () => true }));
    const encoded = (await codec.encode([toPayload(INPUT)])).map(toJson);
    const res = await logged.inject({ method: 'POST', url: '/codec/decode', headers: { 'content-type': 'application/json', 'x-namespace': 'default' }, payload: { payloads: encoded } });
    await logged.close();
    expect(res.statusCode).toBe(200);
    const entry = lines.map((l) => JSON.parse(l)).find((l) => l.audit);
    expect(entry.audit).toMatchObject({ kind: 'codec', action: 'decode', namespace: 'default', outcome: 'ok', payloads: 1, keyIds: ['k2026a'] });
    expect(lines.join('')).not.toContain('123-45-6789');
  });
});
