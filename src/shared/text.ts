/**
 * One rule for every string that enters the system (API bodies, path parameters and query values,
 * CLI options and CSV cells): no control characters and no lone UTF-16 surrogates.
 *
 * Why (issue 7, defect 2): PostgreSQL refuses NUL in text (`invalid byte sequence for encoding
 * "UTF8": 0x00`) and stores a lone surrogate as U+FFFD, so such a value either fails a write deep in
 * a workflow activity — where the retry can never succeed and the process jams — or is silently
 * changed. §2.3 step 1 asks for data "complete and accurate" and §3.1 that every change be recorded,
 * so the value is refused at the boundary, with the field and the reason, before anything is written.
 *
 * Refused: C0 controls U+0000–U+001F except TAB, LF and CR (multi-line text such as a review reason
 * stays possible); DEL U+007F; C1 controls U+0080–U+009F; a high surrogate not followed by a low one
 * and a low surrogate not preceded by a high one. Everything else, including U+00A0 and emoji
 * (valid surrogate pairs), is allowed.
 *
 * `parseInput` (src/shared/errors.ts) applies the rule to every string of every use case's input,
 * at any depth, before the zod schema runs (`findInputIssues`); `plainText` puts it into a schema
 * explicitly where one wants it documented there too.
 */
import type { z } from 'zod';

/**
 * Input nested deeper than this is refused (the deepest legitimate body is 3 levels). Checked
 * without recursion, so a 5,000-deep body is a 400, not a stack overflow in whatever walks it next.
 */
export const MAX_NESTING_DEPTH = 32;

export const NESTING_REASON = `nested deeper than ${MAX_NESTING_DEPTH} levels`;

// Without the `u` flag the pattern works on UTF-16 code units, which is what a lone surrogate is.
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const codePoint = (unit: number) => `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Why `value` may not be stored, e.g. "contains a control character (U+0000)" or "contains a lone
 * surrogate (U+D83D)"; undefined when it may.
 */
export function controlCharacterIssue(value: string): string | undefined {
  const match = FORBIDDEN.exec(value);
  if (!match) return undefined;
  const unit = match[0].charCodeAt(0);
  return unit >= 0xd800 ? `contains a lone surrogate (${codePoint(unit)})` : `contains a control character (${codePoint(unit)})`;
}

/** `schema` with the rule added, for schemas that want it explicit: `plainText(z.string().trim())`. */
export function plainText<T extends z.ZodType<string>>(schema: T): T {
  return schema.superRefine((value, ctx) => {
    const reason = controlCharacterIssue(value);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  });
}

export interface InputIssue {
  /** Path segments from the root of the input (empty: the input itself). */
  path: (string | number)[];
  reason: string;
  /** True when the issue is about a string value (so it may be echoed); false for keys and depth. */
  isValue: boolean;
}

/** At most this many issues are reported for one input (a 64 KiB body could otherwise carry thousands). */
export const MAX_INPUT_ISSUES = 20;

/**
 * Every string value and object key in `input` that breaks the rule, and whether `input` nests
 * deeper than MAX_NESTING_DEPTH. Walks plain objects and arrays with an explicit stack (no
 * recursion); other values (numbers, Dates, …) are left to the schema.
 */
export function findInputIssues(input: unknown): InputIssue[] {
  const issues: InputIssue[] = [];
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: input, path: [] }];
  while (stack.length > 0 && issues.length < MAX_INPUT_ISSUES) {
    const { value, path } = stack.pop()!;
    const key = path[path.length - 1];
    if (typeof key === 'string') {
      // An object key (array indices are numbers); reported against the object that holds it.
      const reason = controlCharacterIssue(key);
      if (reason) issues.push({ path: path.slice(0, -1), reason: `a field name ${reason}`, isValue: false });
    }
    if (typeof value === 'string') {
      const reason = controlCharacterIssue(value);
      if (reason) issues.push({ path, reason, isValue: true });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    const isArray = Array.isArray(value);
    if (!isArray && !isPlainObject(value)) continue;
    if (path.length >= MAX_NESTING_DEPTH) {
      // One issue for the whole input: the path of a 5,000-deep value is no help to anyone.
      return [{ path: [], reason: NESTING_REASON, isValue: false }];
    }
    // Pushed in reverse so issues come out in document order.
    if (isArray) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      stack.push({ value: (value as Record<string, unknown>)[k], path: [...path, k] });
    }
  }
  return issues.slice(0, MAX_INPUT_ISSUES);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
