/**
 * §3.1 personal data never reaches a log line. Two layers, both applied by every logger this system
 * makes (src/observability/logger.ts):
 *
 * 1. pino's `redact` paths (REDACT_PATHS): the personal-data keys at the depths where our code and
 *    Fastify put them (`identity.number`, `body.email`, `req.headers.authorization`, …) are replaced
 *    by `[Redacted]` when a line is serialised.
 * 2. A guard (guardLogObject, guardText) for whatever the paths do not foresee: any key, at any
 *    depth of a plain object or array, whose name says personal data (PERSONAL_KEYS, the suffix
 *    rules in isPersonalKey) is replaced by `[Redacted]`; in every string — the message, string
 *    fields, an error's message and stack — an API key (`ccm_…`), a bearer credential, an e-mail
 *    address and an SSN/ITIN/EIN-shaped number are masked.
 *
 * The guard is pure and unit-tested (test/unit/observability-logger.test.ts); the integration test
 * (test/integration/observability-api.test.ts) proves on a real API that an identity number and an
 * API key sent to it never appear in its log stream.
 */

export const REDACTED = '[Redacted]';

/**
 * Personal-data and credential keys, compared after lower-casing and dropping `-` and `_`
 * (`x-api-key` → `xapikey`, `date_of_birth` → `dateofbirth`). Names, identity numbers, emails,
 * phones, addresses, dates of birth (§3.1), credentials (tokens, Authorization, API keys, cookies,
 * passwords) and free text that may name people (summaries, descriptions, notes, message bodies).
 */
export const PERSONAL_KEYS: ReadonlySet<string> = new Set([
  // names
  'name',
  'fullname',
  'username',
  // identity (§2.3: the whole identity object, its number and kind together)
  'identity',
  'identitynumber',
  'ssn',
  'itin',
  'ein',
  'passport',
  'passportnumber',
  'taxid',
  // contact
  'email',
  'phone',
  'mobile',
  'address',
  'street',
  'city',
  'zip',
  'postcode',
  'postalcode',
  // dates of birth
  'dateofbirth',
  'birthdate',
  'dob',
  // the §2.3 deeper profile
  'incomesource',
  'purposeoffunds',
  'spendingpattern',
  'savingsgoal',
  // credentials
  'token',
  'apikey',
  'xapikey',
  'key',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'password',
  'secret',
  // free text that may name people
  'summary',
  'description',
  'text',
  'html',
  'body',
  'comment',
  'notes',
  'note',
  'guidancenotes',
  'subject',
]);

/**
 * Of the keys above, those that name free text (a message's body, a case's summary): a string there
 * is redacted, an object is walked (an HTTP request's `body` is an object of fields, each judged by
 * its own key).
 */
const FREE_TEXT_KEYS: ReadonlySet<string> = new Set(['summary', 'description', 'text', 'html', 'body', 'comment', 'notes', 'note', 'guidancenotes', 'subject']);

/** Suffixes of personal keys (`firstName`, `contactEmail`, `taskToken`, `numberCiphertext`, …). */
const PERSONAL_SUFFIXES = ['name', 'email', 'phone', 'token', 'apikey', 'ciphertext', 'password', 'secret', 'dateofbirth'] as const;

/** Keys that end like personal ones but are operational (kept: they name machines and processes). */
const OPERATIONAL_KEYS: ReadonlySet<string> = new Set(['hostname', 'remoteaddress', 'bindaddress', 'servername', 'activitytype', 'workflowtype']);

const normalise = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');

/** True when a field of this name holds personal data or a credential (§3.1). */
export function isPersonalKey(key: string): boolean {
  const k = normalise(key);
  if (OPERATIONAL_KEYS.has(k)) return false;
  if (PERSONAL_KEYS.has(k)) return true;
  return PERSONAL_SUFFIXES.some((suffix) => k.endsWith(suffix));
}

/**
 * pino `redact` paths: the keys above at the top level and one to three levels down, and the
 * request headers Fastify and our code may log. The guard covers any other depth.
 */
