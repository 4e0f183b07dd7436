/**
 * §5.2 response deadlines as a pure SLA clock: "an individual customer's issue within 24 hours; a
 * complex enterprise issue within 3–5 business days … business days skip weekends and US federal
 * holidays"; "a deadline that is missed is escalated (reminder before the deadline, escalation to
 * the department head at the deadline, then to the executive on duty)".
 *
 * Deadlines are pure functions of (registration time, pauses, policy): no clock, no I/O, no Node
 * built-ins, policy *types* only (policy.ts reads files), so workflows import this module and a
 * replay under the same policy computes the same instants. Every number comes from
 * `policy.feedback`; calendars, holidays and time zones are business-calendar.ts's.
 *
 * ## Two clocks
 * - INDIVIDUAL: clock hours. Wall time, in absolute milliseconds: 24 hours are 86,400,000 ms
 *   whatever the calendar says (a case registered Sat 7 Mar 2026 10:00 EST is due Sun 8 Mar 11:00
 *   EDT, 24 real hours later across the spring-forward hour). Weekends and holidays count. A pause
 *   credits its wall time.
 * - ENTERPRISE_COMPLEX, ENTERPRISE_SIMPLE: business time.
 *
 * ## Business time (the unit of the business-day clocks)
 * Business time is the time that falls on business days — Monday to Friday, not an observed US
 * federal holiday (business-calendar.ts) — in the bank's time zone (`policy.onboarding.timeZone`,
 * what policy.ts `bankTimeZone` returns). A business day runs from its local 00:00 to the next
 * day's local 00:00 (the whole calendar day, not office hours). It is measured in absolute
 * milliseconds of the instants inside business days; weekends and holidays add nothing.
 * - N business days of SLA from the clock's start are exactly the business time between the start
 *   and addBusinessDays(start, N): the deadline of an unpaused case is the same local time of day N
 *   business days later, as addBusinessDays says (Fri 4 Sep 2026 16:00 + 3 → Thu 10 Sep 16:00
 *   across Labor Day). For the bank's zone America/New_York that is N × 24 h of business time,
 *   because US DST changes happen on Sundays (never inside a business day): Fri 6 Mar 2026 15:00 EST
 *   + 3 → Wed 11 Mar 15:00 EDT, 72 business hours but 71 real hours. In a zone whose DST change
 *   falls on a business day, that day simply has 23 or 25 hours of business time.
 * - Registration on a non-business day starts the clock at the start (local 00:00) of the next
 *   business day: no business time passes before it, so cases registered on Saturday 10:00 and
 *   Sunday 23:00 have the same deadlines (+3 → Thursday 00:00). (addBusinessDays itself would keep
 *   the registration's time of day; the SLA deliberately does not: business time is the unit.)
 * - A pause (the case waits on the customer) credits only the business time inside it: a pause
 *   Fri 17:00 → Mon 09:00 credits 7 h of Friday and 9 h of Monday (16 h), never the weekend; a
 *   pause wholly inside a weekend or holiday credits nothing.
 * - A deadline that falls exactly at the end of a business day lands on the start (00:00) of the
 *   next business day (the same business time; the only instant of it on a business day).
 *
 * ## The ladder (what computeSla returns)
 * - `targetAt`: the response deadline: INDIVIDUAL `individualResponseHours`; enterprise
 *   `enterprise[Simple]TargetBusinessDays`. The department head is escalated to here.
 * - `hardLimitAt`: the §5.2 outer bound (enterprise `enterprise[Simple]LimitBusinessDays`; an
 *   individual's case has one deadline, so hardLimitAt = targetAt). A case unanswered past it breached
 *   the policy.
 * - `reminderAts[i]`: when `reminderFractions[i]` of the time to the target has elapsed.
 * - `executiveAt`: `executiveEscalationAfter` (individual: hours, enterprise: business days) after
 *   the target, on the same clock, so later pauses move it too.
 * Each is the first instant at which that much clock time has elapsed with the pauses taken out.
 * A pause that starts at or after a threshold was reached does not move that threshold (a missed
 * target stays missed). While a pause is open, a threshold not reached before it began is null
 * (unknown until the case resumes); one reached before it keeps its instant. Resuming — closing the
 * pause — recomputes everything.
 */
