/**
 * src/domain/business-calendar.ts: §5.2 "business days skip weekends and US federal holidays".
 * The holiday tables below are OPM's published ones (opm.gov "Federal Holidays"), written out by
 * hand, not computed; deadlines are written as ISO instants with their offsets, so DST is explicit.
 */
import {
  addBusinessDays,
  businessDaysBetween,
  calendarDateIn,
  federalHolidaysObservedIn,
  isBusinessDay,
  isFederalHoliday,
  isIsoDate,
  nextBusinessDayOnOrAfter,
  usFederalHolidays,
  zonedDateTimeToInstant,
} from '../../src/domain/business-calendar';

const NY = 'America/New_York';
const HOUR_MS = 3_600_000;

/** [name, date, observed] in calendar order, as OPM lists them. */
type Row = [string, string, string];
const OPM: Record<number, Row[]> = {
  2024: [
    ["New Year's Day", '2024-01-01', '2024-01-01'],
    ['Birthday of Martin Luther King, Jr.', '2024-01-15', '2024-01-15'],
    ["Washington's Birthday", '2024-02-19', '2024-02-19'],
    ['Memorial Day', '2024-05-27', '2024-05-27'],
    ['Juneteenth National Independence Day', '2024-06-19', '2024-06-19'],
    ['Independence Day', '2024-07-04', '2024-07-04'],
    ['Labor Day', '2024-09-02', '2024-09-02'],
    ['Columbus Day', '2024-10-14', '2024-10-14'],
    ['Veterans Day', '2024-11-11', '2024-11-11'],
    ['Thanksgiving Day', '2024-11-28', '2024-11-28'],
    ['Christmas Day', '2024-12-25', '2024-12-25'],
  ],
  2025: [
    ["New Year's Day", '2025-01-01', '2025-01-01'],
    ['Birthday of Martin Luther King, Jr.', '2025-01-20', '2025-01-20'],
    ["Washington's Birthday", '2025-02-17', '2025-02-17'],
    ['Memorial Day', '2025-05-26', '2025-05-26'],
    ['Juneteenth National Independence Day', '2025-06-19', '2025-06-19'],
    ['Independence Day', '2025-07-04', '2025-07-04'],
    ['Labor Day', '2025-09-01', '2025-09-01'],
    ['Columbus Day', '2025-10-13', '2025-10-13'],
    ['Veterans Day', '2025-11-11', '2025-11-11'],
    ['Thanksgiving Day', '2025-11-27', '2025-11-27'],
    ['Christmas Day', '2025-12-25', '2025-12-25'],
  ],
  2026: [
    ["New Year's Day", '2026-01-01', '2026-01-01'],
    ['Birthday of Martin Luther King, Jr.', '2026-01-19', '2026-01-19'],
    ["Washington's Birthday", '2026-02-16', '2026-02-16'],
    ['Memorial Day', '2026-05-25', '2026-05-25'],
    ['Juneteenth National Independence Day', '2026-06-19', '2026-06-19'], // Friday
    ['Independence Day', '2026-07-04', '2026-07-03'], // Saturday → Friday 3 July
    ['Labor Day', '2026-09-07', '2026-09-07'],
    ['Columbus Day', '2026-10-12', '2026-10-12'],
    ['Veterans Day', '2026-11-11', '2026-11-11'],
    ['Thanksgiving Day', '2026-11-26', '2026-11-26'],
    ['Christmas Day', '2026-12-25', '2026-12-25'],
  ],
  2027: [
    ["New Year's Day", '2027-01-01', '2027-01-01'],
    ['Birthday of Martin Luther King, Jr.', '2027-01-18', '2027-01-18'],
    ["Washington's Birthday", '2027-02-15', '2027-02-15'],
    ['Memorial Day', '2027-05-31', '2027-05-31'],
    ['Juneteenth National Independence Day', '2027-06-19', '2027-06-18'], // Saturday → Friday
    ['Independence Day', '2027-07-04', '2027-07-05'], // Sunday → Monday
    ['Labor Day', '2027-09-06', '2027-09-06'],
    ['Columbus Day', '2027-10-11', '2027-10-11'],
    ['Veterans Day', '2027-11-11', '2027-11-11'],
    ['Thanksgiving Day', '2027-11-25', '2027-11-25'],
    ['Christmas Day', '2027-12-25', '2027-12-24'], // Saturday → Friday 24 Dec
  ],
};

