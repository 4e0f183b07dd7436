/**
 * src/domain/classification.ts and src/domain/naics.ts: §2.1 age groups and asset tiers, §2.2
 * enterprise size and NAICS industry sector, the segment each customer carries, and the reason
 * recorded when it changes. Every boundary is tested on both sides; a custom policy proves the
 * thresholds come from the configuration; the modules stay importable by workflows.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ageGroup,
  ageInYears,
  assetTier,
  classifyEnterprise,
  classifyIndividual,
  enterpriseSize,
  industrySector,
  segmentChange,
  type AgeGroup,
  type AssetTier,
  type Classification,
  type EnterpriseProfile,
  type EnterpriseSize,
} from '../../src/domain/classification';
import { NAICS_2022_SECTORS } from '../../src/domain/naics';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../src/policy/policy';

/** A deep copy of the defaults with one change applied, validated like a policy file. */
function policyWith(change: (p: Policy) => void): Policy {
  const copy = structuredClone(DEFAULT_POLICY);
  change(copy);
  return parsePolicy(copy);
}

/** Midday UTC of a calendar date (the tests that probe the time of day say so explicitly). */
const day = (isoDate: string): Date => new Date(`${isoDate}T12:00:00Z`);

describe('§2.1 ageInYears: whole years on the UTC calendar day of asOf', () => {
  // Born 2000-06-15: turns N on (2000+N)-06-15.
  it.each<[age: number, before: string, on: string, after: string]>([
    [17, '2017-06-14', '2017-06-15', '2017-06-16'],
    [18, '2018-06-14', '2018-06-15', '2018-06-16'],
    [35, '2035-06-14', '2035-06-15', '2035-06-16'],
    [36, '2036-06-14', '2036-06-15', '2036-06-16'],
    [60, '2060-06-14', '2060-06-15', '2060-06-16'],
    [61, '2061-06-14', '2061-06-15', '2061-06-16'],
  ])('turning %d: %s → age-1, %s (birthday) → age, %s → age', (age, before, on, after) => {
    expect(ageInYears('2000-06-15', day(before))).toBe(age - 1);
    expect(ageInYears('2000-06-15', day(on))).toBe(age);
    expect(ageInYears('2000-06-15', day(after))).toBe(age);
  });

  it.each<[asOf: string, age: number]>([
    ['2018-06-14T23:59:59.999Z', 17],
    ['2018-06-15T00:00:00.000Z', 18],
    ['2018-06-15T23:59:59.999Z', 18],
    // The same instants written with offsets: only the UTC calendar day counts.
    ['2018-06-15T01:30:00+02:00', 17], // 2018-06-14T23:30Z
    ['2018-06-14T20:00:00-05:00', 18], // 2018-06-15T01:00Z
  ])('birthday boundary at UTC midnight: born 2000-06-15, at %s → %d', (asOf, age) => {
    expect(ageInYears('2000-06-15', new Date(asOf))).toBe(age);
  });

  it('ignores the server time zone (a process running under TZ west and east of UTC)', () => {
    // Jest's sandbox does not pass TZ changes to the clock, so a child Node process changes its own.
    const script = `
      const { ageInYears } = require(${JSON.stringify(path.join(__dirname, '../../src/domain/classification.ts'))});
      const out = {};
      for (const tz of ['America/Los_Angeles', 'Pacific/Kiritimati']) {
        process.env.TZ = tz;
        const late = new Date('2018-06-14T23:30:00Z'), early = new Date('2018-06-15T00:30:00Z');
        out[tz] = { localDays: [late.getDate(), early.getDate()], ages: [ageInYears('2000-06-15', late), ageInYears('2000-06-15', early)] };
      }
      process.stdout.write(JSON.stringify(out));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      // Local calendar days differ from UTC's (14 and 15), so a local-time implementation would fail.
      'America/Los_Angeles': { localDays: [14, 14], ages: [17, 18] },
      'Pacific/Kiritimati': { localDays: [15, 15], ages: [17, 18] },
    });
  });

  it.each<[asOf: string, age: number, why: string]>([
    ['2018-02-28', 17, 'non-leap year: still 17 on 28 Feb'],
    ['2018-03-01', 18, 'non-leap year: 18 on 1 Mar'],
    ['2019-02-28', 18, 'non-leap year: still 18 on 28 Feb'],
    ['2019-03-01', 19, 'non-leap year: 19 on 1 Mar'],
    ['2020-02-28', 19, 'leap year: still 19 on 28 Feb'],
    ['2020-02-29', 20, 'leap year: 20 on 29 Feb itself'],
    ['2020-03-01', 20, 'leap year: still 20 on 1 Mar'],
    ['2100-02-28', 99, '2100 is not a leap year (century rule): still 99 on 28 Feb'],
    ['2100-03-01', 100, '2100 is not a leap year: 100 on 1 Mar'],
  ])('born 29 Feb 2000, on %s → %d (%s)', (asOf, age) => {
    expect(ageInYears('2000-02-29', day(asOf))).toBe(age);
  });

  it.each<[dob: string, asOf: string, age: number]>([
    ['2000-02-28', '2018-02-28', 18],
    ['2000-02-28', '2018-02-27', 17],
    ['2000-03-01', '2020-02-29', 19],
    ['2000-03-01', '2020-03-01', 20],
    ['1999-12-31', '2000-01-01', 0],
    ['2026-11-15', '2026-11-15', 0],
    ['1926-01-01', '2026-12-31', 100],
  ])('born %s, on %s → %d', (dob, asOf, age) => {
    expect(ageInYears(dob, day(asOf))).toBe(age);
  });

  it.each([
    ['2023-02-29', 'no 29 Feb in 2023'],
    ['1900-02-29', '1900 is not a leap year'],
    ['2000-04-31', 'April has 30 days'],
    ['2000-13-01', 'month 13'],
    ['2000-00-10', 'month 0'],
    ['2000-01-00', 'day 0'],
    ['2000-1-01', 'one-digit month'],
    ['01/02/2000', 'not ISO'],
    ['2000-01-01T00:00:00Z', 'a timestamp, not a date'],
    ['', 'empty'],
  ])('rejects date of birth %j (%s) with a RangeError naming it', (dob) => {
    expect(() => ageInYears(dob, day('2026-01-01'))).toThrow(RangeError);
    expect(() => ageInYears(dob, day('2026-01-01'))).toThrow(`date of birth ${JSON.stringify(dob)} is not a calendar date YYYY-MM-DD`);
  });

  it('rejects a birth after the as-of date, naming both', () => {
    expect(() => ageInYears('2026-11-16', day('2026-11-15'))).toThrow(
      new RangeError('date of birth 2026-11-16 is after the as-of date 2026-11-15'),
    );
  });

  it('rejects an invalid as-of Date', () => {
    expect(() => ageInYears('2000-01-01', new Date('not a date'))).toThrow(RangeError);
  });
});

describe('§2.1 ageGroup: MINOR < 18 ≤ YOUNG ≤ 35 < MIDDLE_AGED ≤ 60 < SENIOR', () => {
  // Born 2000-06-15; the day before, on and after each boundary birthday.
  it.each<[asOf: string, age: number, group: AgeGroup]>([
    ['2017-06-14', 16, 'MINOR'],
    ['2017-06-15', 17, 'MINOR'],
    ['2017-06-16', 17, 'MINOR'],
    ['2018-06-14', 17, 'MINOR'],
    ['2018-06-15', 18, 'YOUNG'],
    ['2018-06-16', 18, 'YOUNG'],
    ['2035-06-14', 34, 'YOUNG'],
    ['2035-06-15', 35, 'YOUNG'],
    ['2035-06-16', 35, 'YOUNG'],
    ['2036-06-14', 35, 'YOUNG'],
    ['2036-06-15', 36, 'MIDDLE_AGED'],
    ['2036-06-16', 36, 'MIDDLE_AGED'],
    ['2060-06-14', 59, 'MIDDLE_AGED'],
    ['2060-06-15', 60, 'MIDDLE_AGED'],
    ['2060-06-16', 60, 'MIDDLE_AGED'],
    ['2061-06-14', 60, 'MIDDLE_AGED'],
    ['2061-06-15', 61, 'SENIOR'],
    ['2061-06-16', 61, 'SENIOR'],
  ])('born 2000-06-15, on %s (age %d) → %s', (asOf, age, group) => {
    expect(ageInYears('2000-06-15', day(asOf))).toBe(age);
    expect(ageGroup('2000-06-15', day(asOf), DEFAULT_POLICY)).toBe(group);
  });

  it.each<[asOf: string, group: AgeGroup]>([
    ['2022-02-28', 'MINOR'], // non-leap: still 17
    ['2022-03-01', 'YOUNG'], // non-leap: 18 on 1 Mar
    ['2040-02-28', 'YOUNG'], // leap year: still 35
    ['2040-02-29', 'MIDDLE_AGED'], // leap year: 36 on the day
    ['2065-02-28', 'MIDDLE_AGED'], // non-leap: still 60
    ['2065-03-01', 'SENIOR'], // non-leap: 61 on 1 Mar
  ])('born 29 Feb 2004, on %s → %s', (asOf, group) => {
    expect(ageGroup('2004-02-29', day(asOf), DEFAULT_POLICY)).toBe(group);
  });

  it('follows a custom policy: minimum age 21, young up to 30, middle-aged up to 65', () => {
    const custom = policyWith((p) => {
      p.individual.minimumAgeYears = 21;
      p.individual.ageGroups = { youngMaxAge: 30, middleAgedMaxAge: 65 };
    });
    const at = (age: number) => ageGroup('2000-06-15', day(`${2000 + age}-06-15`), custom);
    expect([20, 21, 30, 31, 61, 65, 66].map(at)).toEqual(['MINOR', 'YOUNG', 'YOUNG', 'MIDDLE_AGED', 'MIDDLE_AGED', 'MIDDLE_AGED', 'SENIOR']);
    // The same ages under the defaults: 20, 31, 61 and 65 fall elsewhere.
    const atDefault = (age: number) => ageGroup('2000-06-15', day(`${2000 + age}-06-15`), DEFAULT_POLICY);
    expect([20, 21, 30, 31, 61, 65, 66].map(atDefault)).toEqual(['YOUNG', 'YOUNG', 'YOUNG', 'YOUNG', 'SENIOR', 'SENIOR', 'SENIOR']);
  });
});

describe('§2.1 assetTier: VIP from USD 100,000, HIGH_NET_WORTH from USD 1,000,000 (inclusive)', () => {
  it.each<[assets: number, tier: AssetTier]>([
    [0, 'REGULAR'],
    [99_999.99, 'REGULAR'],
    [100_000, 'VIP'],
    [100_000.01, 'VIP'],
    [999_999.99, 'VIP'],
    [1_000_000, 'HIGH_NET_WORTH'],
    [250_000_000, 'HIGH_NET_WORTH'],
  ])('%d USD → %s', (assets, tier) => {
    expect(assetTier(assets, DEFAULT_POLICY)).toBe(tier);
  });

  it.each([[-0.01], [-100_000], [Number.NaN], [Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY]])(
    'rejects %d with a RangeError naming the value',
    (assets) => {
      expect(() => assetTier(assets, DEFAULT_POLICY)).toThrow(RangeError);
      expect(() => assetTier(assets, DEFAULT_POLICY)).toThrow(`total assets must be a finite non-negative number of USD, got ${String(assets)}`);
    },
  );

  it.each<[assets: number, custom: AssetTier, byDefault: AssetTier]>([
    [49_999.99, 'REGULAR', 'REGULAR'],
    [50_000, 'VIP', 'REGULAR'],
    [499_999.99, 'VIP', 'VIP'],
    [500_000, 'HIGH_NET_WORTH', 'VIP'],
  ])('custom policy (VIP from 50,000, HIGH_NET_WORTH from 500,000): %d USD → %s (defaults: %s)', (assets, custom, byDefault) => {
    const policy = policyWith((p) => {
      p.individual.assetTiers = { vipFromUsd: 50_000, highNetWorthFromUsd: 500_000 };
    });
    expect(assetTier(assets, policy)).toBe(custom);
    expect(assetTier(assets, DEFAULT_POLICY)).toBe(byDefault);
  });
});

describe('§2.2 enterpriseSize: LARGE if any large bound is reached, SMALL if employees < 100 and revenue < 10M, else MEDIUM', () => {
  // A company clearly MEDIUM on every criterion; each row changes one or two values.
  const medium = { employees: 500, annualRevenueUsd: 100_000_000, totalAssetsUsd: 100_000_000 };

  it.each<[name: string, change: Partial<typeof medium>, size: EnterpriseSize, reason: string]>([
    ['999 employees', { employees: 999 }, 'MEDIUM', 'below every LARGE bound and not SMALL: employees 999 ≥ 100; annual revenue 100000000 ≥ 10000000'],
    ['1,000 employees alone', { employees: 1_000 }, 'LARGE', 'employees 1000 ≥ 1000'],
    ['revenue 499,999,999', { annualRevenueUsd: 499_999_999 }, 'MEDIUM', 'below every LARGE bound and not SMALL: employees 500 ≥ 100; annual revenue 499999999 ≥ 10000000'],
    ['revenue 500,000,000 alone', { annualRevenueUsd: 500_000_000 }, 'LARGE', 'annual revenue 500000000 ≥ 500000000'],
    ['assets 499,999,999', { totalAssetsUsd: 499_999_999 }, 'MEDIUM', 'below every LARGE bound and not SMALL: employees 500 ≥ 100; annual revenue 100000000 ≥ 10000000'],
    ['assets 500,000,000 alone', { totalAssetsUsd: 500_000_000 }, 'LARGE', 'total assets 500000000 ≥ 500000000'],
    ['every LARGE criterion at once', { employees: 5_000, annualRevenueUsd: 2e9, totalAssetsUsd: 3e9 }, 'LARGE', 'employees 5000 ≥ 1000; annual revenue 2000000000 ≥ 500000000; total assets 3000000000 ≥ 500000000'],
    ['99 employees and revenue 9,999,999', { employees: 99, annualRevenueUsd: 9_999_999 }, 'SMALL', 'employees 99 < 100 and annual revenue 9999999 < 10000000'],
    ['100 employees and revenue 9,999,999', { employees: 100, annualRevenueUsd: 9_999_999 }, 'MEDIUM', 'below every LARGE bound and not SMALL: employees 100 ≥ 100'],
    ['99 employees and revenue 10,000,000', { employees: 99, annualRevenueUsd: 10_000_000 }, 'MEDIUM', 'below every LARGE bound and not SMALL: annual revenue 10000000 ≥ 10000000'],
    ['0 employees, no revenue, no assets', { employees: 0, annualRevenueUsd: 0, totalAssetsUsd: 0 }, 'SMALL', 'employees 0 < 100 and annual revenue 0 < 10000000'],
    ['SMALL by staff and revenue but assets 499,999,999 (assets do not make SMALL)', { employees: 10, annualRevenueUsd: 1_000_000, totalAssetsUsd: 499_999_999 }, 'SMALL', 'employees 10 < 100 and annual revenue 1000000 < 10000000'],
    ['SMALL by staff and revenue but assets 500,000,000 (LARGE wins)', { employees: 10, annualRevenueUsd: 1_000_000, totalAssetsUsd: 500_000_000 }, 'LARGE', 'total assets 500000000 ≥ 500000000'],
  ])('%s → %s', (_name, change, size, reason) => {
    expect(enterpriseSize({ ...medium, ...change }, DEFAULT_POLICY)).toEqual({ size, reason });
  });

  it.each<[name: string, change: Partial<typeof medium>, message: string]>([
    ['negative employees', { employees: -1 }, 'employees must be a non-negative whole number, got -1'],
    ['fractional employees', { employees: 10.5 }, 'employees must be a non-negative whole number, got 10.5'],
    ['NaN employees', { employees: Number.NaN }, 'employees must be a non-negative whole number, got NaN'],
    ['negative revenue', { annualRevenueUsd: -5 }, 'annual revenue must be a finite non-negative number of USD, got -5'],
    ['NaN revenue', { annualRevenueUsd: Number.NaN }, 'annual revenue must be a finite non-negative number of USD, got NaN'],
    ['negative assets', { totalAssetsUsd: -0.5 }, 'total assets must be a finite non-negative number of USD, got -0.5'],
    ['infinite assets', { totalAssetsUsd: Number.POSITIVE_INFINITY }, 'total assets must be a finite non-negative number of USD, got Infinity'],
  ])('rejects %s with a RangeError naming the value', (_name, change, message) => {
    expect(() => enterpriseSize({ ...medium, ...change }, DEFAULT_POLICY)).toThrow(new RangeError(message));
  });

  it('follows a custom policy: LARGE from 500 employees, SMALL below 200 employees and USD 20M revenue', () => {
    const custom = policyWith((p) => {
      p.enterprise.large.employeesFrom = 500;
      p.enterprise.small = { employeesBelow: 200, revenueBelowUsd: 20_000_000 };
    });
    expect(enterpriseSize({ ...medium, employees: 500 }, custom)).toEqual({ size: 'LARGE', reason: 'employees 500 ≥ 500' });
    expect(enterpriseSize({ ...medium, employees: 500 }, DEFAULT_POLICY).size).toBe('MEDIUM');
    const firm = { employees: 150, annualRevenueUsd: 15_000_000, totalAssetsUsd: 0 };
    expect(enterpriseSize(firm, custom).size).toBe('SMALL');
    expect(enterpriseSize(firm, DEFAULT_POLICY).size).toBe('MEDIUM');
  });
});

describe('§2.2 industrySector: 2022 NAICS sector of a 2- to 6-digit code', () => {
  it.each<[naics: string, code: string, name: string]>([
    ['311', '31-33', 'Manufacturing'],
    ['5415', '54', 'Professional, Scientific, and Technical Services'],
    ['522', '52', 'Finance and Insurance'],
    ['522320', '52', 'Finance and Insurance'], // fintech: payment processing
    ['541511', '54', 'Professional, Scientific, and Technical Services'], // fintech: custom software
    ['11', '11', 'Agriculture, Forestry, Fishing and Hunting'],
    ['211120', '21', 'Mining, Quarrying, and Oil and Gas Extraction'],
    ['2211', '22', 'Utilities'],
    ['236', '23', 'Construction'],
    ['31', '31-33', 'Manufacturing'],
    ['32', '31-33', 'Manufacturing'],
    ['336111', '31-33', 'Manufacturing'],
    ['42', '42', 'Wholesale Trade'],
    ['445110', '44-45', 'Retail Trade'],
    ['45', '44-45', 'Retail Trade'],
    ['481', '48-49', 'Transportation and Warehousing'],
    ['49', '48-49', 'Transportation and Warehousing'],
    ['51', '51', 'Information'],
    ['53', '53', 'Real Estate and Rental and Leasing'],
    ['551114', '55', 'Management of Companies and Enterprises'],
    ['56', '56', 'Administrative and Support and Waste Management and Remediation Services'],
    ['611', '61', 'Educational Services'],
    ['62', '62', 'Health Care and Social Assistance'],
    ['71', '71', 'Arts, Entertainment, and Recreation'],
    ['722511', '72', 'Accommodation and Food Services'],
    ['81', '81', 'Other Services (except Public Administration)'],
    ['921110', '92', 'Public Administration'],
  ])('%s → %s %s', (naics, code, name) => {
    expect(industrySector(naics)).toEqual({ code, name });
  });

  it.each(['99', '00', '10', '34', '43', '46', '50', '999999'])('rejects %s: no such sector', (naics) => {
    expect(() => industrySector(naics)).toThrow(RangeError);
    expect(() => industrySector(naics)).toThrow(`NAICS code ${naics} is in no 2022 NAICS sector (no sector ${naics.slice(0, 2)})`);
  });

  it.each(['3', '1234567', '31a', ' 311', '311 ', '', '31-33', '5,415'])('rejects malformed %j', (naics) => {
    expect(() => industrySector(naics)).toThrow(new RangeError(`NAICS code ${JSON.stringify(naics)} is not 2 to 6 digits`));
  });

  it('knows exactly the 20 sectors of NAICS 2022, each two-digit code in one sector only', () => {
    expect(NAICS_2022_SECTORS.map((s) => s.code)).toEqual([
      '11', '21', '22', '23', '31-33', '42', '44-45', '48-49', '51', '52',
      '53', '54', '55', '56', '61', '62', '71', '72', '81', '92',
    ]);
    const prefixes = NAICS_2022_SECTORS.flatMap((s) => s.prefixes);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    expect(prefixes).toHaveLength(24);
  });

  it('returns a copy: changing a result does not change the table', () => {
    const sector = industrySector('311') as { name: string };
    sector.name = 'Changed';
    expect(industrySector('311').name).toBe('Manufacturing');
  });
});

describe('classifyIndividual (§2.1): segment = asset tier', () => {
  const asOf = day('2026-11-15');

  it('classifies a 40-year-old with USD 120,000', () => {
    expect(classifyIndividual({ dateOfBirth: '1986-05-01', totalAssetsUsd: 120_000 }, asOf, DEFAULT_POLICY)).toEqual({
      customerType: 'INDIVIDUAL',
      segment: 'VIP',
      segmentReason: 'total assets 120000 ≥ VIP threshold 100000 and < HIGH_NET_WORTH threshold 1000000',
      ageGroup: 'MIDDLE_AGED',
      assetTier: 'VIP',
      reasons: [
        'total assets 120000 ≥ VIP threshold 100000 and < HIGH_NET_WORTH threshold 1000000',
        'age 40 in 36–60: MIDDLE_AGED',
      ],
      policyVersion: DEFAULT_POLICY.version,
    });
  });

  it.each<[dob: string, assets: number, segment: AssetTier, group: AgeGroup, reasons: string[]]>([
    ['2008-11-16', 5_000, 'REGULAR', 'MINOR', ['total assets 5000 < VIP threshold 100000', 'age 17 < minimum age 18: MINOR, not onboarded as a primary customer']],
    ['2008-11-15', 5_000, 'REGULAR', 'YOUNG', ['total assets 5000 < VIP threshold 100000', 'age 18 in 18–35: YOUNG']],
    ['1960-01-01', 1_000_000, 'HIGH_NET_WORTH', 'SENIOR', ['total assets 1000000 ≥ HIGH_NET_WORTH threshold 1000000', 'age 66 > 60: SENIOR']],
  ])('born %s with %d USD → %s, %s', (dateOfBirth, totalAssetsUsd, segment, group, reasons) => {
    const c = classifyIndividual({ dateOfBirth, totalAssetsUsd }, asOf, DEFAULT_POLICY);
    expect(c).toMatchObject({ segment, assetTier: segment, ageGroup: group, reasons });
  });

  it('records the version of the policy it applied and that policy’s thresholds', () => {
    const custom = policyWith((p) => {
      p.version = '2027.01-2';
      p.individual.assetTiers.vipFromUsd = 50_000;
    });
    const profile = { dateOfBirth: '1990-01-01', totalAssetsUsd: 60_000 };
    expect(classifyIndividual(profile, asOf, custom)).toMatchObject({
      segment: 'VIP',
      segmentReason: 'total assets 60000 ≥ VIP threshold 50000 and < HIGH_NET_WORTH threshold 1000000',
      policyVersion: '2027.01-2',
    });
    expect(classifyIndividual(profile, asOf, DEFAULT_POLICY)).toMatchObject({ segment: 'REGULAR', policyVersion: DEFAULT_POLICY.version });
  });

  it('never puts the date of birth into the reasons', () => {
    const c = classifyIndividual({ dateOfBirth: '1986-05-01', totalAssetsUsd: 1 }, asOf, DEFAULT_POLICY);
    expect(JSON.stringify(c)).not.toContain('1986');
  });

  it('rejects bad input with the RangeError of the rule', () => {
    expect(() => classifyIndividual({ dateOfBirth: '1986-02-30', totalAssetsUsd: 1 }, asOf, DEFAULT_POLICY)).toThrow(RangeError);
    expect(() => classifyIndividual({ dateOfBirth: '1986-02-03', totalAssetsUsd: -1 }, asOf, DEFAULT_POLICY)).toThrow(
      'total assets must be a finite non-negative number of USD, got -1',
    );
  });
});

describe('classifyEnterprise (§2.2): segment = size', () => {
  it('classifies a 250-person software firm', () => {
    const profile: EnterpriseProfile = { employees: 250, annualRevenueUsd: 40_000_000, totalAssetsUsd: 30_000_000, naicsCode: '541511' };
    expect(classifyEnterprise(profile, DEFAULT_POLICY)).toEqual({
      customerType: 'ENTERPRISE',
      segment: 'MEDIUM',
      segmentReason: 'below every LARGE bound and not SMALL: employees 250 ≥ 100; annual revenue 40000000 ≥ 10000000',
      size: 'MEDIUM',
      industry: { code: '54', name: 'Professional, Scientific, and Technical Services' },
      reasons: [
        'below every LARGE bound and not SMALL: employees 250 ≥ 100; annual revenue 40000000 ≥ 10000000',
        'NAICS 541511 → sector 54 Professional, Scientific, and Technical Services',
      ],
      policyVersion: DEFAULT_POLICY.version,
    });
  });

  it.each<[EnterpriseProfile, EnterpriseSize, string]>([
    [{ employees: 1_200, annualRevenueUsd: 0, totalAssetsUsd: 0, naicsCode: '311' }, 'LARGE', '31-33'],
    [{ employees: 12, annualRevenueUsd: 900_000, totalAssetsUsd: 0, naicsCode: '522' }, 'SMALL', '52'],
  ])('%j → %s in sector %s', (profile, size, sector) => {
    const c = classifyEnterprise(profile, DEFAULT_POLICY);
    expect([c.segment, c.size, c.industry.code]).toEqual([size, size, sector]);
  });

  it('rejects an unknown NAICS sector', () => {
    expect(() => classifyEnterprise({ employees: 1, annualRevenueUsd: 1, totalAssetsUsd: 1, naicsCode: '99' }, DEFAULT_POLICY)).toThrow(
      'NAICS code 99 is in no 2022 NAICS sector',
    );
  });
});

describe('segmentChange: what is recorded when a customer changes segment', () => {
  const asOf = day('2026-11-15');
  const individual = (totalAssetsUsd: number, policy: Policy = DEFAULT_POLICY) =>
    classifyIndividual({ dateOfBirth: '1980-03-03', totalAssetsUsd }, asOf, policy);
  const enterprise = (employees: number) =>
    classifyEnterprise({ employees, annualRevenueUsd: 50_000_000, totalAssetsUsd: 10_000_000, naicsCode: '423' }, DEFAULT_POLICY);

  it('is undefined when the segment is unchanged, even if the assets or age group changed', () => {
    expect(segmentChange(individual(100_000), individual(999_999.99))).toBeUndefined();
    const older = classifyIndividual({ dateOfBirth: '1980-03-03', totalAssetsUsd: 100_000 }, day('2041-03-03'), DEFAULT_POLICY);
    expect(older.ageGroup).toBe('SENIOR');
    expect(segmentChange(individual(100_000), older)).toBeUndefined();
    expect(segmentChange(enterprise(200), enterprise(999))).toBeUndefined();
  });

  it.each<[from: number, to: number, change: { from: AssetTier; to: AssetTier; reason: string }]>([
    [99_999.99, 120_000, { from: 'REGULAR', to: 'VIP', reason: 'total assets 120000 ≥ VIP threshold 100000 and < HIGH_NET_WORTH threshold 1000000' }],
    [120_000, 1_000_000, { from: 'VIP', to: 'HIGH_NET_WORTH', reason: 'total assets 1000000 ≥ HIGH_NET_WORTH threshold 1000000' }],
    [120_000, 99_999.99, { from: 'VIP', to: 'REGULAR', reason: 'total assets 99999.99 < VIP threshold 100000' }],
    [1_000_000, 5_000, { from: 'HIGH_NET_WORTH', to: 'REGULAR', reason: 'total assets 5000 < VIP threshold 100000' }],
  ])('assets %d → %d: %j', (before, after, change) => {
    expect(segmentChange(individual(before), individual(after))).toEqual(change);
  });

  it('MEDIUM → LARGE names the size criterion', () => {
    expect(segmentChange(enterprise(999), enterprise(1_000))).toEqual({ from: 'MEDIUM', to: 'LARGE', reason: 'employees 1000 ≥ 1000' });
  });

  it('a first classification is a change from null', () => {
    expect(segmentChange(undefined, individual(5_000))).toEqual({ from: null, to: 'REGULAR', reason: 'total assets 5000 < VIP threshold 100000' });
  });

  it('names the policy versions when a new policy moved the customer', () => {
    const newPolicy = policyWith((p) => {
      p.version = '2027.01-1';
      p.individual.assetTiers.vipFromUsd = 50_000;
    });
    const before: Classification = individual(60_000);
    const after: Classification = individual(60_000, newPolicy);
    expect(segmentChange(before, after)).toEqual({
      from: 'REGULAR',
      to: 'VIP',
      reason: `total assets 60000 ≥ VIP threshold 50000 and < HIGH_NET_WORTH threshold 1000000 (policy ${DEFAULT_POLICY.version} → 2027.01-1)`,
    });
  });
});

describe('the domain modules stay importable by workflows', () => {
  const domain = path.join(__dirname, '../../src/domain');
  it.each(['classification.ts', 'naics.ts', 'service-tiers.ts'])(
    'src/domain/%s imports only zod, other domain modules and policy types (no Node built-ins, no policy.ts at run time)',
    (file) => {
      const source = readFileSync(path.join(domain, file), 'utf8');
      const imports = [...source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)';/gms)].map(([, type, from = '']) => ({ type: !!type, from }));
      const lines = source.split('\n').filter((l) => /^\s*import\b|\brequire\(/.test(l));
      expect(lines).toHaveLength(imports.length); // every import was understood by the pattern
      for (const { type, from } of imports) {
        const ok = from === 'zod' || (from.startsWith('./') && !from.includes('/', 2)) || (type && from === '../policy/policy');
        expect({ from, type, ok }).toEqual({ from, type, ok: true });
      }
    },
  );
});
