/**
 * The key ring for field-level encryption at rest and for the Temporal payload codec
 * (policy ../shared/policy.md §3.1: "customer data is protected in storage and in transit (encryption)").
 *
 * - Data keys: several AES-256 keys, each 32 random bytes, addressed by a key id. Exactly one is
 *   *current*: new ciphertexts use it; every key in the ring can still decrypt (rotation).
 * - Blind-index key: a separate 32-byte HMAC key, so a customer can be found by identity number
 *   without storing or querying the plain value (see blindIndex in ./crypto.ts).
 *
 * Environment (validated per variable by src/config/env.ts, as a whole by keyRingFromEnv):
 *   DATA_ENCRYPTION_KEYS    `<keyId>:<base64 32 bytes>[,<keyId>:<base64 32 bytes>…]`
 *   DATA_ENCRYPTION_KEY_ID  the current key id; must be one of the ids above
 *   BLIND_INDEX_KEY         base64 of 32 bytes, different from every data key
 * Generate a key with: `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`.
 *
 * With none of the three set and NODE_ENV other than `production`, keyRingFromEnv returns a fixed
 * DEVELOPMENT key ring (key id `dev-not-secret`, `ring.development === true`): its keys are derived from
 * a public label in this file and protect nothing. In production the service refuses to start without
 * the three variables, and refuses the development keys.
 *
 * Key material never appears in an error message, a log line, JSON.stringify or util.inspect of a ring.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';

export const KEY_BYTES = 32;
/** Key ids go into ciphertext tokens (`v1.<keyId>.…`) and payload metadata: no dots, no separators. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const DEVELOPMENT_KEY_ID = 'dev-not-secret';

/** The variables keyRingFromEnv reads (process.env and the parsed Env from loadConfig both fit). */
export interface KeyRingEnv {
  NODE_ENV?: string | undefined;
  DATA_ENCRYPTION_KEYS?: string | undefined;
  DATA_ENCRYPTION_KEY_ID?: string | undefined;
  BLIND_INDEX_KEY?: string | undefined;
}

export const KEY_RING_VARIABLES = ['DATA_ENCRYPTION_KEYS', 'DATA_ENCRYPTION_KEY_ID', 'BLIND_INDEX_KEY'] as const;

/** A key ring that cannot be built; the message names the variable and what is expected, never key bytes. */
export class KeyRingError extends Error {
  override name = 'KeyRingError';
  constructor(
    message: string,
    /** The environment variable at fault, when the ring came from the environment. */
    readonly variable?: string,
  ) {
    super(message);
  }
}

export interface KeyRingInit {
  keys: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>;
  currentKeyId: string;
  blindIndexKey: Uint8Array;
  development?: boolean;
}

const isReadonlyMap = (v: KeyRingInit['keys']): v is ReadonlyMap<string, Uint8Array> => v instanceof Map;

export class KeyRing {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #blindIndexKey: Buffer;
  readonly currentKeyId: string;
  /** True for the built-in development ring: its keys are public and protect nothing. */
  readonly development: boolean;

  /** Use createKeyRing (validates) or keyRingFromEnv. */
  private constructor(keys: ReadonlyMap<string, Buffer>, currentKeyId: string, blindIndexKey: Buffer, development: boolean) {
    this.#keys = keys;
    this.currentKeyId = currentKeyId;
    this.#blindIndexKey = blindIndexKey;
    this.development = development;
    Object.freeze(this);
  }

