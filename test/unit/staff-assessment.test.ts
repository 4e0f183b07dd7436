/**
 * §7.2 staff assessment rules (src/staff-assessment/indicators.ts, period.ts) and their policy
 * section (src/policy/policy.ts staffAssessment), on hand-made facts: every indicator at its
 * boundaries, empty periods ("no data" — never a perfect score), the re-weighting over indicators
 * with data, the coverage rule, the grades, count targets over a year, the periods in the bank's time
 * zone, and a policy file that breaks the section refused naming the path.
 */
import { DEFAULT_POLICY, parsePolicy, PolicyError } from '../../src/policy/policy';
import { INDICATOR_IDS } from '../../src/staff-assessment/codes';
import { assessmentResultEmail } from '../../src/staff-assessment/emails';
import { assess, EMPTY_FACTS, gradeOf, indicatorValues, lineFor, scoreOnLine, type AssessmentFacts } from '../../src/staff-assessment/indicators';
import { parsePeriod, periodBefore, periodContaining, periodIdIssue } from '../../src/staff-assessment/period';

const A = DEFAULT_POLICY.staffAssessment;
const NY = 'America/New_York';
const facts = (f: Partial<AssessmentFacts>): AssessmentFacts => ({ ...EMPTY_FACTS, ...f });
const indicator = (f: Partial<AssessmentFacts>, id: string, quarters = 1) => assess(facts(f), A, quarters).indicators.find((i) => i.id === id)!;
const valueAndScore = (f: Partial<AssessmentFacts>, id: string, quarters = 1) => {
  const i = indicator(f, id, quarters);
  return [i.value, i.score];
};

describe('§7.2 an empty period is "no data", never a perfect score', () => {
  test('no cases, surveys, follow-ups, customers, reviews or tasks: every rate and mean is null (no score); the counts are real zeros; overall NO_DATA', () => {
    const r = assess(EMPTY_FACTS, A, 1);
    const byId = Object.fromEntries(r.indicators.map((i) => [i.id, [i.value, i.score]]));
    expect(byId).toEqual({
      surveyScore: [null, null],
      phoneFollowUpScore: [null, null],
      repeatPurchaseRate: [null, null],
      referralRate: [null, null],
      newCustomers: [0, 0],
      productsOpened: [0, 0],
      productVolumeUsd: [null, null],
      reviewsOnTimeRate: [null, null],
      slaMetRate: [null, null],
      investigationsOnTimeRate: [null, null],
      riskEventRate: [null, null],
    });
    expect(r.groups).toEqual([
      { group: 'satisfaction', weight: 0.3, score: null },
      { group: 'loyalty', weight: 0.2, score: null },
      { group: 'growth', weight: 0.25, score: 0 },
      { group: 'riskControl', weight: 0.25, score: null },
    ]);
    expect([r.score, r.grade, r.coverage]).toEqual([null, 'NO_DATA', 0.1667]);
  });

  test('a staff member with one survey of 5 and nothing else: still NO_DATA (coverage 0.37 < 0.5), not 100', () => {
    const r = assess(facts({ surveyScores: [5] }), A, 1);
    expect([r.score, r.grade, r.coverage]).toEqual([null, 'NO_DATA', 0.3667]);
    expect(r.groups.find((g) => g.group === 'satisfaction')!.score).toBe(100);
  });

  test('below the coverage the policy asks for → NO_DATA; at it → a score (here the real zero of no sales)', () => {
    const atCoverage = { ...A, minimumCoverage: A.groups.growth.weight * (2 / 3) };
    expect(assess(EMPTY_FACTS, atCoverage, 1)).toMatchObject({ score: 0, grade: 'NEEDS_IMPROVEMENT' });
    expect(assess(EMPTY_FACTS, { ...atCoverage, minimumCoverage: atCoverage.minimumCoverage + 0.001 }, 1)).toMatchObject({ score: null, grade: 'NO_DATA' });
  });
});

describe('§7.2 satisfaction: surveys and phone follow-ups (mean 1–5, scored 1 → 0 … 4.5 → 100)', () => {
  test.each([
    [[5, 4, 3], 4, 85.7],
    [[4, 5], 4.5, 100],
    [[5], 5, 100], // above the target: clamped at 100
    [[1, 1], 1, 0],
    [[2], 2, 28.6],
  ])('surveys %j → mean %s, score %s', (scores, mean, score) => {
    expect(valueAndScore({ surveyScores: scores }, 'surveyScore')).toEqual([mean, score]);
  });

  test('phone follow-ups: only REACHED calls with a score count; none reached → no data', () => {
    const calls = [
      { outcome: 'REACHED', score: 5 },
      { outcome: 'NO_ANSWER', score: null },
      { outcome: 'REACHED', score: 3 },
    ];
    expect(valueAndScore({ phoneFollowUps: calls }, 'phoneFollowUpScore')).toEqual([4, 85.7]);
    expect(indicator({ phoneFollowUps: calls }, 'phoneFollowUpScore').basis).toBe('2 of 3 phone follow-up(s) reached with a score');
    expect(valueAndScore({ phoneFollowUps: [{ outcome: 'DECLINED', score: null }] }, 'phoneFollowUpScore')).toEqual([null, null]);
  });
});

