/**
 * §5.2 business days: "business days skip weekends and US federal holidays". Used for the
 * enterprise feedback deadlines (3 business days target, 5 hard limit, src/policy/policy.ts).
 *
 * Holidays are the eleven of 5 U.S.C. 6103(a), with the observance rule OPM applies for staff on a
 * Monday–Friday schedule: a holiday on a Saturday is observed the Friday before (5 U.S.C. 6103(b)),
 * one on a Sunday the Monday after (Executive Order 11582 §3(a)). So New Year's Day on a Saturday
 * is observed on Friday 31 December of the year before (e.g. 1 Jan 2022 → Fri 31 Dec 2021,
 * 1 Jan 2028 → Fri 31 Dec 2027): a day off in year Y may come from year Y+1's list.
 * Not included: Inauguration Day (a holiday only in the Washington DC area), and one-off closures
 * by executive order (e.g. 24 Dec 2024). Note the Federal Reserve does NOT move Saturday holidays
 * to Friday; this calendar follows OPM, as §5.2 asks for federal holidays.
 * Sources: 5 U.S.C. 6103; OPM "Federal Holidays" tables and "'In Lieu Of' Determination" fact
 * sheet; Juneteenth National Independence Day Act, Pub. L. 117-17 (17 June 2021, first observed
 * Fri 18 June 2021).
 *
 * Deterministic and pure, no Node built-ins: workflows import it. Time zones go through
 * Intl.DateTimeFormat (ICU, available in Temporal's workflow isolate). Module-level caches hold
 * only values computed from arguments.
 */

const DAY_MS = 86_400_000;

/** Years the rules above hold for (MLK Day is a federal holiday from 1986). */
export const FIRST_SUPPORTED_YEAR = 1986;
export const LAST_SUPPORTED_YEAR = 9998;

