/**
 * src/domain/lifecycle-schedule.ts: the calendar rules of §3.2 (periodic review due dates and their
 * reminder ladder) and §5.1 (birthday greetings, news digests, quarterly meetings, contact channel).
 * Expected instants are written as ISO strings with their New York offsets (-05:00 EST, -04:00
 * EDT), so every DST change is explicit. Federal holidays and business days are those checked
 * against OPM in business-calendar.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  addMonthsClamped,
  contactChannel,
  meetingLadder,
  nextBirthdayGreeting,
  nextNewsDigest,
  nextQuarter,
  nextReviewDue,
  quarterOf,
  reviewLadder,
  type ContactPurpose,
  type Quarter,
} from '../../src/domain/lifecycle-schedule';
import type { ContactPreferences } from '../../src/domain/contact';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../src/policy/policy';

/** A validated deep copy of the defaults with one change applied. */
function withChange(change: (p: Policy) => void): Policy {
  const copy = structuredClone(DEFAULT_POLICY);
  change(copy);
  return parsePolicy(copy);
}

const P = DEFAULT_POLICY;
const at = (iso: string): Date => new Date(iso);
/** ISO strings compare better in failure messages than Dates. */
const iso = (d: Date): string => d.toISOString();

describe('addMonthsClamped (§3.2 cadence arithmetic)', () => {
  it.each([
    ['2026-08-31', 6, '2027-02-28'], // common year February
    ['2028-08-31', 6, '2029-02-28'],
    ['2027-08-31', 6, '2028-02-29'], // leap year February
    ['2028-02-29', 12, '2029-02-28'], // leap-day anniversary in a common year
    ['2028-02-29', 48, '2032-02-29'], // … and in the next leap year
    ['2027-03-31', 3, '2027-06-30'], // 31 → 30-day month
    ['2026-11-30', 3, '2027-02-28'], // year wrap and clamp
    ['2027-11-30', 3, '2028-02-29'],
    ['2027-01-31', 1, '2027-02-28'],
    ['2027-10-31', 1, '2027-11-30'],
    ['2027-12-31', 1, '2028-01-31'], // year wrap, no clamp
    ['2027-01-15', 0, '2027-01-15'],
    ['2027-02-28', 6, '2027-08-28'], // a short month's day is kept, not pushed to month end
    ['2027-05-17', 25, '2029-06-17'],
    ['1999-12-31', 2, '2000-02-29'], // 2000 is a leap year (÷400)
    ['2099-12-31', 2, '2100-02-28'], // 2100 is not (÷100)
    ['9999-06-30', 6, '9999-12-30'],
  ])('%s + %i months = %s', (date, months, expected) => {
    expect(addMonthsClamped(date, months)).toBe(expected);
  });

  it.each([
    ['2027-01-31', -1],
    ['2027-01-31', 1.5],
    ['2027-01-31', Number.NaN],
    ['2027-01-31', Number.POSITIVE_INFINITY],
    ['2027-02-29', 1], // not a date
    ['2027-2-3', 1],
    ['2027-13-01', 1],
    ['', 1],
    ['9999-12-01', 1], // past 9999-12-31
  ])('RangeError for %j + %j', (date, months) => {
    expect(() => addMonthsClamped(date, months)).toThrow(RangeError);
  });
});

