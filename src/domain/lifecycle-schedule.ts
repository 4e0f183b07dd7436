/**
 * The calendar rules of the customer lifecycle: when a §3.2 periodic review falls due and how its
 * reminders climb to an escalation, and when the §5.1 regular contacts happen (birthday greetings,
 * news digests, the quarterly enterprise meeting) and by which channel a message goes.
 *
 * Pure and deterministic, no Node built-ins, no clock: every instant is an argument and every
 * number (cadences, local times, business-day counts) comes from the `policy` argument, so a
 * workflow may call these functions and a replay computes the same dates under the same policy.
 * Time zones, holidays and business days are business-calendar.ts's (§5.2 calendar); the bank's
 * time zone is `policy.onboarding.timeZone` (what `bankTimeZone(policy)` returns — read here
 * directly, because policy.ts loads files and imports node:fs, so only its types are imported).
 */
import {
  addBusinessDays,
  calendarDateIn,
  isIsoDate,
  nextBusinessDayOnOrAfter,
  zonedDateTimeToInstant,
} from './business-calendar';
import type { ContactPreferences } from './contact';
import type { Policy } from '../policy/policy';
import { measuresFor, monitoringEveryMonths, type RiskRating } from './risk-scorecard';

/** The bank's time zone; the same value as policy.ts `bankTimeZone(policy)`. */
const timeZoneOf = (policy: Policy): string => policy.onboarding.timeZone;

const pad2 = (n: number): string => String(n).padStart(2, '0');
const pad4 = (n: number): string => String(n).padStart(4, '0');
const isoDate = (year: number, month: number, day: number): string => `${pad4(year)}-${pad2(month)}-${pad2(day)}`;