export const REDACT_PATHS: readonly string[] = (() => {
  const keys = [
    'name',
    'firstName',
    'lastName',
    'legalName',
    'displayName',
    'contactName',
    'email',
    'contactEmail',
    'toAddress',
    'phone',
    'contactPhone',
    'address',
    'dateOfBirth',
    'identity',
    'token',
    'taskToken',
    'apiKey',
    'password',
    'summary',
    'description',
  ];
  const paths: string[] = [];
  for (const key of keys) paths.push(key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`);
  for (const header of ['authorization', 'cookie', '"x-api-key"', '"proxy-authorization"', '"set-cookie"']) {
    const ref = header.startsWith('"') ? `[${header}]` : `.${header}`;
    paths.push(`headers${ref}`, `req.headers${ref}`, `request.headers${ref}`, `*.headers${ref}`);
  }
  return paths;
})();

/**
 * Masks, in free text: our API keys (`ccm_` + 43 url-safe base64 characters, and any longer run),
 * `Bearer <credential>`, e-mail addresses, and numbers shaped like an SSN/ITIN (`123-45-6789`,
 * `123456789`) or an EIN (`12-3456789`).
 */
const TEXT_RULES: readonly [RegExp, string][] = [
  [/\bccm_[A-Za-z0-9_-]{8,}/g, 'ccm_[Redacted]'],
  [/\b(Bearer|Basic)\s+(?!ccm_\[Redacted\])[\w.~+/=-]{8,}/gi, '$1 [Redacted]'],
  [/[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g, '[email]'],
  [/(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])/g, '[id-number]'],
  [/(?<![\w-])\d{2}-\d{7}(?![\w-])/g, '[id-number]'],
  [/(?<![\w.:-])\d{9}(?![\w.:-])/g, '[id-number]'],
  // A date said to be a date of birth ("date of birth 1979-03-14 is after …", "dob=03/14/1979").
  [/(birth|\bdob)(\W{1,3}(?:\w+\W{1,3}){0,2}?)(\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}\/\d{4})/gi, '$1$2[date]'],
];

/** A string with credentials, e-mail addresses and identity-number shapes masked. */
export function guardText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TEXT_RULES) out = out.replace(pattern, replacement);
  return out;
}

/** Deepest level of a logged object the guard walks (deeper values are replaced, not logged). */
export const GUARD_MAX_DEPTH = 8;

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** Whether the value of `key` is replaced whole: personal keys, except free-text keys holding an object or array (walked). */
const redactsWhole = (key: string, value: unknown): boolean => {
  if (value === null || value === undefined || !isPersonalKey(key)) return false;
  return !(FREE_TEXT_KEYS.has(normalise(key)) && (Array.isArray(value) || isPlainObject(value)));
};

/**
 * A copy of `value` with personal keys redacted and strings guarded, through plain objects and
 * arrays only. Anything else (an Error, a Fastify request, a Date) is returned as it is: the
 * serializers shape those (errSerializer below, the request serializer in logger.ts).
 */
export function guardValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return guardText(value);
  if (depth >= GUARD_MAX_DEPTH && (Array.isArray(value) || isPlainObject(value))) return '[Truncated]';
  if (Array.isArray(value)) return value.map((v) => guardValue(v, depth + 1));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactsWhole(k, v) ? REDACTED : guardValue(v, depth + 1);
    return out;
  }
  return value;
}

/** pino `formatters.log`: the merging object of a log call, guarded key by key. */
export function guardLogObject(object: Record<string, unknown>): Record<string, unknown> {
  return guardValue(object) as Record<string, unknown>;
}

/** The fields of a serialised error that describe it (kept by key, their text still guarded). */
const ERROR_FIELDS: ReadonlySet<string> = new Set(['type', 'name', 'message', 'stack', 'code']);

/**
 * A serialised error (pino's std serializer shape: type, message, stack, own properties, cause) with
 * its message and stack guarded, its other fields guarded like any object, its cause likewise.
 */
export function guardSerializedError<T>(serialized: T, depth = 0): T {
  // pino's serialised error has its own prototype (not a plain object): walked here all the same.
  if (serialized === null || typeof serialized !== 'object' || Array.isArray(serialized) || depth >= GUARD_MAX_DEPTH) return guardValue(serialized, depth) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(serialized as Record<string, unknown>)) {
    if (ERROR_FIELDS.has(k)) out[k] = typeof v === 'string' ? guardText(v) : v;
    else if (k === 'cause' || k === 'aggregateErrors') out[k] = Array.isArray(v) ? v.map((e: unknown) => guardSerializedError(e, depth + 1)) : guardSerializedError(v, depth + 1);
    else out[k] = redactsWhole(k, v) ? REDACTED : guardValue(v, depth + 1);
  }
  return out as T;
}