describe('§5.2 usFederalHolidays: OPM published dates', () => {
  it.each([2024, 2025, 2026, 2027])('%i matches OPM (date, name and observed day of all 11)', (year) => {
    expect(usFederalHolidays(year)).toEqual(OPM[year]!.map(([name, date, observed]) => ({ date, name, observed })));
  });

  it('2028: New Year on Saturday 1 Jan is observed on Friday 31 Dec 2027', () => {
    expect(usFederalHolidays(2028)[0]).toEqual({ date: '2028-01-01', name: "New Year's Day", observed: '2027-12-31' });
  });

  it('2022: New Year on Saturday is observed on Friday 31 Dec 2021; Christmas on Sunday on Monday 26 Dec', () => {
    const h = usFederalHolidays(2022);
    expect(h[0]).toEqual({ date: '2022-01-01', name: "New Year's Day", observed: '2021-12-31' });
    expect(h.at(-1)).toEqual({ date: '2022-12-25', name: 'Christmas Day', observed: '2022-12-26' });
  });

  it('2023: Veterans Day on Saturday 11 Nov observed Friday 10 Nov; New Year on Sunday observed Monday 2 Jan', () => {
    const h = usFederalHolidays(2023);
    expect(h.find((x) => x.name === 'Veterans Day')?.observed).toBe('2023-11-10');
    expect(h[0]!.observed).toBe('2023-01-02');
  });

  it('Juneteenth (Pub. L. 117-17) from 2021: first observed Friday 18 June 2021; absent in 2020', () => {
    expect(usFederalHolidays(2021).find((h) => h.name.startsWith('Juneteenth'))?.observed).toBe('2021-06-18');
    expect(usFederalHolidays(2020).map((h) => h.name)).not.toContain('Juneteenth National Independence Day');
    expect(usFederalHolidays(2020)).toHaveLength(10);
  });

  it.each([
    [2026, 'Memorial Day', '2026-05-25'], // four Mondays in May: the 4th is the last
    [2027, 'Memorial Day', '2027-05-31'], // last Monday is the 5th
    [2029, 'Thanksgiving Day', '2029-11-22'], // 1 Nov is a Thursday: 4th Thursday is the 22nd
    [2030, 'Thanksgiving Day', '2030-11-28'], // 1 Nov is a Friday: the 28th, the latest possible
    [2029, 'Labor Day', '2029-09-03'],
    [2032, 'Birthday of Martin Luther King, Jr.', '2032-01-19'],
  ])('%i %s is %s', (year, name, date) => {
    expect(usFederalHolidays(year).find((h) => h.name === name)?.date).toBe(date);
  });

  it.each([1985, 2.5, 9999, NaN])('refuses year %p (outside the rules this module knows)', (year) => {
    expect(() => usFederalHolidays(year)).toThrow(RangeError);
  });
});

describe('§5.2 federalHolidaysObservedIn: the days off of a year, incl. next year\'s New Year', () => {
  it('2027 has 12 days off: its 11 and Friday 31 Dec for New Year 2028', () => {
    expect(federalHolidaysObservedIn(2027).map((h) => h.observed)).toEqual([...OPM[2027]!.map((r) => r[2]), '2027-12-31']);
  });

  it('2022 has 10: its own New Year was observed in 2021', () => {
    const observed = federalHolidaysObservedIn(2022);
    expect(observed).toHaveLength(10);
    expect(observed.map((h) => h.name)).not.toContain("New Year's Day");
    expect(federalHolidaysObservedIn(2021).at(-1)).toEqual({ date: '2022-01-01', name: "New Year's Day", observed: '2021-12-31' });
  });
});

