/**
 * §6.1 enterprise financial risk: the validation of a period's financial statements
 * (src/risk/record-financials.ts parseFinancials), at its boundaries. Bad input is refused with the
 * field, the value and the reason (§2.3 step 1 complete and accurate; nothing is written: the use
 * case parses before its transaction). Policy: ../shared/policy.md §6.1.
 */
import { EARLIEST_PERIOD_END, MAX_AMOUNT_USD, parseFinancials } from '../../src/risk/record-financials';
import { ValidationError, type FieldIssue } from '../../src/shared/errors';

const TODAY = '2026-12-03';
const valid = {
  periodEnd: '2025-12-31',
  revenueUsd: 12_500_000,
  netIncomeUsd: 640_000.5,
  ebitUsd: 1_100_000,
  interestExpenseUsd: 180_000,
  totalAssetsUsd: 9_000_000,
  totalLiabilitiesUsd: 5_400_000,
  currentAssetsUsd: 3_200_000,
  currentLiabilitiesUsd: 2_100_000,
  largestCustomerShare: 0.35,
};

function issuesOf(body: unknown, today = TODAY): FieldIssue[] {
  try {
    parseFinancials(body, today);
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  return [];
}
const withField = (field: string, value: unknown) => ({ ...valid, [field]: value });

test('§6.1 a complete set of statements is accepted as given; largestCustomerShare is optional', () => {
  expect(parseFinancials(valid, TODAY)).toEqual(valid);
  const { largestCustomerShare: _omitted, ...rest } = valid;
  expect(parseFinancials(rest, TODAY)).toEqual(rest);
});

describe('periodEnd: a real date, not in the future (bank calendar), not before 1900', () => {
  test.each([
    ['today', TODAY, []],
    ['tomorrow', '2026-12-04', [{ field: 'periodEnd', value: '2026-12-04', reason: `must not be in the future (today is ${TODAY})` }]],
    ['the earliest', EARLIEST_PERIOD_END, []],
    ['the day before the earliest', '1899-12-31', [{ field: 'periodEnd', value: '1899-12-31', reason: `must not be before ${EARLIEST_PERIOD_END}` }]],
    ['not a calendar date', '2025-02-29', [{ field: 'periodEnd', value: '2025-02-29', reason: 'not a real calendar date' }]],
    ['a leap day', '2024-02-29', []],
    ['another format', '31/12/2025', [{ field: 'periodEnd', value: '31/12/2025', reason: 'a date written YYYY-MM-DD' }]],
    ['an instant', '2025-12-31T00:00:00Z', [{ field: 'periodEnd', value: '2025-12-31T00:00:00Z', reason: 'a date written YYYY-MM-DD' }]],
    ['a number', 20251231, [{ field: 'periodEnd', value: 20251231, reason: 'a date written YYYY-MM-DD' }]],
  ])('%s', (_name, periodEnd, expected) => {
    expect(issuesOf(withField('periodEnd', periodEnd))).toEqual(expected);
  });

  test('required', () => {
    const { periodEnd: _omitted, ...rest } = valid;
    expect(issuesOf(rest)).toEqual([{ field: 'periodEnd', reason: 'a date written YYYY-MM-DD' }]);
  });
});

describe('amounts: USD to the cent; which may be negative, zero, or must be positive', () => {
  const NON_NEGATIVE = ['revenueUsd', 'interestExpenseUsd', 'totalLiabilitiesUsd', 'currentAssetsUsd', 'currentLiabilitiesUsd'];

  test.each(NON_NEGATIVE)('%s: 0 accepted, -0.01 refused', (field) => {
    // Zero liabilities: no current liabilities either; zero current assets are fine anyway.
    const zero = field === 'totalLiabilitiesUsd' ? { ...valid, totalLiabilitiesUsd: 0, currentLiabilitiesUsd: 0 } : withField(field, 0);
    expect(issuesOf(zero)).toEqual([]);
    expect(issuesOf(withField(field, -0.01))).toEqual([{ field, value: -0.01, reason: 'must not be negative' }]);
  });

  test.each(['netIncomeUsd', 'ebitUsd'])('%s may be negative (a loss) down to -10^15', (field) => {
    expect(issuesOf(withField(field, -250_000.75))).toEqual([]);
    expect(issuesOf(withField(field, -MAX_AMOUNT_USD))).toEqual([]);
    expect(issuesOf(withField(field, -MAX_AMOUNT_USD - 1))).toEqual([{ field, value: -MAX_AMOUNT_USD - 1, reason: 'implausibly large' }]);
  });

  test('totalAssetsUsd must be more than 0 (leverage divides by it): 0.01 accepted, 0 refused', () => {
    expect(issuesOf({ ...valid, totalAssetsUsd: 0.01, currentAssetsUsd: 0 })).toEqual([]);
    expect(issuesOf({ ...valid, totalAssetsUsd: 0, currentAssetsUsd: 0 })).toEqual([
      { field: 'totalAssetsUsd', value: 0, reason: 'must be more than 0 (leverage is liabilities ÷ assets)' },
    ]);
  });

  test('cents: 2 decimal places accepted, 3 refused; 10^15 the largest', () => {
    expect(issuesOf(withField('revenueUsd', 1234.56))).toEqual([]);
    expect(issuesOf(withField('revenueUsd', 1234.567))).toEqual([{ field: 'revenueUsd', value: 1234.567, reason: 'at most 2 decimal places (cents)' }]);
    expect(issuesOf({ ...valid, revenueUsd: MAX_AMOUNT_USD })).toEqual([]);
    expect(issuesOf(withField('revenueUsd', MAX_AMOUNT_USD + 1))).toEqual([{ field: 'revenueUsd', value: MAX_AMOUNT_USD + 1, reason: 'implausibly large' }]);
  });

  test('a string, null or a missing amount is refused naming the field', () => {
    expect(issuesOf(withField('ebitUsd', '1100000'))).toEqual([{ field: 'ebitUsd', value: '1100000', reason: 'an amount in USD' }]);
    expect(issuesOf(withField('ebitUsd', null))).toEqual([{ field: 'ebitUsd', value: null, reason: 'an amount in USD' }]);
    const { revenueUsd: _omitted, ...rest } = valid;
    expect(issuesOf(rest)).toEqual([{ field: 'revenueUsd', reason: 'an amount in USD' }]);
  });
});

describe('the totals hold together', () => {
  test('currentAssetsUsd equal to totalAssetsUsd accepted; a cent more refused, naming both', () => {
    expect(issuesOf(withField('currentAssetsUsd', valid.totalAssetsUsd))).toEqual([]);
    expect(issuesOf(withField('currentAssetsUsd', 9_000_000.01))).toEqual([
      { field: 'currentAssetsUsd', value: 9_000_000.01, reason: 'must not exceed totalAssetsUsd (9000000): current assets are part of total assets' },
    ]);
  });

  test('currentLiabilitiesUsd equal to totalLiabilitiesUsd accepted; more refused', () => {
    expect(issuesOf(withField('currentLiabilitiesUsd', valid.totalLiabilitiesUsd))).toEqual([]);
    expect(issuesOf(withField('currentLiabilitiesUsd', 5_400_000.01))).toEqual([
      { field: 'currentLiabilitiesUsd', value: 5_400_000.01, reason: 'must not exceed totalLiabilitiesUsd (5400000): current liabilities are part of total liabilities' },
    ]);
  });

  test('both at once: both named', () => {
    expect(issuesOf({ ...valid, currentAssetsUsd: 10_000_000, currentLiabilitiesUsd: 6_000_000 }).map((i) => i.field)).toEqual(['currentAssetsUsd', 'currentLiabilitiesUsd']);
  });
});

describe('largestCustomerShare: 0–1, at most 4 decimals', () => {
  test.each([
    [0, []],
    [1, []],
    [0.1234, []],
    [-0.0001, [{ field: 'largestCustomerShare', value: -0.0001, reason: 'a share of revenue from 0 to 1 (0.35 = 35 %)' }]],
    [1.0001, [{ field: 'largestCustomerShare', value: 1.0001, reason: 'a share of revenue from 0 to 1 (0.35 = 35 %)' }]],
    [35, [{ field: 'largestCustomerShare', value: 35, reason: 'a share of revenue from 0 to 1 (0.35 = 35 %)' }]],
    [0.12345, [{ field: 'largestCustomerShare', value: 0.12345, reason: 'at most 4 decimal places' }]],
  ])('%p', (share, expected) => {
    expect(issuesOf(withField('largestCustomerShare', share))).toEqual(expected);
  });
});

test('an unknown field, control characters and a non-object body are refused', () => {
  expect(issuesOf({ ...valid, grossMargin: 0.4 })).toEqual([{ field: 'grossMargin', reason: 'unknown field' }]);
  expect(issuesOf(withField('periodEnd', '2025-12-31\u0000'))).toEqual([{ field: 'periodEnd', value: '2025-12-31\u0000', reason: expect.stringMatching(/control character/) }]);
  expect(issuesOf([valid])[0]).toMatchObject({ field: '(body)' });
});
