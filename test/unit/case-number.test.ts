/**
 * src/domain/case-number.ts: §5.2 readable case numbers <prefix>-<year>-<sequence> (FB-2026-000123)
 * with the year of the registration in the bank's time zone, and the workflow id feedback-<caseNo>.
 */
import { caseNoFromWorkflowId, caseYear, feedbackWorkflowId, formatCaseNo, isCaseNo, parseCaseNo } from '../../src/domain/case-number';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../src/policy/policy';

const P = DEFAULT_POLICY;

function policyWith(change: (p: Record<string, any>) => void): Policy {
  const copy = structuredClone(DEFAULT_POLICY) as Record<string, any>;
  change(copy);
  return parsePolicy(copy);
}

describe('§5.2 formatCaseNo', () => {
  it.each<[year: number, sequence: number, caseNo: string]>([
    [2026, 123, 'FB-2026-000123'],
    [2026, 1, 'FB-2026-000001'],
    [2026, 999_999, 'FB-2026-999999'],
    [2026, 1_000_000, 'FB-2026-1000000'], // widens past six digits
    [2027, 12_345_678, 'FB-2027-12345678'],
  ])('%d #%d → %s', (year, sequence, caseNo) => {
    expect(formatCaseNo({ year, sequence }, P)).toBe(caseNo);
    expect(parseCaseNo(caseNo, P)).toEqual({ prefix: 'FB', year, sequence });
  });

  it('uses the policy’s prefix', () => {
    expect(formatCaseNo({ year: 2026, sequence: 7 }, policyWith((p) => { p.feedback.caseNumberPrefix = 'CMP'; }))).toBe('CMP-2026-000007');
  });

  it.each<[year: number, sequence: number, message: string]>([
    [2026, 0, 'sequence must be a whole number ≥ 1, got 0'],
    [2026, -5, 'sequence must be a whole number ≥ 1, got -5'],
    [2026, 1.5, 'sequence must be a whole number ≥ 1, got 1.5'],
    [2026, Number.MAX_SAFE_INTEGER + 2, 'sequence must be a whole number ≥ 1'],
    [0, 1, 'year must be a whole number from 1 to 9999, got 0'],
    [10_000, 1, 'year must be a whole number from 1 to 9999, got 10000'],
  ])('rejects year %d sequence %d', (year, sequence, message) => {
    expect(() => formatCaseNo({ year, sequence }, P)).toThrow(message);
  });
});

describe('§5.2 caseYear: the registration’s year in the bank’s time zone', () => {
  it.each<[instant: string, year: number]>([
    ['2026-12-31T23:30:00-05:00', 2026], // already 2027 in UTC, still 2026 in New York
    ['2027-01-01T04:59:59Z', 2026],
    ['2027-01-01T05:00:00Z', 2027],
    ['2026-06-15T12:00:00Z', 2026],
  ])('%s → %d', (instant, year) => {
    expect(caseYear(new Date(instant), P)).toBe(year);
  });

  it('follows the policy’s time zone', () => {
    const tokyo = policyWith((p) => { p.onboarding.timeZone = 'Asia/Tokyo'; });
    expect(caseYear(new Date('2026-12-31T16:00:00Z'), tokyo)).toBe(2027);
  });

  it('rejects an invalid date', () => {
    expect(() => caseYear(new Date('x'), P)).toThrow('registeredAt is not a valid Date');
  });
});

describe('§5.2 parseCaseNo', () => {
  it.each<[caseNo: unknown, message: string]>([
    ['FB-2026-123', 'not a case number (<PREFIX>-<YYYY>-<NNNNNN>, e.g. FB-2026-000123): "FB-2026-123"'],
    ['fb-2026-000123', 'not a case number'],
    ['FB-26-000123', 'not a case number'],
    ['FB2026000123', 'not a case number'],
    [' FB-2026-000123', 'not a case number'],
    ['FB-2026-000123 ', 'not a case number'],
    ['FB-2026-00012a', 'not a case number'],
    ['F-2026-000123', 'not a case number'],
    ['', 'not a case number'],
    [42, 'not a case number'],
    [null, 'not a case number'],
    ['FB-2026-000000', 'case number FB-2026-000000: sequences start at 1'],
    ['FB-0000-000001', 'case number FB-0000-000001: year 0000 does not exist'],
    ['FB-2026-0000123', 'case number FB-2026-0000123: a sequence is padded to 6 digits only (one spelling per number)'],
    ['FB-2026-99999999999999999', 'not a case number'],
    ['FB-2026-9999999999999999', 'case number FB-2026-9999999999999999: sequence too large'],
  ])('rejects %j', (caseNo, message) => {
    expect(() => parseCaseNo(caseNo as string)).toThrow(RangeError);
    expect(() => parseCaseNo(caseNo as string)).toThrow(message);
    expect(isCaseNo(caseNo)).toBe(false);
  });

  it('without a policy any prefix of 2–8 capitals is read; with one, only its prefix', () => {
    expect(parseCaseNo('CMP-2025-000042')).toEqual({ prefix: 'CMP', year: 2025, sequence: 42 });
    expect(() => parseCaseNo('CMP-2025-000042', P)).toThrow("case number CMP-2025-000042: prefix CMP is not the policy's FB");
    expect(isCaseNo('CMP-2025-000042')).toBe(true);
    expect(isCaseNo('CMP-2025-000042', P)).toBe(false);
    expect(isCaseNo('FB-2025-000042', P)).toBe(true);
  });

  it('formatCaseNo(parseCaseNo(x)) is x for every valid x', () => {
    for (const caseNo of ['FB-2026-000001', 'FB-1999-654321', 'FB-2026-1000000', 'FB-9999-987654321']) {
      expect(formatCaseNo(parseCaseNo(caseNo, P), P)).toBe(caseNo);
    }
  });
});

describe('§5.2 feedbackWorkflowId and its inverse', () => {
  it('feedback-<caseNo>, both ways', () => {
    expect(feedbackWorkflowId('FB-2026-000123')).toBe('feedback-FB-2026-000123');
    expect(caseNoFromWorkflowId('feedback-FB-2026-000123')).toBe('FB-2026-000123');
    expect(caseNoFromWorkflowId(feedbackWorkflowId('FB-2026-1000000'))).toBe('FB-2026-1000000');
  });

  it.each(['FB-2026-123', '', 'feedback-'])('feedbackWorkflowId rejects %j', (caseNo) => {
    expect(() => feedbackWorkflowId(caseNo)).toThrow(RangeError);
  });

  it.each<[workflowId: string, message: string]>([
    ['reminder-FB-2026-000123', 'not a feedback workflow id (feedback-<caseNo>): "reminder-FB-2026-000123"'],
    ['FB-2026-000123', 'not a feedback workflow id'],
    ['feedback-', 'not a case number'],
    ['feedback-FB-2026-000123-x', 'not a case number'],
    ['Feedback-FB-2026-000123', 'not a feedback workflow id'],
  ])('caseNoFromWorkflowId rejects %j', (workflowId, message) => {
    expect(() => caseNoFromWorkflowId(workflowId)).toThrow(RangeError);
    expect(() => caseNoFromWorkflowId(workflowId)).toThrow(message);
  });
});