describe('nextReviewDue (§3.2 periodic review)', () => {
  it('§3.2 an individual is reviewed every individualEveryMonths (6): 31 Aug 2026 → 28 Feb 2027 09:00 EST', () => {
    expect(iso(nextReviewDue(at('2026-08-31T15:00:00-04:00'), 'INDIVIDUAL', P))).toBe(iso(at('2027-02-28T09:00:00-05:00')));
  });

  it('§3.2 an enterprise is reviewed every enterpriseEveryMonths (3): 31 Mar 2027 → 30 Jun 2027 09:00 EDT', () => {
    expect(iso(nextReviewDue(at('2027-03-31T10:00:00-04:00'), 'ENTERPRISE', P))).toBe(iso(at('2027-06-30T09:00:00-04:00')));
  });

  it('§3.2 enterprise 30 Nov 2026 → 28 Feb 2027, 30 Nov 2027 → 29 Feb 2028 (clamped, leap year)', () => {
    expect(iso(nextReviewDue(at('2026-11-30T12:00:00-05:00'), 'ENTERPRISE', P))).toBe(iso(at('2027-02-28T09:00:00-05:00')));
    expect(iso(nextReviewDue(at('2027-11-30T12:00:00-05:00'), 'ENTERPRISE', P))).toBe(iso(at('2028-02-29T09:00:00-05:00')));
  });

  it('§3.2 individual 31 Aug 2027 → 29 Feb 2028; approved on 29 Feb 2028 → 29 Aug 2028', () => {
    expect(iso(nextReviewDue(at('2027-08-31T11:00:00-04:00'), 'INDIVIDUAL', P))).toBe(iso(at('2028-02-29T09:00:00-05:00')));
    expect(iso(nextReviewDue(at('2028-02-29T11:00:00-05:00'), 'INDIVIDUAL', P))).toBe(iso(at('2028-08-29T09:00:00-04:00')));
  });

  it('§3.2 the cadence comes from the policy: a 12-month cadence from 29 Feb 2028 → 28 Feb 2029; a 1-month enterprise cadence', () => {
    const yearly = withChange((p) => {
      p.review.individualEveryMonths = 12;
      p.review.enterpriseEveryMonths = 1;
    });
    expect(iso(nextReviewDue(at('2028-02-29T11:00:00-05:00'), 'INDIVIDUAL', yearly))).toBe(iso(at('2029-02-28T09:00:00-05:00')));
    expect(iso(nextReviewDue(at('2027-01-31T11:00:00-05:00'), 'ENTERPRISE', yearly))).toBe(iso(at('2027-02-28T09:00:00-05:00')));
  });

  it('§3.2 the due time comes from policy.lifecycle.reviewDueLocalTime', () => {
    const afternoon = withChange((p) => {
      p.lifecycle.reviewDueLocalTime = '14:30';
    });
    expect(iso(nextReviewDue(at('2027-01-10T08:00:00-05:00'), 'INDIVIDUAL', afternoon))).toBe(iso(at('2027-07-10T14:30:00-04:00')));
  });

  it('§3.2 an anchor late in the evening local time (already the next day in UTC) counts by its local date', () => {
    // 31 Aug 2026 22:30 EDT is 1 Sep 2026 02:30 UTC: the review is due 28 Feb, not 1 Mar.
    const anchor = at('2026-08-31T22:30:00-04:00');
    expect(anchor.toISOString().slice(0, 10)).toBe('2026-09-01');
    expect(iso(nextReviewDue(anchor, 'INDIVIDUAL', P))).toBe(iso(at('2027-02-28T09:00:00-05:00')));
    // Enterprise: 31 Mar 2027 23:59 EDT → 30 Jun, not 1 Jul.
    expect(iso(nextReviewDue(at('2027-03-31T23:59:00-04:00'), 'ENTERPRISE', P))).toBe(iso(at('2027-06-30T09:00:00-04:00')));
  });

  it('§3.2 the bank time zone comes from the policy: the same instant in Los Angeles is still the previous day', () => {
    const la = withChange((p) => {
      p.onboarding.timeZone = 'America/Los_Angeles';
    });
    // 1 Sep 2026 01:00 EDT = 31 Aug 2026 22:00 PDT.
    expect(iso(nextReviewDue(at('2026-09-01T01:00:00-04:00'), 'INDIVIDUAL', la))).toBe(iso(at('2027-02-28T09:00:00-08:00')));
    expect(iso(nextReviewDue(at('2026-09-01T01:00:00-04:00'), 'INDIVIDUAL', P))).toBe(iso(at('2027-03-01T09:00:00-05:00')));
  });

  it('§3.2 the due time keeps 09:00 local across DST: EDT → EST and EST → EDT', () => {
    // DST 2027: starts Sun 14 Mar, ends Sun 7 Nov.
    expect(iso(nextReviewDue(at('2026-09-15T10:00:00-04:00'), 'INDIVIDUAL', P))).toBe(iso(at('2027-03-15T09:00:00-04:00')));
    expect(iso(nextReviewDue(at('2026-12-15T10:00:00-05:00'), 'ENTERPRISE', P))).toBe(iso(at('2027-03-15T09:00:00-04:00')));
    expect(iso(nextReviewDue(at('2027-05-10T10:00:00-04:00'), 'INDIVIDUAL', P))).toBe(iso(at('2027-11-10T09:00:00-05:00')));
    expect(iso(nextReviewDue(at('2027-08-07T10:00:00-04:00'), 'ENTERPRISE', P))).toBe(iso(at('2027-11-07T09:00:00-05:00'))); // the change day itself
  });

  it('§3.2 a review completed late keeps the cadence from its completion (the completion is the anchor)', () => {
    // Due 28 Feb 2027, completed 12 Mar 2027 → next due 12 Sep 2027, not 28 Aug.
    expect(iso(nextReviewDue(at('2027-03-12T16:00:00-05:00'), 'INDIVIDUAL', P))).toBe(iso(at('2027-09-12T09:00:00-04:00')));
  });

  it('§3.2 a due date on a weekend stays there (calendar cadence; the ladder counts business days from it)', () => {
    // 27 Feb 2027 is a Saturday.
    expect(iso(nextReviewDue(at('2026-08-27T10:00:00-04:00'), 'INDIVIDUAL', P))).toBe(iso(at('2027-02-27T09:00:00-05:00')));
  });

  it('§3.2 RangeError for an invalid anchor or customer type', () => {
    expect(() => nextReviewDue(new Date(Number.NaN), 'INDIVIDUAL', P)).toThrow(RangeError);
    expect(() => nextReviewDue(at('2027-01-10T08:00:00-05:00'), 'PERSON' as 'INDIVIDUAL', P)).toThrow(RangeError);
  });
});