describe('§5.2 isBusinessDay', () => {
  it.each([
    ['2026-11-25', true, 'Wednesday before Thanksgiving'],
    ['2026-11-26', false, 'Thanksgiving'],
    ['2026-11-27', true, 'Friday after Thanksgiving (not a federal holiday)'],
    ['2026-11-28', false, 'Saturday'],
    ['2026-11-29', false, 'Sunday'],
    ['2026-07-03', false, 'Independence Day observed (4 July is a Saturday)'],
    ['2026-07-04', false, 'Saturday, Independence Day itself'],
    ['2026-07-06', true, 'Monday after'],
    ['2026-06-19', false, 'Juneteenth'],
    ['2027-12-24', false, 'Christmas observed'],
    ['2027-12-27', true, 'Monday after Christmas 2027'],
    ['2027-12-31', false, 'New Year 2028 observed'],
    ['2021-12-31', false, 'New Year 2022 observed'],
    ['2024-12-24', true, 'Christmas Eve: an executive-order closure, not a 6103 holiday'],
    ['2025-01-20', false, 'MLK Day (also Inauguration Day, not counted separately)'],
    ['2026-01-02', true, 'a Friday'],
    ['2028-02-29', true, 'leap day, a Tuesday'],
  ])('%s → %s (%s)', (date, expected) => {
    expect(isBusinessDay(date)).toBe(expected);
  });

  it('holidays on a weekend leave the weekend day itself a non-business day, and its observed day a holiday', () => {
    expect(isFederalHoliday('2027-12-25')).toBe(false); // the Saturday is not the day off…
    expect(isFederalHoliday('2027-12-24')).toBe(true); // …the Friday is
  });

  it.each(['2026-02-29', '2026-1-1', '2026-11-31', 'tomorrow', ''])('throws on %j (not a calendar date)', (bad) => {
    expect(() => isBusinessDay(bad)).toThrow(RangeError);
  });

  it.each([
    ['2026-11-26', '2026-11-27'],
    ['2026-11-28', '2026-11-30'],
    ['2027-12-24', '2027-12-27'],
    ['2027-12-31', '2028-01-03'],
    ['2026-11-25', '2026-11-25'],
  ])('nextBusinessDayOnOrAfter(%s) = %s', (date, next) => {
    expect(nextBusinessDayOnOrAfter(date)).toBe(next);
  });

  it.each([
    ['2024-02-29', true],
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['2026-04-31', false],
    ['2026-4-30', false],
  ])('isIsoDate(%s) = %s', (date, expected) => {
    expect(isIsoDate(date)).toBe(expected);
  });
});

