/**
 * §5.2 "every item is registered": readable case numbers and the id of each case's workflow.
 *
 * A case number reads `<prefix>-<year>-<sequence>`, e.g. FB-2026-000123: the prefix is
 * `policy.feedback.caseNumberPrefix`; the year is the registration's calendar year in the bank's
 * time zone (`policy.onboarding.timeZone`, what policy.ts `bankTimeZone` returns), so a case
 * registered at 23:30 on 31 December in New York belongs to that year even though it is already
 * January in UTC; the sequence counts from 1 within the year, zero-padded to 6 digits and widening
 * beyond 999999 (FB-2026-1000000). Every number has exactly one spelling: formatCaseNo(parseCaseNo(x))
 * is x. The workflow id is `feedback-<caseNo>`, with its inverse.
 *
 * Pure and deterministic, no Node built-ins, policy types only: workflows may import it.
 */
import { calendarDateIn } from './business-calendar';
import type { Policy } from '../policy/policy';

const SEQUENCE_DIGITS = 6;
const CASE_NO = /^([A-Z]{2,8})-(\d{4})-(\d{6,16})$/;
const WORKFLOW_PREFIX = 'feedback-';

export interface CaseNoParts {
  prefix: string;
  year: number;
  sequence: number;
}

/** The registration's calendar year in the bank's time zone: the year its case number carries. */
export function caseYear(registeredAt: Date, policy: Policy): number {
  if (!(registeredAt instanceof Date) || Number.isNaN(registeredAt.getTime())) throw new RangeError('registeredAt is not a valid Date');
  return Number(calendarDateIn(registeredAt, policy.onboarding.timeZone).slice(0, 4));
}

function checkParts(year: number, sequence: number): void {
  if (!Number.isInteger(year) || year < 1 || year > 9999) throw new RangeError(`year must be a whole number from 1 to 9999, got ${year}`);
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new RangeError(`sequence must be a whole number ≥ 1, got ${sequence}`);
}

/** `<prefix>-<year>-<sequence>` with the policy's prefix, e.g. formatCaseNo({ year: 2026, sequence: 123 }) → FB-2026-000123. */
export function formatCaseNo({ year, sequence }: { year: number; sequence: number }, policy: Policy): string {
  checkParts(year, sequence);
  return `${policy.feedback.caseNumberPrefix}-${String(year).padStart(4, '0')}-${String(sequence).padStart(SEQUENCE_DIGITS, '0')}`;
}

/**
 * The parts of a case number. With `policy`, its prefix must be the policy's; without, any prefix of
 * 2–8 capital letters (numbers given under an earlier policy stay readable).
 * @throws RangeError saying what is wrong (form, year 0000, sequence 0, a padded number past 6 digits, prefix)
 */
export function parseCaseNo(caseNo: string, policy?: Policy): CaseNoParts {
  const m = typeof caseNo === 'string' ? CASE_NO.exec(caseNo) : null;
  if (!m) throw new RangeError(`not a case number (<PREFIX>-<YYYY>-<NNNNNN>, e.g. FB-2026-000123): ${JSON.stringify(caseNo)}`);
  const [prefix, yearText, sequenceText] = [m[1]!, m[2]!, m[3]!];
  const year = Number(yearText);
  const sequence = Number(sequenceText);
  if (year < 1) throw new RangeError(`case number ${caseNo}: year 0000 does not exist`);
  if (sequence < 1) throw new RangeError(`case number ${caseNo}: sequences start at 1`);
  if (sequenceText.length > SEQUENCE_DIGITS && sequenceText.startsWith('0')) {
    throw new RangeError(`case number ${caseNo}: a sequence is padded to ${SEQUENCE_DIGITS} digits only (one spelling per number)`);
  }
  if (!Number.isSafeInteger(sequence)) throw new RangeError(`case number ${caseNo}: sequence too large`);
  if (policy && prefix !== policy.feedback.caseNumberPrefix) {
    throw new RangeError(`case number ${caseNo}: prefix ${prefix} is not the policy's ${policy.feedback.caseNumberPrefix}`);
  }
  return { prefix, year, sequence };
}

/** True when `value` is a case number as parseCaseNo reads it (with `policy`: with its prefix). */
export function isCaseNo(value: unknown, policy?: Policy): value is string {
  try {
    parseCaseNo(value as string, policy);
    return true;
  } catch {
    return false;
  }
}

/** The id of a case's workflow: `feedback-<caseNo>` (idempotent starts by business key). */
export function feedbackWorkflowId(caseNo: string): string {
  parseCaseNo(caseNo);
  return `${WORKFLOW_PREFIX}${caseNo}`;
}

/** The inverse of feedbackWorkflowId. @throws RangeError for any other workflow id */
export function caseNoFromWorkflowId(workflowId: string): string {
  if (typeof workflowId !== 'string' || !workflowId.startsWith(WORKFLOW_PREFIX)) {
    throw new RangeError(`not a feedback workflow id (feedback-<caseNo>): ${JSON.stringify(workflowId)}`);
  }
  const caseNo = workflowId.slice(WORKFLOW_PREFIX.length);
  parseCaseNo(caseNo);
  return caseNo;
}
