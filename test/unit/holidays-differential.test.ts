/**
 * Differential test of the §5.2 calendar ("business days skip weekends and US federal holidays"):
 * src/domain/business-calendar.ts's federal holidays, every year 1990–2100, against the date-holidays
 * library (a dev dependency; country US, type `public`), both by each holiday's own date and by the
 * day off it gives (the observed date).
 *
 * Every difference must be listed in DELIBERATE_DIFFERENCES below with its reason: the test fails on
 * any difference not listed, and on a listed one that no longer occurs (so the table stays true).
 * Cases where the two could plausibly differ but do not are pinned in AGREEMENTS.
 */
import Holidays from 'date-holidays';
import { federalHolidaysObservedIn, usFederalHolidays, type FederalHolidayName } from '../../src/domain/business-calendar';

const FIRST_YEAR = 1990;
const LAST_YEAR = 2100;
const YEARS = Array.from({ length: LAST_YEAR - FIRST_YEAR + 1 }, (_, i) => FIRST_YEAR + i);

/** date-holidays' names → ours (5 U.S.C. 6103(a)). A name not in this map fails the test. */
const NAMES: Record<string, FederalHolidayName> = {
  "New Year's Day": "New Year's Day",
  'Martin Luther King Jr. Day': 'Birthday of Martin Luther King, Jr.',
  "Washington's Birthday": "Washington's Birthday",
  'Memorial Day': 'Memorial Day',
  Juneteenth: 'Juneteenth National Independence Day',
  'Independence Day': 'Independence Day',
  'Labor Day': 'Labor Day',
  'Columbus Day': 'Columbus Day',
  'Veterans Day': 'Veterans Day',
  'Thanksgiving Day': 'Thanksgiving Day',
  'Christmas Day': 'Christmas Day',
};
const SUBSTITUTE = ' (substitute day)';

const publicHolidays = new Holidays('US', { types: ['public'] });

interface Theirs {
  date: string;
  name: FederalHolidayName;
  substitute: boolean;
}

function theirs(year: number): Theirs[] {
  return publicHolidays.getHolidays(year).map((h) => {
    const bare = h.name.endsWith(SUBSTITUTE) ? h.name.slice(0, -SUBSTITUTE.length) : h.name;
    const name = NAMES[bare];
    if (!name) throw new Error(`date-holidays names a public holiday we do not map: ${JSON.stringify(h.name)} (${h.date}); add it to NAMES or to DELIBERATE_DIFFERENCES`);
    return { date: h.date.slice(0, 10), name, substitute: Boolean(h.substitute) };
  });
}

const weekday = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();
const isWeekend = (date: string): boolean => weekday(date) === 0 || weekday(date) === 6;

/** One difference: which comparison, the date, our name, and which side has it. */
type Difference = `${'own date' | 'day off'} ${string} ${FederalHolidayName}: only in ${'ours' | 'date-holidays'}`;

function differences(year: number): Difference[] {
  const t = theirs(year);
  const diff = (kind: 'own date' | 'day off', ours: string[], lib: string[]): Difference[] => [
    ...ours.filter((x) => !lib.includes(x)).map((x) => `${kind} ${x}: only in ours` as Difference),
    ...lib.filter((x) => !ours.includes(x)).map((x) => `${kind} ${x}: only in date-holidays` as Difference),
  ];
  return [
    // Each holiday on its own date (a Saturday or Sunday one included).
    ...diff(
      'own date',
      usFederalHolidays(year).map((h) => `${h.date} ${h.name}`),
      t.filter((h) => !h.substitute).map((h) => `${h.date} ${h.name}`),
    ),
    // The days off in the year: ours observed dates; theirs the public holidays that fall on a weekday
    // (a substitute always does; a holiday on a weekend is not itself a day off).
    ...diff(
      'day off',
      federalHolidaysObservedIn(year).map((h) => `${h.observed} ${h.name}`),
      t.filter((h) => !isWeekend(h.date)).map((h) => `${h.date} ${h.name}`),
    ),
  ].sort();
}

/** The year's date of a fixed-date holiday, YYYY-MM-DD. */
const dateIn = (year: number, mmdd: string): string => `${year}-${mmdd}`;
/** The Friday before / Monday after a weekend date. */
function observedOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + (weekday(date) === 6 ? -1 : weekday(date) === 0 ? 1 : 0));
  return d.toISOString().slice(0, 10);
}

/**
 * Every deliberate difference: what it is, why, and exactly which differences it accounts for in a
 * year (so a listed difference that stops occurring, or occurs in another year, fails too).
 */
const DELIBERATE_DIFFERENCES: Array<{ difference: string; reason: string; expected: (year: number) => Difference[] }> = [
  {
    difference: 'Veterans Day on a Saturday or Sunday: we give the Friday before / Monday after off; date-holidays has no public day off',
    reason:
      'date-holidays types the Veterans Day substitute as a "bank" holiday, not "public" (for every other holiday its ' +
      'substitute is public). For federal staff OPM gives the day off all the same: a Saturday holiday is observed the ' +
      'Friday before (5 U.S.C. 6103(b)), a Sunday one the Monday after (Executive Order 11582), e.g. Fri 10 Nov 2023, ' +
      'Mon 12 Nov 2018. §5.2 asks for federal holidays, so ours follows OPM.',
    expected: (year) => {
      const own = dateIn(year, '11-11');
      return isWeekend(own) ? [`day off ${observedOf(own)} Veterans Day: only in ours` as Difference] : [];
    },
  },
];

