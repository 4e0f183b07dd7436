/**
 * Domain errors with what a caller needs to fix the request. The API maps them to HTTP statuses
 * (400, 404, 409); the CLI prints them. Nothing is written when one is thrown.
 */
import type { z } from 'zod';
import { findInputIssues } from './text';

export interface FieldIssue {
  field: string;
  value?: unknown;
  reason: string;
}

export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.reason}${i.value === undefined ? '' : ` (got ${show(i.value)})`}`).join('; '));
  }
}

/** JSON where possible; BigInts and cycles must not turn a 400 into a 500. */
function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(message: string, readonly existing?: unknown) {
    super(message);
  }
}

/**
 * A well-formed request that a policy rule refuses (e.g. §6.2: a product of a restricted risk class,
 * a missing extra guarantee): the API answers 422 with the rule's reason and, when an input would
 * change the answer, the field (`issues`). Nothing is written.
 */
export class RuleRefusalError extends Error {
  override name = 'RuleRefusalError';
  constructor(message: string, readonly issues: FieldIssue[] = []) {
    super(message);
  }
}

/**
 * Parses `input` with `schema`, or throws a ValidationError naming each bad field and value. Values
 * under a path starting with one of `sensitive` (e.g. 'identity', 'dateOfBirth') are never echoed
 * (§3.1: an identity number must not reach a response or a log because it was mistyped).
 *
 * Before the schema runs, every string and object key of `input`, at any depth, is checked against
 * the shared text rule (src/shared/text.ts: no control characters, no lone surrogates) and the
 * nesting limit, without recursion; so no use case, API or CLI, can pass a NUL on to PostgreSQL
 * (§2.3 step 1 complete and accurate, §3.1 every change recorded; issue 7: one NUL jammed an
 * onboarding for good).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, sensitive: readonly string[] = []): z.infer<S> {
  const textIssues = findInputIssues(input);
  if (textIssues.length > 0) {
    throw new ValidationError(
      textIssues.map(({ path, reason, isValue }) => {
        const field = fieldOf(path);
        return { field, ...(isValue && !isSensitive(field, sensitive) ? { value: valueAt(input, path) } : {}), reason };
      }),
    );
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), reason: 'unknown field' }));
      }
      const field = fieldOf(issue.path);
      return [{ field, ...(isSensitive(field, sensitive) ? {} : { value: valueAt(input, issue.path) }), reason: issue.message }];
    }),
  );
}

const fieldOf = (path: readonly PropertyKey[]) => path.map(String).join('.') || '(body)';
const isSensitive = (field: string, sensitive: readonly string[]) => sensitive.some((s) => field === s || field.startsWith(`${s}.`));

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