describe('reviewLadder (§3.2 reminders and escalation)', () => {
  it('§3.2 due on the Friday before Memorial Day 2027: +5 → Mon 7 Jun, +10 → Mon 14 Jun (weekend and holiday skipped)', () => {
    const dueAt = at('2027-05-28T09:00:00-04:00');
    const ladder = reviewLadder(dueAt, P);
    expect(iso(ladder.dueAt)).toBe(iso(dueAt));
    expect(iso(ladder.secondReminderAt)).toBe(iso(at('2027-06-07T09:00:00-04:00')));
    expect(iso(ladder.overdueAt)).toBe(iso(at('2027-06-14T09:00:00-04:00')));
  });

  it('§3.2 due Monday of Thanksgiving week 2026: +5 → Tue 1 Dec, +10 → Tue 8 Dec', () => {
    const ladder = reviewLadder(at('2026-11-23T09:00:00-05:00'), P);
    expect(iso(ladder.secondReminderAt)).toBe(iso(at('2026-12-01T09:00:00-05:00')));
    expect(iso(ladder.overdueAt)).toBe(iso(at('2026-12-08T09:00:00-05:00')));
  });

  it('§3.2 due on a Saturday counts from Monday, and the overdue instant crosses DST (EST → EDT)', () => {
    const ladder = reviewLadder(at('2027-02-27T09:00:00-05:00'), P);
    expect(iso(ladder.secondReminderAt)).toBe(iso(at('2027-03-08T09:00:00-05:00')));
    expect(iso(ladder.overdueAt)).toBe(iso(at('2027-03-15T09:00:00-04:00')));
  });

  it('§3.2 the counts come from the policy', () => {
    const quick = withChange((p) => {
      p.lifecycle.reviewSecondReminderAfterBusinessDays = 1;
      p.lifecycle.reviewOverdueAfterBusinessDays = 2;
    });
    // Wed 25 Nov 2026: +1 skips Thanksgiving → Fri 27; +2 → Mon 30.
    const ladder = reviewLadder(at('2026-11-25T09:00:00-05:00'), quick);
    expect(iso(ladder.secondReminderAt)).toBe(iso(at('2026-11-27T09:00:00-05:00')));
    expect(iso(ladder.overdueAt)).toBe(iso(at('2026-11-30T09:00:00-05:00')));
  });

  it('§3.2 the returned dueAt is a copy (mutating it does not touch the caller\'s Date)', () => {
    const dueAt = at('2027-05-28T09:00:00-04:00');
    const ladder = reviewLadder(dueAt, P);
    expect(ladder.dueAt).not.toBe(dueAt);
    ladder.dueAt.setTime(0);
    expect(iso(dueAt)).toBe('2027-05-28T13:00:00.000Z');
  });

  it('§3.2 RangeError for an invalid dueAt', () => {
    expect(() => reviewLadder(new Date(Number.NaN), P)).toThrow(RangeError);
  });
});