  /** @internal validated construction, see createKeyRing. */
  static create(init: KeyRingInit): KeyRing {
    const source = init.keys;
    const entries: [string, Uint8Array][] = isReadonlyMap(source) ? [...source.entries()] : Object.entries(source);
    if (entries.length === 0) throw new KeyRingError('the key ring needs at least one data key');
    const keys = new Map<string, Buffer>();
    for (const [id, key] of entries) {
      if (!KEY_ID_PATTERN.test(id)) throw new KeyRingError(`key id ${JSON.stringify(id)} is invalid: expected 1–64 of A–Z a–z 0–9 _ -`);
      if (!(key instanceof Uint8Array)) throw new KeyRingError(`key ${id} must be bytes (a Buffer or Uint8Array)`);
      if (key.length !== KEY_BYTES) throw new KeyRingError(`key ${id} is ${key.length} bytes: expected exactly ${KEY_BYTES} bytes (256 bits)`);
      keys.set(id, Buffer.from(key));
    }
    if (!keys.has(init.currentKeyId)) {
      throw new KeyRingError(`current key id ${JSON.stringify(init.currentKeyId)} is not in the ring (ids: ${[...keys.keys()].join(', ')})`);
    }
    if (init.blindIndexKey.length !== KEY_BYTES) {
      throw new KeyRingError(`the blind-index key is ${init.blindIndexKey.length} bytes: expected exactly ${KEY_BYTES} bytes (256 bits)`);
    }
    const blindIndexKey = Buffer.from(init.blindIndexKey);
    for (const [id, key] of keys) {
      if (timingSafeEqual(key, blindIndexKey)) throw new KeyRingError(`the blind-index key must differ from data key ${id}: use a separate key`);
    }
    return new KeyRing(keys, init.currentKeyId, blindIndexKey, init.development ?? false);
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** The data key for `keyId`, or undefined when the ring does not hold it. */
  key(keyId: string): Buffer | undefined {
    return this.#keys.get(keyId);
  }

  get currentKey(): Buffer {
    const key = this.#keys.get(this.currentKeyId);
    if (!key) throw new KeyRingError(`current key ${this.currentKeyId} is missing`); // unreachable: checked in create
    return key;
  }

  get blindIndexKey(): Buffer {
    return this.#blindIndexKey;
  }

  /** The same keys with another current key (rotation: add the new key, make it current, re-encrypt). */
  withCurrentKey(keyId: string): KeyRing {
    return KeyRing.create({ keys: this.#keys, currentKeyId: keyId, blindIndexKey: this.#blindIndexKey, development: this.development });
  }

  /** Never key material: what JSON.stringify, loggers and util.inspect see. */
  toJSON(): { currentKeyId: string; keyIds: string[]; development: boolean } {
    return { currentKeyId: this.currentKeyId, keyIds: this.keyIds, development: this.development };
  }

  toString(): string {
    return `KeyRing(current ${this.currentKeyId}; keys ${this.keyIds.join(', ')}${this.development ? '; DEVELOPMENT keys, not secret' : ''})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Builds and validates a ring (key ids, 32-byte keys, current id in the ring, separate blind-index key). */
export function createKeyRing(init: KeyRingInit): KeyRing {
  return KeyRing.create(init);
}

// ---- parsing the environment ---------------------------------------------------------------

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** 32 bytes from standard base64 (with padding), or a description of what is wrong (never the value). */
function decodeKey(text: string): Buffer | string {
  const trimmed = text.trim();
  if (!trimmed) return 'is empty';
  if (!BASE64.test(trimmed)) return 'is not base64';
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes.length !== KEY_BYTES) return `decodes to ${bytes.length} bytes, not ${KEY_BYTES}`;
  return bytes;
}

/** What DATA_ENCRYPTION_KEYS must look like. */
export const DATA_KEYS_EXPECTED = `a comma-separated list of <keyId>:<base64 of ${KEY_BYTES} bytes>, e.g. k2026a:<44 base64 characters>,k2025b:<…>`;
/** What BLIND_INDEX_KEY must look like. */
export const BLIND_INDEX_KEY_EXPECTED = `base64 of exactly ${KEY_BYTES} bytes, a key separate from the data keys`;
/** What DATA_ENCRYPTION_KEY_ID must look like. */
export const KEY_ID_EXPECTED = 'a key id of 1–64 characters A–Z a–z 0–9 _ - (one of the ids in DATA_ENCRYPTION_KEYS)';

/** Parses DATA_ENCRYPTION_KEYS, or says what is wrong (by entry position and key id; never key bytes). */
export function checkDataKeys(value: string): { keys: Map<string, Buffer> } | { problem: string } {
  const keys = new Map<string, Buffer>();
  const entries = value.split(',').map((e) => e.trim());
  for (const [index, entry] of entries.entries()) {
    const where = `entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) return { problem: `${where} has no "<keyId>:" prefix` };
    const id = entry.slice(0, colon).trim();
    if (!KEY_ID_PATTERN.test(id)) return { problem: `${where} has an invalid key id (1–64 of A–Z a–z 0–9 _ -)` };
    if (keys.has(id)) return { problem: `key id ${id} appears twice` };
    const key = decodeKey(entry.slice(colon + 1));
    if (typeof key === 'string') return { problem: `the key of ${id} (${where}) ${key}` };
    keys.set(id, key);
  }
  return { keys };
}

/** Parses BLIND_INDEX_KEY, or says what is wrong (never the value). */
export function checkBlindIndexKey(value: string): { key: Buffer } | { problem: string } {
  const key = decodeKey(value);
  return typeof key === 'string' ? { problem: `the value ${key}` } : { key };
}

/** Parses DATA_ENCRYPTION_KEYS; throws a KeyRingError naming the entry and what is expected. */
export function parseDataKeys(value: string): Map<string, Buffer> {
  const result = checkDataKeys(value);
  if ('problem' in result) throw new KeyRingError(`${result.problem}; expected ${DATA_KEYS_EXPECTED}`, 'DATA_ENCRYPTION_KEYS');
  return result.keys;
}

/** Parses BLIND_INDEX_KEY (base64 of 32 bytes). */
export function parseBlindIndexKey(value: string): Buffer {
  const result = checkBlindIndexKey(value);
  if ('problem' in result) throw new KeyRingError(`${result.problem}; expected ${BLIND_INDEX_KEY_EXPECTED}`, 'BLIND_INDEX_KEY');
  return result.key;
}

/** Parses DATA_ENCRYPTION_KEY_ID (format only; membership in the ring is checked by keyRingFromEnv). */
export function parseKeyId(value: string): string {
  const id = value.trim();
  if (!KEY_ID_PATTERN.test(id)) throw new KeyRingError(`expected ${KEY_ID_EXPECTED}`, 'DATA_ENCRYPTION_KEY_ID');
  return id;
}

/** `VARIABLE: reason` — the one line an operator sees. */
function envError(variable: string, reason: string): KeyRingError {
  return new KeyRingError(`${variable} is invalid: ${reason}`, variable);
}

function within<T>(variable: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof KeyRingError) throw envError(err.variable ?? variable, err.message);
    throw err;
  }
}