/** Year, month (1-12) and day of a YYYY-MM-DD date; RangeError when it is not a calendar date. */
function partsOf(date: string, what: string): { year: number; month: number; day: number } {
  if (typeof date !== 'string' || !isIsoDate(date)) {
    throw new RangeError(`${what} is not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  }
  return { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) };
}

/**
 * `year-month-day`, or the last day of that month when the month is shorter (day 29–31); RangeError
 * when the year cannot be written as YYYY. The month length comes from isIsoDate (one leap-year rule).
 */
function clampedDate(year: number, month: number, day: number): string {
  for (let d = day; d >= 28; d -= 1) {
    const candidate = isoDate(year, month, d);
    if (isIsoDate(candidate)) return candidate;
  }
  const candidate = isoDate(year, month, Math.min(day, 28));
  if (isIsoDate(candidate)) return candidate;
  throw new RangeError(`the date ${candidate} is outside the years 0000–9999`);
}

/**
 * YYYY-MM-DD + n calendar months, the day clamped to the target month's last day
 * (2026-08-31 + 6 → 2027-02-28; 2028-08-31 + 6 → 2029-02-28; 2027-08-31 + 6 → 2028-02-29;
 * 2028-02-29 + 12 → 2029-02-28). Used for the §3.2 review cadence.
 *
 * @param months a whole number ≥ 0
 * @throws RangeError for a negative or fractional `months`, a date that is not YYYY-MM-DD, or a
 *   result past 9999-12-31
 */
export function addMonthsClamped(date: string, months: number): string {
  const { year, month, day } = partsOf(date, 'date');
  if (!Number.isSafeInteger(months) || months < 0) {
    throw new RangeError(`months must be a whole number ≥ 0, got ${months}`);
  }
  const index = month - 1 + months;
  return clampedDate(year + Math.floor(index / 12), (index % 12) + 1, day);
}

/**
 * §3.2 when the next periodic review falls due: the local date (bank time zone) of `anchor` —
 * the approval, or the completion of the last review — plus `policy.review.individualEveryMonths`
 * or `enterpriseEveryMonths` (addMonthsClamped), at `policy.lifecycle.reviewDueLocalTime` in the
 * bank's time zone. A review completed late keeps the cadence from its completion: the caller
 * passes the completion as `anchor`. The due date may be a weekend or holiday (the calendar
 * cadence is kept); the reminder ladder (reviewLadder) counts business days from it.
 *
 * @throws RangeError for an invalid Date or an unknown customer type
 */
export function nextReviewDue(anchor: Date, customerType: 'INDIVIDUAL' | 'ENTERPRISE', policy: Policy): Date {
  let months: number;
  if (customerType === 'INDIVIDUAL') months = policy.review.individualEveryMonths;
  else if (customerType === 'ENTERPRISE') months = policy.review.enterpriseEveryMonths;
  else throw new RangeError(`unknown customer type ${JSON.stringify(customerType)}`);
  const tz = timeZoneOf(policy);
  const due = addMonthsClamped(calendarDateIn(anchor, tz), months);
  return zonedDateTimeToInstant(due, policy.lifecycle.reviewDueLocalTime, tz);
}

/**
 * §3.2 the reminder ladder of a review due at `dueAt`: the second reminder
 * (`policy.lifecycle.reviewSecondReminderAfterBusinessDays`) and the overdue escalation
 * (`reviewOverdueAfterBusinessDays`) business days after `dueAt`, at its local time of day
 * (addBusinessDays in the bank's time zone: a due date on a weekend or holiday counts from the
 * next business day).
 *
 * @throws RangeError for an invalid Date
 */
export function reviewLadder(dueAt: Date, policy: Policy): { dueAt: Date; secondReminderAt: Date; overdueAt: Date } {
  const tz = timeZoneOf(policy);
  const { reviewSecondReminderAfterBusinessDays, reviewOverdueAfterBusinessDays } = policy.lifecycle;
  const secondReminderAt = addBusinessDays(dueAt, reviewSecondReminderAfterBusinessDays, tz); // validates dueAt
  return { dueAt: new Date(dueAt.getTime()), secondReminderAt, overdueAt: addBusinessDays(dueAt, reviewOverdueAfterBusinessDays, tz) };
}

/**
 * §5.1 the next birthday greeting strictly after `after`: the birthday (`dateOfBirth`, YYYY-MM-DD)
 * in the first year whose greeting instant — that local date at
 * `policy.contact.birthdayGreetingLocalTime` in the bank's time zone — is > `after` (a greeting
 * due later today still counts; the greeting instant itself does not). A 29 February birthday is
 * greeted on 28 February in common years and on 29 February in leap years. Greetings start with
 * the first anniversary (never in the year of birth).
 *
 * @throws RangeError for a `dateOfBirth` that is not a calendar date or an invalid `after`
 */
export function nextBirthdayGreeting(dateOfBirth: string, after: Date, policy: Policy): Date {
  const birth = partsOf(dateOfBirth, 'dateOfBirth');
  const tz = timeZoneOf(policy);
  const afterMs = after.getTime();
  // A greeting in an earlier local year than `after`'s is before it, so the search starts there;
  // the next year's greeting is always after it (two rounds at most).
  let year = Math.max(Number(calendarDateIn(after, tz).slice(0, 4)), birth.year + 1);
  for (;;) {
    const greeting = zonedDateTimeToInstant(clampedDate(year, birth.month, birth.day), policy.contact.birthdayGreetingLocalTime, tz);
    if (greeting.getTime() > afterMs) return greeting;
    year += 1;
  }
}

/**
 * §5.1 the next news digest of an individual segment strictly after `after`: on
 * `policy.contact.newsDigestDayOfMonth` at `newsDigestLocalTime` (bank time zone), in the months m
 * (1-12) with (m - 1) % everyMonths === 0, everyMonths being `policy.contact.newsDigest[segment]`'s
 * (3 → January, April, July, October; 1 → every month; 12 or more → January only).
 *
 * @throws RangeError for an invalid `after` or an unknown segment
 */
export function nextNewsDigest(segment: 'REGULAR' | 'VIP' | 'HIGH_NET_WORTH', after: Date, policy: Policy): Date {
  const digests: Partial<Record<string, { everyMonths: number }>> = policy.contact.newsDigest;
  const digest = Object.hasOwn(digests, segment) ? digests[segment] : undefined;
  if (!digest) throw new RangeError(`no news digest for segment ${JSON.stringify(segment)}`);
  if (!Number.isSafeInteger(digest.everyMonths) || digest.everyMonths < 1) {
    throw new RangeError(`newsDigest.${segment}.everyMonths must be a whole number ≥ 1, got ${digest.everyMonths}`);
  }
  const tz = timeZoneOf(policy);
  const afterMs = after.getTime();
  const { year: startYear, month: startMonth } = partsOf(calendarDateIn(after, tz), 'date');
  // Every January qualifies, so the search ends within 13 months of after's local month.
  for (let i = 0; ; i += 1) {
    const index = startMonth - 1 + i;
    const month = (index % 12) + 1;
    if ((month - 1) % digest.everyMonths !== 0) continue;
    const date = isoDate(startYear + Math.floor(index / 12), month, policy.contact.newsDigestDayOfMonth);
    const at = zonedDateTimeToInstant(date, policy.contact.newsDigestLocalTime, tz);
    if (at.getTime() > afterMs) return at;
  }
}

/**
 * §5.1 a calendar quarter of the bank: id 'YYYY-Qn', start = its first day 00:00 local, end = the
 * next quarter's first day 00:00 local (bank time zone); an instant t is in it when start ≤ t < end.
 */
export interface Quarter {
  id: string;
  start: Date;
  end: Date;
}

const QUARTER_ID = /^(\d{4})-Q([1-4])$/;

/** The first day (YYYY-MM-DD) of quarter `n` (1-4) of `year`. */
const quarterFirstDay = (year: number, n: number): string => isoDate(year, (n - 1) * 3 + 1, 1);

function quarter(year: number, n: number, tz: string): Quarter {
  const [nextYear, nextN] = n === 4 ? [year + 1, 1] : [year, n + 1];
  return {
    id: `${pad4(year)}-Q${n}`,
    start: zonedDateTimeToInstant(quarterFirstDay(year, n), '00:00', tz),
    end: zonedDateTimeToInstant(quarterFirstDay(nextYear, nextN), '00:00', tz),
  };
}

function parseQuarterId(id: string): { year: number; n: number } {
  const m = typeof id === 'string' ? QUARTER_ID.exec(id) : null;
  if (!m) throw new RangeError(`not a quarter id (YYYY-Qn): ${JSON.stringify(id)}`);
  return { year: Number(m[1]), n: Number(m[2]) };
}

/**
 * §5.1 the bank's calendar quarter that `instant` falls in, by its local date in the bank's time zone.
 *
 * @throws RangeError for an invalid Date
 */
export function quarterOf(instant: Date, policy: Policy): Quarter {
  const tz = timeZoneOf(policy);
  const { year, month } = partsOf(calendarDateIn(instant, tz), 'date');
  return quarter(year, Math.floor((month - 1) / 3) + 1, tz);
}

/**
 * §5.1 the quarter after `q` (Q4 → next year's Q1), computed from `q.id`.
 *
 * @throws RangeError when `q.id` is not 'YYYY-Qn' or the next quarter is past 9999
 */
export function nextQuarter(q: Quarter, policy: Policy): Quarter {
  const { year, n } = parseQuarterId(q.id);
  return n === 4 ? quarter(year + 1, 1, timeZoneOf(policy)) : quarter(year, n + 1, timeZoneOf(policy));
}

/**
 * §5.1 an enterprise's quarterly communication meeting: its task opens on the quarter's first
 * business day at `policy.lifecycle.reviewDueLocalTime` (bank time zone); the relationship manager
 * is reminded `policy.contact.meeting.firstReminderAfterBusinessDays` and
 * `secondReminderAfterBusinessDays` business days after it opens; a quarter that ends without a
 * meeting escalates at its end (`q.end`).
 *
 * @throws RangeError when `q.id` is not 'YYYY-Qn' or the year is outside the business calendar's
 */
export function meetingLadder(
  q: Quarter,
  policy: Policy,
): { opensAt: Date; firstReminderAt: Date; secondReminderAt: Date; escalatesAt: Date } {
  const { year, n } = parseQuarterId(q.id);
  const tz = timeZoneOf(policy);
  const opensAt = zonedDateTimeToInstant(nextBusinessDayOnOrAfter(quarterFirstDay(year, n)), policy.lifecycle.reviewDueLocalTime, tz);
  return {
    opensAt,
    firstReminderAt: addBusinessDays(opensAt, policy.contact.meeting.firstReminderAfterBusinessDays, tz),
    secondReminderAt: addBusinessDays(opensAt, policy.contact.meeting.secondReminderAfterBusinessDays, tz),
    escalatesAt: new Date(q.end.getTime()),
  };
}

/** §5.1 the channels a message to the customer may go by, in order of preference. */
export type ContactChannel = 'EMAIL' | 'SMS' | 'PHONE';
/** §5.1 SERVICE: reviews, greetings, notices. MARKETING: news digests, product recommendations. */
export type ContactPurpose = 'SERVICE' | 'MARKETING';

/**
 * §5.1 the channel a message to the customer goes by: the first of EMAIL, SMS, PHONE that the
 * customer's preferences allow AND that it has an address for (EMAIL needs an email address; SMS
 * and PHONE a phone number). MARKETING messages go by no channel when `prefs.marketingOptOut`;
 * SERVICE messages ignore the opt-out. undefined: no channel.
 *
 * @throws RangeError for an unknown purpose (so a misspelt purpose cannot slip past the opt-out)
 */
export function contactChannel(
  prefs: ContactPreferences,
  has: { email: boolean; phone: boolean },
  purpose: ContactPurpose,
): ContactChannel | undefined {
  if (purpose !== 'SERVICE' && purpose !== 'MARKETING') throw new RangeError(`unknown contact purpose ${JSON.stringify(purpose)}`);
  if (purpose === 'MARKETING' && prefs.marketingOptOut) return undefined;
  if (prefs.email && has.email) return 'EMAIL';
  if (prefs.sms && has.phone) return 'SMS';
  if (prefs.phone && has.phone) return 'PHONE';
  return undefined;
}

/**
 * §6.2 closer monitoring: when a customer rated `rating` at `assessedAt` is next re-assessed by its
 * lifecycle — the local date (bank time zone) plus `monitoringEveryMonths(rating)` months
 * (addMonthsClamped), at `policy.lifecycle.reviewDueLocalTime` — or null for a rating without close
 * monitoring (LOW/A, B, HIGH/D by default: the quarterly portfolio run re-assesses those).
 *
 * @throws RangeError for an unknown rating or an invalid Date
 */
export function nextRiskMonitoring(assessedAt: Date, rating: RiskRating, policy: Policy): Date | null {
  if (!measuresFor(rating, policy).closeMonitoring) return null;
  const tz = timeZoneOf(policy);
  const due = addMonthsClamped(calendarDateIn(assessedAt, tz), monitoringEveryMonths(rating, policy));
  return zonedDateTimeToInstant(due, policy.lifecycle.reviewDueLocalTime, tz);
}