describe('nextBirthdayGreeting (§5.1)', () => {
  const dob = '1990-06-15';

  it('§5.1 a birthday greeting due later today still counts', () => {
    expect(iso(nextBirthdayGreeting(dob, at('2027-06-15T08:59:59.999-04:00'), P))).toBe(iso(at('2027-06-15T09:00:00-04:00')));
    expect(iso(nextBirthdayGreeting(dob, at('2027-06-14T23:00:00-04:00'), P))).toBe(iso(at('2027-06-15T09:00:00-04:00')));
  });

  it('§5.1 strictly after: the greeting instant itself is excluded → next year', () => {
    expect(iso(nextBirthdayGreeting(dob, at('2027-06-15T09:00:00-04:00'), P))).toBe(iso(at('2028-06-15T09:00:00-04:00')));
    expect(iso(nextBirthdayGreeting(dob, at('2027-06-15T09:00:00.001-04:00'), P))).toBe(iso(at('2028-06-15T09:00:00-04:00')));
  });

  it('§5.1 earlier in the year → this year; EST birthdays get the EST offset', () => {
    expect(iso(nextBirthdayGreeting(dob, at('2027-01-02T12:00:00-05:00'), P))).toBe(iso(at('2027-06-15T09:00:00-04:00')));
    expect(iso(nextBirthdayGreeting('1985-12-03', at('2027-06-20T12:00:00-04:00'), P))).toBe(iso(at('2027-12-03T09:00:00-05:00')));
  });

  it('§5.1 a 29 February birthday: 28 Feb 2027 (common year), 29 Feb 2028 (leap year)', () => {
    const leapling = '2000-02-29';
    expect(iso(nextBirthdayGreeting(leapling, at('2027-01-10T12:00:00-05:00'), P))).toBe(iso(at('2027-02-28T09:00:00-05:00')));
    expect(iso(nextBirthdayGreeting(leapling, at('2027-02-28T09:00:00-05:00'), P))).toBe(iso(at('2028-02-29T09:00:00-05:00')));
    expect(iso(nextBirthdayGreeting(leapling, at('2028-02-28T12:00:00-05:00'), P))).toBe(iso(at('2028-02-29T09:00:00-05:00')));
    expect(iso(nextBirthdayGreeting(leapling, at('2028-02-29T09:00:00-05:00'), P))).toBe(iso(at('2029-02-28T09:00:00-05:00')));
  });

  it('§5.1 a 28 February birthday is not moved in a leap year', () => {
    expect(iso(nextBirthdayGreeting('1991-02-28', at('2028-01-10T12:00:00-05:00'), P))).toBe(iso(at('2028-02-28T09:00:00-05:00')));
  });

  it('§5.1 a 1 January birthday after New Year\'s Eve evening (already 1 Jan in UTC) → 1 Jan 09:00 local', () => {
    expect(iso(nextBirthdayGreeting('1980-01-01', at('2027-12-31T22:00:00-05:00'), P))).toBe(iso(at('2028-01-01T09:00:00-05:00')));
  });

  it('§5.1 the greeting time and time zone come from the policy', () => {
    const early = withChange((p) => {
      p.contact.birthdayGreetingLocalTime = '07:30';
      p.onboarding.timeZone = 'America/Chicago';
    });
    expect(iso(nextBirthdayGreeting(dob, at('2027-06-15T07:00:00-05:00'), early))).toBe(iso(at('2027-06-15T07:30:00-05:00')));
    expect(iso(nextBirthdayGreeting(dob, at('2027-06-15T07:30:00-05:00'), early))).toBe(iso(at('2028-06-15T07:30:00-05:00')));
  });

  it('§5.1 greetings start with the first anniversary, never in the year of birth', () => {
    expect(iso(nextBirthdayGreeting('2027-06-15', at('2027-01-01T12:00:00-05:00'), P))).toBe(iso(at('2028-06-15T09:00:00-04:00')));
  });

  it.each(['2027-02-29', '1990-6-15', '15/06/1990', ''])('§5.1 RangeError for the date of birth %j', (bad) => {
    expect(() => nextBirthdayGreeting(bad, at('2027-01-01T12:00:00-05:00'), P)).toThrow(RangeError);
  });

  it('§5.1 RangeError for an invalid `after`', () => {
    expect(() => nextBirthdayGreeting(dob, new Date(Number.NaN), P)).toThrow(RangeError);
  });
});

