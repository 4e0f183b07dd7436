/**
 * How the console shows times: the bank's local time with its zone abbreviation (as the emails do,
 * src/mail/render.ts), and the time left to a deadline on the deadline's own clock — wall time, or
 * §5.2 business time where the clock counts business days (weekends and US federal holidays do not
 * count; src/domain/sla.ts businessTimeBetween). Pure.
 */
import { formatBankTime } from '../mail/render';
import { businessTimeBetween } from '../domain/sla';

export type DeadlineClock = 'WALL' | 'BUSINESS';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "2 d 3 h", "5 h 20 min", "12 min", "under a minute". */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) return 'under a minute';
  const d = Math.floor(abs / DAY);
  const h = Math.floor((abs % DAY) / HOUR);
  const m = Math.floor((abs % HOUR) / MINUTE);
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}

export interface TimeLeft {
  /** Milliseconds left on the clock (negative: past the deadline by that much). */
  ms: number;
  /** "3 h 20 min left", "2 d 4 h of business time left", "overdue by 1 d 2 h". */
  text: string;
  overdue: boolean;
}

/** The time from `now` to `due` on `clock` (see the module comment). */
export function timeLeft(now: Date, due: Date, clock: DeadlineClock, timeZone: string): TimeLeft {
  const ms =
    clock === 'BUSINESS'
      ? due.getTime() >= now.getTime()
        ? businessTimeBetween(now, due, timeZone)
        : -businessTimeBetween(due, now, timeZone)
      : due.getTime() - now.getTime();
  const unit = clock === 'BUSINESS' ? ' of business time' : '';
  if (ms < 0) return { ms, overdue: true, text: `overdue by ${formatDuration(ms)}${unit}` };
  return { ms, overdue: false, text: `${formatDuration(ms)}${unit} left` };
}

/** "Mon 1 Mar 2027, 09:00 EST" in the bank's zone. */
export const bankTime = (instant: Date, timeZone: string) => formatBankTime(instant, timeZone);
