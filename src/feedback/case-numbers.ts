/**
 * §5.2 case numbers: one counter per year (CaseNumberCounter), FB-<year>-<n> formatted by the case-number
 * rules (src/domain/case-number.ts). `nextCaseSequence` hands out the year's next n.
 *
 * Why a counter row and not a PostgreSQL sequence: a sequence per year would be created on the fly
 * (DDL in a registration) and its numbers are never given back; the counter is one upsert.
 *
 * - Concurrency-safe: `INSERT … ON CONFLICT DO UPDATE … RETURNING` is atomic; concurrent callers of
 *   one year queue on the counter's row lock and each gets its own number (the first of a year creates
 *   the row; two racing to create it are resolved by the conflict clause, not an error).
 * - Called with the registering transaction (the intended use): the number is taken and the case
 *   written together, so a registration that rolls back gives its number back — no gaps, and none
 *   needed. The price: registrations of one year serialize on the row from this call until their
 *   commit, so take the number late in the transaction and keep the transaction short.
 * - Called with the client (outside a transaction): the number is committed at once and the lock
 *   held for one statement only; a registration that then fails leaves a gap. Gaps are tolerated —
 *   nothing relies on the numbers being contiguous, only on them being unique and increasing.
 */
import type { Db, DbTx } from '../db/client';

/** The year's next case sequence number (1 for the year's first case). */
export async function nextCaseSequence(tx: Db | DbTx, year: number): Promise<number> {
  if (!Number.isInteger(year) || year < 2000 || year > 9999) throw new RangeError(`case-number year must be a whole number 2000–9999, got ${year}`);
  const rows = await tx.$queryRaw<{ taken: number }[]>`
    INSERT INTO "CaseNumberCounter" ("year", "next") VALUES (${year}, 2)
    ON CONFLICT ("year") DO UPDATE SET "next" = "CaseNumberCounter"."next" + 1
    RETURNING "next" - 1 AS "taken"`;
  const taken = rows[0]?.taken;
  if (taken === undefined) throw new Error(`case-number counter for ${year} returned no row`);
  return Number(taken);
}
