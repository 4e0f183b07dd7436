/**
 * src/security/crypto.ts + keyring.ts: field-level encryption at rest, key rotation, blind indexes and
 * the key-ring configuration. Policy ../shared/policy.md §3.1: "customer data is protected in storage
 * and in transit (encryption)".
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  DecryptionError,
  blindIndex,
  decryptField,
  encryptField,
  keyIdOf,
  mask,
  needsReEncryption,
  reEncrypt,
} from '../../src/security/crypto';
import {
  DEVELOPMENT_KEY_ID,
  KeyRingError,
  createKeyRing,
  developmentKeyRing,
  keyRingFromEnv,
  type KeyRing,
  type KeyRingEnv,
} from '../../src/security/keyring';
import { loadConfig } from '../../src/config/env';

const key = () => randomBytes(32);
const OLD = key();
const NEW = key();
const BLIND = key();
const ring: KeyRing = createKeyRing({ keys: { k2025b: OLD, k2026a: NEW }, currentKeyId: 'k2026a', blindIndexKey: BLIND });
const AAD = 'Customer.identityNumber:cus-1';
const SSN = '123-45-6789';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

function decryptionFailure(fn: () => unknown): DecryptionError {
  const err = errorOf(fn);
  expect(err).toBeInstanceOf(DecryptionError);
  return err as DecryptionError;
}

/** Flips one bit of byte `index` of a base64url part of the token. */
function tamper(token: string, part: 2 | 3, index = 0): string {
  const parts = token.split('.');
  const bytes = Buffer.from(parts[part] ?? '', 'base64url');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('encryptField / decryptField (§3.1 encryption in storage)', () => {
  it('round-trips a value, including empty and non-ASCII strings', () => {
    for (const value of [SSN, '', 'Zoë Ångström — 北京 🏦', 'x'.repeat(10_000)]) {
      expect(decryptField(ring, encryptField(ring, value, AAD), AAD)).toBe(value);
    }
  });

  it('produces v1.<keyId>.<iv>.<ciphertext+tag> under the current key, without the plaintext in it', () => {
    const token = encryptField(ring, SSN, AAD);
    const [version, keyId, iv, sealed, ...rest] = token.split('.');
    expect(rest).toEqual([]);
    expect(version).toBe('v1');
    expect(keyId).toBe('k2026a');
    expect(Buffer.from(iv ?? '', 'base64url')).toHaveLength(12);
    expect(Buffer.from(sealed ?? '', 'base64url')).toHaveLength(Buffer.byteLength(SSN) + 16);
    expect(token).toMatch(/^v1\.k2026a\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(token).not.toContain('6789');
    expect(keyIdOf(token)).toBe('k2026a');
  });

  it('uses a fresh random IV every time: the same value encrypts differently', () => {
    const tokens = Array.from({ length: 50 }, () => encryptField(ring, SSN, AAD));
    expect(new Set(tokens).size).toBe(50);
    expect(new Set(tokens.map((t) => t.split('.')[2])).size).toBe(50);
  });

  it('refuses a value moved to another record or column (AAD mismatch)', () => {
    const token = encryptField(ring, SSN, AAD);
    for (const other of ['Customer.identityNumber:cus-2', 'Customer.phone:cus-1', `${AAD} `]) {
      const err = decryptionFailure(() => decryptField(ring, token, other));
      expect(err.reason).toBe('AUTHENTICATION_FAILED');
      expect(err.message).toContain('another column or record');
      expect(err.message).not.toContain(SSN);
    }
  });

  it.each([
    ['IV', 2 as const, 0],
    ['first ciphertext byte', 3 as const, 0],
    ['tag', 3 as const, Buffer.byteLength(SSN) + 5],
  ])('refuses a tampered %s', (_what, part, index) => {
    const token = encryptField(ring, SSN, AAD);
    expect(decryptionFailure(() => decryptField(ring, tamper(token, part, index), AAD)).reason).toBe('AUTHENTICATION_FAILED');
  });

  it('refuses a token whose key id was swapped for another key in the ring', () => {
    const token = encryptField(ring, SSN, AAD).replace('.k2026a.', '.k2025b.');
    const err = decryptionFailure(() => decryptField(ring, token, AAD));
    expect(err.reason).toBe('AUTHENTICATION_FAILED');
    expect(err.keyId).toBe('k2025b');
  });

  it('refuses a token under a key the ring does not hold, naming the key id', () => {
    const other = createKeyRing({ keys: { k2019x: key() }, currentKeyId: 'k2019x', blindIndexKey: key() });
    const err = decryptionFailure(() => decryptField(ring, encryptField(other, SSN, AAD), AAD));
    expect(err.reason).toBe('UNKNOWN_KEY_ID');
    expect(err.keyId).toBe('k2019x');
    expect(err.message).toContain('k2019x');
  });

  it.each([
    ['plain text', SSN],
    ['too few parts', 'v1.k2026a.AAAA'],
    ['too many parts', 'v1.k2026a.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.x'],
    ['bad key id', 'v1.k!.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['short IV', 'v1.k2026a.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['no tag', 'v1.k2026a.AAAAAAAAAAAAAAAA.AAAA'],
    ['non-base64url', 'v1.k2026a.AAAAAAAAAAAAAAA+.AAAAAAAAAAAAAAAAAAAAAA'],
    ['non-canonical base64url', 'v1.k2026a.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAB'],
  ])('refuses a malformed token (%s)', (_what, token) => {
    expect(decryptionFailure(() => decryptField(ring, token, AAD)).reason).toBe('MALFORMED_TOKEN');
  });

  it('refuses an unknown format version', () => {
    const token = encryptField(ring, SSN, AAD).replace(/^v1\./, 'v9.');
    expect(decryptionFailure(() => decryptField(ring, token, AAD)).reason).toBe('UNSUPPORTED_VERSION');
  });

  it('requires an AAD: every value is bound to its column and record', () => {
    expect(() => encryptField(ring, SSN, '')).toThrow(/aad is required/);
    expect(() => decryptField(ring, encryptField(ring, SSN, AAD), '')).toThrow(/aad is required/);
  });
});

describe('key rotation (§3.1)', () => {
  it('encrypt with the old current key, switch current, re-encrypt: new key id, same plaintext', () => {
    const before = ring.withCurrentKey('k2025b');
    const token = encryptField(before, SSN, AAD);
    expect(keyIdOf(token)).toBe('k2025b');
    expect(needsReEncryption(before, token)).toBe(false);

    const after = before.withCurrentKey('k2026a');
    expect(needsReEncryption(after, token)).toBe(true);
    expect(decryptField(after, token, AAD)).toBe(SSN); // old values stay readable meanwhile

    const rotated = reEncrypt(after, token, AAD);
    expect(keyIdOf(rotated)).toBe('k2026a');
    expect(needsReEncryption(after, rotated)).toBe(false);
    expect(decryptField(after, rotated, AAD)).toBe(SSN);
  });

  it('reEncrypt leaves a token already under the current key unchanged, but still verifies it', () => {
    const token = encryptField(ring, SSN, AAD);
    expect(reEncrypt(ring, token, AAD)).toBe(token);
    expect(decryptionFailure(() => reEncrypt(ring, token, 'Customer.identityNumber:cus-2')).reason).toBe('AUTHENTICATION_FAILED');
  });

  it('a ring without the retired key can no longer read values left under it', () => {
    const token = encryptField(ring.withCurrentKey('k2025b'), SSN, AAD);
    const retired = createKeyRing({ keys: { k2026a: NEW }, currentKeyId: 'k2026a', blindIndexKey: BLIND });
    expect(decryptionFailure(() => reEncrypt(retired, token, AAD)).reason).toBe('UNKNOWN_KEY_ID');
  });
});

describe('blindIndex: find a customer by identity number without storing it (§3.1)', () => {
  it('is deterministic hex HMAC-SHA256, stable across rings with the same blind-index key', () => {
    const index = blindIndex(ring, 'ssn', '123456789');
    expect(index).toMatch(/^[0-9a-f]{64}$/);
    expect(blindIndex(ring, 'ssn', '123456789')).toBe(index);
    const sameBlindKey = createKeyRing({ keys: { other: key() }, currentKeyId: 'other', blindIndexKey: BLIND });
    expect(blindIndex(sameBlindKey, 'ssn', '123456789')).toBe(index); // independent of the data keys and rotation
    expect(index).not.toContain('123456789');
  });

  it('differs per kind, per value and per blind-index key', () => {
    const index = blindIndex(ring, 'ssn', '123456789');
    expect(blindIndex(ring, 'passport', '123456789')).not.toBe(index);
    expect(blindIndex(ring, 'ssn', '123456780')).not.toBe(index);
    const otherBlindKey = createKeyRing({ keys: { k2026a: NEW }, currentKeyId: 'k2026a', blindIndexKey: key() });
    expect(blindIndex(otherBlindKey, 'ssn', '123456789')).not.toBe(index);
  });

  it('refuses a kind that could collide with the value (a colon)', () => {
    expect(() => blindIndex(ring, 'ssn:1', '23')).toThrow(TypeError);
    expect(() => blindIndex(ring, '', '23')).toThrow(TypeError);
  });
});

describe('mask', () => {
  it.each([
    ['123456789', 4, '•••••6789'],
    ['123-45-6789', 4, '•••••6789'],
    ['1234', 4, '•••••34'],
    ['12', 4, '•••••2'],
    ['1', 4, '•••••'],
    ['', 4, '•••••'],
    ['A1234567', 2, '•••••67'],
    ['secret', 0, '•••••'],
  ])('mask(%j, %i) → %j (never more than half, length hidden)', (value, visible, expected) => {
    expect(mask(value, visible)).toBe(expected);
  });

  it('shows the last 4 by default', () => {
    expect(mask('987654321')).toBe('•••••4321');
  });
});

describe('the key ring never shows key material', () => {
  it('JSON, util.inspect and String give ids only', () => {
    const b64 = [OLD, NEW, BLIND].map((k) => k.toString('base64'));
    for (const shown of [JSON.stringify(ring), inspect(ring, { depth: 5, showHidden: true }), String(ring)]) {
      expect(shown).toContain('k2026a');
      for (const secret of b64) expect(shown).not.toContain(secret);
      expect(shown).not.toContain(NEW.toString('hex'));
    }
  });

  it.each<[string, () => unknown, RegExp]>([
    ['no keys', () => createKeyRing({ keys: {}, currentKeyId: 'a', blindIndexKey: key() }), /at least one data key/],
    ['short key', () => createKeyRing({ keys: { a: randomBytes(16) }, currentKeyId: 'a', blindIndexKey: key() }), /key a is 16 bytes: expected exactly 32/],
    ['dotted id', () => createKeyRing({ keys: { 'a.b': key() }, currentKeyId: 'a.b', blindIndexKey: key() }), /key id "a\.b" is invalid/],
    ['current not in ring', () => createKeyRing({ keys: { a: key() }, currentKeyId: 'b', blindIndexKey: key() }), /current key id "b" is not in the ring/],
    ['blind key = data key', () => createKeyRing({ keys: { a: NEW }, currentKeyId: 'a', blindIndexKey: NEW }), /blind-index key must differ/],
  ])('createKeyRing refuses %s', (_what, build, message) => {
    const err = errorOf(build);
    expect(err).toBeInstanceOf(KeyRingError);
    expect(err.message).toMatch(message);
  });
});

describe('keyRingFromEnv (§3.1: production refuses to start without keys)', () => {
  const k1 = key().toString('base64');
  const k2 = key().toString('base64');
  const blind = key().toString('base64');
  const valid: KeyRingEnv = { NODE_ENV: 'production', DATA_ENCRYPTION_KEYS: `k2026a:${k1},k2025b:${k2}`, DATA_ENCRYPTION_KEY_ID: 'k2026a', BLIND_INDEX_KEY: blind };
  const secrets = [k1, k2, blind];

  /** The KeyRingError for `env`, after checking it names `variable` and leaks no key bytes. */
  function refusal(env: KeyRingEnv, variable: string): KeyRingError {
    const err = errorOf(() => keyRingFromEnv(env));
    expect(err).toBeInstanceOf(KeyRingError);
    expect(err.message).toContain(variable);
    const refused = err as KeyRingError;
    expect(refused.variable).toBe(variable);
    for (const secret of secrets) {
      expect(refused.message).not.toContain(secret);
      expect(refused.message).not.toContain(secret.slice(0, 12));
    }
    return refused;
  }

  it('builds the ring from the three variables', () => {
    const r = keyRingFromEnv(valid);
    expect(r.currentKeyId).toBe('k2026a');
    expect(r.keyIds).toEqual(['k2026a', 'k2025b']);
    expect(r.development).toBe(false);
    expect(r.key('k2025b')?.toString('base64')).toBe(k2);
    expect(decryptField(r, encryptField(r, SSN, AAD), AAD)).toBe(SSN);
  });

  it('accepts the parsed configuration from loadConfig as well as process.env', () => {
    const r = keyRingFromEnv(loadConfig({ ...valid, NODE_ENV: 'production' }));
    expect(r.currentKeyId).toBe('k2026a');
  });

  it.each(['development', 'test', undefined])('NODE_ENV=%s with no keys: the fixed, clearly-labelled development ring', (nodeEnv) => {
    const r = keyRingFromEnv({ NODE_ENV: nodeEnv });
    expect(r.development).toBe(true);
    expect(r.currentKeyId).toBe(DEVELOPMENT_KEY_ID);
    expect(String(r)).toMatch(/DEVELOPMENT keys, not secret/);
    // fixed: data written in one development run is readable in the next
    expect(decryptField(developmentKeyRing(), encryptField(r, SSN, AAD), AAD)).toBe(SSN);
    expect(blindIndex(developmentKeyRing(), 'ssn', '1')).toBe(blindIndex(r, 'ssn', '1'));
  });

  it('production without keys refuses to start, naming every missing variable', () => {
    const err = refusal({ NODE_ENV: 'production' }, 'DATA_ENCRYPTION_KEYS');
    expect(err.message).toMatch(/DATA_ENCRYPTION_KEYS, DATA_ENCRYPTION_KEY_ID, BLIND_INDEX_KEY are not set: production refuses to start/);
    expect(err.message).toMatch(/expected/i);
  });

  it('production with empty strings counts as unset', () => {
    refusal({ NODE_ENV: 'production', DATA_ENCRYPTION_KEYS: '', DATA_ENCRYPTION_KEY_ID: ' ', BLIND_INDEX_KEY: '' }, 'DATA_ENCRYPTION_KEYS');
  });

  it('some but not all variables set → refused even in development (no silent fallback)', () => {
    const err = refusal({ NODE_ENV: 'development', DATA_ENCRYPTION_KEYS: valid.DATA_ENCRYPTION_KEYS, DATA_ENCRYPTION_KEY_ID: 'k2026a' }, 'BLIND_INDEX_KEY');
    expect(err.message).toMatch(/^BLIND_INDEX_KEY is not set/);
  });

  it.each<[string, KeyRingEnv, string, RegExp]>([
    ['no key id prefix', { DATA_ENCRYPTION_KEYS: k1 }, 'DATA_ENCRYPTION_KEYS', /entry 1 has no "<keyId>:" prefix; expected a comma-separated list/],
    ['a 16-byte key', { DATA_ENCRYPTION_KEYS: `k2026a:${k1},k2025b:${randomBytes(16).toString('base64')}` }, 'DATA_ENCRYPTION_KEYS', /the key of k2025b \(entry 2\) decodes to 16 bytes, not 32/],
    ['a non-base64 key', { DATA_ENCRYPTION_KEYS: `k2026a:${k1.slice(0, 20)}!!${k1.slice(22)}` }, 'DATA_ENCRYPTION_KEYS', /the key of k2026a \(entry 1\) is not base64/],
    ['a duplicate key id', { DATA_ENCRYPTION_KEYS: `k2026a:${k1},k2026a:${k2}` }, 'DATA_ENCRYPTION_KEYS', /key id k2026a appears twice/],
    ['a bad key id', { DATA_ENCRYPTION_KEYS: `k.1:${k1}` }, 'DATA_ENCRYPTION_KEYS', /entry 1 has an invalid key id/],
    ['a current id not in the ring', { DATA_ENCRYPTION_KEY_ID: 'k2024z' }, 'DATA_ENCRYPTION_KEY_ID', /"k2024z" is not in DATA_ENCRYPTION_KEYS: expected one of k2026a, k2025b/],
    ['a malformed current id', { DATA_ENCRYPTION_KEY_ID: 'k 1' }, 'DATA_ENCRYPTION_KEY_ID', /expected a key id/],
    ['a short blind-index key', { BLIND_INDEX_KEY: randomBytes(31).toString('base64') }, 'BLIND_INDEX_KEY', /decodes to 31 bytes, not 32; expected base64 of exactly 32 bytes/],
    ['a blind-index key equal to a data key', { BLIND_INDEX_KEY: k2 }, 'BLIND_INDEX_KEY', /equals the data key k2025b: expected a separate key/],
    ['the public development key in production', { DATA_ENCRYPTION_KEYS: `dev:${developmentKeyRing().currentKey.toString('base64')}`, DATA_ENCRYPTION_KEY_ID: 'dev' }, 'DATA_ENCRYPTION_KEYS', /public development key/],
  ])('refuses %s, naming the variable and what is expected, without key bytes', (_what, change, variable, message) => {
    const err = refusal({ ...valid, ...change }, variable);
    expect(err.message.startsWith(`${variable} is invalid: `)).toBe(true);
    expect(err.message).toMatch(message);
    expect(err.message.split('\n')).toHaveLength(1);
  });
});

describe('loadConfig checks the key variables at start-up without echoing them (§3.1)', () => {
  const secret = key().toString('base64');

  it.each<[string, string, RegExp]>([
    ['DATA_ENCRYPTION_KEYS', `k1:${secret.slice(0, 30)}`, /expected a comma-separated list of <keyId>:<base64 of 32 bytes>.*\(the key of k1 \(entry 1\) is not base64\)/],
    ['DATA_ENCRYPTION_KEYS', `k1:${secret},k2:${secret.slice(0, 24)}`, /\(the key of k2 \(entry 2\) decodes to 18 bytes, not 32\)/],
    ['BLIND_INDEX_KEY', secret.slice(0, 24), /expected base64 of exactly 32 bytes.*decodes to 18 bytes/],
  ])('%s: one line, value shown as ***', (variable, value, message) => {
    const err = errorOf(() => loadConfig({ [variable]: value }));
    expect(err.message).toMatch(new RegExp(`^${variable}=\\*\\*\\* is invalid: expected `));
    expect(err.message).toMatch(message);
    expect(err.message.split('\n')).toHaveLength(1);
    expect(err.message).not.toContain(secret.slice(0, 12));
  });

  it('DATA_ENCRYPTION_KEY_ID (not a secret) is echoed like other variables', () => {
    expect(errorOf(() => loadConfig({ DATA_ENCRYPTION_KEY_ID: 'a.b' })).message).toMatch(/^DATA_ENCRYPTION_KEY_ID="a\.b" is invalid: expected a key id/);
  });

  it('valid keys parse, and are left as text for keyRingFromEnv', () => {
    const env = loadConfig({ DATA_ENCRYPTION_KEYS: `k1:${secret}`, DATA_ENCRYPTION_KEY_ID: 'k1', BLIND_INDEX_KEY: key().toString('base64') });
    expect(env.DATA_ENCRYPTION_KEYS).toBe(`k1:${secret}`);
    expect(env.DATA_ENCRYPTION_KEY_ID).toBe('k1');
  });

  it('CODEC_CORS_ORIGINS: a list of origins', () => {
    expect(loadConfig({ CODEC_CORS_ORIGINS: 'http://localhost:8233, https://temporal.bank.example/' }).CODEC_CORS_ORIGINS).toEqual([
      'http://localhost:8233',
      'https://temporal.bank.example',
    ]);
    expect(errorOf(() => loadConfig({ CODEC_CORS_ORIGINS: 'localhost:8233' })).message).toMatch(/^CODEC_CORS_ORIGINS="localhost:8233" is invalid: expected a comma-separated list of origins/);
    expect(() => loadConfig({ CODEC_CORS_ORIGINS: 'http://ui.example/path' })).toThrow(/no path/);
  });
});