describe('§7.2 loyalty: repeat purchases and referrals', () => {
  test.each([
    [{ productHolders: 10, repeatBuyers: 3 }, 0.3, 100],
    [{ productHolders: 10, repeatBuyers: 1 }, 0.1, 33.3],
    [{ productHolders: 4, repeatBuyers: 0 }, 0, 0],
    [{ productHolders: 0, repeatBuyers: 0 }, null, null],
  ])('repeat purchase %j → %s, score %s', (f, value, score) => {
    expect(valueAndScore(f, 'repeatPurchaseRate')).toEqual([value, score]);
  });

  test.each([
    [{ portfolio: 20, referrers: 1 }, 0.05, 50],
    [{ portfolio: 10, referrers: 1 }, 0.1, 100],
    [{ portfolio: 3, referrers: 0 }, 0, 0],
    [{ portfolio: 0, referrers: 0 }, null, null],
  ])('referrals %j → %s, score %s', (f, value, score) => {
    expect(valueAndScore(f, 'referralRate')).toEqual([value, score]);
  });
});

describe('§7.2 growth: new customers, products opened, volume', () => {
  test('counts against per-quarter targets (new customers 10, products 15, volume USD 1,000,000)', () => {
    expect(valueAndScore({ newCustomers: 5 }, 'newCustomers')).toEqual([5, 50]);
    expect(valueAndScore({ productsOpened: 15 }, 'productsOpened')).toEqual([15, 100]);
    expect(valueAndScore({ productsOpened: 30 }, 'productsOpened')).toEqual([30, 100]);
    expect(valueAndScore({ productsOpened: 2, productsWithAmount: 2, volumeUsd: 250_000 }, 'productVolumeUsd')).toEqual([250_000, 25]);
  });

  test('volume where products have one: products without an amount → no data, not USD 0', () => {
    expect(valueAndScore({ productsOpened: 3, productsWithAmount: 0 }, 'productVolumeUsd')).toEqual([null, null]);
    expect(indicator({ productsOpened: 3, productsWithAmount: 1, volumeUsd: 10 }, 'productVolumeUsd').basis).toBe('1 of 3 product(s) opened with an amount');
  });

  test('a year: the count targets are four quarters’ (5 new customers → 12.5, not 50); rates and means do not scale', () => {
    expect(valueAndScore({ newCustomers: 5 }, 'newCustomers', 4)).toEqual([5, 12.5]);
    expect(indicator({ newCustomers: 5 }, 'newCustomers', 4)).toMatchObject({ zeroAt: 0, fullAt: 40 });
    expect(lineFor('slaMetRate', A.groups.riskControl.indicators.slaMetRate, 4)).toEqual({ zeroAt: 0.5, fullAt: 1 });
  });
});

describe('§7.2 risk control: reviews and investigations on time, SLA breaches, risk events', () => {
  test.each([
    ['reviewsOnTimeRate', { reviews: { onTime: 3, late: 1 } }, 0.75, 50],
    ['reviewsOnTimeRate', { reviews: { onTime: 1, late: 1 } }, 0.5, 0],
    ['reviewsOnTimeRate', { reviews: { onTime: 0, late: 2 } }, 0, 0],
    ['reviewsOnTimeRate', { reviews: { onTime: 0, late: 0 } }, null, null],
    ['slaMetRate', { slaCases: { met: 9, breached: 1 } }, 0.9, 80],
    ['slaMetRate', { slaCases: { met: 0, breached: 0 } }, null, null],
    ['investigationsOnTimeRate', { investigations: { onTime: 2, late: 0 } }, 1, 100],
    ['investigationsOnTimeRate', { investigations: { onTime: 0, late: 0 } }, null, null],
    // lower is better: 0 events per customer → 100, 0.2 and more → 0
    ['riskEventRate', { portfolio: 20, riskEvents: 0 }, 0, 100],
    ['riskEventRate', { portfolio: 20, riskEvents: 1 }, 0.05, 75],
    ['riskEventRate', { portfolio: 20, riskEvents: 5 }, 0.25, 0],
    ['riskEventRate', { portfolio: 0, riskEvents: 0 }, null, null],
  ])('%s %j → %s, score %s', (id, f, value, score) => {
    expect(valueAndScore(f as Partial<AssessmentFacts>, id)).toEqual([value, score]);
  });

  test('SLA breaches are named in the basis', () => {
    expect(indicator({ slaCases: { met: 3, breached: 2 } }, 'slaMetRate').basis).toBe('3 of 5 case(s) answered by the deadline (2 SLA breach(es))');
  });
});

