/**
 * Which failures are deterministic (issue 7 "nothing jams"): retrying the same write with the same
 * data fails the same way, so an activity must not retry it for ever. PostgreSQL classes 22 (data
 * exception: invalid byte sequence, value too long, out of range …) and 23 (integrity constraint
 * violation), Prisma's validation errors, and our own ValidationError. Connection failures,
 * timeouts, serialization failures (40xxx) and everything else stay retryable.
 */
import { Prisma } from './client';
import { ValidationError } from '../shared/errors';

/** The SQLSTATE PostgreSQL answered with, wherever Prisma or the pg adapter put it. */
export function sqlStateOf(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const meta = (err as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; code?: unknown } } } }).meta;
  const cause = meta?.driverAdapterError?.cause ?? (err as { cause?: { originalCode?: unknown; code?: unknown } }).cause;
  const code = cause?.originalCode ?? cause?.code ?? (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Prisma query-engine codes that mean "this data can never be written as it is". */
const PRISMA_DATA_CODES = new Set(['P2000', 'P2002', 'P2003', 'P2004', 'P2005', 'P2006', 'P2007', 'P2011', 'P2012', 'P2019', 'P2020', 'P2023', 'P2033']);

export function isDeterministicDataError(err: unknown): boolean {
  if (err instanceof ValidationError) return true;
  if (err instanceof Prisma.PrismaClientValidationError) return true;
  const state = sqlStateOf(err);
  if (state) return state.startsWith('22') || state.startsWith('23');
  return err instanceof Prisma.PrismaClientKnownRequestError && PRISMA_DATA_CODES.has(err.code);
}
