/**
 * Field-level encryption at rest (policy ../shared/policy.md §3.1: "customer data is protected in
 * storage … (encryption)").
 *
 * A protected column holds a token `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts): AES-256-GCM
 * with a random 12-byte IV and a 16-byte tag, under the key ring's current key. The AAD binds the value
 * to its column and record, e.g. `Customer.identityNumber:<customerId>`, so a ciphertext copied into
 * another row or column does not decrypt. Old keys stay in the ring to decrypt; `needsReEncryption` and
 * `reEncrypt` move values to the current key after a rotation.
 *
 * Lookups by a protected value (a customer by identity number) go through `blindIndex`: an
 * HMAC-SHA256 under a separate key, stored next to the ciphertext, never the plain value.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { KEY_ID_PATTERN, type KeyRing } from './keyring';

export const TOKEN_VERSION = 'v1';
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

export type DecryptionFailure =
  /** Not a `v1.<keyId>.<iv>.<ciphertext+tag>` token. */
  | 'MALFORMED_TOKEN'
  /** A version this code does not know. */
  | 'UNSUPPORTED_VERSION'
  /** The key ring has no key with the token's key id (a retired key, or another environment's data). */
  | 'UNKNOWN_KEY_ID'
  /** The tag does not verify: the ciphertext, IV or key id was altered, or the AAD (column/record) differs. */
  | 'AUTHENTICATION_FAILED';

/** A value that cannot be decrypted. The message names the reason (and key id / AAD), never plaintext or key bytes. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
  constructor(
    readonly reason: DecryptionFailure,
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
  }
}

interface ParsedToken {
  keyId: string;
  iv: Buffer;
  sealed: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Canonical base64url only: a token has exactly one spelling. */
function fromB64url(text: string): Buffer | undefined {
  if (!B64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function parseToken(token: string): ParsedToken {
  if (typeof token !== 'string') throw new DecryptionError('MALFORMED_TOKEN', 'an encrypted value must be a string token');
  const parts = token.split('.');
  if (parts[0] !== TOKEN_VERSION) {
    if (parts.length === 4 && /^v\d+$/.test(parts[0] ?? '')) {
      throw new DecryptionError('UNSUPPORTED_VERSION', `encrypted value has version ${parts[0]}: this code reads ${TOKEN_VERSION} only`);
    }
    throw new DecryptionError('MALFORMED_TOKEN', `not an encrypted value: expected ${TOKEN_VERSION}.<keyId>.<iv>.<ciphertext>`);
  }
  const [, keyId = '', ivText = '', sealedText = ''] = parts;
  if (parts.length !== 4 || !KEY_ID_PATTERN.test(keyId)) {
    throw new DecryptionError('MALFORMED_TOKEN', `not an encrypted value: expected ${TOKEN_VERSION}.<keyId>.<iv>.<ciphertext>`);
  }
  const iv = fromB64url(ivText);
  const sealed = fromB64url(sealedText);
  if (!iv || iv.length !== IV_BYTES || !sealed || sealed.length < TAG_BYTES) {
    throw new DecryptionError('MALFORMED_TOKEN', `encrypted value under key ${keyId} is malformed (IV or ciphertext length)`, keyId);
  }
  return { keyId, iv, sealed };
}

/** The bytes authenticated with every value: version, key id and the caller's column/record binding. */
function additionalData(keyId: string, aad: string): Buffer {
  return Buffer.from(`${TOKEN_VERSION}|${keyId}|${aad}`, 'utf8');
}

function requireAad(aad: string): void {
  if (typeof aad !== 'string' || aad.length === 0) {
    throw new TypeError('aad is required: bind the value to its column and record, e.g. "Customer.identityNumber:<customerId>"');
  }
}

/** AES-256-GCM seal of `plaintext` → IV ‖ ciphertext ‖ tag (also used by the Temporal payload codec). */
export function sealBytes(key: Buffer, plaintext: Uint8Array, aad: Uint8Array): { iv: Buffer; sealed: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { iv, sealed };
}

/** Opens what sealBytes produced; throws AUTHENTICATION_FAILED when the tag does not verify. */
export function openBytes(key: Buffer, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array, what: string, keyId?: string): Buffer {
  if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) {
    throw new DecryptionError('MALFORMED_TOKEN', `${what} is malformed (IV or ciphertext length)`, keyId);
  }
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptionError(
      'AUTHENTICATION_FAILED',
      `${what} failed authentication: it was altered, or it belongs to another column or record`,
      keyId,
    );
  }
}

