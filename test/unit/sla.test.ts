/**
 * src/domain/sla.ts: §5.2 response deadlines ("an individual customer's issue within 24 hours; a
 * complex enterprise issue within 3–5 business days … business days skip weekends and US federal
 * holidays"; "reminder before the deadline, escalation to the department head at the deadline, then
 * to the executive on duty").
 *
 * Every expected instant below is written by hand, with its UTC offset, from the calendar and the
 * rules in the module comment (business time = the time on business days, local 00:00–24:00, in
 * America/New_York; pauses credit only their business time; a non-business-day registration starts
 * the clock at the next business day's 00:00). Defaults: complex 3/5 business days, simple 1/2,
 * individual 24 h, executive 1 business day / 8 h after the target, reminders at 50 % and 80 %.
 */
import {
  addBusinessDays,
  calendarDateIn,
  isBusinessDay,
  nextBusinessDayOnOrAfter,
  zonedDateTimeToInstant,
} from '../../src/domain/business-calendar';
import {
  addBusinessTime,
  businessTimeBetween,
  computeSla,
  elapsed,
  elapsedFraction,
  remaining,
  slaClass,
  slaClock,
  type Sla,
  type SlaKind,
  type SlaPause,
} from '../../src/domain/sla';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../src/policy/policy';

const NY = 'America/New_York';
const HOUR = 3_600_000;
const MIN = 60_000;
const P = DEFAULT_POLICY;

const at = (iso: string): Date => {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`bad test instant ${iso}`);
  return d;
};
const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
/** The UTC ISO string of a local ISO instant written with its offset (what computeSla's Dates print as). */
const u = (local: string): string => at(local).toISOString();
const pause = (from: string, to?: string): SlaPause => (to === undefined ? { from: at(from) } : { from: at(from), to: at(to) });

function sla(kind: SlaKind, registered: string, pauses: SlaPause[] = [], policy: Policy = P): Sla {
  return computeSla({ registeredAt: at(registered), pauses, kind, policy });
}

function policyWith(change: (p: Record<string, any>) => void): Policy {
  const copy = structuredClone(DEFAULT_POLICY) as Record<string, any>;
  change(copy);
  return parsePolicy(copy);
}

