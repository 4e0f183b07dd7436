/**
 * src/policy/duration.ts: the ISO-8601 durations a policy file may use for time limits
 * (e.g. reminders.escalateAfter). Only fixed-length units (D, H, M, S) are accepted; calendar units
 * (W, M before T, Y) are business-calendar rules and must be rejected.
 */
import { durationMs, durationSchema, parseDurationMs } from '../../src/policy/duration';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const VALID: [text: string, ms: number][] = [
  ['P2D', 2 * DAY],
  ['P1D', DAY],
  ['PT24H', DAY],
  ['PT90M', 90 * MINUTE],
  ['PT2S', 2 * SECOND],
  ['PT1S', SECOND],
  ['P1DT12H', DAY + 12 * HOUR],
  ['PT1H30M', HOUR + 30 * MINUTE],
  ['P1DT1H1M1S', DAY + HOUR + MINUTE + SECOND],
  ['PT36H', 36 * HOUR],
  ['P10D', 10 * DAY],
  ['PT0S', 0],
  ['P0D', 0],
];

const INVALID: [text: string, why: string][] = [
  ['P', 'no component at all'],
  ['PT', 'time designator without a component'],
  ['P1DT', 'trailing time designator'],
  ['P1W', 'weeks are a calendar unit'],
  ['P1M', 'months are a calendar unit'],
  ['P1Y', 'years are a calendar unit'],
  ['P1Y2D', 'years mixed with days'],
  ['', 'empty string'],
  ['2d', 'not ISO-8601'],
  ['48h', 'not ISO-8601'],
  ['-P1D', 'negative duration'],
  ['P-1D', 'negative component'],
  ['PT-5M', 'negative component'],
  ['p2d', 'lower case'],
  ['pt24h', 'lower case'],
  ['PT1.5H', 'fractional component'],
  ['PT0.5S', 'fractional seconds'],
  [' P2D', 'leading space'],
  ['P2D ', 'trailing space'],
  ['P2DT', 'trailing time designator after days'],
  ['PT2H1D', 'days after the time designator'],
  ['PT30S15M', 'components out of order'],
  ['P2H', 'hours without the time designator'],
  ['172800000', 'a bare number of milliseconds'],
];

describe('parseDurationMs', () => {
  it.each(VALID)('%s is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(INVALID)('rejects %j (%s)', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });

  it('treats PT24H and P1D as the same length (fixed-length days, no DST)', () => {
    expect(parseDurationMs('PT24H')).toBe(parseDurationMs('P1D'));
  });
});

describe('durationMs', () => {
  it.each(VALID)('%s is %d ms', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });

  it.each(INVALID)('throws for %j (%s), naming the text', (text) => {
    expect(() => durationMs(text)).toThrow(new Error(`not an ISO-8601 duration: ${text}`));
  });
});

describe('durationSchema (a positive duration)', () => {
  it.each(VALID.filter(([, ms]) => ms > 0))('accepts %s', (text) => {
    expect(durationSchema.safeParse(text)).toEqual({ success: true, data: text });
  });

  it.each([
    ['PT0S', 'zero length is not positive'],
    ['P0D', 'zero length is not positive'],
    ['P0DT0H0M0S', 'zero length is not positive'],
    ...INVALID,
  ])('rejects %j (%s) with a message that shows the expected form', (text) => {
    const result = durationSchema.safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual([
      'a positive ISO-8601 duration in days/hours/minutes/seconds, e.g. P2D or PT24H',
    ]);
  });

  it.each([[172_800_000], [null], [undefined], [{}]])('rejects a non-string %j', (value) => {
    expect(durationSchema.safeParse(value).success).toBe(false);
  });
});