describe('§5.2 addBusinessDays keeps the wall-clock time in the time zone', () => {
  it.each<[string, string, number, string, string]>([
    ['over a weekend', '2026-03-13T09:00:00-04:00', 1, NY, '2026-03-16T09:00:00-04:00'],
    ['within a week', '2026-03-16T09:00:00-04:00', 3, NY, '2026-03-19T09:00:00-04:00'],
    ['a whole week is 5', '2026-03-16T09:00:00-04:00', 5, NY, '2026-03-23T09:00:00-04:00'],
    ['over Thanksgiving + weekend (§5.2 3-day target)', '2026-11-25T17:00:00-05:00', 3, NY, '2026-12-01T17:00:00-05:00'],
    ['over Thanksgiving + weekend (§5.2 5-day limit)', '2026-11-25T17:00:00-05:00', 5, NY, '2026-12-03T17:00:00-05:00'],
    ['over Christmas 2026 (Fri 25 Dec)', '2026-12-24T12:00:00-05:00', 1, NY, '2026-12-28T12:00:00-05:00'],
    ['over New Year 2027 (Fri 1 Jan)', '2026-12-31T10:00:00-05:00', 1, NY, '2027-01-04T10:00:00-05:00'],
    ['over Christmas 2027 observed Fri 24 Dec', '2027-12-23T15:00:00-05:00', 1, NY, '2027-12-27T15:00:00-05:00'],
    ['over New Year 2028 observed Fri 31 Dec 2027', '2027-12-30T15:00:00-05:00', 1, NY, '2028-01-03T15:00:00-05:00'],
    ['Christmas to New Year 2027/28', '2027-12-23T15:00:00-05:00', 5, NY, '2028-01-03T15:00:00-05:00'],
    ['over Independence Day observed Fri 3 Jul 2026', '2026-07-02T11:00:00-04:00', 1, NY, '2026-07-06T11:00:00-04:00'],
    ['DST starts (Sun 8 Mar 2026): 10:00 EST → 10:00 EDT', '2026-03-06T10:00:00-05:00', 1, NY, '2026-03-09T10:00:00-04:00'],
    ['DST ends (Sun 1 Nov 2026): 10:00 EDT → 10:00 EST', '2026-10-30T10:00:00-04:00', 1, NY, '2026-11-02T10:00:00-05:00'],
    ['Los Angeles across DST', '2026-03-06T16:00:00-08:00', 1, 'America/Los_Angeles', '2026-03-09T16:00:00-07:00'],
    ['start on Saturday: counts from Monday, +0', '2026-03-14T10:00:00-04:00', 0, NY, '2026-03-16T10:00:00-04:00'],
    ['start on Saturday: counts from Monday, +1', '2026-03-14T10:00:00-04:00', 1, NY, '2026-03-17T10:00:00-04:00'],
    ['start on a holiday: counts from the next business day', '2026-11-26T09:00:00-05:00', 1, NY, '2026-11-30T09:00:00-05:00'],
    ['midnight stays midnight', '2026-11-25T00:00:00-05:00', 1, NY, '2026-11-27T00:00:00-05:00'],
    ['one second before midnight', '2026-11-25T23:59:59.999-05:00', 1, NY, '2026-11-27T23:59:59.999-05:00'],
    ['UTC', '2026-11-25T17:00:00Z', 3, 'UTC', '2026-12-01T17:00:00Z'],
    // Israel starts DST on a Friday (27 Mar 2026, 02:00 → 03:00): 02:30 does not exist that day and
    // moves forward by the gap to 03:30 IDT.
    ['skipped local time moves forward by the gap', '2026-03-26T02:30:00+02:00', 1, 'Asia/Jerusalem', '2026-03-27T03:30:00+03:00'],
    // Egypt ends DST at the end of Thursday 29 Oct 2026 (24:00 EEST → 23:00 EET): 23:30 happens twice;
    // the first (EEST) is taken.
    ['repeated local time takes the first occurrence', '2026-10-28T23:30:00+03:00', 1, 'Africa/Cairo', '2026-10-29T23:30:00+03:00'],
  ])('%s: %s + %i (%s) = %s', (_what, start, n, zone, expected) => {
    expect(addBusinessDays(new Date(start), n, zone).toISOString()).toBe(new Date(expected).toISOString());
  });

  it('the DST weekend is 71 hours in March and 73 in November', () => {
    const march = new Date('2026-03-06T10:00:00-05:00');
    const november = new Date('2026-10-30T10:00:00-04:00');
    expect(addBusinessDays(march, 1, NY).getTime() - march.getTime()).toBe(71 * HOUR_MS);
    expect(addBusinessDays(november, 1, NY).getTime() - november.getTime()).toBe(73 * HOUR_MS);
  });

  it('the time zone decides the date: Thu 26 Nov 03:00 UTC is still Wednesday evening in New York', () => {
    const start = new Date('2026-11-26T03:00:00Z'); // Wed 25 Nov 22:00 EST
    expect(addBusinessDays(start, 1, NY).toISOString()).toBe('2026-11-28T03:00:00.000Z'); // Fri 27 22:00 EST
    expect(addBusinessDays(start, 1, 'UTC').toISOString()).toBe('2026-11-30T03:00:00.000Z'); // Thanksgiving → Fri, +1 → Mon
  });

  it('n = 0 on a business day returns the same instant, and does not alias the argument', () => {
    const start = new Date('2026-11-25T17:00:00.123-05:00');
    const result = addBusinessDays(start, 0, NY);
    expect(result.getTime()).toBe(start.getTime());
    expect(result).not.toBe(start);
  });

  it('is deterministic: the same arguments give the same instant', () => {
    const start = new Date('2026-12-22T08:15:00-05:00');
    expect(addBusinessDays(start, 7, NY).toISOString()).toBe(addBusinessDays(new Date(start), 7, NY).toISOString());
  });

  it.each([
    ['a negative n', new Date('2026-11-25T17:00:00Z'), -1, NY],
    ['a fractional n', new Date('2026-11-25T17:00:00Z'), 1.5, NY],
    ['NaN', new Date('2026-11-25T17:00:00Z'), NaN, NY],
    ['an absurd n', new Date('2026-11-25T17:00:00Z'), 1e9, NY],
    ['an invalid Date', new Date('nope'), 1, NY],
    ['an unknown time zone', new Date('2026-11-25T17:00:00Z'), 1, 'Mars/Olympus_Mons'],
  ])('throws a RangeError for %s', (_what, start, n, zone) => {
    expect(() => addBusinessDays(start, n, zone)).toThrow(RangeError);
  });
});