// ---------------------------------------------------------------------------------------------
// Calendar dates (YYYY-MM-DD) as day numbers since 1970-01-01
// ---------------------------------------------------------------------------------------------

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day number of a YYYY-MM-DD date, or undefined when it is not a real calendar date. */
function dayNumberOf(date: string): number | undefined {
  const m = ISO_DATE.exec(date);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return utcDay(year, month, day);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function utcDay(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // setUTCFullYear: years 0–99 are not shifted to 19xx
  return Math.floor(d.getTime() / DAY_MS);
}

function isoOfDay(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
const weekdayOf = (dayNumber: number): number => (((dayNumber + 4) % 7) + 7) % 7;

/** True for a real calendar date written YYYY-MM-DD (2026-02-29 is not one). */
export function isIsoDate(value: string): boolean {
  return dayNumberOf(value) !== undefined;
}

function requireDay(date: string): number {
  const n = dayNumberOf(date);
  if (n === undefined) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// US federal holidays
// ---------------------------------------------------------------------------------------------

/** The names 5 U.S.C. 6103(a) gives (OPM's policy is to use them). */
export type FederalHolidayName =
  | "New Year's Day"
  | 'Birthday of Martin Luther King, Jr.'
  | "Washington's Birthday"
  | 'Memorial Day'
  | 'Juneteenth National Independence Day'
  | 'Independence Day'
  | 'Labor Day'
  | 'Columbus Day'
  | 'Veterans Day'
  | 'Thanksgiving Day'
  | 'Christmas Day';

export interface FederalHoliday {
  /** The holiday's own date, YYYY-MM-DD. */
  date: string;
  name: FederalHolidayName;
  /** The day off: `date`, or the Friday before a Saturday / the Monday after a Sunday. */
  observed: string;
}

/** The n-th (1-based) given weekday of a month; n = -1 for the last one. */
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = utcDay(year, month, 1);
    return first + ((weekday - weekdayOf(first) + 7) % 7) + (n - 1) * 7;
  }
  const last = utcDay(year, month, daysInMonth(year, month));
  return last - ((weekdayOf(last) - weekday + 7) % 7);
}

const MON = 1;
const THU = 4;

function checkYear(year: number): void {
  if (!Number.isInteger(year) || year < FIRST_SUPPORTED_YEAR || year > LAST_SUPPORTED_YEAR) {
    throw new RangeError(`year ${year} is outside ${FIRST_SUPPORTED_YEAR}–${LAST_SUPPORTED_YEAR}, where these holiday rules hold`);
  }
}

/**
 * §5.2: the US federal holidays whose own date falls in `year`, in calendar order, each with the
 * day it is observed. The observed day may fall in the previous year (New Year's Day on a Saturday).
 */
export function usFederalHolidays(year: number): FederalHoliday[] {
  checkYear(year);
  const days: Array<[FederalHolidayName, number]> = [
    ["New Year's Day", utcDay(year, 1, 1)],
    ['Birthday of Martin Luther King, Jr.', nthWeekday(year, 1, MON, 3)],
    ["Washington's Birthday", nthWeekday(year, 2, MON, 3)],
    ['Memorial Day', nthWeekday(year, 5, MON, -1)],
    ...(year >= 2021 ? [['Juneteenth National Independence Day', utcDay(year, 6, 19)] as [FederalHolidayName, number]] : []),
    ['Independence Day', utcDay(year, 7, 4)],
    ['Labor Day', nthWeekday(year, 9, MON, 1)],
    ['Columbus Day', nthWeekday(year, 10, MON, 2)],
    ['Veterans Day', utcDay(year, 11, 11)],
    ['Thanksgiving Day', nthWeekday(year, 11, THU, 4)],
    ['Christmas Day', utcDay(year, 12, 25)],
  ];
  return days.map(([name, day]) => {
    const wd = weekdayOf(day);
    const observed = wd === 6 ? day - 1 : wd === 0 ? day + 1 : day;
    return { date: isoOfDay(day), name, observed: isoOfDay(observed) };
  });
}

/**
 * The federal holidays *observed* in `year` (the days off), in order: `usFederalHolidays(year)`
 * less a New Year's Day observed in the year before, plus next year's New Year's Day when it is
 * observed on 31 December.
 */
export function federalHolidaysObservedIn(year: number): FederalHoliday[] {
  checkYear(year);
  const prefix = `${String(year).padStart(4, '0')}-`;
  const candidates = [...usFederalHolidays(year), ...(year < LAST_SUPPORTED_YEAR ? usFederalHolidays(year + 1).slice(0, 1) : [])];
  return candidates.filter((h) => h.observed.startsWith(prefix));
}

const observedCache = new Map<number, ReadonlySet<number>>();

function observedHolidayDays(year: number): ReadonlySet<number> {
  let days = observedCache.get(year);
  if (!days) {
    days = new Set(federalHolidaysObservedIn(year).map((h) => requireDay(h.observed)));
    observedCache.set(year, days);
  }
  return days;
}

function yearOfDay(dayNumber: number): number {
  return new Date(dayNumber * DAY_MS).getUTCFullYear();
}

function isBusinessDayNumber(dayNumber: number): boolean {
  const wd = weekdayOf(dayNumber);
  if (wd === 0 || wd === 6) return false;
  return !observedHolidayDays(yearOfDay(dayNumber)).has(dayNumber);
}

/** True when `date` (YYYY-MM-DD) is the observed day off of a US federal holiday. */
export function isFederalHoliday(date: string): boolean {
  const day = requireDay(date);
  return observedHolidayDays(yearOfDay(day)).has(day);
}

/**
 * §5.2: Monday–Friday and not an observed US federal holiday. Throws RangeError for a non-date or
 * a year outside FIRST_SUPPORTED_YEAR–LAST_SUPPORTED_YEAR.
 */
export function isBusinessDay(date: string): boolean {
  return isBusinessDayNumber(requireDay(date));
}

/** The first business day on or after `date`. */
export function nextBusinessDayOnOrAfter(date: string): string {
  let day = requireDay(date);
  while (!isBusinessDayNumber(day)) day += 1;
  return isoOfDay(day);
}

// ---------------------------------------------------------------------------------------------
// Wall-clock time in a time zone
// ---------------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown time zone.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading in `timeZone` at `instantMs`, as milliseconds of a UTC-based timeline. */
function wallClockMs(instantMs: number, timeZone: string): number {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const p of formatterFor(timeZone).formatToParts(instantMs)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const { year = NaN, month = NaN, day = NaN, hour = NaN, minute = NaN, second = NaN } = parts;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour % 24, minute, second, 0); // % 24: some ICU versions print midnight as 24
  const ms = ((instantMs % 1000) + 1000) % 1000;
  return d.getTime() + ms;
}

/**
 * The instant at which the wall clock of `timeZone` reads `localMs`. When that reading happens twice
 * (the hour repeated when DST ends) the earlier instant is taken; when it never happens (the hour
 * skipped when DST starts) the reading is moved forward by the gap (02:30 → 03:30). This is the
 * "compatible" disambiguation of the TC39 Temporal proposal and of RFC 5545.
 */
function instantOfWallClock(localMs: number, timeZone: string): number {
  const offsetBefore = wallClockMs(localMs - DAY_MS, timeZone) - (localMs - DAY_MS);
  const offsetAfter = wallClockMs(localMs + DAY_MS, timeZone) - (localMs + DAY_MS);
  const matches = [localMs - offsetBefore, localMs - offsetAfter]
    .filter((instant) => wallClockMs(instant, timeZone) === localMs)
    .sort((a, b) => a - b);
  return matches[0] ?? localMs - offsetBefore;
}