/** Where the two could differ and do not (each pinned by a test below). */
const AGREEMENTS: Array<[what: string, check: () => void]> = [
  [
    'Inauguration Day (20 January after a presidential election) is in neither: a federal holiday only in the Washington DC area (5 U.S.C. 6103(c))',
    () => {
      for (const year of [2021, 2025, 2029]) {
        expect(usFederalHolidays(year).some((h) => h.date === `${year}-01-20` && h.name !== 'Birthday of Martin Luther King, Jr.')).toBe(false);
        expect(new Holidays('US').getHolidays(year).some((h) => /inaugurat/i.test(h.name))).toBe(false);
      }
    },
  ],
  [
    'Juneteenth only from 2021 (Pub. L. 117-17, first observed Fri 18 June 2021) in both',
    () => {
      for (const year of [2019, 2020]) {
        expect(usFederalHolidays(year).some((h) => h.name === 'Juneteenth National Independence Day')).toBe(false);
        expect(theirs(year).some((h) => h.name === 'Juneteenth National Independence Day')).toBe(false);
      }
      expect(federalHolidaysObservedIn(2021).find((h) => h.name === 'Juneteenth National Independence Day')?.observed).toBe('2021-06-18');
      expect(theirs(2021).some((h) => h.date === '2021-06-18' && h.substitute)).toBe(true);
    },
  ],
  [
    'New Year’s Day on a Saturday is observed on Friday 31 December of the year before in both (1 Jan 2022 → 31 Dec 2021, 1 Jan 2028 → 31 Dec 2027)',
    () => {
      for (const [year, observed] of [[2022, '2021-12-31'], [2028, '2027-12-31'], [2033, '2032-12-31']] as const) {
        expect(usFederalHolidays(year)[0]).toEqual({ date: `${year}-01-01`, name: "New Year's Day", observed });
        expect(theirs(year - 1).some((h) => h.date === observed && h.name === "New Year's Day" && h.substitute)).toBe(true);
        expect(theirs(year).some((h) => h.date === `${year}-01-01` && h.name === "New Year's Day")).toBe(true);
      }
    },
  ],
  [
    'Other Saturday holidays are observed on the Friday before in both (OPM; the Federal Reserve would not move them): Independence Day 2026 → Fri 3 July, Christmas 2027 → Fri 24 Dec',
    () => {
      expect(federalHolidaysObservedIn(2026).map((h) => h.observed)).toContain('2026-07-03');
      expect(theirs(2026).some((h) => h.date === '2026-07-03' && h.name === 'Independence Day' && h.substitute)).toBe(true);
      expect(federalHolidaysObservedIn(2027).map((h) => h.observed)).toContain('2027-12-24');
      expect(theirs(2027).some((h) => h.date === '2027-12-24' && h.name === 'Christmas Day' && h.substitute)).toBe(true);
    },
  ],
  [
    'Christmas Eve closures by executive order (e.g. 24 Dec 2024) are in neither: date-holidays types Christmas Eve "optional", ours leaves one-off closures out',
    () => {
      expect(federalHolidaysObservedIn(2024).map((h) => h.observed)).not.toContain('2024-12-24');
      expect(theirs(2024).map((h) => h.date)).not.toContain('2024-12-24');
      expect(new Holidays('US').getHolidays(2024).find((h) => h.date.startsWith('2024-12-24'))?.type).toBe('optional');
    },
  ],
  [
    'The day after Thanksgiving is a business day in both (date-holidays types it "observance")',
    () => {
      expect(federalHolidaysObservedIn(2026).map((h) => h.observed)).not.toContain('2026-11-27');
      expect(theirs(2026).map((h) => h.date)).not.toContain('2026-11-27');
    },
  ],
];

describe('§5.2 federal holidays 1990–2100: business-calendar.ts against date-holidays (US, public)', () => {
  it('differs only where DELIBERATE_DIFFERENCES says, in every year, and every listed difference occurs', () => {
    const unexplained: string[] = [];
    const unseen = new Set(DELIBERATE_DIFFERENCES.map((d) => d.difference));
    for (const year of YEARS) {
      const expected = DELIBERATE_DIFFERENCES.flatMap((d) => {
        const e = d.expected(year);
        if (e.length > 0) unseen.delete(d.difference);
        return e;
      }).sort();
      const actual = differences(year);
      const missing = expected.filter((e) => !actual.includes(e));
      const extra = actual.filter((a) => !expected.includes(a));
      if (missing.length + extra.length > 0) unexplained.push(`${year}: undocumented ${JSON.stringify(extra)}; documented but absent ${JSON.stringify(missing)}`);
    }
    expect(unexplained).toEqual([]);
    expect([...unseen]).toEqual([]);
  });

  it('compares something: 11 holidays a year from 2021 (10 before), on both sides', () => {
    for (const year of YEARS) {
      const count = year >= 2021 ? 11 : 10;
      expect(usFederalHolidays(year)).toHaveLength(count);
      expect(theirs(year).filter((h) => !h.substitute)).toHaveLength(count);
    }
  });

  it('the Veterans Day difference: date-holidays has exactly our day off, typed "bank" (so the reason in the table holds)', () => {
    const withBank = new Holidays('US', { types: ['public', 'bank'] });
    for (const year of YEARS) {
      const own = dateIn(year, '11-11');
      const bank = withBank.getHolidays(year).filter((h) => h.type === 'bank').map((h) => `${h.date.slice(0, 10)} ${h.name}`);
      expect(bank).toEqual(isWeekend(own) ? [`${observedOf(own)} Veterans Day${SUBSTITUTE}`] : []);
    }
  });

  it.each(AGREEMENTS)('agrees: %s', (_what, check) => {
    check();
  });

  it('the table names each difference with a reason', () => {
    for (const d of DELIBERATE_DIFFERENCES) expect(d.reason.length).toBeGreaterThan(40);
  });
});
