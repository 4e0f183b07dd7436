/**
 * §6.1 from recorded facts to scorecard inputs (src/domain/risk-facts.ts) at every boundary: whole
 * months and years, zero denominators, missing facts (never silently "good"), and the §6.2 measure
 * rows and their reconciliation (src/risk/measures.ts), and the monthly monitoring date.
 */
import { enterpriseInputsFrom, individualInputsFrom, wholeMonthsBetween, type StatementFacts } from '../../src/domain/risk-facts';
import { nextRiskMonitoring } from '../../src/domain/lifecycle-schedule';
import { calendarDateIn } from '../../src/domain/business-calendar';
import { scoreEnterprise, scoreIndividual } from '../../src/domain/risk-scorecard';
import { DEFAULT_POLICY as policy } from '../../src/policy/policy';
import { measureRowsFor, reconcileMeasures } from '../../src/risk/measures';

const at = new Date('2027-03-15T14:00:00Z');

describe('wholeMonthsBetween', () => {
  test.each([
    ['2027-03-15', 0],
    ['2027-02-15', 1],
    ['2027-02-16', 0], // one day short of a month
    ['2026-03-15', 12],
    ['2026-03-16', 11],
    ['2027-04-01', 0], // later than `at`: 0, never negative
  ])('from %s to 2027-03-15: %i', (from, months) => expect(wholeMonthsBetween(from, at)).toBe(months));
});

describe('individualInputsFrom', () => {
  const none = { creditBureau: null, employmentType: null, employmentSince: null, incomeVariability: null, annualIncomeUsd: null, debtsUsd: null };
  test('no facts: every input missing (the scorecard never reads them as good: MEDIUM at best)', () => {
    const inputs = individualInputsFrom(none, at);
    expect(Object.values(inputs).every((v) => v === null)).toBe(true);
    expect(scoreIndividual(inputs, policy).rating).not.toBe('LOW');
  });
  test('credit bureau figures, tenure in whole months, debt-to-income', () => {
    expect(
      individualInputsFrom({ creditBureau: { score: 712, delinquencies: 1, defaults: 0 }, employmentType: 'PERMANENT', employmentSince: '2025-03-16', incomeVariability: 0.2, annualIncomeUsd: 80_000, debtsUsd: 40_000 }, at),
    ).toEqual({ creditScore: 712, delinquencies: 1, defaults: 0, employmentType: 'PERMANENT', employmentTenureMonths: 23, incomeVariability: 0.2, debtToIncome: 0.5 });
  });
  test('no debts is 0 debt-to-income even without income; debts with no income score the worst band; income not recorded is missing', () => {
    expect(individualInputsFrom({ ...none, debtsUsd: 0 }, at).debtToIncome).toBe(0);
    const noIncome = individualInputsFrom({ ...none, debtsUsd: 5_000, annualIncomeUsd: 0 }, at);
    expect(scoreIndividual(noIncome, policy).factors.find((f) => f.factor === 'debtToIncome')).toMatchObject({ band: '≥ 3', points: 35, missing: false });
    expect(individualInputsFrom({ ...none, debtsUsd: 5_000 }, at).debtToIncome).toBeNull();
  });
  test('an employment type the scorecard does not know is missing, not an error', () => {
    expect(individualInputsFrom({ ...none, employmentType: 'ASTRONAUT' }, at).employmentType).toBeNull();
  });
});

