/**
 * Signed, expiring links for the customer (§5.2 "the customer's satisfaction with it is followed up"):
 * the satisfaction survey link of a resolved feedback case. The link is the customer's only
 * credential (no account, no staff key), so it must be unforgeable, expire, and name one survey.
 *
 * Token: `<payload>.<signature>`, both base64url without padding (URL-safe, no escaping needed):
 *   payload   = base64url(UTF-8 `sv1:<caseNo>:<round>:<expiresAt as epoch milliseconds>`),
 *               e.g. `sv1:FB-2026-000123:1:1767225600000`;
 *   signature = base64url(HMAC-SHA256(surveyLinkKey, `<payload>`)) — over the payload's base64url
 *               text exactly as it appears in the token (32 bytes, 43 characters).
 * About 90 characters in all. Single use is not the token's job: a survey round has one answer, by
 * SurveyResponse's primary key (caseNo, round), and the answer's use case refuses a second one.
 *
 * The key: surveyLinkKey = HMAC-SHA256(key = the ring's BLIND_INDEX_KEY, message = "survey-link-v1").
 * A key derived for this purpose only (the label separates it from the blind indexes, which are HMACs
 * under the same key over `<kind>:<value>` with a kind that has no such form), so no new secret needs
 * provisioning. Rotating BLIND_INDEX_KEY (which already means recomputing every blind index) also
 * invalidates the survey links still outstanding: a customer whose link stopped working gets "this
 * link is not valid" and can answer by replying to the email. The data keys are not used: their
 * rotation keeps old keys to decrypt, which a signing key must not need.
 *
 * Verification order: the shape (MALFORMED), the signature in constant time (FORGED), then the
 * expiry (EXPIRED: valid strictly before `expiresAt`; at `expiresAt` it has expired). Nothing in an
 * unsigned token is trusted or echoed, and the error never contains the token or key material.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isCaseNo } from '../domain/case-number';
import type { KeyRing } from './keyring';

export const SURVEY_LINK_KEY_LABEL = 'survey-link-v1';
const PAYLOAD_VERSION = 'sv1';
const SIGNATURE_BYTES = 32;
/** Longer than any token we issue (case numbers are at most 29 characters): refused before any work. */
export const MAX_TOKEN_LENGTH = 256;

export interface SurveyLink {
  caseNo: string;
  /** The survey round: 1 after the first resolution, +1 per later resolution (a reopened case). */
  round: number;
  /** The link works strictly before this instant. */
  expiresAt: Date;
}

export type SurveyLinkFailure =
  /** Not a token of this form at all (truncated, mangled by a mail client, not ours). */
  | 'MALFORMED'
  /** Well-formed, but the signature does not verify: altered, or signed with another key. */
  | 'FORGED'
  /** Genuine, but its time is up. */
  | 'EXPIRED';

/** Why a survey link is refused; `reason` for the caller, `message` for a person (no token, no key). */
export class SurveyLinkError extends Error {
  override name = 'SurveyLinkError';
  constructor(
    readonly reason: SurveyLinkFailure,
    message: string,
    /** EXPIRED only: when it expired (the token is genuine, so this may be shown). */
    readonly expiresAt?: Date,
  ) {
    super(message);
  }
}

/** The signing key of survey links, derived from the ring's blind-index key (see the module comment). */
function surveyLinkKey(ring: KeyRing): Buffer {
  return createHmac('sha256', ring.blindIndexKey).update(SURVEY_LINK_KEY_LABEL, 'utf8').digest();
}

