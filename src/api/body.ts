/**
 * What the API accepts as a request, before any route sees it (issue 7 defect 8: malformed input
 * answered 500). Bad input gets a clear error and changes nothing (§2.3 step 1 data complete and
 * accurate, §3.1 every change recorded: nothing half-written); a malformed request is never an
 * internal error.
 *
 * - Bodies are JSON (`application/json`, UTF-8) and nothing else: Fastify's text/plain parser is
 *   removed, so any other content type, or a body without one, is 415
 *   `{ error: "unsupported_media_type", message: "send application/json" }`. The one exception: a
 *   route with `config: { acceptsForm: true }` (the customer's survey form, src/api/routes/survey.ts)
 *   also takes `application/x-www-form-urlencoded`, parsed by that route's own parser.
 * - A JSON body that is empty, not valid UTF-8, not valid JSON, uses `__proto__`/`constructor.prototype`
 *   keys, or nests deeper than MAX_NESTING_DEPTH (32) is 400 `validation_failed` with the issue
 *   against `(body)`; the depth is measured on the text, without recursion, before parsing.
 * - Path parameters and query-string values with control characters or lone surrogates (the shared
 *   text rule, src/shared/text.ts) are 400 naming `params.<name>` / `query.<name>`.
 *
 * Order: the API key is checked first (onRequest, src/api/authentication.ts), so a request without
 * a valid key is 401 whatever its body or path (§3.1: no anonymous caller learns anything, not even
 * which input is refused); then the content type (415) and body (400) are checked; then the path
 * and query (400, preValidation); then the route's role check (403, preHandler) and the use case.
 * String values inside the body are checked by the use cases' parseInput (src/shared/errors.ts),
 * the one path the API and the CLI share.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError, type FieldIssue } from '../shared/errors';
import { controlCharacterIssue, MAX_NESTING_DEPTH, NESTING_REASON } from '../shared/text';

/** 415: the body is not JSON. Mapped by the API's error handler (statusCode < 500: code and message). */
export class UnsupportedMediaTypeError extends Error {
  override name = 'UnsupportedMediaTypeError';
  readonly statusCode = 415;
  readonly code = 'unsupported_media_type';
  constructor() {
    super('send application/json');
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route also takes an HTML form's body (application/x-www-form-urlencoded) and parses it itself. */
    acceptsForm?: boolean;
  }
}

/** Installs the body parser and the path/query check on `app`; call it before any route is registered. */
export function acceptOnlyWellFormedRequests(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  const secureParse = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = decodeUtf8(body as Buffer);
      if (nestsDeeperThan(text, MAX_NESTING_DEPTH)) throw bodyIssue(NESTING_REASON);
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    void secureParse(req, text, (err, value) => (err ? done(bodyIssue(jsonReason(text)), undefined) : done(null, value)));
  });
  // Anything Fastify would hand to a parser we do not have (e.g. a body without a content type).
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(new UnsupportedMediaTypeError(), undefined));

  app.addHook('preParsing', async (request) => {
    if (request.is404 || BODYLESS.has(request.method)) return;
    const contentType = request.headers['content-type'];
    const accepted = (type: string) => isJson(type) || (request.routeOptions.config.acceptsForm === true && isForm(type));
    if (contentType === undefined ? hasBody(request) : !accepted(contentType)) throw new UnsupportedMediaTypeError();
  });

  app.addHook('preValidation', async (request) => {
    const issues = [...textIssues('params', request.params), ...textIssues('query', request.query)];
    if (issues.length > 0) throw new ValidationError(issues);
  });
}

const BODYLESS = new Set(['GET', 'HEAD', 'TRACE']);

const hasBody = (request: FastifyRequest) =>
  request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] ?? '0') !== '0';

const isJson = (contentType: string) => contentType.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
const isForm = (contentType: string) => contentType.split(';', 1)[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';

const bodyIssue = (reason: string) => new ValidationError([{ field: '(body)', reason }]);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** RFC 8259: JSON is UTF-8. Invalid bytes are refused rather than silently turned into U+FFFD. */
function decodeUtf8(body: Buffer): string {
  if (body.length === 0) throw bodyIssue('empty: send a JSON value');
  try {
    return utf8.decode(body);
  } catch {
    throw bodyIssue('not valid UTF-8');
  }
}

/** True when brackets outside strings nest deeper than `limit`; one pass, no recursion, no allocation. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * Why `text` was refused by the secure parser: where it is not JSON (the position only: V8's message
 * quotes the body, which may hold an identity number, §3.1), or the forbidden keys.
 */
function jsonReason(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    const position = /at position (\d+)/.exec((err as Error).message)?.[1];
    return position === undefined ? 'not valid JSON' : `not valid JSON (at position ${position})`;
  }
  return 'not accepted: "__proto__" and "constructor.prototype" keys are forbidden';
}

/** The text rule over path parameters or query values (strings or repeated values). */
function textIssues(where: 'params' | 'query', values: unknown): FieldIssue[] {
  if (values === null || typeof values !== 'object') return [];
  const issues: FieldIssue[] = [];
  for (const [name, value] of Object.entries(values)) {
    const nameReason = controlCharacterIssue(name);
    if (nameReason) {
      issues.push({ field: where, reason: `a parameter name ${nameReason}` });
      continue;
    }
    for (const v of Array.isArray(value) ? value : [value]) {
      const reason = typeof v === 'string' ? controlCharacterIssue(v) : undefined;
      if (reason) {
        issues.push({ field: `${where}.${name}`, value: v, reason });
        break;
      }
    }
  }
  return issues;
}