describe('§5.2 businessDaysBetween: whole business days elapsed (the inverse of addBusinessDays)', () => {
  it.each<[string, string, string, number]>([
    ['the Thanksgiving deadline is reached', '2026-11-25T17:00:00-05:00', '2026-12-01T17:00:00-05:00', 3],
    ['one minute before it, only 2', '2026-11-25T17:00:00-05:00', '2026-12-01T16:59:00-05:00', 2],
    ['same instant', '2026-11-25T17:00:00-05:00', '2026-11-25T17:00:00-05:00', 0],
    ['later the same day', '2026-11-25T09:00:00-05:00', '2026-11-25T18:00:00-05:00', 0],
    ['Friday 17:00 → Monday 16:59', '2026-03-13T17:00:00-04:00', '2026-03-16T16:59:00-04:00', 0],
    ['Friday 17:00 → Monday 17:00', '2026-03-13T17:00:00-04:00', '2026-03-16T17:00:00-04:00', 1],
    ['Saturday → Sunday', '2026-03-14T10:00:00-04:00', '2026-03-15T10:00:00-04:00', 0],
    ['Saturday → Tuesday same time', '2026-03-14T10:00:00-04:00', '2026-03-17T10:00:00-04:00', 1],
    ['across the March DST change', '2026-03-06T10:00:00-05:00', '2026-03-09T10:00:00-04:00', 1],
    ['the whole of 2026: 261 weekdays less 11 observed holidays', '2025-12-31T12:00:00-05:00', '2026-12-31T12:00:00-05:00', 250],
    ['backwards is negative', '2026-12-01T17:00:00-05:00', '2026-11-25T17:00:00-05:00', -3],
  ])('%s: %s → %s = %i', (_what, a, b, expected) => {
    expect(businessDaysBetween(new Date(a), new Date(b), NY)).toBe(expected);
  });

  it('businessDaysBetween(s, addBusinessDays(s, n)) = n for starts on business days through the 2027/28 holidays', () => {
    for (let day = 1; day <= 31; day += 1) {
      const start = new Date(`2027-12-${String(day).padStart(2, '0')}T08:30:00-05:00`);
      if (!isBusinessDay(calendarDateIn(start, NY))) continue;
      for (let n = 0; n <= 12; n += 1) {
        expect(businessDaysBetween(start, addBusinessDays(start, n, NY), NY)).toBe(n);
      }
    }
  });
});

describe('time-zone helpers', () => {
  it.each([
    ['2026-11-26T03:00:00Z', NY, '2026-11-25'],
    ['2026-11-26T03:00:00Z', 'UTC', '2026-11-26'],
    ['2026-11-26T03:00:00Z', 'Asia/Tokyo', '2026-11-26'],
    ['2026-12-31T23:30:00-05:00', NY, '2026-12-31'],
    ['2027-01-01T04:30:00Z', 'Pacific/Kiritimati', '2027-01-01'],
  ])('calendarDateIn(%s, %s) = %s', (instant, zone, date) => {
    expect(calendarDateIn(new Date(instant), zone)).toBe(date);
  });

  it.each([
    ['2026-03-09', '10:00', '2026-03-09T14:00:00.000Z'],
    ['2026-03-08', '02:30', '2026-03-08T07:30:00.000Z'], // skipped: 03:30 EDT
    ['2026-11-01', '01:30', '2026-11-01T05:30:00.000Z'], // repeated: the first, 01:30 EDT
    ['2026-11-01', '02:30:15', '2026-11-01T07:30:15.000Z'],
  ])('zonedDateTimeToInstant(%s, %s, New York) = %s', (date, time, instant) => {
    expect(zonedDateTimeToInstant(date, time, NY).toISOString()).toBe(instant);
  });

  it.each([
    ['2026-02-30', '10:00'],
    ['2026-03-09', '24:00'],
    ['2026-03-09', '9:00'],
  ])('zonedDateTimeToInstant refuses %s %s', (date, time) => {
    expect(() => zonedDateTimeToInstant(date, time, NY)).toThrow(RangeError);
  });
});