describe('enterpriseInputsFrom', () => {
  const s = (o: Partial<StatementFacts> = {}): StatementFacts => ({
    periodEnd: '2026-12-31', revenueUsd: 10_000_000, netIncomeUsd: 500_000, ebitUsd: 1_000_000, interestExpenseUsd: 250_000,
    totalAssetsUsd: 8_000_000, totalLiabilitiesUsd: 4_000_000, currentAssetsUsd: 3_000_000, currentLiabilitiesUsd: 2_000_000, largestCustomerShare: 0.3, ...o,
  });
  test('ratios from the latest statements, the trend from the latest two, years in whole years', () => {
    expect(enterpriseInputsFrom({ naicsCode: '541511', establishedOn: '2017-03-16', latest: s(), previous: s({ periodEnd: '2025-12-31', revenueUsd: 8_000_000 }) }, at)).toEqual({
      naicsCode: '541511', yearsInBusiness: 9, revenueTrend: 0.25, customerConcentration: 0.3, leverage: 0.5, liquidity: 1.5, interestCover: 4, profitability: 0.05,
    });
  });
  test('no statements: the financial and trend inputs are missing (the policy caps the rating)', () => {
    const inputs = enterpriseInputsFrom({ naicsCode: '541511', establishedOn: '2000-01-01', latest: null, previous: null }, at);
    expect(inputs).toMatchObject({ revenueTrend: null, customerConcentration: null, leverage: null, liquidity: null, interestCover: null, profitability: null });
    expect(scoreEnterprise(inputs, policy).capApplied?.rating).toBe('C');
  });
  test('zero denominators: no current liabilities → Infinity liquidity; no interest → Infinity cover unless EBIT is a loss; no revenue → missing margin and trend', () => {
    expect(enterpriseInputsFrom({ naicsCode: null, establishedOn: null, latest: s({ currentLiabilitiesUsd: 0, interestExpenseUsd: 0 }), previous: null }, at)).toMatchObject({ liquidity: Infinity, interestCover: Infinity });
    expect(enterpriseInputsFrom({ naicsCode: null, establishedOn: null, latest: s({ interestExpenseUsd: 0, ebitUsd: -1 }), previous: null }, at).interestCover).toBeNull();
    expect(enterpriseInputsFrom({ naicsCode: null, establishedOn: null, latest: s({ revenueUsd: 0 }), previous: s({ revenueUsd: 0 }) }, at)).toMatchObject({ profitability: null, revenueTrend: null });
  });
  test('a revenue collapse is a trend of -1 at worst', () => {
    expect(enterpriseInputsFrom({ naicsCode: null, establishedOn: null, latest: s({ revenueUsd: 0 }), previous: s({ revenueUsd: 5_000_000 }) }, at).revenueTrend).toBe(-1);
  });
});

describe('§6.2 measure rows', () => {
  test('each rating puts its measures in force', () => {
    expect(measureRowsFor('LOW', policy).map((m) => m.kind)).toEqual(['PREFERENTIAL_TERMS']);
    expect(measureRowsFor('MEDIUM', policy).map((m) => m.kind)).toEqual(['CLOSE_MONITORING', 'STRICTER_CONDITIONS']);
    expect(measureRowsFor('HIGH', policy).map((m) => m.kind)).toEqual(['STRICTER_CONDITIONS', 'PRODUCT_RESTRICTION', 'INVESTIGATION']);
    expect(measureRowsFor('D', policy).find((m) => m.kind === 'PRODUCT_RESTRICTION')?.detail).toEqual({ restrictedRiskClasses: [3, 4] });
  });
  test('reconciling keeps unchanged measures, lifts the dropped ones, applies the new ones', () => {
    const inForce = measureRowsFor('C', policy).map((m, i) => ({ ...m, id: `m${i}` }));
    const { lift, apply } = reconcileMeasures(inForce, measureRowsFor('D', policy));
    expect(lift).toEqual(inForce.map((m) => m.id)); // C's monitoring and its (different) conditions
    expect(apply.map((m) => m.kind)).toEqual(['STRICTER_CONDITIONS', 'PRODUCT_RESTRICTION', 'INVESTIGATION']);
    expect(reconcileMeasures(inForce, measureRowsFor('C', policy))).toEqual({ lift: [], apply: [] });
  });
});

describe('§6.2 monthly monitoring date', () => {
  test('MEDIUM and C: one month later at the policy time in the bank zone; other ratings: none', () => {
    const next = nextRiskMonitoring(new Date('2027-01-31T20:00:00Z'), 'MEDIUM', policy)!;
    expect(calendarDateIn(next, policy.onboarding.timeZone)).toBe('2027-02-28'); // month end clamped
    expect(next.toISOString()).toBe('2027-02-28T14:00:00.000Z'); // 09:00 EST
    expect(nextRiskMonitoring(new Date('2027-01-31T20:00:00Z'), 'C', policy)).not.toBeNull();
    for (const r of ['LOW', 'HIGH', 'A', 'B', 'D'] as const) expect(nextRiskMonitoring(new Date('2027-01-31T20:00:00Z'), r, policy)).toBeNull();
  });
});