const sign = (ring: KeyRing, payload: string) => createHmac('sha256', surveyLinkKey(ring)).update(payload, 'ascii').digest();

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Canonical base64url only (one spelling per token), or undefined. */
function fromB64url(text: string): Buffer | undefined {
  if (!B64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function checkLink(link: SurveyLink): void {
  if (!isCaseNo(link?.caseNo)) throw new TypeError(`caseNo must be a case number such as FB-2026-000123, got ${JSON.stringify(link?.caseNo)}`);
  if (!Number.isSafeInteger(link.round) || link.round < 1) throw new TypeError(`round must be a whole number ≥ 1, got ${String(link.round)}`);
  if (!(link.expiresAt instanceof Date) || Number.isNaN(link.expiresAt.getTime())) throw new TypeError('expiresAt must be a valid Date');
}

/** A signed token for the survey of `caseNo`'s `round`, valid until `expiresAt` (see the module comment for the format). */
export function createSurveyToken(link: SurveyLink, ring: KeyRing): string {
  checkLink(link);
  const payload = Buffer.from(`${PAYLOAD_VERSION}:${link.caseNo}:${link.round}:${link.expiresAt.getTime()}`, 'utf8').toString('base64url');
  return `${payload}.${sign(ring, payload).toString('base64url')}`;
}

const malformed = () => new SurveyLinkError('MALFORMED', 'this survey link is not valid: it is incomplete or was changed (copy the whole link from the email)');

/**
 * The survey a token names, when it is genuine and has not expired at `now`.
 * @throws SurveyLinkError MALFORMED | FORGED | EXPIRED
 */
export function verifySurveyToken(token: string, ring: KeyRing, now: Date): SurveyLink {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw malformed();
  const parts = token.split('.');
  if (parts.length !== 2) throw malformed();
  const [payload = '', signatureText = ''] = parts;
  const payloadBytes = fromB64url(payload);
  const signature = fromB64url(signatureText);
  if (!payloadBytes || !signature || signature.length !== SIGNATURE_BYTES) throw malformed();
  if (!timingSafeEqual(signature, sign(ring, payload))) {
    throw new SurveyLinkError('FORGED', 'this survey link is not valid: it was not issued by the bank, or it was altered');
  }
  // Signed by us: the payload is ours, but read it as strictly as if it were not.
  const m = /^sv1:([A-Z0-9-]{1,40}):(\d{1,9}):(\d{1,15})$/.exec(payloadBytes.toString('utf8'));
  const caseNo = m?.[1];
  const round = Number(m?.[2]);
  const expiresAt = new Date(Number(m?.[3]));
  if (!m || !isCaseNo(caseNo) || round < 1 || Number.isNaN(expiresAt.getTime())) throw malformed();
  if (now.getTime() >= expiresAt.getTime()) {
    throw new SurveyLinkError('EXPIRED', `this survey link expired on ${expiresAt.toISOString()}`, expiresAt);
  }
  return { caseNo, round, expiresAt };
}

/** The customer's link: `${baseUrl}/survey/${token}` (a trailing slash on baseUrl is dropped). */
export function surveyUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/survey/${token}`;
}

/** When a survey link sent at `sentAt` expires: `validDays` calendar days (wall time) later (policy `feedback.surveyLinkValidDays`). */
export function surveyLinkExpiry(sentAt: Date, validDays: number): Date {
  return new Date(sentAt.getTime() + validDays * 86_400_000);
}


// ─── Other signed links: the same construction for another purpose (issue 12) ───────────────────

/**
 * A signed, expiring token for another purpose than the survey — the staff console's emailed
 * one-time sign-in link (src/console/email-link.ts) — built exactly as the survey token: payload
 * `<version>:<field>:…:<expiresAt epoch ms>` in base64url, `.`, base64url HMAC-SHA256 over the
 * payload text under a key derived from the ring's blind-index key with `purpose` as the label (so a
 * token of one purpose never verifies as another's). Fields are `[A-Za-z0-9_-]` only. Single use,
 * where needed, is the caller's job (a row keyed by a nonce among the fields).
 */
export interface SignedToken {
  fields: string[];
  expiresAt: Date;
}

const FIELD = /^[A-Za-z0-9_-]{1,100}$/;
const purposeKey = (ring: KeyRing, purpose: string) => createHmac('sha256', ring.blindIndexKey).update(purpose, 'utf8').digest();

/** A token for `purpose` (e.g. 'console-sign-in-v1') carrying `fields`, valid strictly before `expiresAt`. */
export function createSignedToken(purpose: string, version: string, token: SignedToken, ring: KeyRing): string {
  if (purpose === SURVEY_LINK_KEY_LABEL) throw new TypeError('the survey link has its own functions');
  if (!FIELD.test(version) || token.fields.some((f) => !FIELD.test(f))) throw new TypeError('version and fields must be 1–100 characters of A–Z, a–z, 0–9, _ or -');
  if (!(token.expiresAt instanceof Date) || Number.isNaN(token.expiresAt.getTime())) throw new TypeError('expiresAt must be a valid Date');
  const payload = Buffer.from([version, ...token.fields, String(token.expiresAt.getTime())].join(':'), 'utf8').toString('base64url');
  return `${payload}.${createHmac('sha256', purposeKey(ring, purpose)).update(payload, 'ascii').digest('base64url')}`;
}

/**
 * The fields of a genuine, unexpired token of `purpose` and `version` with `fieldCount` fields.
 * @throws SurveyLinkError MALFORMED | FORGED | EXPIRED (messages name no token or key; `what` names the link, e.g. 'sign-in link')
 */
export function verifySignedToken(purpose: string, version: string, fieldCount: number, token: string, ring: KeyRing, now: Date, what: string): SignedToken {
  const bad = () => new SurveyLinkError('MALFORMED', `this ${what} is not valid: it is incomplete or was changed (copy the whole link from the email)`);
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw bad();
  const parts = token.split('.');
  if (parts.length !== 2) throw bad();
  const [payload = '', signatureText = ''] = parts;
  const payloadBytes = fromB64url(payload);
  const signature = fromB64url(signatureText);
  if (!payloadBytes || !signature || signature.length !== SIGNATURE_BYTES) throw bad();
  if (!timingSafeEqual(signature, createHmac('sha256', purposeKey(ring, purpose)).update(payload, 'ascii').digest())) {
    throw new SurveyLinkError('FORGED', `this ${what} is not valid: it was not issued by the bank, or it was altered`);
  }
  const items = payloadBytes.toString('utf8').split(':');
  if (items.length !== fieldCount + 2 || items[0] !== version || !/^\d{1,15}$/.test(items[items.length - 1] ?? '')) throw bad();
  const fields = items.slice(1, -1);
  if (fields.some((f) => !FIELD.test(f))) throw bad();
  const expiresAt = new Date(Number(items[items.length - 1]));
  if (now.getTime() >= expiresAt.getTime()) throw new SurveyLinkError('EXPIRED', `this ${what} expired at ${expiresAt.toISOString()}`, expiresAt);
  return { fields, expiresAt };
}