describe('§7.2 the score: weighted over the indicators with data, then graded', () => {
  test('a mixed quarter: groups, coverage and the overall score as computed by hand', () => {
    const r = assess(
      facts({
        surveyScores: [5, 5],
        productHolders: 10,
        repeatBuyers: 3,
        portfolio: 20,
        referrers: 0,
        newCustomers: 10,
        productsOpened: 15,
        reviews: { onTime: 1, late: 0 },
        riskEvents: 0,
      }),
      A,
      1,
    );
    expect(r.groups.map((g) => [g.group, g.score])).toEqual([
      ['satisfaction', 100],
      ['loyalty', 50],
      ['growth', 100],
      ['riskControl', 100],
    ]);
    // weights: survey .2, referral .1 (score 0), repeat .1, new .0833, products .0833, reviews .0625, risk events .0625
    expect(r.coverage).toBe(0.6917);
    expect(r.score).toBe(85.5); // (0.691667 − 0.1) × 100 / 0.691667
    expect(r.grade).toBe('GOOD');
    expect(r.indicators.map((i) => i.id)).toEqual(INDICATOR_IDS);
    expect(r.indicators.reduce((s, i) => s + i.weight, 0)).toBeCloseTo(1, 5);
  });

  test('the same facts give the same result (a pure function)', () => {
    const f = facts({ surveyScores: [3, 4], portfolio: 5, referrers: 1, newCustomers: 2 });
    expect(assess(f, A, 1)).toEqual(assess(structuredClone(f), A, 1));
  });

  test.each([
    [100, 'EXCELLENT'],
    [90, 'EXCELLENT'],
    [89.9, 'GOOD'],
    [75, 'GOOD'],
    [74.9, 'SATISFACTORY'],
    [60, 'SATISFACTORY'],
    [59.9, 'NEEDS_IMPROVEMENT'],
    [0, 'NEEDS_IMPROVEMENT'],
    [null, 'NO_DATA'],
  ])('score %s → %s', (score, grade) => {
    expect(gradeOf(score, A.grades)).toBe(grade);
  });

  test('the line works in both directions and clamps', () => {
    expect([scoreOnLine(0.75, { zeroAt: 0.5, fullAt: 1 }), scoreOnLine(0.4, { zeroAt: 0.5, fullAt: 1 }), scoreOnLine(2, { zeroAt: 0.5, fullAt: 1 })]).toEqual([50, 0, 100]);
    expect([scoreOnLine(0.1, { zeroAt: 0.2, fullAt: 0 }), scoreOnLine(0, { zeroAt: 0.2, fullAt: 0 }), scoreOnLine(0.3, { zeroAt: 0.2, fullAt: 0 })]).toEqual([50, 100, 0]);
  });

  test('indicatorValues says what each value was computed from', () => {
    expect(indicatorValues(facts({ reviews: { onTime: 2, late: 1 } })).reviewsOnTimeRate).toEqual({ value: 0.6667, basis: '2 of 3 periodic review(s) on time' });
  });
});

describe('§7.2 periods in the bank’s time zone', () => {
  test('a quarter and a year run from local midnight to local midnight (EDT/EST)', () => {
    expect(parsePeriod('2026-Q4', NY)).toMatchObject({ id: '2026-Q4', kind: 'QUARTER', quarters: 1, start: new Date('2026-10-01T04:00:00Z'), end: new Date('2027-01-01T05:00:00Z') });
    expect(parsePeriod('2026-Q1', NY)).toMatchObject({ start: new Date('2026-01-01T05:00:00Z'), end: new Date('2026-04-01T04:00:00Z') });
    expect(parsePeriod('2026', NY)).toMatchObject({ id: '2026', kind: 'YEAR', quarters: 4, start: new Date('2026-01-01T05:00:00Z'), end: new Date('2027-01-01T05:00:00Z') });
  });

  test.each(['2026-Q5', '2026-q4', '26', '2026-Q', 'Q4-2026', '', '1900'])('%j is not a period', (id) => {
    expect(periodIdIssue(id)).toEqual(expect.any(String));
    expect(() => parsePeriod(id, NY)).toThrow(RangeError);
  });

  test('the Schedules’ firing on 1 January 03:00 local assesses the quarter and the year just ended', () => {
    const firing = new Date('2027-01-01T08:00:00Z'); // 03:00 EST
    expect(periodBefore(firing, 'QUARTER', NY).id).toBe('2026-Q4');
    expect(periodBefore(firing, 'YEAR', NY).id).toBe('2026');
    expect(periodBefore(new Date('2027-04-01T07:00:00Z'), 'QUARTER', NY).id).toBe('2027-Q1');
  });

  test('the local date decides: 31 Dec 23:30 in New York is still 2026-Q4 (already 2027 in UTC)', () => {
    expect(periodContaining(new Date('2027-01-01T04:30:00Z'), 'QUARTER', NY).id).toBe('2026-Q4');
    expect(periodContaining(new Date('2027-01-01T05:00:00Z'), 'QUARTER', NY).id).toBe('2027-Q1');
  });
});