describe('nextNewsDigest (§5.1)', () => {
  it('§5.1 REGULAR (every 3 months): after 2 Oct 2027 → 1 Jan 2028 10:00 EST (year wrap)', () => {
    expect(iso(nextNewsDigest('REGULAR', at('2027-10-02T12:00:00-04:00'), P))).toBe(iso(at('2028-01-01T10:00:00-05:00')));
  });

  it('§5.1 REGULAR is sent in January, April, July and October only', () => {
    expect(iso(nextNewsDigest('REGULAR', at('2027-02-15T12:00:00-05:00'), P))).toBe(iso(at('2027-04-01T10:00:00-04:00')));
    expect(iso(nextNewsDigest('REGULAR', at('2027-04-01T10:00:00-04:00'), P))).toBe(iso(at('2027-07-01T10:00:00-04:00')));
    expect(iso(nextNewsDigest('REGULAR', at('2027-07-01T10:00:00-04:00'), P))).toBe(iso(at('2027-10-01T10:00:00-04:00')));
  });

  it('§5.1 strictly after: a digest later today counts, the digest instant itself does not', () => {
    expect(iso(nextNewsDigest('REGULAR', at('2027-01-01T09:59:59.999-05:00'), P))).toBe(iso(at('2027-01-01T10:00:00-05:00')));
    expect(iso(nextNewsDigest('REGULAR', at('2027-01-01T10:00:00-05:00'), P))).toBe(iso(at('2027-04-01T10:00:00-04:00')));
  });

  it('§5.1 VIP and HIGH_NET_WORTH (every month): the next 1st, incl. year wrap and DST', () => {
    expect(iso(nextNewsDigest('VIP', at('2027-03-01T10:00:00-05:00'), P))).toBe(iso(at('2027-04-01T10:00:00-04:00')));
    expect(iso(nextNewsDigest('VIP', at('2027-12-01T10:00:00-05:00'), P))).toBe(iso(at('2028-01-01T10:00:00-05:00')));
    expect(iso(nextNewsDigest('HIGH_NET_WORTH', at('2027-10-31T23:00:00-04:00'), P))).toBe(iso(at('2027-11-01T10:00:00-04:00')));
    expect(iso(nextNewsDigest('HIGH_NET_WORTH', at('2027-11-01T10:00:00-04:00'), P))).toBe(iso(at('2027-12-01T10:00:00-05:00')));
  });

  it('§5.1 the local month counts: 30 Sep 23:00 EDT (already 1 Oct in UTC) → 1 Oct 10:00 EDT', () => {
    expect(iso(nextNewsDigest('REGULAR', at('2027-09-30T23:00:00-04:00'), P))).toBe(iso(at('2027-10-01T10:00:00-04:00')));
  });

  it('§5.1 day, time and cadence come from the policy (15th at 08:00; every 6 → Jan/Jul; every 5 → Jan/Jun/Nov)', () => {
    const custom = withChange((p) => {
      p.contact.newsDigestDayOfMonth = 15;
      p.contact.newsDigestLocalTime = '08:00';
      p.contact.newsDigest.REGULAR.everyMonths = 6;
      p.contact.newsDigest.VIP.everyMonths = 5;
      p.contact.newsDigest.HIGH_NET_WORTH.everyMonths = 12;
    });
    expect(iso(nextNewsDigest('REGULAR', at('2027-01-15T07:59:00-05:00'), custom))).toBe(iso(at('2027-01-15T08:00:00-05:00')));
    expect(iso(nextNewsDigest('REGULAR', at('2027-01-15T08:00:00-05:00'), custom))).toBe(iso(at('2027-07-15T08:00:00-04:00')));
    expect(iso(nextNewsDigest('VIP', at('2027-06-16T12:00:00-04:00'), custom))).toBe(iso(at('2027-11-15T08:00:00-05:00')));
    expect(iso(nextNewsDigest('VIP', at('2027-11-15T08:00:00-05:00'), custom))).toBe(iso(at('2028-01-15T08:00:00-05:00')));
    expect(iso(nextNewsDigest('HIGH_NET_WORTH', at('2027-01-15T08:00:00-05:00'), custom))).toBe(iso(at('2028-01-15T08:00:00-05:00')));
  });

  it('§5.1 RangeError for an unknown segment or an invalid `after`', () => {
    expect(() => nextNewsDigest('SMALL' as 'VIP', at('2027-01-01T12:00:00-05:00'), P)).toThrow(RangeError);
    expect(() => nextNewsDigest('toString' as 'VIP', at('2027-01-01T12:00:00-05:00'), P)).toThrow(RangeError);
    expect(() => nextNewsDigest('VIP', new Date(Number.NaN), P)).toThrow(RangeError);
  });
});

