/**
 * §6.1 an individual's credit record as figures — the bureau score, payments 30+ days late,
 * defaults, and the day the bureau reported them — as the deeper profile takes them
 * (POST /customers/:id/profile `creditBureau`, src/customers/update-profile.ts) and as the scorecard
 * reads them (creditScore, delinquencies, defaults; src/domain/risk-scorecard.ts).
 *
 * §3.1 stored encrypted: IndividualProfile.creditBureauCiphertext holds the JSON
 * `{ score, delinquencies, defaults, reportedOn }` under the AAD `IndividualProfile.creditBureau:<id>`
 * (src/customers/encrypted-fields.ts); its values are never echoed in errors nor written to the audit
 * log (SENSITIVE_PROFILE_FIELDS), and the customer view masks it unless revealed (src/customers/get-customer.ts).
 */
import { z } from 'zod';
import { isIsoDate } from '../domain/business-calendar';
import { decryptField, encryptField } from '../security/crypto';
import type { KeyRing } from '../security/keyring';
import { aad } from './encrypted-fields';

/** FICO-style bureau scores run 300–850. */
export const CREDIT_SCORE_MIN = 300;
export const CREDIT_SCORE_MAX = 850;
/** More than this many late payments or defaults on one record is a typing mistake. */
export const MAX_CREDIT_EVENTS = 999;
/** A report (or an employment) dated before this is a typing mistake. */
export const EARLIEST_REPORT_DATE = '1900-01-01';

/** A past-or-present calendar date written YYYY-MM-DD, not before `earliest` (the "not in the future" check needs today: see `notInFuture`). */
export const isoDateSchema = (earliest: string) =>
  z
    .string({ error: 'a date written YYYY-MM-DD' })
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date written YYYY-MM-DD', abort: true })
    .refine(isIsoDate, { message: 'not a real calendar date', abort: true })
    .refine((d) => d >= earliest, `must not be before ${earliest}`);

const count = (what: string) =>
  z
    .number({ error: `a whole number of ${what} (0 or more)` })
    .int(`a whole number of ${what} (0 or more)`)
    .nonnegative('must not be negative')
    .max(MAX_CREDIT_EVENTS, `at most ${MAX_CREDIT_EVENTS}`);

export const creditBureauInput = z.strictObject({
  /** The bureau credit score, a whole number 300–850. */
  score: z
    .number({ error: `a whole number ${CREDIT_SCORE_MIN}–${CREDIT_SCORE_MAX}` })
    .int(`a whole number ${CREDIT_SCORE_MIN}–${CREDIT_SCORE_MAX}`)
    .min(CREDIT_SCORE_MIN, `a credit score is ${CREDIT_SCORE_MIN}–${CREDIT_SCORE_MAX}`)
    .max(CREDIT_SCORE_MAX, `a credit score is ${CREDIT_SCORE_MIN}–${CREDIT_SCORE_MAX}`),
  /** Payments 30+ days late on the record. */
  delinquencies: count('late payments'),
  /** Defaults (charge-offs, collections, bankruptcies) on the record. */
  defaults: count('defaults'),
  /** The day the bureau reported these figures (bank time zone), not in the future. */
  reportedOn: isoDateSchema(EARLIEST_REPORT_DATE),
});

export interface CreditBureau {
  score: number;
  delinquencies: number;
  defaults: number;
  /** YYYY-MM-DD */
  reportedOn: string;
}

/** The figures in one fixed key order (so equal records compare equal as JSON). */
export const canonicalCreditBureau = (c: CreditBureau): CreditBureau => ({ score: c.score, delinquencies: c.delinquencies, defaults: c.defaults, reportedOn: c.reportedOn });

export const encryptCreditBureau = (ring: KeyRing, customerId: string, c: CreditBureau): string =>
  encryptField(ring, JSON.stringify(canonicalCreditBureau(c)), aad.creditBureau(customerId));

export function decryptCreditBureau(ring: KeyRing, customerId: string, ciphertext: string): CreditBureau {
  return canonicalCreditBureau(JSON.parse(decryptField(ring, ciphertext, aad.creditBureau(customerId))) as CreditBureau);
}

/**
 * The issue for a date after `today` (both YYYY-MM-DD, the bank's calendar), or none. `echo` false
 * leaves the value out (§3.1 a sensitive field).
 */
export function notInFuture(field: string, value: string | null | undefined, today: string, echo = true): { field: string; value?: string; reason: string }[] {
  if (value === null || value === undefined || value <= today) return [];
  return [{ field, ...(echo ? { value } : {}), reason: `must not be in the future (today is ${today})` }];
}
