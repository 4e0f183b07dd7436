/**
 * §7.2 "Assessed each quarter (short-term, with guidance) and each year": the period an assessment
 * covers — a calendar quarter `2026-Q4` or a calendar year `2026` of the bank's time zone, from its
 * first day 00:00 local (inclusive) to the next period's first day 00:00 local (exclusive).
 *
 * Pure (Intl and arithmetic only): the workflow's periodToAssess activity, the use cases and the
 * unit tests share it.
 */
import { calendarDateIn, FIRST_SUPPORTED_YEAR, LAST_SUPPORTED_YEAR, zonedDateTimeToInstant } from '../domain/business-calendar';
import type { PeriodKind } from './codes';

export interface AssessmentPeriod {
  /** `2026-Q4` or `2026`. */
  id: string;
  kind: PeriodKind;
  year: number;
  /** 1–4 for a quarter. */
  quarter?: number;
  /** Quarters in the period: 1, or 4 for a year (count indicators' targets are per quarter). */
  quarters: number;
  start: Date;
  end: Date;
}

const PERIOD_ID = /^(\d{4})(?:-Q([1-4]))?$/;
const pad = (n: number) => String(n).padStart(2, '0');
const firstDay = (year: number, month: number) => `${String(year).padStart(4, '0')}-${pad(month)}-01`;

/** Why `id` is not a period id, or undefined when it is one (for a field's 400 message). */
export function periodIdIssue(id: unknown): string | undefined {
  if (typeof id !== 'string' || !PERIOD_ID.test(id)) return 'a quarter YYYY-Qn (e.g. 2026-Q4) or a year YYYY (e.g. 2026)';
  const year = Number(id.slice(0, 4));
  if (year < FIRST_SUPPORTED_YEAR || year >= LAST_SUPPORTED_YEAR) return `a year from ${FIRST_SUPPORTED_YEAR} to ${LAST_SUPPORTED_YEAR - 1}`;
  return undefined;
}

function build(year: number, quarter: number | undefined, timeZone: string): AssessmentPeriod {
  if (quarter === undefined) {
    return { id: String(year), kind: 'YEAR', year, quarters: 4, start: zonedDateTimeToInstant(firstDay(year, 1), '00:00', timeZone), end: zonedDateTimeToInstant(firstDay(year + 1, 1), '00:00', timeZone) };
  }
  const [endYear, endMonth] = quarter === 4 ? [year + 1, 1] : [year, quarter * 3 + 1];
  return {
    id: `${year}-Q${quarter}`,
    kind: 'QUARTER',
    year,
    quarter,
    quarters: 1,
    start: zonedDateTimeToInstant(firstDay(year, (quarter - 1) * 3 + 1), '00:00', timeZone),
    end: zonedDateTimeToInstant(firstDay(endYear, endMonth), '00:00', timeZone),
  };
}

/**
 * The period `id` names, in `timeZone`.
 *
 * @throws RangeError when `id` is not YYYY-Qn or YYYY (periodIdIssue says why)
 */
export function parsePeriod(id: string, timeZone: string): AssessmentPeriod {
  const issue = periodIdIssue(id);
  if (issue) throw new RangeError(`not a period (${issue}): ${JSON.stringify(id)}`);
  const m = PERIOD_ID.exec(id)!;
  return build(Number(m[1]), m[2] === undefined ? undefined : Number(m[2]), timeZone);
}

/** The period of `kind` that `instant` falls in, by its local date in `timeZone`. */
export function periodContaining(instant: Date, kind: PeriodKind, timeZone: string): AssessmentPeriod {
  const date = calendarDateIn(instant, timeZone);
  const year = Number(date.slice(0, 4));
  return build(year, kind === 'YEAR' ? undefined : Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1, timeZone);
}

/**
 * The last whole period of `kind` before `instant`: what a Schedule firing on a quarter's (a year's)
 * first day assesses — 1 January 2027 03:00 → `2026-Q4` (QUARTER) and `2026` (YEAR).
 */
export function periodBefore(instant: Date, kind: PeriodKind, timeZone: string): AssessmentPeriod {
  const current = periodContaining(instant, kind, timeZone);
  if (kind === 'YEAR') return build(current.year - 1, undefined, timeZone);
  return current.quarter === 1 ? build(current.year - 1, 4, timeZone) : build(current.year, current.quarter! - 1, timeZone);
}