import { addBusinessDays, calendarDateIn, isBusinessDay, nextBusinessDayOnOrAfter, zonedDateTimeToInstant } from './business-calendar';
import type { FeedbackComplexity, FeedbackCustomerType, Policy } from '../policy/policy';

const HOUR_MS = 3_600_000;

/** §5.2 the three SLAs. */
export const SLA_KINDS = ['INDIVIDUAL', 'ENTERPRISE_COMPLEX', 'ENTERPRISE_SIMPLE'] as const;
export type SlaKind = (typeof SLA_KINDS)[number];
/** WALL: clock hours (absolute ms); BUSINESS: business time (ms inside business days, see above). */
export type SlaClock = 'WALL' | 'BUSINESS';

/** §5.2 which SLA a case gets: an individual's by the hour; an enterprise's by its complexity. */
export function slaClass(customerType: FeedbackCustomerType, complexity: FeedbackComplexity): SlaKind {
  if (customerType === 'INDIVIDUAL') return 'INDIVIDUAL';
  if (customerType === 'ENTERPRISE') {
    if (complexity === 'COMPLEX') return 'ENTERPRISE_COMPLEX';
    if (complexity === 'SIMPLE') return 'ENTERPRISE_SIMPLE';
    throw new RangeError(`complexity must be SIMPLE or COMPLEX, got ${JSON.stringify(complexity)}`);
  }
  throw new RangeError(`customerType must be INDIVIDUAL or ENTERPRISE, got ${JSON.stringify(customerType)}`);
}

/** The clock an SLA kind runs on. */
export function slaClock(kind: SlaKind): SlaClock {
  checkKind(kind);
  return kind === 'INDIVIDUAL' ? 'WALL' : 'BUSINESS';
}

