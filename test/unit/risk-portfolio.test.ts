/**
 * §6 the portfolio run's pure decisions (workflows/risk/definitions.ts): the summary by customer type
 * and segment, the cursor of each lane after a page, when a run hands over to a new one
 * (continue-as-new), the input it refuses; the Schedule's quarterly calendar (src/risk/schedule.ts);
 * the rows of the rescore table (src/risk/portfolio-runs.ts).
 */
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { summaryRows } from '../../src/risk/portfolio-runs';
import { quarterlySpec, scheduledWorkflowIdPrefix } from '../../src/risk/schedule';
import {
  applyPage,
  inputProblem,
  mergeSummary,
  portfolioRunId,
  progressOf,
  shouldContinueAsNew,
  summaryKey,
  type PageOutcome,
  type PortfolioState,
} from '../../workflows/risk/definitions';

const state = (lanes: PortfolioState['lanes']): PortfolioState => ({
  runId: 'risk-portfolio-manual-20270101T070000Z',
  kind: 'QUARTERLY',
  dryRun: false,
  status: 'RUNNING',
  policyVersion: '2026.12-3',
  asOf: '2027-01-01T07:00:00.000Z',
  total: 2500,
  lanes,
  counters: { processed: 0, changed: 0, failed: 0, signalled: 0, notRunning: 0, pages: 0 },
  summary: {},
  failures: [],
  runs: 1,
});
const page = (p: Partial<PageOutcome>): PageOutcome => ({ count: 1000, lastCustomerId: 'c1000', changed: 0, failed: 0, failures: [], signalled: 0, notRunning: 0, summary: {}, ...p });

describe('§6 portfolio summary', () => {
  it('keys by customer type and segment; a customer without a segment is UNCLASSIFIED', () => {
    expect(summaryKey('INDIVIDUAL', 'VIP')).toBe('INDIVIDUAL:VIP');
    expect(summaryKey('ENTERPRISE', null)).toBe('ENTERPRISE:UNCLASSIFIED');
  });

  it('merges key by key and direction by direction, leaving both arguments as they were', () => {
    const a = { 'INDIVIDUAL:VIP': { UP: 1, DOWN: 2, SAME: 3, NEW: 0 } };
    const b = { 'INDIVIDUAL:VIP': { UP: 1, DOWN: 0, SAME: 1, NEW: 4 }, 'ENTERPRISE:SMALL': { UP: 0, DOWN: 1, SAME: 0, NEW: 0 } };
    expect(mergeSummary(a, b)).toEqual({ 'INDIVIDUAL:VIP': { UP: 2, DOWN: 2, SAME: 4, NEW: 4 }, 'ENTERPRISE:SMALL': { UP: 0, DOWN: 1, SAME: 0, NEW: 0 } });
    expect(a).toEqual({ 'INDIVIDUAL:VIP': { UP: 1, DOWN: 2, SAME: 3, NEW: 0 } });
    expect(mergeSummary({}, {})).toEqual({});
  });
});

describe('§6 paging decisions', () => {
  it('a full page moves the lane cursor on and adds the counts; a short page ends the lane', () => {
    let s = state([{ after: null, until: null, done: false }]);
    s = applyPage(s, 0, page({ changed: 50, summary: { 'INDIVIDUAL:REGULAR': { UP: 30, DOWN: 20, SAME: 950, NEW: 0 } } }), 1000);
    expect(s.lanes).toEqual([{ after: 'c1000', until: null, done: false }]);
    expect(s.counters).toMatchObject({ processed: 1000, changed: 50, pages: 1 });
    s = applyPage(s, 0, page({ count: 400, lastCustomerId: 'c1400', failed: 1, failures: [{ customerId: 'c1399', reason: 'unknown NAICS code' }] }), 1000);
    expect(s.lanes[0]).toEqual({ after: 'c1400', until: null, done: true });
    expect(progressOf(s)).toMatchObject({ processed: 1400, changed: 50, failed: 1, total: 2500 });
    expect(s.failures).toEqual([{ customerId: 'c1399', reason: 'unknown NAICS code' }]);
  });

  it('an empty page ends the lane and keeps its cursor; a lane that reached its upper bound ends without an empty page', () => {
    const s = applyPage(state([{ after: 'c5', until: null, done: false }]), 0, page({ count: 0, lastCustomerId: 'c5' }), 1000);
    expect(s.lanes[0]).toEqual({ after: 'c5', until: null, done: true });
    const bounded = applyPage(state([{ after: null, until: 'c1000', done: false }, { after: 'c1000', until: null, done: false }]), 0, page({}), 1000);
    expect(bounded.lanes).toEqual([{ after: 'c1000', until: 'c1000', done: true }, { after: 'c1000', until: null, done: false }]);
  });

  it('keeps at most 20 failures as a sample, and counts them all', () => {
    const failures = Array.from({ length: 15 }, (_, i) => ({ customerId: `f${i}`, reason: 'x' }));
    let s = applyPage(state([{ after: null, until: null, done: false }]), 0, page({ failed: 15, failures }), 1000);
    s = applyPage(s, 0, page({ failed: 15, failures }), 1000);
    expect(s.failures).toHaveLength(20);
    expect(s.counters.failed).toBe(30);
  });

  it('hands over to a new run after the page limit or when Temporal suggests it', () => {
    expect(shouldContinueAsNew(99, 100, false)).toBe(false);
    expect(shouldContinueAsNew(100, 100, false)).toBe(true);
    expect(shouldContinueAsNew(1, 100, true)).toBe(true);
  });
});