describe('quarterOf / nextQuarter (§5.1 quarters)', () => {
  const view = (q: Quarter) => ({ id: q.id, start: iso(q.start), end: iso(q.end) });
  const expected = (id: string, start: string, end: string) => ({ id, start: iso(at(start)), end: iso(at(end)) });

  it.each([
    ['2027-02-14T12:00:00-05:00', expected('2027-Q1', '2027-01-01T00:00:00-05:00', '2027-04-01T00:00:00-04:00')],
    ['2027-03-31T23:59:59.999-04:00', expected('2027-Q1', '2027-01-01T00:00:00-05:00', '2027-04-01T00:00:00-04:00')],
    ['2027-04-01T00:00:00-04:00', expected('2027-Q2', '2027-04-01T00:00:00-04:00', '2027-07-01T00:00:00-04:00')],
    ['2027-08-20T12:00:00-04:00', expected('2027-Q3', '2027-07-01T00:00:00-04:00', '2027-10-01T00:00:00-04:00')],
    ['2027-11-20T12:00:00-05:00', expected('2027-Q4', '2027-10-01T00:00:00-04:00', '2028-01-01T00:00:00-05:00')],
    // 31 Dec 20:00 EST is already 1 Jan in UTC: still Q4 of 2027 locally.
    ['2027-12-31T20:00:00-05:00', expected('2027-Q4', '2027-10-01T00:00:00-04:00', '2028-01-01T00:00:00-05:00')],
    // 30 Jun 22:00 EDT is already 1 Jul in UTC: still Q2.
    ['2027-06-30T22:00:00-04:00', expected('2027-Q2', '2027-04-01T00:00:00-04:00', '2027-07-01T00:00:00-04:00')],
  ])('§5.1 quarterOf(%s)', (instant, q) => {
    expect(view(quarterOf(at(instant), P))).toEqual(q);
  });

  it('§5.1 quarterOf uses the policy time zone', () => {
    const la = withChange((p) => {
      p.onboarding.timeZone = 'America/Los_Angeles';
    });
    expect(view(quarterOf(at('2028-01-01T01:00:00-05:00'), la))).toEqual(
      expected('2027-Q4', '2027-10-01T00:00:00-07:00', '2028-01-01T00:00:00-08:00'),
    );
  });

  it('§5.1 nextQuarter: Q4 → Q1 of the next year', () => {
    const q4 = quarterOf(at('2027-11-20T12:00:00-05:00'), P);
    expect(view(nextQuarter(q4, P))).toEqual(expected('2028-Q1', '2028-01-01T00:00:00-05:00', '2028-04-01T00:00:00-04:00'));
  });

  it('§5.1 nextQuarter walks a year: ids Q2, Q3, Q4, Q1, each starting where the last ended', () => {
    let q = quarterOf(at('2027-01-01T00:00:00-05:00'), P);
    expect(q.id).toBe('2027-Q1');
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const next = nextQuarter(q, P);
      expect(iso(next.start)).toBe(iso(q.end));
      ids.push(next.id);
      q = next;
    }
    expect(ids).toEqual(['2027-Q2', '2027-Q3', '2027-Q4', '2028-Q1']);
  });

  it('§5.1 RangeError for a bad quarter id or an invalid instant', () => {
    const q = quarterOf(at('2027-02-14T12:00:00-05:00'), P);
    for (const id of ['2027-Q5', '2027Q1', '27-Q1', '']) {
      expect(() => nextQuarter({ ...q, id }, P)).toThrow(RangeError);
      expect(() => meetingLadder({ ...q, id }, P)).toThrow(RangeError);
    }
    expect(() => quarterOf(new Date(Number.NaN), P)).toThrow(RangeError);
  });
});