function checkKind(kind: SlaKind): void {
  if (!(SLA_KINDS as readonly string[]).includes(kind)) {
    throw new RangeError(`kind must be one of ${SLA_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Business time
// ---------------------------------------------------------------------------------------------

/** YYYY-MM-DD ± n days (plain proleptic Gregorian arithmetic; the calendar rules stay in business-calendar.ts). */
function shiftDate(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

const dayStartCache = new Map<string, number>();

/** The first instant of local date `date` in `timeZone` (a skipped midnight: the first instant after the gap). */
function dayStart(date: string, timeZone: string): number {
  const key = `${timeZone} ${date}`;
  let ms = dayStartCache.get(key);
  if (ms === undefined) {
    ms = zonedDateTimeToInstant(date, '00:00', timeZone).getTime();
    if (dayStartCache.size >= 20_000) dayStartCache.clear(); // values only: clearing changes no result
    dayStartCache.set(key, ms);
  }
  return ms;
}

/** The local date whose [00:00, next 00:00) span holds `ms`. */
function dayOf(ms: number, timeZone: string): string {
  let date = calendarDateIn(new Date(ms), timeZone);
  // calendarDateIn reads the wall clock; around a DST change across midnight the span is what counts.
  while (ms < dayStart(date, timeZone)) date = shiftDate(date, -1);
  while (ms >= dayStart(shiftDate(date, 1), timeZone)) date = shiftDate(date, 1);
  return date;
}

function requireMs(value: Date, what: string): number {
  const ms = value instanceof Date ? value.getTime() : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not a valid Date`);
  return ms;
}

function businessMsBetween(aMs: number, bMs: number, timeZone: string): number {
  if (bMs <= aMs) return 0;
  let total = 0;
  let date = dayOf(aMs, timeZone);
  for (;;) {
    const start = dayStart(date, timeZone);
    if (start >= bMs) break;
    const next = shiftDate(date, 1);
    const end = dayStart(next, timeZone);
    if (isBusinessDay(date)) total += Math.min(end, bMs) - Math.max(start, aMs);
    date = next;
  }
  return total;
}

/**
 * §5.2 business time from `a` to `b` in `timeZone`, in milliseconds: the part of [a, b) that falls on
 * business days (local 00:00–24:00). 0 when b ≤ a. E.g. Fri 17:00 → Mon 09:00 = 16 h (7 + 9).
 */
export function businessTimeBetween(a: Date, b: Date, timeZone: string): number {
  return businessMsBetween(requireMs(a, 'a'), requireMs(b, 'b'), timeZone);
}

/** The first business-day instant at or after `ms` (itself when on a business day, else the next business day's 00:00). */
function businessClockStart(ms: number, timeZone: string): number {
  const date = dayOf(ms, timeZone);
  return isBusinessDay(date) ? ms : dayStart(nextBusinessDayOnOrAfter(date), timeZone);
}

function addBusinessMs(fromMs: number, amount: number, timeZone: string): number {
  let t = businessClockStart(fromMs, timeZone);
  let date = dayOf(t, timeZone);
  let left = amount;
  for (;;) {
    const next = shiftDate(date, 1);
    const available = dayStart(next, timeZone) - t;
    if (left < available) return t + left;
    left -= available;
    date = nextBusinessDayOnOrAfter(next);
    t = dayStart(date, timeZone);
  }
}

/**
 * §5.2 the instant at which `amount` ms of business time have passed since `from` in `timeZone`
 * (the inverse of businessTimeBetween). From a non-business day counting starts at the next business
 * day's 00:00; a result at the very end of a business day is the next business day's 00:00.
 * `addBusinessTime(Fri 16:00, 8 h)` → the next business day 00:00; `(Fri 16:00, 9 h)` → its 01:00.
 * @throws RangeError for an invalid Date or a negative or non-finite amount
 */
export function addBusinessTime(from: Date, amount: number, timeZone: string): Date {
  const fromMs = requireMs(from, 'from');
  if (!Number.isFinite(amount) || amount < 0) throw new RangeError(`amount must be a finite number of ms ≥ 0, got ${amount}`);
  return new Date(addBusinessMs(fromMs, amount, timeZone));
}

// ---------------------------------------------------------------------------------------------
// The SLA clock
// ---------------------------------------------------------------------------------------------

/** A span during which the case waited on the customer: [from, to); no `to` while it still waits. */
export interface SlaPause {
  from: Date;
  to?: Date | null;
}

export interface SlaInput {
  /** When the case was registered. */
  registeredAt: Date;
  /** In order, not overlapping, none before registration; only the last may be open. */
  pauses?: readonly SlaPause[];
  kind: SlaKind;
  policy: Policy;
}

/** Amounts of clock time (ms, in the clock's units) from the clock's start, with pauses taken out. */
export interface SlaBudgets {
  targetMs: number;
  hardLimitMs: number;
  executiveMs: number;
  /** One per `policy.feedback.reminderFractions` entry: that fraction of targetMs, rounded to the ms. */
  reminderMs: number[];
}

export interface Sla {
  kind: SlaKind;
  clock: SlaClock;
  /** The policy whose numbers were used. */
  policyVersion: string;
  /** When the clock started: registration, or (business clocks) the next business day's 00:00. */
  clockStartAt: Date;
  budgets: SlaBudgets;
  /** True while the last pause is open: the clock is stopped. */
  paused: boolean;
  /** The open pause's start, else null. */
  pausedSince: Date | null;
  /** Clock time credited by the closed pauses (ms in the clock's units). */
  pausedMs: number;
  /** Response deadline; the department head is escalated to here. Null: not reached before the open pause. */
  targetAt: Date | null;
  /** §5.2 outer bound (= targetAt for an individual's case). */
  hardLimitAt: Date | null;
  /** Reminders to the handler, one per `policy.feedback.reminderFractions` entry. */
  reminderAts: Array<Date | null>;
  /** Escalation to the executive on duty. */
  executiveAt: Date | null;
}

interface Timeline {
  kind: SlaKind;
  clock: SlaClock;
  clockStartMs: number;
  budgets: SlaBudgets;
  /** Clock time from the clock's start to `ms` (0 before it), pauses not taken out. */
  measure(ms: number): number;
  /** The first instant (on a business day, for business clocks) at clock time `x` from the start. */
  instantAt(x: number): number;
  pauses: Array<{ fromMs: number; toMs: number | null }>;
}

function checkedPauses(registeredMs: number, pauses: readonly SlaPause[]): Array<{ fromMs: number; toMs: number | null }> {
  const out: Array<{ fromMs: number; toMs: number | null }> = [];
  pauses.forEach((p, i) => {
    const fromMs = requireMs(p.from, `pauses[${i}].from`);
    const toMs = p.to === undefined || p.to === null ? null : requireMs(p.to, `pauses[${i}].to`);
    if (fromMs < registeredMs) throw new RangeError(`pauses[${i}].from ${p.from.toISOString()} is before the registration ${new Date(registeredMs).toISOString()}`);
    if (toMs !== null && toMs < fromMs) throw new RangeError(`pauses[${i}].to ${new Date(toMs).toISOString()} is before its from ${p.from.toISOString()}`);
    const before = out[i - 1];
    if (before) {
      if (before.toMs === null) throw new RangeError(`pauses[${i - 1}] is open (no to) but pauses[${i}] follows it: only the last pause may be open`);
      if (fromMs < before.toMs) throw new RangeError(`pauses[${i}].from ${p.from.toISOString()} is before pauses[${i - 1}].to ${new Date(before.toMs).toISOString()}: pauses must be in order and must not overlap`);
    }
    out.push({ fromMs, toMs });
  });
  return out;
}

function timeline({ registeredAt, pauses = [], kind, policy }: SlaInput): Timeline {
  checkKind(kind);
  const registeredMs = requireMs(registeredAt, 'registeredAt');
  const checked = checkedPauses(registeredMs, pauses);
  const f = policy.feedback;
  const reminders = (targetMs: number): number[] => f.reminderFractions.map((fraction) => Math.round(fraction * targetMs));
  if (kind === 'INDIVIDUAL') {
    const targetMs = f.individualResponseHours * HOUR_MS;
    return {
      kind,
      clock: 'WALL',
      clockStartMs: registeredMs,
      budgets: {
        targetMs,
        hardLimitMs: targetMs,
        executiveMs: targetMs + f.executiveEscalationAfter.individualHours * HOUR_MS,
        reminderMs: reminders(targetMs),
      },
      measure: (ms) => Math.max(0, ms - registeredMs),
      instantAt: (x) => registeredMs + x,
      pauses: checked,
    };
  }
  const timeZone = policy.onboarding.timeZone; // = bankTimeZone(policy), read directly (policy.ts imports node:fs)
  const [targetDays, limitDays] =
    kind === 'ENTERPRISE_COMPLEX'
      ? [f.enterpriseTargetBusinessDays, f.enterpriseLimitBusinessDays]
      : [f.enterpriseSimpleTargetBusinessDays, f.enterpriseSimpleLimitBusinessDays];
  const clockStartMs = businessClockStart(registeredMs, timeZone);
  const start = new Date(clockStartMs);
  // N business days of SLA = the business time from the start to addBusinessDays(start, N).
  const daysMs = (n: number): number => businessMsBetween(clockStartMs, addBusinessDays(start, n, timeZone).getTime(), timeZone);
  const targetMs = daysMs(targetDays);
  return {
    kind,
    clock: 'BUSINESS',
    clockStartMs,
    budgets: {
      targetMs,
      hardLimitMs: daysMs(limitDays),
      executiveMs: daysMs(targetDays + f.executiveEscalationAfter.enterpriseBusinessDays),
      reminderMs: reminders(targetMs),
    },
    measure: (ms) => businessMsBetween(clockStartMs, ms, timeZone),
    instantAt: (x) => addBusinessMs(clockStartMs, x, timeZone),
    pauses: checked,
  };
}

/** The instant at which `budget` of clock time has elapsed net of pauses; null if an open pause began first. */
function thresholdAt(t: Timeline, budget: number): Date | null {
  let x = budget;
  for (const p of t.pauses) {
    const from = t.measure(p.fromMs);
    if (from >= x) break; // the threshold was reached before this pause began
    if (p.toMs === null) return null;
    x += t.measure(p.toMs) - from;
  }
  return new Date(t.instantAt(x));
}

/**
 * §5.2 the SLA of a case: its deadlines and ladder (see the module comment for the rules), from its
 * registration, its pauses so far and the policy.
 * @throws RangeError for an unknown kind, an invalid Date, or pauses out of order, overlapping,
 *   before the registration, or open anywhere but last
 */
export function computeSla(input: SlaInput): Sla {
  const t = timeline(input);
  const last = t.pauses.at(-1);
  const open = last !== undefined && last.toMs === null ? last : undefined;
  const pausedMs = t.pauses.reduce((sum, p) => (p.toMs === null ? sum : sum + t.measure(p.toMs) - t.measure(p.fromMs)), 0);
  return {
    kind: t.kind,
    clock: t.clock,
    policyVersion: input.policy.version,
    clockStartAt: new Date(t.clockStartMs),
    budgets: t.budgets,
    paused: open !== undefined,
    pausedSince: open ? new Date(open.fromMs) : null,
    pausedMs,
    targetAt: thresholdAt(t, t.budgets.targetMs),
    hardLimitAt: thresholdAt(t, t.budgets.hardLimitMs),
    reminderAts: t.budgets.reminderMs.map((ms) => thresholdAt(t, ms)),
    executiveAt: thresholdAt(t, t.budgets.executiveMs),
  };
}

/** Which deadline a query is about. */
export type SlaThreshold = 'target' | 'hardLimit' | 'executive';

export interface SlaQuery extends SlaInput {
  now: Date;
  /** Default 'target'. */
  threshold?: SlaThreshold;
}

/** Clock time elapsed by `now` with the pauses taken out; pauses are clipped to `now` (one under way counts as open). */
function elapsedAt(t: Timeline, nowMs: number): number {
  const m = t.measure(nowMs);
  let elapsed = m;
  for (const p of t.pauses) {
    if (p.fromMs > nowMs) break;
    const to = p.toMs === null || p.toMs > nowMs ? m : t.measure(p.toMs);
    elapsed -= to - t.measure(p.fromMs);
  }
  return elapsed;
}

/**
 * §5.2 clock time used by `now` (ms in the clock's units: wall time, or business time), pauses
 * excluded; 0 before the clock starts. Frozen while paused.
 */
export function elapsed(query: SlaQuery): number {
  return elapsedAt(timeline(query), requireMs(query.now, 'now'));
}

/**
 * §5.2 clock time left at `now` until the threshold (default the target), in the clock's units:
 * wall ms for an individual's case, business-time ms for an enterprise's. Negative once it has
 * passed (by how much); frozen while the case is paused.
 */
export function remaining(query: SlaQuery): number {
  const t = timeline(query);
  const budget = budgetOf(t.budgets, query.threshold ?? 'target');
  return budget - elapsedAt(t, requireMs(query.now, 'now'));
}

/** §5.2 the share of the time to the threshold (default the target) used by `now`: 0 at the start, 1 at the deadline, above 1 after. */
export function elapsedFraction(query: SlaQuery): number {
  const t = timeline(query);
  return elapsedAt(t, requireMs(query.now, 'now')) / budgetOf(t.budgets, query.threshold ?? 'target');
}

function budgetOf(budgets: SlaBudgets, threshold: SlaThreshold): number {
  switch (threshold) {
    case 'target':
      return budgets.targetMs;
    case 'hardLimit':
      return budgets.hardLimitMs;
    case 'executive':
      return budgets.executiveMs;
    default:
      throw new RangeError(`threshold must be target, hardLimit or executive, got ${JSON.stringify(threshold)}`);
  }
}
