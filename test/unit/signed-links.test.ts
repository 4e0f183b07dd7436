/**
 * src/security/signed-links.ts: the survey link of §5.2 "the customer's satisfaction with it is
 * followed up" — signed (HMAC-SHA256 under a key derived from the ring's blind-index key),
 * expiring, compact and URL-safe. Every refusal says which of malformed, forged or expired it is.
 * And PUBLIC_BASE_URL, the address the links point at.
 */
import { createHmac } from 'node:crypto';
import { loadConfig, publicBaseUrl } from '../../src/config/env';
import { createKeyRing, developmentKeyRing } from '../../src/security/keyring';
import {
  createSurveyToken,
  MAX_TOKEN_LENGTH,
  SURVEY_LINK_KEY_LABEL,
  SurveyLinkError,
  surveyLinkExpiry,
  surveyUrl,
  verifySurveyToken,
  type SurveyLinkFailure,
} from '../../src/security/signed-links';

const ring = developmentKeyRing();
const bytes = (fill: number) => Buffer.alloc(32, fill);
const otherRing = createKeyRing({ keys: { k1: bytes(1) }, currentKeyId: 'k1', blindIndexKey: bytes(2) });
/** The same blind-index key, other data keys: links stay valid across a data-key rotation. */
const rotatedDataKeys = createKeyRing({ keys: { k9: bytes(9) }, currentKeyId: 'k9', blindIndexKey: ring.blindIndexKey });

const expiresAt = new Date('2027-01-15T17:00:00.000Z');
const link = { caseNo: 'FB-2026-000123', round: 1, expiresAt };
const before = new Date(expiresAt.getTime() - 1);

function refusal(token: string, at: Date = before, r = ring): SurveyLinkError {
  try {
    verifySurveyToken(token, r, at);
  } catch (err) {
    expect(err).toBeInstanceOf(SurveyLinkError);
    return err as SurveyLinkError;
  }
  throw new Error('the token was accepted');
}
const reasonOf = (token: string, at?: Date, r = ring): SurveyLinkFailure => refusal(token, at, r).reason;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const signWith = (key: Buffer, payload: string) =>
  createHmac('sha256', createHmac('sha256', key).update(SURVEY_LINK_KEY_LABEL).digest()).update(payload).digest('base64url');