describe('meetingLadder (§5.1 quarterly enterprise meeting)', () => {
  it('§5.1 Q1 2027 starts on a holiday (Fri 1 Jan): opens Mon 4 Jan 09:00 EST; +20 → 2 Feb, +40 → 3 Mar (MLK, Presidents Day skipped)', () => {
    const q = quarterOf(at('2027-02-14T12:00:00-05:00'), P);
    const ladder = meetingLadder(q, P);
    expect(iso(ladder.opensAt)).toBe(iso(at('2027-01-04T09:00:00-05:00')));
    expect(iso(ladder.firstReminderAt)).toBe(iso(at('2027-02-02T09:00:00-05:00')));
    expect(iso(ladder.secondReminderAt)).toBe(iso(at('2027-03-03T09:00:00-05:00')));
    expect(iso(ladder.escalatesAt)).toBe(iso(at('2027-04-01T00:00:00-04:00')));
    expect(ladder.escalatesAt).not.toBe(q.end); // a copy, not the caller's Date
  });

  it('§5.1 Q2 2027 starts on a business day (Thu 1 Apr): opens that day 09:00 EDT; escalates at 1 Jul 00:00', () => {
    const ladder = meetingLadder(quarterOf(at('2027-05-05T12:00:00-04:00'), P), P);
    expect(iso(ladder.opensAt)).toBe(iso(at('2027-04-01T09:00:00-04:00')));
    expect(iso(ladder.escalatesAt)).toBe(iso(at('2027-07-01T00:00:00-04:00')));
  });

  it('§5.1 Q2 2028 starts on a Saturday: opens Mon 3 Apr 2028 09:00 EDT', () => {
    expect(iso(meetingLadder(quarterOf(at('2028-05-05T12:00:00-04:00'), P), P).opensAt)).toBe(iso(at('2028-04-03T09:00:00-04:00')));
  });

  it('§5.1 the time and the reminder counts come from the policy', () => {
    const custom = withChange((p) => {
      p.lifecycle.reviewDueLocalTime = '08:30';
      p.contact.meeting.firstReminderAfterBusinessDays = 2;
      p.contact.meeting.secondReminderAfterBusinessDays = 4;
    });
    // Q4 2026: Thu 1 Oct; +2 → Mon 5 Oct; +4 → Wed 7 Oct.
    const ladder = meetingLadder(quarterOf(at('2026-11-20T12:00:00-05:00'), custom), custom);
    expect(iso(ladder.opensAt)).toBe(iso(at('2026-10-01T08:30:00-04:00')));
    expect(iso(ladder.firstReminderAt)).toBe(iso(at('2026-10-05T08:30:00-04:00')));
    expect(iso(ladder.secondReminderAt)).toBe(iso(at('2026-10-07T08:30:00-04:00')));
    expect(iso(ladder.escalatesAt)).toBe(iso(at('2027-01-01T00:00:00-05:00')));
  });
});