describe('§7.2 the policy section is validated', () => {
  const withChange = (change: (a: Record<string, any>) => void) => {
    const p = structuredClone(DEFAULT_POLICY) as Record<string, any>;
    change(p.staffAssessment);
    return p;
  };
  const messageOf = (input: unknown) => {
    try {
      parsePolicy(input);
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyError);
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  test('the defaults parse; a policy file written before §7.2 (no staffAssessment) gets them', () => {
    expect(parsePolicy(DEFAULT_POLICY).staffAssessment.groups.satisfaction.weight).toBe(0.3);
    const { staffAssessment: _omitted, ...older } = structuredClone(DEFAULT_POLICY);
    expect(parsePolicy(older).staffAssessment).toEqual(DEFAULT_POLICY.staffAssessment);
  });

  test.each([
    ['group weights not adding up to 1', (a: any) => (a.groups.loyalty.weight = 0.3), "staffAssessment.groups: the groups' weights must add up to 1"],
    ['zeroAt = fullAt', (a: any) => (a.groups.growth.indicators.newCustomers.fullAt = 0), 'staffAssessment.groups.growth.indicators.newCustomers.fullAt: must differ from zeroAt'],
    ['a weight of 0', (a: any) => (a.groups.loyalty.indicators.referralRate.weight = 0), 'staffAssessment.groups.loyalty.indicators.referralRate.weight: a weight above 0'],
    ['an unknown indicator', (a: any) => (a.groups.loyalty.indicators.churn = { weight: 1, zeroAt: 0, fullAt: 1 }), 'staffAssessment.groups.loyalty.indicators: Unrecognized key'],
    ['a missing indicator', (a: any) => delete a.groups.riskControl.indicators.slaMetRate, 'staffAssessment.groups.riskControl.indicators.slaMetRate'],
    ['grades not descending', (a: any) => (a.grades[1].from = 95), 'staffAssessment.grades.1.from: must be below the grade before it (90)'],
    ['a last grade above 0', (a: any) => (a.grades[3].from = 10), 'staffAssessment.grades.3.from: the last grade must start at 0'],
    ['NO_DATA as a grade', (a: any) => (a.grades[0].grade = 'NO_DATA'), 'staffAssessment.grades.0.grade: NO_DATA is reserved'],
    ['coverage 0', (a: any) => (a.minimumCoverage = 0), 'staffAssessment.minimumCoverage: above 0'],
    ['an unknown role', (a: any) => (a.assessedRoles = ['TELLER']), 'staffAssessment.assessedRoles.0: one of'],
    ['guidance closing before it is due', (a: any) => (a.guidance.closeAfterBusinessDays = 10), 'staffAssessment.guidance.closeAfterBusinessDays: must be after dueBusinessDays'],
    ['a bad run time', (a: any) => (a.runLocalTime = '25:00'), 'staffAssessment.runLocalTime: a local time HH:MM'],
  ])('%s → refused, naming the path', (_what, change, message) => {
    expect(messageOf(withChange(change))).toContain(message);
  });
});

describe('§7.2 the result email', () => {
  test('text and HTML: period in the bank’s dates, score, grade, every indicator with its basis, the guidance; no data said as such', () => {
    const r = assess(facts({ surveyScores: [4], portfolio: 2, referrers: 1, newCustomers: 1, reviews: { onTime: 1, late: 0 } }), A, 1);
    const p = parsePeriod('2026-Q4', NY);
    const email = assessmentResultEmail(
      { name: 'Rita Manager' },
      { period: p.id, periodStart: p.start, periodEnd: p.end, ...r, policyVersion: DEFAULT_POLICY.version, guidanceNotes: 'Call back every low survey within a day.', guidanceByStaffId: 'head-1', computedAt: new Date('2027-01-01T08:00:00Z') },
      NY,
    );
    expect(email.subject).toBe(`Your assessment for 2026-Q4: ${r.grade} (§7.2)`);
    expect(email.text).toContain('Thu 1 Oct 2026 – Thu 31 Dec 2026');
    expect(email.text).toContain('Guidance from head-1:');
    expect(email.text).toContain('Call back every low survey within a day.');
    expect(email.text).toContain('Satisfaction: phone follow-ups (1–5): no data — 0 of 0 phone follow-up(s) reached with a score');
    expect(email.text).toContain('Fri 1 Jan 2027, 03:00 EST');
    expect(email.html).toContain('Call back every low survey within a day.');
  });
});
