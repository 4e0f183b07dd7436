/**
 * Keyset paging for lists (tasks, periodic reviews, contact history): an opaque cursor holding the
 * last row's sort key and id, so a page never skips or repeats a row while rows are added; and the
 * query-string schemas those lists share (query strings carry text only).
 */
import { z } from 'zod';
import { isIsoDate, zonedDateTimeToInstant } from '../domain/business-calendar';
import { ValidationError } from './errors';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** `pageSize` in a query string: digits only, 1–100. */
export const pageSizeQuery = z
  .string()
  .regex(/^\d{1,3}$/, `a whole number 1–${MAX_PAGE_SIZE}`)
  .transform(Number)
  .pipe(z.number().min(1, `a whole number 1–${MAX_PAGE_SIZE}`).max(MAX_PAGE_SIZE, `a whole number 1–${MAX_PAGE_SIZE}`));

export const cursorQuery = z.string().max(300, 'not a cursor: pass a previous page\'s nextCursor');

export interface Keyset {
  /** The sort key of the last row shown (an ISO instant). */
  at: string;
  id: string;
}

export const encodeCursor = (k: Keyset) => Buffer.from(JSON.stringify([k.at, k.id]), 'utf8').toString('base64url');

export function decodeCursor(text: string): Keyset {
  try {
    const [at, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(at))) return { at, id };
  } catch {
    // fall through
  }
  throw new ValidationError([{ field: 'cursor', value: text, reason: "not a cursor: pass a previous page's nextCursor" }]);
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * A date (YYYY-MM-DD, read as the start of that day in the bank's time zone) or an ISO instant with
 * a zone (2026-12-01T09:00:00Z); the parsed value is the instant. For query filters such as `dueBefore`.
 */
export function dateOrInstantSchema(timeZone: string) {
  return z
    .string()
    .trim()
    .refine((s) => (isIsoDate(s) ? true : ISO_INSTANT.test(s) && !Number.isNaN(Date.parse(s))), {
      message: 'a date YYYY-MM-DD or an ISO instant with a zone, e.g. 2026-12-01T09:00:00Z',
      abort: true,
    })
    .transform((s, ctx) => {
      try {
        const at = isIsoDate(s) ? zonedDateTimeToInstant(s, '00:00', timeZone) : new Date(s);
        if (!Number.isNaN(at.getTime())) return at;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'a date or instant this calendar can place' });
      return z.NEVER;
    });
}

/** The page of `rows` fetched with `take: pageSize + 1`: the rows to show and the cursor of the next page. */
export function pageOf<T>(rows: T[], pageSize: number, keyOf: (row: T) => Keyset): { shown: T[]; nextCursor: string | null } {
  const shown = rows.slice(0, pageSize);
  const last = shown[shown.length - 1];
  return { shown, nextCursor: rows.length > pageSize && last ? encodeCursor(keyOf(last)) : null };
}