function requireInstant(value: Date, what: string): number {
  const ms = value instanceof Date ? value.getTime() : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not a valid Date`);
  return ms;
}

/** The calendar date (YYYY-MM-DD) in `timeZone` at `instant`. */
export function calendarDateIn(instant: Date, timeZone: string): string {
  return isoOfDay(Math.floor(wallClockMs(requireInstant(instant, 'instant'), timeZone) / DAY_MS));
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/**
 * The instant at which it is `date` `time` (HH:MM or HH:MM:SS) in `timeZone`, with the DST rule of
 * instantOfWallClock: a repeated time → its first occurrence, a skipped one → moved forward by the gap.
 */
export function zonedDateTimeToInstant(date: string, time: string, timeZone: string): Date {
  const day = requireDay(date);
  const m = TIME.exec(time);
  if (!m) throw new RangeError(`not a time of day (HH:MM[:SS]): ${JSON.stringify(time)}`);
  const local = day * DAY_MS + ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1000;
  return new Date(instantOfWallClock(local, timeZone));
}

// ---------------------------------------------------------------------------------------------
// Business-day arithmetic
// ---------------------------------------------------------------------------------------------

/** A generous bound (about 400 years) that keeps a wrong argument from looping for ages. */
const MAX_BUSINESS_DAYS = 100_000;

/**
 * §5.2 deadline: the instant `n` business days after `start`, at the same wall-clock time of day
 * in `timeZone` (e.g. 'America/New_York').
 *
 * Rules:
 * - Counting starts from `start`'s local date if it is a business day; otherwise from the next
 *   business day at the same local time (a complaint registered on Saturday 10:00 is treated as
 *   registered on Monday 10:00, so +1 is Tuesday 10:00, and +0 is Monday 10:00).
 * - Each step moves to the next business day (weekends and observed federal holidays skipped).
 * - The local time of day is kept across DST changes (Fri 6 Mar 2026 10:00 EST + 1 = Mon 9 Mar
 *   10:00 EDT, 71 hours later); should that time not exist or occur twice on the target day, see
 *   zonedDateTimeToInstant.
 * - n = 0 on a business day returns `start` itself.
 *
 * @param n a whole number of business days, 0 ≤ n ≤ 100,000
 * @throws RangeError for an invalid Date, a negative or fractional n, or an unknown time zone
 */
export function addBusinessDays(start: Date, n: number, timeZone: string): Date {
  const startMs = requireInstant(start, 'start');
  if (!Number.isInteger(n) || n < 0 || n > MAX_BUSINESS_DAYS) {
    throw new RangeError(`n must be a whole number of business days from 0 to ${MAX_BUSINESS_DAYS}, got ${n}`);
  }
  const local = wallClockMs(startMs, timeZone);
  const startDay = Math.floor(local / DAY_MS);
  const timeOfDay = local - startDay * DAY_MS;
  let day = startDay;
  while (!isBusinessDayNumber(day)) day += 1;
  for (let i = 0; i < n; i += 1) {
    day += 1;
    while (!isBusinessDayNumber(day)) day += 1;
  }
  if (day === startDay) return new Date(startMs);
  return new Date(instantOfWallClock(day * DAY_MS + timeOfDay, timeZone));
}

/**
 * §5.2: how many whole business days lie between `a` and `b` in `timeZone`: the largest k ≥ 0 with
 * addBusinessDays(a, k, timeZone) ≤ b (so it is the inverse of addBusinessDays: the deadline
 * Wed 25 Nov 2026 17:00 + 3 is reached at Tue 1 Dec 17:00, and at 16:59 only 2 have passed).
 * Negative when b is before a: -businessDaysBetween(b, a, timeZone).
 */
export function businessDaysBetween(a: Date, b: Date, timeZone: string): number {
  const aMs = requireInstant(a, 'a');
  const bMs = requireInstant(b, 'b');
  if (bMs < aMs) return -businessDaysBetween(b, a, timeZone);
  let day = Math.floor(wallClockMs(aMs, timeZone) / DAY_MS);
  while (!isBusinessDayNumber(day)) day += 1;
  const lastDay = Math.floor(wallClockMs(bMs, timeZone) / DAY_MS);
  let count = 0;
  for (let d = day + 1; d <= lastDay; d += 1) if (isBusinessDayNumber(d)) count += 1;
  // The count reaches b's date; b may be earlier in that day than a's time of day.
  if (count > 0 && addBusinessDays(a, count, timeZone).getTime() > bMs) count -= 1;
  return count;
}