/** A small deterministic PRNG (mulberry32), so the "random" instants are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('§5.2 slaClass and slaClock', () => {
  it.each<[customerType: 'INDIVIDUAL' | 'ENTERPRISE', complexity: 'SIMPLE' | 'COMPLEX', kind: SlaKind, clock: string]>([
    ['INDIVIDUAL', 'SIMPLE', 'INDIVIDUAL', 'WALL'],
    ['INDIVIDUAL', 'COMPLEX', 'INDIVIDUAL', 'WALL'],
    ['ENTERPRISE', 'COMPLEX', 'ENTERPRISE_COMPLEX', 'BUSINESS'],
    ['ENTERPRISE', 'SIMPLE', 'ENTERPRISE_SIMPLE', 'BUSINESS'],
  ])('§5.2 %s %s → %s on the %s clock', (customerType, complexity, kind, clock) => {
    expect(slaClass(customerType, complexity)).toBe(kind);
    expect(slaClock(kind)).toBe(clock);
  });

  it('rejects unknown values with a RangeError naming them', () => {
    expect(() => slaClass('PERSON' as any, 'SIMPLE')).toThrow('customerType must be INDIVIDUAL or ENTERPRISE, got "PERSON"');
    expect(() => slaClass('ENTERPRISE', 'HARD' as any)).toThrow('complexity must be SIMPLE or COMPLEX, got "HARD"');
    expect(() => slaClock('VIP' as any)).toThrow(RangeError);
    expect(() => computeSla({ registeredAt: at('2026-09-04T16:00:00-04:00'), kind: 'VIP' as any, policy: P })).toThrow(
      'kind must be one of INDIVIDUAL, ENTERPRISE_COMPLEX, ENTERPRISE_SIMPLE, got "VIP"',
    );
  });
});

describe('§5.2 business time: businessTimeBetween and addBusinessTime (America/New_York)', () => {
  it.each<[from: string, to: string, hours: number, why: string]>([
    ['2026-09-11T17:00:00-04:00', '2026-09-14T09:00:00-04:00', 16, 'Fri 17:00 → Mon 09:00: 7 h of Friday + 9 h of Monday, never the weekend'],
    ['2026-09-04T16:00:00-04:00', '2026-09-08T16:00:00-04:00', 24, 'Fri 16:00 → Tue 16:00 across Labor Day: 8 h + 16 h'],
    ['2026-09-05T10:00:00-04:00', '2026-09-07T23:00:00-04:00', 0, 'Saturday → Labor Day Monday: none'],
    ['2026-11-25T17:00:00-05:00', '2026-11-27T17:00:00-05:00', 24, 'Wed 17:00 → Fri 17:00 over Thanksgiving: 7 h + 17 h'],
    ['2026-03-06T15:00:00-05:00', '2026-03-11T15:00:00-04:00', 72, 'Fri 15:00 EST → Wed 15:00 EDT: 72 business hours (71 real ones)'],
    ['2026-10-30T15:00:00-04:00', '2026-11-04T15:00:00-05:00', 72, 'Fri 15:00 EDT → Wed 15:00 EST: 72 business hours (73 real ones)'],
    ['2027-12-30T10:00:00-05:00', '2028-01-03T10:00:00-05:00', 24, 'Thu 30 Dec 2027 → Mon 3 Jan 2028: Fri 31 Dec is New Year’s Day observed'],
    ['2026-09-14T10:00:00-04:00', '2026-09-14T09:00:00-04:00', 0, 'b before a: 0'],
  ])('%s → %s = %d h (%s)', (from, to, hours) => {
    expect(businessTimeBetween(at(from), at(to), NY)).toBe(hours * HOUR);
  });

  it.each<[from: string, hours: number, expected: string]>([
    ['2026-09-04T16:00:00-04:00', 8, '2026-09-08T00:00:00-04:00'], // the end of Friday = the next business day's 00:00 (Tue, after Labor Day)
    ['2026-09-04T16:00:00-04:00', 9, '2026-09-08T01:00:00-04:00'],
    ['2026-09-05T10:00:00-04:00', 0, '2026-09-08T00:00:00-04:00'], // from a Saturday: the next business day's 00:00
    ['2026-09-11T17:00:00-04:00', 16, '2026-09-14T09:00:00-04:00'],
    ['2026-03-06T15:00:00-05:00', 72, '2026-03-11T15:00:00-04:00'],
  ])('addBusinessTime(%s, %d h) = %s', (from, hours, expected) => {
    expect(iso(addBusinessTime(at(from), hours * HOUR, NY))).toBe(u(expected));
  });

  it('addBusinessTime inverts businessTimeBetween on business-day instants', () => {
    const rnd = prng(7);
    for (let i = 0; i < 300; i += 1) {
      const a = new Date(Date.UTC(2026, 0, 1) + Math.floor(rnd() * 3 * 365 * 24) * HOUR + Math.floor(rnd() * HOUR));
      const amount = Math.floor(rnd() * 20 * 24 * HOUR);
      const b = addBusinessTime(a, amount, NY);
      expect(isBusinessDay(calendarDateIn(b, NY))).toBe(true);
      expect(businessTimeBetween(a, b, NY)).toBe(amount);
    }
  });

  it('rejects a negative amount and invalid dates', () => {
    expect(() => addBusinessTime(at('2026-09-04T16:00:00-04:00'), -1, NY)).toThrow('amount must be a finite number of ms ≥ 0, got -1');
    expect(() => addBusinessTime(new Date(NaN), 1, NY)).toThrow('from is not a valid Date');
    expect(() => businessTimeBetween(new Date(NaN), new Date(), NY)).toThrow('a is not a valid Date');
  });
});

describe('§5.2 complex enterprise case (3 business days target, 5 hard limit)', () => {
  it('the issue’s example: registered Fri 4 Sep 2026 16:00 before Labor Day → target Thu 10 Sep 16:00, hard limit Mon 14 Sep 16:00', () => {
    const s = sla('ENTERPRISE_COMPLEX', '2026-09-04T16:00:00-04:00');
    // Sat 5, Sun 6 and Labor Day Mon 7 are not business days: Tue 8 (1), Wed 9 (2), Thu 10 (3), Fri 11 (4), Mon 14 (5).
    expect(iso(s.targetAt)).toBe(u('2026-09-10T16:00:00-04:00'));
    expect(iso(s.hardLimitAt)).toBe(u('2026-09-14T16:00:00-04:00'));
    expect(iso(s.executiveAt)).toBe(u('2026-09-11T16:00:00-04:00')); // one business day after the target
    // 50 % of 72 business hours = 36 h: Fri 8 h + Tue 24 h + Wed 4 h; 80 % = 57 h 36 min: 8 + 24 + 24 + 1 h 36.
    expect(s.reminderAts.map(iso)).toEqual([u('2026-09-09T04:00:00-04:00'), u('2026-09-10T01:36:00-04:00')]);
    expect(s).toMatchObject({ kind: 'ENTERPRISE_COMPLEX', clock: 'BUSINESS', paused: false, pausedSince: null, pausedMs: 0, policyVersion: P.version });
    expect(iso(s.clockStartAt)).toBe(u('2026-09-04T16:00:00-04:00'));
    expect(s.budgets).toEqual({ targetMs: 72 * HOUR, hardLimitMs: 120 * HOUR, executiveMs: 96 * HOUR, reminderMs: [36 * HOUR, 57 * HOUR + 36 * MIN] });
  });

  it.each<[why: string, registered: string, target: string, limit: string]>([
    ['§5.2 a plain Friday afternoon', '2026-03-13T15:30:00-04:00', '2026-03-18T15:30:00-04:00', '2026-03-20T15:30:00-04:00'],
    ['§5.2 Friday before Memorial Day (Mon 25 May 2026)', '2026-05-22T09:00:00-04:00', '2026-05-28T09:00:00-04:00', '2026-06-01T09:00:00-04:00'],
    ['§5.2 Friday 16:00 before Labor Day (Mon 7 Sep 2026)', '2026-09-04T16:00:00-04:00', '2026-09-10T16:00:00-04:00', '2026-09-14T16:00:00-04:00'],
    ['§5.2 Thanksgiving week: Wed 17:00, Thu 26 Nov a holiday, Fri 27 Nov a business day', '2026-11-25T17:00:00-05:00', '2026-12-01T17:00:00-05:00', '2026-12-03T17:00:00-05:00'],
    ['§5.2 Thanksgiving week: the Friday after it', '2026-11-27T11:00:00-05:00', '2026-12-02T11:00:00-05:00', '2026-12-04T11:00:00-05:00'],
    ['§5.2 DST starts Sun 8 Mar 2026: Fri 15:00 EST → Wed 15:00 EDT', '2026-03-06T15:00:00-05:00', '2026-03-11T15:00:00-04:00', '2026-03-13T15:00:00-04:00'],
    ['§5.2 DST ends Sun 1 Nov 2026: Fri 15:00 EDT → Wed 15:00 EST', '2026-10-30T15:00:00-04:00', '2026-11-04T15:00:00-05:00', '2026-11-06T15:00:00-05:00'],
    ['§5.2 year end: New Year’s Day 2027 on a Friday', '2026-12-30T12:00:00-05:00', '2027-01-05T12:00:00-05:00', '2027-01-07T12:00:00-05:00'],
    ['§5.2 year end: 1 Jan 2028 a Saturday, observed Fri 31 Dec 2027', '2027-12-30T10:00:00-05:00', '2028-01-05T10:00:00-05:00', '2028-01-07T10:00:00-05:00'],
    ['§5.2 Christmas 2027 (Sat) observed Fri 24 Dec, New Year observed Fri 31 Dec', '2027-12-23T14:00:00-05:00', '2027-12-29T14:00:00-05:00', '2028-01-03T14:00:00-05:00'],
    ['§5.2 one second before midnight on a Friday', '2026-09-11T23:59:59-04:00', '2026-09-16T23:59:59-04:00', '2026-09-18T23:59:59-04:00'],
    ['§5.2 exactly midnight starting a Monday', '2026-09-14T00:00:00-04:00', '2026-09-17T00:00:00-04:00', '2026-09-21T00:00:00-04:00'],
  ])('%s: %s → target %s, hard limit %s', (_why, registered, target, limit) => {
    const s = sla('ENTERPRISE_COMPLEX', registered);
    expect([iso(s.targetAt), iso(s.hardLimitAt)]).toEqual([u(target), u(limit)]);
  });

  it.each<[why: string, registered: string, clockStart: string, target: string, limit: string]>([
    ['§5.2 registered on a Saturday: the clock starts Monday 00:00', '2026-09-12T10:00:00-04:00', '2026-09-14T00:00:00-04:00', '2026-09-17T00:00:00-04:00', '2026-09-21T00:00:00-04:00'],
    ['§5.2 registered late on Sunday: the same deadlines as Saturday', '2026-09-13T23:00:00-04:00', '2026-09-14T00:00:00-04:00', '2026-09-17T00:00:00-04:00', '2026-09-21T00:00:00-04:00'],
    ['§5.2 registered on Labor Day weekend: the clock starts Tuesday 00:00', '2026-09-05T10:00:00-04:00', '2026-09-08T00:00:00-04:00', '2026-09-11T00:00:00-04:00', '2026-09-15T00:00:00-04:00'],
    ['§5.2 registered on Memorial Day itself', '2026-05-25T08:00:00-04:00', '2026-05-26T00:00:00-04:00', '2026-05-29T00:00:00-04:00', '2026-06-02T00:00:00-04:00'],
    ['§5.2 registered on Thanksgiving Day: the clock starts Friday 00:00', '2026-11-26T10:00:00-05:00', '2026-11-27T00:00:00-05:00', '2026-12-02T00:00:00-05:00', '2026-12-04T00:00:00-05:00'],
    ['§5.2 registered on Fri 31 Dec 2027 (New Year’s Day 2028 observed)', '2027-12-31T09:00:00-05:00', '2028-01-03T00:00:00-05:00', '2028-01-06T00:00:00-05:00', '2028-01-10T00:00:00-05:00'],
    ['§5.2 registered on Sun 8 Mar 2026 at 03:30 EDT, just after DST starts', '2026-03-08T03:30:00-04:00', '2026-03-09T00:00:00-04:00', '2026-03-12T00:00:00-04:00', '2026-03-16T00:00:00-04:00'],
    ['§5.2 registered on Sun 1 Nov 2026 at 01:30 EST, in the repeated hour', '2026-11-01T01:30:00-05:00', '2026-11-02T00:00:00-05:00', '2026-11-05T00:00:00-05:00', '2026-11-09T00:00:00-05:00'],
  ])('%s', (_why, registered, clockStart, target, limit) => {
    const s = sla('ENTERPRISE_COMPLEX', registered);
    expect([iso(s.clockStartAt), iso(s.targetAt), iso(s.hardLimitAt)]).toEqual([u(clockStart), u(target), u(limit)]);
    expect(s.budgets.targetMs).toBe(72 * HOUR);
  });
});

describe('§5.2 simple enterprise case (policy default: 1 business day target, 2 hard limit)', () => {
  it.each<[why: string, registered: string, target: string, limit: string, executive: string]>([
    ['a Friday 16:00 before Labor Day', '2026-09-04T16:00:00-04:00', '2026-09-08T16:00:00-04:00', '2026-09-09T16:00:00-04:00', '2026-09-09T16:00:00-04:00'],
    ['Wednesday before Thanksgiving', '2026-11-25T09:00:00-05:00', '2026-11-27T09:00:00-05:00', '2026-11-30T09:00:00-05:00', '2026-11-30T09:00:00-05:00'],
    ['Thu 30 Dec 2027 (Fri 31 Dec observed for 1 Jan 2028)', '2027-12-30T16:00:00-05:00', '2028-01-03T16:00:00-05:00', '2028-01-04T16:00:00-05:00', '2028-01-04T16:00:00-05:00'],
  ])('§5.2 %s', (_why, registered, target, limit, executive) => {
    const s = sla('ENTERPRISE_SIMPLE', registered);
    expect([iso(s.targetAt), iso(s.hardLimitAt), iso(s.executiveAt)]).toEqual([u(target), u(limit), u(executive)]);
    expect(s.budgets.targetMs).toBe(24 * HOUR);
  });
});

describe('§5.2 agreement with addBusinessDays for unpaused cases', () => {
  const kinds: Array<[SlaKind, number, number]> = [
    ['ENTERPRISE_COMPLEX', 3, 5],
    ['ENTERPRISE_SIMPLE', 1, 2],
  ];

  it('on 600 random instants on business days, 1990–2100: target, hard limit and executive = addBusinessDays at the same local time', () => {
    const rnd = prng(20_260_904);
    const from = Date.UTC(1990, 0, 1);
    const span = Date.UTC(2100, 11, 31) - from;
    let checked = 0;
    while (checked < 600) {
      const registeredAt = new Date(from + Math.floor(rnd() * span));
      if (!isBusinessDay(calendarDateIn(registeredAt, NY))) continue;
      const [kind, targetDays, limitDays] = kinds[checked % 2]!;
      const s = computeSla({ registeredAt, kind, policy: P });
      expect(iso(s.targetAt)).toBe(iso(addBusinessDays(registeredAt, targetDays, NY)));
      expect(iso(s.hardLimitAt)).toBe(iso(addBusinessDays(registeredAt, limitDays, NY)));
      expect(iso(s.executiveAt)).toBe(iso(addBusinessDays(registeredAt, targetDays + 1, NY)));
      checked += 1;
    }
  });

  it('on 200 random instants on non-business days: addBusinessDays from the next business day’s 00:00', () => {
    const rnd = prng(1_117);
    const from = Date.UTC(2000, 0, 1);
    const span = Date.UTC(2060, 0, 1) - from;
    let checked = 0;
    while (checked < 200) {
      const registeredAt = new Date(from + Math.floor(rnd() * span));
      const date = calendarDateIn(registeredAt, NY);
      if (isBusinessDay(date)) continue;
      const start = zonedDateTimeToInstant(nextBusinessDayOnOrAfter(date), '00:00', NY);
      const s = computeSla({ registeredAt, kind: 'ENTERPRISE_COMPLEX', policy: P });
      expect(iso(s.clockStartAt)).toBe(iso(start));
      expect(iso(s.targetAt)).toBe(iso(addBusinessDays(start, 3, NY)));
      expect(iso(s.hardLimitAt)).toBe(iso(addBusinessDays(start, 5, NY)));
      checked += 1;
    }
  });

  it('on 300 random closed pauses before the target: the deadline moves by exactly the business time inside the pause', () => {
    const rnd = prng(42);
    for (let i = 0; i < 300; i += 1) {
      let registeredAt: Date;
      do registeredAt = new Date(Date.UTC(2025, 0, 1) + Math.floor(rnd() * 5 * 365 * 24 * HOUR));
      while (!isBusinessDay(calendarDateIn(registeredAt, NY)));
      const unpaused = computeSla({ registeredAt, kind: 'ENTERPRISE_COMPLEX', policy: P });
      const window = unpaused.targetAt!.getTime() - registeredAt.getTime();
      const fromMs = registeredAt.getTime() + Math.floor(rnd() * window);
      const toMs = fromMs + Math.floor(rnd() * 6 * 24 * HOUR);
      const p = { from: new Date(fromMs), to: new Date(toMs) };
      const s = computeSla({ registeredAt, pauses: [p], kind: 'ENTERPRISE_COMPLEX', policy: P });
      const credit = businessTimeBetween(p.from, p.to, NY);
      expect(s.pausedMs).toBe(credit);
      expect(iso(s.targetAt)).toBe(iso(addBusinessTime(unpaused.targetAt!, credit, NY)));
      expect(iso(s.hardLimitAt)).toBe(iso(addBusinessTime(unpaused.hardLimitAt!, credit, NY)));
    }
  });
});

describe('§5.2 pauses on the business-day clock (only business time inside a pause counts)', () => {
  // Registered Wed 9 Sep 2026 10:00: unpaused target Mon 14 Sep 10:00, hard limit Wed 16 Sep 10:00, executive Tue 15 Sep 10:00.
  const REG = '2026-09-09T10:00:00-04:00';

  it('unpaused reference', () => {
    const s = sla('ENTERPRISE_COMPLEX', REG);
    expect([iso(s.targetAt), iso(s.hardLimitAt), iso(s.executiveAt)]).toEqual([
      u('2026-09-14T10:00:00-04:00'),
      u('2026-09-16T10:00:00-04:00'),
      u('2026-09-15T10:00:00-04:00'),
    ]);
  });

  it('§5.2 a pause over a weekend does not over-credit the clock: Fri 17:00 → Mon 09:00 credits 16 h, not 64', () => {
    const s = sla('ENTERPRISE_COMPLEX', REG, [pause('2026-09-11T17:00:00-04:00', '2026-09-14T09:00:00-04:00')]);
    expect(s.pausedMs).toBe(16 * HOUR);
    // 55 h used by Fri 17:00 (Wed 14 + Thu 24 + Fri 17); 17 h left from Mon 09:00: Mon 15 h, Tue 2 h.
    expect(iso(s.targetAt)).toBe(u('2026-09-15T02:00:00-04:00'));
    expect(iso(s.hardLimitAt)).toBe(u('2026-09-17T02:00:00-04:00'));
    expect(iso(s.executiveAt)).toBe(u('2026-09-16T02:00:00-04:00'));
    // 50 % (36 h) is reached on Thu 10 Sep 22:00, before the pause; 80 % (57 h 36) 2 h 36 after it.
    expect(s.reminderAts.map(iso)).toEqual([u('2026-09-10T22:00:00-04:00'), u('2026-09-14T11:36:00-04:00')]);
    expect(s.paused).toBe(false);
  });

  it('§5.2 a pause wholly inside a weekend credits nothing', () => {
    const s = sla('ENTERPRISE_COMPLEX', REG, [pause('2026-09-12T10:00:00-04:00', '2026-09-13T20:00:00-04:00')]);
    expect(s.pausedMs).toBe(0);
    expect(iso(s.targetAt)).toBe(u('2026-09-14T10:00:00-04:00'));
  });

  it('§5.2 a pause across Labor Day credits Friday evening and Tuesday morning only (4 h + 8 h)', () => {
    const s = sla('ENTERPRISE_COMPLEX', '2026-09-04T16:00:00-04:00', [pause('2026-09-04T20:00:00-04:00', '2026-09-08T08:00:00-04:00')]);
    expect(s.pausedMs).toBe(12 * HOUR);
    expect(iso(s.targetAt)).toBe(u('2026-09-11T04:00:00-04:00'));
    expect(iso(s.hardLimitAt)).toBe(u('2026-09-15T04:00:00-04:00'));
  });

  it('§5.2 a pause starting on a non-business day (Saturday) and ending on a business day (Tuesday 10:00)', () => {
    const s = sla('ENTERPRISE_COMPLEX', '2026-09-04T16:00:00-04:00', [pause('2026-09-05T12:00:00-04:00', '2026-09-08T10:00:00-04:00')]);
    expect(s.pausedMs).toBe(10 * HOUR);
    expect(iso(s.targetAt)).toBe(u('2026-09-11T02:00:00-04:00'));
  });

  it('§5.2 a pause starting on a business day and ending on a holiday (Labor Day noon)', () => {
    const s = sla('ENTERPRISE_COMPLEX', '2026-09-04T16:00:00-04:00', [pause('2026-09-04T18:00:00-04:00', '2026-09-07T12:00:00-04:00')]);
    expect(s.pausedMs).toBe(6 * HOUR);
    expect(iso(s.targetAt)).toBe(u('2026-09-10T22:00:00-04:00'));
  });

  it('§5.2 a pause over Thanksgiving (Wed 17:00 → Fri 09:00) credits 7 h + 9 h', () => {
    const s = sla('ENTERPRISE_COMPLEX', '2026-11-24T10:00:00-05:00', [pause('2026-11-25T17:00:00-05:00', '2026-11-27T09:00:00-05:00')]);
    // Unpaused: Tue 24 Nov 10:00 + 3 = Wed (1), Fri (2), Mon 30 (3) → Mon 30 Nov 10:00; + 16 h → Tue 1 Dec 02:00.
    expect(s.pausedMs).toBe(16 * HOUR);
    expect(iso(s.targetAt)).toBe(u('2026-12-01T02:00:00-05:00'));
  });

  it('§5.2 a pause across the year end with New Year’s Day observed on Fri 31 Dec 2027', () => {
    // Registered Wed 29 Dec 2027 12:00: unpaused +3 = Thu 30 (1), Mon 3 Jan (2), Tue 4 Jan (3).
    // Paused Thu 30 Dec 20:00 → Mon 3 Jan 2028 06:00: 4 h of Thursday + 6 h of Monday.
    const s = sla('ENTERPRISE_COMPLEX', '2027-12-29T12:00:00-05:00', [pause('2027-12-30T20:00:00-05:00', '2028-01-03T06:00:00-05:00')]);
    expect(s.pausedMs).toBe(10 * HOUR);
    expect(iso(s.targetAt)).toBe(u('2028-01-04T22:00:00-05:00'));
  });

  it('§5.2 a pause across the DST change (Fri 6 Mar 2026 12:00 EST → Mon 9 Mar 12:00 EDT) credits 12 h + 12 h', () => {
    const s = sla('ENTERPRISE_COMPLEX', '2026-03-05T12:00:00-05:00', [pause('2026-03-06T12:00:00-05:00', '2026-03-09T12:00:00-04:00')]);
    // Unpaused: Thu 5 Mar 12:00 + 3 → Tue 10 Mar 12:00 EDT; + 24 h → Wed 11 Mar 12:00 EDT.
    expect(s.pausedMs).toBe(24 * HOUR);
    expect(iso(s.targetAt)).toBe(u('2026-03-11T12:00:00-04:00'));
  });

  it('§5.2 multiple pauses add up (2 h on Thursday + 16 h over the weekend)', () => {
    const s = sla('ENTERPRISE_COMPLEX', REG, [
      pause('2026-09-10T09:00:00-04:00', '2026-09-10T11:00:00-04:00'),
      pause('2026-09-11T17:00:00-04:00', '2026-09-14T09:00:00-04:00'),
    ]);
    expect(s.pausedMs).toBe(18 * HOUR);
    expect(iso(s.targetAt)).toBe(u('2026-09-15T04:00:00-04:00'));
  });

  it('§5.2 registered on a Saturday and paused until Monday 09:00: Monday’s first 9 h do not count', () => {
    const s = sla('ENTERPRISE_COMPLEX', '2026-09-12T10:00:00-04:00', [pause('2026-09-12T12:00:00-04:00', '2026-09-14T09:00:00-04:00')]);
    expect(s.pausedMs).toBe(9 * HOUR);
    expect(iso(s.targetAt)).toBe(u('2026-09-17T09:00:00-04:00'));
  });

  it('§5.2 a pause still open: the clock is stopped, deadlines not yet reached are unknown, and remaining is frozen', () => {
    const pauses = [pause('2026-09-11T17:00:00-04:00')];
    const s = sla('ENTERPRISE_COMPLEX', REG, pauses);
    expect(s.paused).toBe(true);
    expect(iso(s.pausedSince)).toBe(u('2026-09-11T17:00:00-04:00'));
    expect(s.pausedMs).toBe(0);
    expect([s.targetAt, s.hardLimitAt, s.executiveAt]).toEqual([null, null, null]);
    // The 50 % reminder was reached before the pause (Thu 22:00) and keeps its instant; 80 % is unknown.
    expect(s.reminderAts.map(iso)).toEqual([u('2026-09-10T22:00:00-04:00'), null]);
    const q = { registeredAt: at(REG), pauses, kind: 'ENTERPRISE_COMPLEX' as const, policy: P };
    for (const now of ['2026-09-11T17:00:00-04:00', '2026-09-12T12:00:00-04:00', '2026-09-14T12:00:00-04:00', '2026-09-30T12:00:00-04:00']) {
      expect(remaining({ ...q, now: at(now) })).toBe(17 * HOUR); // 72 − 55
      expect(elapsed({ ...q, now: at(now) })).toBe(55 * HOUR);
      expect(elapsedFraction({ ...q, now: at(now) })).toBeCloseTo(55 / 72, 12);
    }
  });

  it('§5.2 resuming recomputes the deadline: closing the open pause gives the closed-pause result', () => {
    const resumed = sla('ENTERPRISE_COMPLEX', REG, [pause('2026-09-11T17:00:00-04:00', '2026-09-14T09:00:00-04:00')]);
    expect(iso(resumed.targetAt)).toBe(u('2026-09-15T02:00:00-04:00'));
    // Queried while the pause was under way (now inside it), the recorded end does not count yet.
    const during = remaining({ registeredAt: at(REG), pauses: [pause('2026-09-11T17:00:00-04:00', '2026-09-14T09:00:00-04:00')], kind: 'ENTERPRISE_COMPLEX', policy: P, now: at('2026-09-12T09:00:00-04:00') });
    expect(during).toBe(17 * HOUR);
  });

  it('§5.2 a pause that begins after the target was missed keeps the target and stops what is not yet reached', () => {
    const s = sla('ENTERPRISE_COMPLEX', REG, [pause('2026-09-15T09:00:00-04:00')]);
    expect(iso(s.targetAt)).toBe(u('2026-09-14T10:00:00-04:00'));
    expect(s.hardLimitAt).toBeNull();
    expect(s.executiveAt).toBeNull(); // Tue 10:00 was not reached by Tue 09:00
    expect(s.reminderAts.every((r) => r !== null)).toBe(true);
  });

  it('§5.2 a pause starting exactly at the deadline does not move it (the deadline was reached), later ones move', () => {
    const s = sla('ENTERPRISE_COMPLEX', REG, [pause('2026-09-14T10:00:00-04:00', '2026-09-14T12:00:00-04:00')]);
    expect(iso(s.targetAt)).toBe(u('2026-09-14T10:00:00-04:00'));
    expect(iso(s.executiveAt)).toBe(u('2026-09-15T12:00:00-04:00'));
    expect(iso(s.hardLimitAt)).toBe(u('2026-09-16T12:00:00-04:00'));
  });

  it('§5.2 a zero-length pause changes nothing', () => {
    const s = sla('ENTERPRISE_COMPLEX', REG, [pause('2026-09-10T09:00:00-04:00', '2026-09-10T09:00:00-04:00')]);
    expect(iso(s.targetAt)).toBe(u('2026-09-14T10:00:00-04:00'));
  });
});

describe('§5.2 individual case: 24 clock hours (wall time; weekends and holidays count)', () => {
  it('§5.2 registered Fri 4 Sep 2026 16:00 → due Sat 16:00; executive 8 h later; reminders at 12 h and 19 h 12', () => {
    const s = sla('INDIVIDUAL', '2026-09-04T16:00:00-04:00');
    expect(s).toMatchObject({ kind: 'INDIVIDUAL', clock: 'WALL', paused: false });
    expect(iso(s.targetAt)).toBe(u('2026-09-05T16:00:00-04:00'));
    expect(iso(s.hardLimitAt)).toBe(u('2026-09-05T16:00:00-04:00')); // one deadline
    expect(iso(s.executiveAt)).toBe(u('2026-09-06T00:00:00-04:00'));
    expect(s.reminderAts.map(iso)).toEqual([u('2026-09-05T04:00:00-04:00'), u('2026-09-05T11:12:00-04:00')]);
    expect(s.budgets).toEqual({ targetMs: 24 * HOUR, hardLimitMs: 24 * HOUR, executiveMs: 32 * HOUR, reminderMs: [12 * HOUR, 19 * HOUR + 12 * MIN] });
  });

  it.each<[why: string, registered: string, due: string]>([
    ['§5.2 DST starts: Sat 7 Mar 2026 10:00 EST + 24 h = Sun 8 Mar 11:00 EDT', '2026-03-07T10:00:00-05:00', '2026-03-08T11:00:00-04:00'],
    ['§5.2 DST ends: Sat 31 Oct 2026 10:00 EDT + 24 h = Sun 1 Nov 09:00 EST', '2026-10-31T10:00:00-04:00', '2026-11-01T09:00:00-05:00'],
    ['§5.2 on a holiday: Thanksgiving 26 Nov 2026 10:00 → Fri 10:00', '2026-11-26T10:00:00-05:00', '2026-11-27T10:00:00-05:00'],
    ['§5.2 over the year end: 31 Dec 2026 18:00 → 1 Jan 2027 18:00', '2026-12-31T18:00:00-05:00', '2027-01-01T18:00:00-05:00'],
  ])('%s', (_why, registered, due) => {
    expect(iso(sla('INDIVIDUAL', registered).targetAt)).toBe(u(due));
  });

  it('§5.2 a pause credits its wall time, weekend included (Mon 18:00 → Tue 08:00: 14 h)', () => {
    const s = sla('INDIVIDUAL', '2026-09-14T09:00:00-04:00', [pause('2026-09-14T18:00:00-04:00', '2026-09-15T08:00:00-04:00')]);
    expect(s.pausedMs).toBe(14 * HOUR);
    expect(iso(s.targetAt)).toBe(u('2026-09-15T23:00:00-04:00'));
    const w = sla('INDIVIDUAL', '2026-09-11T20:00:00-04:00', [pause('2026-09-12T08:00:00-04:00', '2026-09-14T08:00:00-04:00')]);
    expect(w.pausedMs).toBe(48 * HOUR);
    expect(iso(w.targetAt)).toBe(u('2026-09-14T20:00:00-04:00'));
  });

  it('§5.2 two pauses and an open one: frozen remaining, deadlines unknown until resumed', () => {
    const pauses = [pause('2026-09-14T10:00:00-04:00', '2026-09-14T11:00:00-04:00'), pause('2026-09-14T20:00:00-04:00')];
    const s = sla('INDIVIDUAL', '2026-09-14T09:00:00-04:00', pauses);
    expect(s.paused).toBe(true);
    expect(s.pausedMs).toBe(HOUR);
    expect(s.targetAt).toBeNull();
    expect(s.reminderAts.map(iso)).toEqual([null, null]); // 10 h used by 20:00 < 12 h
    const q = { registeredAt: at('2026-09-14T09:00:00-04:00'), pauses, kind: 'INDIVIDUAL' as const, policy: P };
    expect(remaining({ ...q, now: at('2026-09-16T09:00:00-04:00') })).toBe(14 * HOUR);
    expect(remaining({ ...q, now: at('2026-09-14T19:00:00-04:00') })).toBe(15 * HOUR);
  });
});

describe('§5.2 queries in the clock’s units: remaining, elapsed, elapsedFraction', () => {
  const q = { registeredAt: at('2026-09-04T16:00:00-04:00'), kind: 'ENTERPRISE_COMPLEX' as const, policy: P };

  it('§5.2 reminders fall at 50 % and 80 % of the SLA in business time; the target at 100 %', () => {
    const s = computeSla(q);
    expect(elapsedFraction({ ...q, now: s.reminderAts[0]! })).toBe(0.5);
    expect(elapsedFraction({ ...q, now: s.reminderAts[1]! })).toBeCloseTo(0.8, 12);
    expect(elapsedFraction({ ...q, now: s.targetAt! })).toBe(1);
    expect(remaining({ ...q, now: s.targetAt! })).toBe(0);
    expect(remaining({ ...q, now: s.hardLimitAt!, threshold: 'hardLimit' })).toBe(0);
    expect(remaining({ ...q, now: s.executiveAt!, threshold: 'executive' })).toBe(0);
  });

  it.each<[now: string, remainingHours: number]>([
    ['2026-09-04T10:00:00-04:00', 72], // before registration: nothing used
    ['2026-09-04T16:00:00-04:00', 72],
    ['2026-09-04T23:00:00-04:00', 65],
    ['2026-09-06T12:00:00-04:00', 64], // Sunday: frozen at the end of Friday
    ['2026-09-07T12:00:00-04:00', 64], // Labor Day: still frozen
    ['2026-09-08T12:00:00-04:00', 52],
    ['2026-09-10T16:00:00-04:00', 0],
    ['2026-09-11T10:00:00-04:00', -18], // overdue by 18 business hours
    ['2026-09-12T10:00:00-04:00', -32], // Saturday: Thu 8 h + Fri 24 h overdue, frozen over the weekend
  ])('remaining at %s = %d business hours', (now, hours) => {
    expect(remaining({ ...q, now: at(now) })).toBe(hours * HOUR);
  });

  it('the individual clock counts the weekend', () => {
    const i = { registeredAt: at('2026-09-04T16:00:00-04:00'), kind: 'INDIVIDUAL' as const, policy: P };
    expect(remaining({ ...i, now: at('2026-09-05T10:00:00-04:00') })).toBe(6 * HOUR);
    expect(remaining({ ...i, now: at('2026-09-05T18:00:00-04:00') })).toBe(-2 * HOUR);
    expect(elapsed({ ...i, now: at('2026-09-05T04:00:00-04:00') })).toBe(12 * HOUR);
  });

  it('rejects an unknown threshold and an invalid now', () => {
    expect(() => remaining({ ...q, now: at('2026-09-05T10:00:00-04:00'), threshold: 'soon' as any })).toThrow('threshold must be target, hardLimit or executive, got "soon"');
    expect(() => remaining({ ...q, now: new Date(NaN) })).toThrow('now is not a valid Date');
  });
});

describe('§5.2 the SLA follows the policy (no number of its own)', () => {
  it('another policy: complex 4/6 days, reminders at 25/50/75 %, executive 2 business days or 4 hours after', () => {
    const policy = policyWith((p) => {
      p.version = '2027.01-1';
      p.feedback.enterpriseTargetBusinessDays = 4;
      p.feedback.enterpriseLimitBusinessDays = 6;
      p.feedback.reminderFractions = [0.25, 0.5, 0.75];
      p.feedback.executiveEscalationAfter = { individualHours: 4, enterpriseBusinessDays: 2 };
      p.feedback.individualResponseHours = 12;
    });
    const s = sla('ENTERPRISE_COMPLEX', '2026-09-04T16:00:00-04:00', [], policy);
    expect(iso(s.targetAt)).toBe(u('2026-09-11T16:00:00-04:00'));
    expect(iso(s.hardLimitAt)).toBe(u('2026-09-15T16:00:00-04:00'));
    expect(iso(s.executiveAt)).toBe(u('2026-09-15T16:00:00-04:00'));
    // 25 % of 96 h = 24 h: Fri 8 + Tue 16 → Tue 16:00; 50 % = 48 h → Wed 16:00; 75 % = 72 h → Thu 16:00.
    expect(s.reminderAts.map(iso)).toEqual([u('2026-09-08T16:00:00-04:00'), u('2026-09-09T16:00:00-04:00'), u('2026-09-10T16:00:00-04:00')]);
    expect(s.policyVersion).toBe('2027.01-1');
    const i = sla('INDIVIDUAL', '2026-09-04T16:00:00-04:00', [], policy);
    expect([iso(i.targetAt), iso(i.executiveAt)]).toEqual([u('2026-09-05T04:00:00-04:00'), u('2026-09-05T08:00:00-04:00')]);
  });

  it('no reminders when the policy lists no fractions', () => {
    const policy = policyWith((p) => { p.feedback.reminderFractions = []; });
    expect(sla('ENTERPRISE_SIMPLE', '2026-09-04T16:00:00-04:00', [], policy).reminderAts).toEqual([]);
  });

  it('the bank’s time zone is the policy’s: the same instant in Los Angeles is still Friday 13:00', () => {
    const policy = policyWith((p) => { p.onboarding.timeZone = 'America/Los_Angeles'; });
    const s = sla('ENTERPRISE_COMPLEX', '2026-09-04T13:00:00-07:00', [], policy);
    expect(iso(s.targetAt)).toBe(u('2026-09-10T13:00:00-07:00'));
  });

  it('in a zone whose DST change falls on a business day that day has 23 or 25 business hours, and deadlines still keep the local time', () => {
    // Africa/Cairo 2024: Fri 26 Apr starts at 01:00 (00:00–01:00 skipped); Thu 31 Oct has 25 hours (24:00 EEST → 23:00 EET).
    const cairo = policyWith((p) => { p.onboarding.timeZone = 'Africa/Cairo'; });
    const spring = sla('ENTERPRISE_COMPLEX', '2024-04-25T12:00:00+02:00', [], cairo);
    expect(iso(spring.targetAt)).toBe(u('2024-04-30T12:00:00+03:00')); // Fri 26 (1), Mon 29 (2), Tue 30 (3)
    expect(spring.budgets.targetMs).toBe(71 * HOUR);
    const autumn = sla('ENTERPRISE_SIMPLE', '2024-10-30T12:00:00+03:00', [], cairo);
    expect(iso(autumn.targetAt)).toBe(u('2024-10-31T12:00:00+03:00'));
    expect(iso(autumn.hardLimitAt)).toBe(u('2024-11-01T12:00:00+02:00'));
    expect(autumn.budgets.hardLimitMs).toBe(49 * HOUR); // Wed 12 + Thu 25 + Fri 12
    expect(businessTimeBetween(at('2024-10-31T00:00:00+03:00'), at('2024-11-01T00:00:00+02:00'), 'Africa/Cairo')).toBe(25 * HOUR);
  });
});

describe('§5.2 pause validation', () => {
  const REG = '2026-09-09T10:00:00-04:00';
  it.each<[why: string, pauses: SlaPause[], message: string]>([
    ['a pause before the registration', [pause('2026-09-09T09:00:00-04:00', '2026-09-09T11:00:00-04:00')], 'pauses[0].from 2026-09-09T13:00:00.000Z is before the registration 2026-09-09T14:00:00.000Z'],
    ['a pause that ends before it starts', [pause('2026-09-10T11:00:00-04:00', '2026-09-10T10:00:00-04:00')], 'pauses[0].to 2026-09-10T14:00:00.000Z is before its from 2026-09-10T15:00:00.000Z'],
    [
      'overlapping pauses',
      [pause('2026-09-10T09:00:00-04:00', '2026-09-10T12:00:00-04:00'), pause('2026-09-10T11:00:00-04:00', '2026-09-10T13:00:00-04:00')],
      'pauses[1].from 2026-09-10T15:00:00.000Z is before pauses[0].to 2026-09-10T16:00:00.000Z: pauses must be in order and must not overlap',
    ],
    ['an open pause that is not the last', [pause('2026-09-10T09:00:00-04:00'), pause('2026-09-11T09:00:00-04:00', '2026-09-11T10:00:00-04:00')], 'pauses[0] is open (no to) but pauses[1] follows it: only the last pause may be open'],
    ['an invalid date', [{ from: new Date(NaN) }], 'pauses[0].from is not a valid Date'],
  ])('rejects %s', (_why, pauses, message) => {
    expect(() => sla('ENTERPRISE_COMPLEX', REG, pauses)).toThrow(RangeError);
    expect(() => sla('ENTERPRISE_COMPLEX', REG, pauses)).toThrow(message);
  });

  it('accepts back-to-back pauses and a null `to` as open', () => {
    const s = computeSla({
      registeredAt: at(REG),
      pauses: [pause('2026-09-10T09:00:00-04:00', '2026-09-10T10:00:00-04:00'), { from: at('2026-09-10T10:00:00-04:00'), to: null }],
      kind: 'ENTERPRISE_COMPLEX',
      policy: P,
    });
    expect(s.paused).toBe(true);
    expect(s.pausedMs).toBe(HOUR);
  });

  it('rejects an invalid registration date', () => {
    expect(() => computeSla({ registeredAt: new Date('nope'), kind: 'INDIVIDUAL', policy: P })).toThrow('registeredAt is not a valid Date');
  });

  it('is pure: the same input gives the same output and the input is not changed', () => {
    const pauses = [pause('2026-09-11T17:00:00-04:00', '2026-09-14T09:00:00-04:00')];
    const before = JSON.stringify(pauses);
    const a = sla('ENTERPRISE_COMPLEX', REG, pauses);
    const b = sla('ENTERPRISE_COMPLEX', REG, pauses);
    expect(a).toEqual(b);
    expect(JSON.stringify(pauses)).toBe(before);
  });
});