/**
 * Encrypts one field value under the ring's current key (§3.1, storage).
 * @param aad binds the value to its place, e.g. `Customer.identityNumber:<customerId>`; required.
 * @returns `v1.<keyId>.<iv b64url>.<ciphertext+tag b64url>`
 */
export function encryptField(ring: KeyRing, plaintext: string, aad: string): string {
  if (typeof plaintext !== 'string') throw new TypeError('plaintext must be a string');
  requireAad(aad);
  const keyId = ring.currentKeyId;
  const { iv, sealed } = sealBytes(ring.currentKey, Buffer.from(plaintext, 'utf8'), additionalData(keyId, aad));
  return `${TOKEN_VERSION}.${keyId}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
}

/**
 * Decrypts a token from encryptField with the key its key id names (any key in the ring).
 * @throws DecryptionError MALFORMED_TOKEN | UNSUPPORTED_VERSION | UNKNOWN_KEY_ID | AUTHENTICATION_FAILED
 */
export function decryptField(ring: KeyRing, token: string, aad: string): string {
  requireAad(aad);
  const { keyId, iv, sealed } = parseToken(token);
  const key = ring.key(keyId);
  if (!key) {
    throw new DecryptionError('UNKNOWN_KEY_ID', `encrypted value uses key ${keyId}, which is not in the key ring (${ring.keyIds.join(', ')})`, keyId);
  }
  return openBytes(key, iv, sealed, additionalData(keyId, aad), `encrypted value for ${aad} under key ${keyId}`, keyId).toString('utf8');
}

/** The key id of a token (no decryption). */
export function keyIdOf(token: string): string {
  return parseToken(token).keyId;
}

/** True when the token is under a key other than the ring's current key (rotation pending). */
export function needsReEncryption(ring: KeyRing, token: string): boolean {
  return parseToken(token).keyId !== ring.currentKeyId;
}

/**
 * Rotation: the same plaintext under the current key. Always decrypts first (so a value with the wrong
 * AAD is never laundered); a token already under the current key is returned unchanged.
 */
export function reEncrypt(ring: KeyRing, token: string, aad: string): string {
  const plaintext = decryptField(ring, token, aad);
  return needsReEncryption(ring, token) ? encryptField(ring, plaintext, aad) : token;
}

const KIND_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A deterministic search token for a protected value: hex HMAC-SHA256 under BLIND_INDEX_KEY over
 * `${kind}:${normalizedValue}`. `kind` separates namespaces (an SSN and a passport number with the same
 * digits index differently). Normalize first (e.g. strip spaces and dashes, upper-case): the index is
 * exact-match. Stable as long as BLIND_INDEX_KEY is; changing that key means recomputing every index.
 */
export function blindIndex(ring: KeyRing, kind: string, normalizedValue: string): string {
  if (!KIND_PATTERN.test(kind)) throw new TypeError('kind must be 1–64 of A–Z a–z 0–9 _ . - (no colon), e.g. "ssn"');
  if (typeof normalizedValue !== 'string') throw new TypeError('normalizedValue must be a string');
  return createHmac('sha256', ring.blindIndexKey).update(`${kind}:${normalizedValue}`, 'utf8').digest('hex');
}

const MASK = '•••••';

/**
 * For display: a fixed run of bullets and at most the last `visible` characters, never more than half
 * of the value (so short values are not given away, and the length is not shown).
 * mask('123456789') → '•••••6789'; mask('1234') → '•••••34'; mask('') → '•••••'.
 */
export function mask(value: string, visible = 4): string {
  if (!Number.isInteger(visible) || visible < 0) throw new TypeError('visible must be a whole number ≥ 0');
  const chars = Array.from(value ?? '');
  const shown = Math.min(visible, Math.floor(chars.length / 2));
  return MASK + (shown > 0 ? chars.slice(chars.length - shown).join('') : '');
}
