/**
 * Domain errors with what a caller needs to fix the request. The API maps them to HTTP statuses
 * (400, 404, 409); the CLI prints them. Nothing is written when one is thrown.
 */
import type { z } from 'zod';

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
 * Parses `input` with `schema`, or throws a ValidationError naming each bad field and value. Values
 * under a path starting with one of `sensitive` (e.g. 'identity', 'dateOfBirth') are never echoed
 * (§3.1: an identity number must not reach a response or a log because it was mistyped).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, sensitive: readonly string[] = []): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), reason: 'unknown field' }));
      }
      const field = issue.path.join('.') || '(body)';
      const hidden = sensitive.some((s) => field === s || field.startsWith(`${s}.`));
      return [{ field, ...(hidden ? {} : { value: valueAt(input, issue.path) }), reason: issue.message }];
    }),
  );
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