describe('§6 portfolio input', () => {
  it('refuses a malformed input naming the field and the reason', () => {
    expect(inputProblem({ kind: 'QUARTERLY' })).toBeUndefined();
    expect(inputProblem({ kind: 'RESCORE', policyDocument: {} })).toBeUndefined();
    expect(inputProblem({ kind: 'MONTHLY' } as never)).toBe('kind: "MONTHLY" is not QUARTERLY or RESCORE');
    expect(inputProblem({ kind: 'RESCORE' })).toMatch(/^policyDocument: /);
    expect(inputProblem({ kind: 'QUARTERLY', policyDocument: {} })).toMatch(/^policyDocument: /);
    expect(inputProblem({ kind: 'QUARTERLY', pageSize: 0 })).toBe('pageSize: 0 is not a whole number 1–5000');
    expect(inputProblem({ kind: 'QUARTERLY', lanes: 9 })).toBe('lanes: 9 is not a whole number 1–8');
  });

  it('names runs started by hand by their kind and UTC time', () => {
    const at = new Date('2027-01-05T10:11:12.345Z');
    expect(portfolioRunId('manual', at)).toBe('risk-portfolio-manual-20270105T101112Z');
    expect(portfolioRunId('rescore', at, '2027.01-1-dry')).toBe('risk-portfolio-rescore-2027.01-1-dry-20270105T101112Z');
    expect(scheduledWorkflowIdPrefix('risk-quarterly')).toBe('risk-portfolio-quarterly');
  });
});

describe('§6 the quarterly calendar', () => {
  const policy = parsePolicy(DEFAULT_POLICY);

  it('day 1 of each quarter at 02:00 in the bank time zone', () => {
    expect(quarterlySpec(policy)).toEqual({
      calendars: [expect.objectContaining({ month: ['JANUARY', 'APRIL', 'JULY', 'OCTOBER'], dayOfMonth: 1, hour: 2, minute: 0, second: 0 })],
      timezone: 'America/New_York',
    });
  });

  it('follows the policy: its cadence and local time', () => {
    const p = parsePolicy({ ...DEFAULT_POLICY, risk: { ...DEFAULT_POLICY.risk, everyoneEveryMonths: 6, portfolioRunLocalTime: '23:30' } });
    expect(quarterlySpec(p).calendars![0]).toMatchObject({ month: ['JANUARY', 'JULY'], hour: 23, minute: 30 });
    const odd = parsePolicy({ ...DEFAULT_POLICY, risk: { ...DEFAULT_POLICY.risk, everyoneEveryMonths: 5 } });
    expect(() => quarterlySpec(odd)).toThrow('risk.everyoneEveryMonths: must divide 12 (1, 2, 3, 4, 6 or 12) for a calendar Schedule (got 5)');
  });
});

describe('§6 the rescore table', () => {
  it('one row per customer type and segment, sorted, with the totals', () => {
    expect(summaryRows({ 'INDIVIDUAL:VIP': { UP: 2, DOWN: 1, SAME: 7, NEW: 0 }, 'ENTERPRISE:SMALL': { UP: 1, DOWN: 0, SAME: 3, NEW: 1 } })).toEqual([
      { type: 'ENTERPRISE', segment: 'SMALL', UP: 1, DOWN: 0, SAME: 3, NEW: 1, changed: 2 },
      { type: 'INDIVIDUAL', segment: 'VIP', UP: 2, DOWN: 1, SAME: 7, NEW: 0, changed: 3 },
      { type: 'ALL', segment: '', UP: 3, DOWN: 1, SAME: 10, NEW: 1, changed: 5 },
    ]);
  });
});