describe('createSurveyToken / verifySurveyToken', () => {
  test('round trip: the case, round and expiry come back exactly (milliseconds kept)', () => {
    const at = new Date('2027-01-15T16:59:59.123Z');
    const token = createSurveyToken({ ...link, expiresAt: at }, ring);
    expect(verifySurveyToken(token, ring, new Date('2027-01-01T00:00:00Z'))).toEqual({ ...link, expiresAt: at });
  });

  test('the format: <base64url payload>.<base64url HMAC-SHA256>, URL-safe, under 100 characters, readable payload', () => {
    const token = createSurveyToken(link, ring);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(token.length).toBeLessThan(100);
    expect(encodeURIComponent(token)).toBe(token);
    const [payload, signature] = token.split('.') as [string, string];
    expect(Buffer.from(payload, 'base64url').toString()).toBe(`sv1:FB-2026-000123:1:${expiresAt.getTime()}`);
    // The documented key derivation: HMAC-SHA256(blind-index key, "survey-link-v1"), then HMAC over the payload text.
    expect(signature).toBe(signWith(ring.blindIndexKey, payload));
  });

  test('deterministic: the same survey gives the same token (a retried email carries the same link)', () => {
    expect(createSurveyToken(link, ring)).toBe(createSurveyToken({ ...link, expiresAt: new Date(expiresAt) }, ring));
  });

  test('expiry at the boundary: valid 1 ms before expiresAt, EXPIRED at it and after, with the instant', () => {
    const token = createSurveyToken(link, ring);
    expect(verifySurveyToken(token, ring, before).caseNo).toBe('FB-2026-000123');
    const atBoundary = refusal(token, expiresAt);
    expect([atBoundary.reason, atBoundary.expiresAt]).toEqual(['EXPIRED', expiresAt]);
    expect(atBoundary.message).toBe('this survey link expired on 2027-01-15T17:00:00.000Z');
    expect(reasonOf(token, new Date(expiresAt.getTime() + 86_400_000))).toBe('EXPIRED');
  });

  test('a forged signature (random bytes of the right length) → FORGED', () => {
    const [payload] = createSurveyToken(link, ring).split('.');
    expect(reasonOf(`${payload}.${Buffer.alloc(32, 7).toString('base64url')}`)).toBe('FORGED');
  });

  test.each([
    ['the case number', `sv1:FB-2026-000124:1:${expiresAt.getTime()}`],
    ['the round', `sv1:FB-2026-000123:2:${expiresAt.getTime()}`],
    ['the expiry (a year later)', `sv1:FB-2026-000123:1:${expiresAt.getTime() + 365 * 86_400_000}`],
  ])('a tampered field — %s — under the original signature → FORGED', (_what, tampered) => {
    const [, signature] = createSurveyToken(link, ring).split('.');
    const token = `${b64(tampered)}.${signature}`;
    expect(reasonOf(token)).toBe('FORGED');
    expect(refusal(token).message).toMatch(/not issued by the bank, or it was altered/);
  });

  test('one changed character anywhere in the token is refused (FORGED or MALFORMED), never accepted', () => {
    const token = createSurveyToken(link, ring);
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      const swapped = `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
      expect(['FORGED', 'MALFORMED']).toContain(reasonOf(swapped));
    }
  });

  test('another key ring (another blind-index key) → FORGED; a ring with only other data keys still verifies', () => {
    const token = createSurveyToken(link, ring);
    expect(reasonOf(token, before, otherRing)).toBe('FORGED');
    expect(reasonOf(createSurveyToken(link, otherRing))).toBe('FORGED');
    expect(verifySurveyToken(token, rotatedDataKeys, before)).toEqual(link);
  });

  test('a genuine but expired token that was also tampered with is FORGED, not EXPIRED (the signature first)', () => {
    const [, signature] = createSurveyToken(link, ring).split('.');
    expect(reasonOf(`${b64(`sv1:FB-2026-000123:1:${expiresAt.getTime() - 1}`)}.${signature}`, expiresAt)).toBe('FORGED');
  });

  test.each([
    ['empty', ''],
    ['no dot', 'abc'],
    ['three parts', 'a.b.c'],
    ['an empty payload', `.${'A'.repeat(43)}`],
    ['a short signature (truncated by a mail client)', `${b64('sv1:FB-2026-000123:1:1')}.${'A'.repeat(40)}`],
    ['padding', `${b64('sv1:x')}=.${'A'.repeat(43)}`],
    ['standard base64 characters', `ab+/.${'A'.repeat(43)}`],
    ['percent-encoding', `ab%2F.${'A'.repeat(43)}`],
    ['a non-canonical base64url spelling', `${b64('sv1:FB-2026-000123:1:5').slice(0, -1)}B.${'A'.repeat(43)}`],
    ['far too long', `${'A'.repeat(MAX_TOKEN_LENGTH)}.${'A'.repeat(43)}`],
    ['spaces', ` ${b64('sv1')}.${'A'.repeat(43)}`],
  ])('MALFORMED: %s', (_what, token) => {
    const err = refusal(token);
    expect(err.reason).toBe('MALFORMED');
    expect(err.message).toMatch(/incomplete or was changed/);
  });

  test.each([
    ['another version', 'sv2:FB-2026-000123:1:1767225600000'],
    ['round 0', 'sv1:FB-2026-000123:0:1767225600000'],
    ['not a case number', 'sv1:NOPE:1:1767225600000'],
    ['a negative expiry', 'sv1:FB-2026-000123:1:-5'],
    ['extra fields', 'sv1:FB-2026-000123:1:1767225600000:x'],
  ])('a payload we would never sign, even correctly signed → MALFORMED: %s', (_what, payload) => {
    const token = `${b64(payload)}.${signWith(ring.blindIndexKey, b64(payload))}`;
    expect(reasonOf(token, new Date(0))).toBe('MALFORMED');
  });

  test('the error never contains the token', () => {
    const token = createSurveyToken(link, ring);
    for (const err of [refusal(token, before, otherRing), refusal(token, expiresAt), refusal(`${token}x`)]) expect(err.message).not.toContain(token.slice(0, 20));
  });

  test.each([
    ['a bad case number', { ...link, caseNo: 'FB-26-1' }, /caseNo/],
    ['round 0', { ...link, round: 0 }, /round/],
    ['a fractional round', { ...link, round: 1.5 }, /round/],
    ['an invalid date', { ...link, expiresAt: new Date('x') }, /expiresAt/],
  ])('createSurveyToken refuses %s', (_what, bad, message) => {
    expect(() => createSurveyToken(bad, ring)).toThrow(message);
  });
});

describe('surveyUrl and surveyLinkExpiry', () => {
  test('the link is <base>/survey/<token>, a trailing slash on the base dropped', () => {
    expect(surveyUrl('https://care.bank.example', 'abc.def')).toBe('https://care.bank.example/survey/abc.def');
    expect(surveyUrl('https://bank.example/care/', 'abc.def')).toBe('https://bank.example/care/survey/abc.def');
  });

  test('expiry: validDays calendar days of wall time after sending', () => {
    expect(surveyLinkExpiry(new Date('2027-03-10T12:00:00Z'), 14).toISOString()).toBe('2027-03-24T12:00:00.000Z');
  });
});

describe('PUBLIC_BASE_URL (src/config/env.ts): where the links point', () => {
  test('unset → the API address http://<API_HOST>:<API_PORT>', () => {
    expect(publicBaseUrl(loadConfig({}))).toBe('http://127.0.0.1:3000');
    expect(publicBaseUrl(loadConfig({ API_HOST: '0.0.0.0', API_PORT: '8080' }))).toBe('http://0.0.0.0:8080');
    expect(publicBaseUrl(loadConfig({ API_HOST: '::1' }))).toBe('http://[::1]:3000');
  });

  test('set → that address, trailing slashes dropped (a path prefix kept)', () => {
    expect(publicBaseUrl(loadConfig({ PUBLIC_BASE_URL: 'https://care.bank.example/' }))).toBe('https://care.bank.example');
    expect(publicBaseUrl(loadConfig({ PUBLIC_BASE_URL: 'https://bank.example/care' }))).toBe('https://bank.example/care');
  });

  test.each(['care.bank.example', 'ftp://bank.example', 'https://bank.example/?x=1', 'https://bank.example/#top'])('%s → one line naming the variable', (value) => {
    expect(() => loadConfig({ PUBLIC_BASE_URL: value })).toThrow(new RegExp(`^PUBLIC_BASE_URL=${JSON.stringify(value).replace(/[.?*+/]/g, '\\$&')} is invalid: expected a URL starting with http:// or https://`));
  });
});