describe('contactChannel (§5.1)', () => {
  const prefs = (over: Partial<ContactPreferences> = {}): ContactPreferences => ({
    email: true,
    sms: false,
    phone: true,
    marketingOptOut: false,
    ...over,
  });
  const both = { email: true, phone: true };

  it.each<[string, Partial<ContactPreferences>, { email: boolean; phone: boolean }, ContactPurpose, string | undefined]>([
    ['defaults, both addresses → EMAIL', {}, both, 'SERVICE', 'EMAIL'],
    ['email allowed but no address → PHONE (sms not allowed)', {}, { email: false, phone: true }, 'SERVICE', 'PHONE'],
    ['sms allowed, no email address → SMS before PHONE', { sms: true }, { email: false, phone: true }, 'SERVICE', 'SMS'],
    ['email not allowed, sms allowed → SMS', { email: false, sms: true }, both, 'SERVICE', 'SMS'],
    ['sms allowed but no phone → SMS skipped, PHONE needs a phone too → undefined', { email: false, sms: true, phone: true }, { email: true, phone: false }, 'SERVICE', undefined],
    ['sms allowed but no phone, email allowed → EMAIL', { sms: true }, { email: true, phone: false }, 'MARKETING', 'EMAIL'],
    ['only phone allowed → PHONE', { email: false, sms: false, phone: true }, both, 'SERVICE', 'PHONE'],
    ['nothing allowed → undefined', { email: false, sms: false, phone: false }, both, 'SERVICE', undefined],
    ['no addresses → undefined', { sms: true }, { email: false, phone: false }, 'SERVICE', undefined],
    ['opt-out blocks MARKETING', { marketingOptOut: true }, both, 'MARKETING', undefined],
    ['opt-out does not block SERVICE', { marketingOptOut: true }, both, 'SERVICE', 'EMAIL'],
    ['opt-out, SERVICE falls through to SMS', { marketingOptOut: true, email: false, sms: true }, both, 'SERVICE', 'SMS'],
    ['no opt-out, MARKETING → EMAIL', {}, both, 'MARKETING', 'EMAIL'],
    ['no opt-out, MARKETING by PHONE', { email: false }, both, 'MARKETING', 'PHONE'],
  ])('§5.1 %s', (_name, over, has, purpose, channel) => {
    expect(contactChannel(prefs(over), has, purpose)).toBe(channel);
  });

  it('§5.1 RangeError for an unknown purpose (a typo must not bypass the opt-out)', () => {
    expect(() => contactChannel(prefs({ marketingOptOut: true }), both, 'marketing' as ContactPurpose)).toThrow(RangeError);
  });
});

describe('lifecycle-schedule.ts stays pure (§3.2/§5.1 rules are replayed in workflows)', () => {
  const source = readFileSync(path.join(__dirname, '../../src/domain/lifecycle-schedule.ts'), 'utf8');

  it('imports no Node built-in, and policy.ts (which reads files) only for its types', () => {
    expect(source).not.toMatch(/from ['"]node:/);
    expect(source).not.toMatch(/require\(/);
    const policyImports = source.match(/^import .*from '\.\.\/policy\/policy';$/gm) ?? [];
    expect(policyImports.length).toBeGreaterThan(0);
    for (const line of policyImports) expect(line).toMatch(/^import type /);
  });

  it('reads no clock', () => {
    expect(source).not.toMatch(/Date\.now\(|new Date\(\)|performance\.now\(/);
  });
});