/** The built-in development ring: keys derived from public labels. NOT SECRET; refused in production. */
export function developmentKeyRing(): KeyRing {
  const derive = (purpose: string) => createHash('sha256').update(`customer-care-manager DEVELOPMENT ONLY, NOT SECRET: ${purpose}`).digest();
  return KeyRing.create({
    keys: { [DEVELOPMENT_KEY_ID]: derive('data key 1') },
    currentKeyId: DEVELOPMENT_KEY_ID,
    blindIndexKey: derive('blind index key'),
    development: true,
  });
}

const isSet = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

/**
 * The key ring the process runs with (§3.1). The decision:
 * - all of DATA_ENCRYPTION_KEYS, DATA_ENCRYPTION_KEY_ID, BLIND_INDEX_KEY set → that ring, validated;
 * - none set and NODE_ENV is not `production` → the development ring (`ring.development`; log a warning);
 * - none set in production, or only some set anywhere → KeyRingError naming the missing variables;
 * - production with a development key → KeyRingError.
 * Errors name the variable and what is expected; they never contain key material.
 */
export function keyRingFromEnv(env: KeyRingEnv): KeyRing {
  const production = env.NODE_ENV === 'production';
  const missing = KEY_RING_VARIABLES.filter((name) => !isSet(env[name]));
  if (missing.length === KEY_RING_VARIABLES.length && !production) return developmentKeyRing();
  if (missing.length) {
    const why = production
      ? 'production refuses to start without encryption keys (policy §3.1)'
      : 'set all three key variables, or none for the development key ring';
    throw new KeyRingError(
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set: ${why}. Expected DATA_ENCRYPTION_KEYS=${DATA_KEYS_EXPECTED}; ` +
        `DATA_ENCRYPTION_KEY_ID=one of those key ids; BLIND_INDEX_KEY=${BLIND_INDEX_KEY_EXPECTED}`,
      missing[0],
    );
  }
  const keys = within('DATA_ENCRYPTION_KEYS', () => parseDataKeys(env.DATA_ENCRYPTION_KEYS ?? ''));
  const currentKeyId = within('DATA_ENCRYPTION_KEY_ID', () => parseKeyId(env.DATA_ENCRYPTION_KEY_ID ?? ''));
  const blindIndexKey = within('BLIND_INDEX_KEY', () => parseBlindIndexKey(env.BLIND_INDEX_KEY ?? ''));
  if (!keys.has(currentKeyId)) {
    throw envError('DATA_ENCRYPTION_KEY_ID', `"${currentKeyId}" is not in DATA_ENCRYPTION_KEYS: expected one of ${[...keys.keys()].join(', ')}`);
  }
  for (const [id, key] of keys) {
    if (timingSafeEqual(key, blindIndexKey)) throw envError('BLIND_INDEX_KEY', `equals the data key ${id}: expected a separate key`);
  }
  if (production) {
    const dev = developmentKeyRing();
    const devKeys = [dev.currentKey, dev.blindIndexKey];
    for (const [id, key] of keys) {
      if (devKeys.some((d) => timingSafeEqual(d, key))) throw envError('DATA_ENCRYPTION_KEYS', `key ${id} is the public development key: expected a secret key in production`);
    }
    if (devKeys.some((d) => timingSafeEqual(d, blindIndexKey))) {
      throw envError('BLIND_INDEX_KEY', 'is the public development key: expected a secret key in production');
    }
  }
  return KeyRing.create({ keys, currentKeyId, blindIndexKey });
}
