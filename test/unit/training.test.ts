/**
 * §7.1 staff training rules at their boundaries (src/domain/training.ts): the module schedule (week
 * arithmetic, local times across a DST change, reminder and overdue offsets), overdue, the foundation
 * course's spread over the policy's weeks, the module layout check, pass scores, and the yearly
 * advanced-course requirement — serving since before / during / after the year, the year boundary in
 * the bank's time zone, the pace on the reminder months, a year missed; plus the workflow's pure
 * helpers (id and its inverse, next step, status) and the policy's defaults for older documents.
 */
import {
  addDays,
  advancedExpectedBy,
  advancedRequired,
  foundationModules,
  isBehind,
  isModuleOverdue,
  moduleLayoutIssues,
  moduleSchedule,
  passes,
  trainingYearOf,
  yearBounds,
  yearlyCheckAt,
  yearMissed,
} from '../../src/domain/training';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../src/policy/policy';
import { nextMonday } from '../../src/training/enrol';
import { nextModuleStep, statusOf, trainingRefFromWorkflowId, trainingWorkflowId, type TrainingState } from '../../workflows/training/definitions';

const policy: Policy = DEFAULT_POLICY;
const withTraining = (t: Partial<Policy['training']>): Policy => ({ ...policy, training: { ...policy.training, ...t } });
const at = (s: string) => new Date(s);

describe('§7.1 module schedule (America/New_York, modules begin 09:00, due 17:00, reminded P1D before, overdue P2D after)', () => {
  const modules = [
    { code: 'A', week: 1, weeks: 1 },
    { code: 'B', week: 2, weeks: 1 },
    { code: 'C', week: 3, weeks: 2 },
  ];

  test('a course starting Monday 4 Jan 2027: each module opens on its first week’s first day, is due on its last week’s last day', () => {
    const [a, b, c] = moduleSchedule('2027-01-04', modules, policy);
    expect(a).toEqual({ code: 'A', opensAt: at('2027-01-04T14:00:00Z'), remindAt: at('2027-01-03T14:00:00Z'), dueAt: at('2027-01-10T22:00:00Z'), overdueAt: at('2027-01-12T22:00:00Z') });
    expect([b!.opensAt, b!.dueAt]).toEqual([at('2027-01-11T14:00:00Z'), at('2027-01-17T22:00:00Z')]);
    // Two weeks: weeks 3–4, due on day 27 (Sunday 31 January).
    expect([c!.opensAt, c!.dueAt, c!.overdueAt]).toEqual([at('2027-01-18T14:00:00Z'), at('2027-01-31T22:00:00Z'), at('2027-02-02T22:00:00Z')]);
  });

  test('local times hold across the DST change: opens 09:00 EST, due 17:00 EDT on Sunday 14 March 2027', () => {
    const [a] = moduleSchedule('2027-03-08', [{ code: 'A', week: 1, weeks: 1 }], policy);
    expect([a!.opensAt, a!.dueAt]).toEqual([at('2027-03-08T14:00:00Z'), at('2027-03-14T21:00:00Z')]);
  });

  test('the offsets come from the policy', () => {
    const [a] = moduleSchedule('2027-01-04', [{ code: 'A', week: 1, weeks: 1 }], withTraining({ remindBefore: 'PT2H', overdueAfter: 'P5D', moduleStartLocalTime: '10:30', moduleDueLocalTime: '12:00' }));
    expect(a).toMatchObject({ opensAt: at('2027-01-04T15:30:00Z'), remindAt: at('2027-01-04T13:30:00Z'), dueAt: at('2027-01-10T17:00:00Z'), overdueAt: at('2027-01-15T17:00:00Z') });
  });

  test('a week below 1 or a fraction is refused', () => {
    expect(() => moduleSchedule('2027-01-04', [{ code: 'A', week: 0, weeks: 1 }], policy)).toThrow(RangeError);
    expect(() => moduleSchedule('2027-01-04', [{ code: 'A', week: 1, weeks: 1.5 }], policy)).toThrow(RangeError);
  });

  test('overdue from overdueAt on (inclusive), never once done', () => {
    const overdueAt = at('2027-01-12T22:00:00Z');
    expect(isModuleOverdue({ overdueAt, done: false }, at('2027-01-12T21:59:59.999Z'))).toBe(false);
    expect(isModuleOverdue({ overdueAt, done: false }, overdueAt)).toBe(true);
    expect(isModuleOverdue({ overdueAt, done: true }, at('2027-02-01T00:00:00Z'))).toBe(false);
  });

  test('addDays crosses month and leap-year ends; a non-date is refused', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-12-31', 1)).toBe('2028-01-01');
    expect(() => addDays('2027-13-01', 1)).toThrow(RangeError);
  });

  test('courses begin the Monday after today (a Monday: the next one)', () => {
    expect(nextMonday('2027-01-01')).toBe('2027-01-04'); // Friday
    expect(nextMonday('2027-01-03')).toBe('2027-01-04'); // Sunday
    expect(nextMonday('2027-01-04')).toBe('2027-01-11'); // Monday
  });
});

describe('§7.1 the foundation course from the policy', () => {
  test('three subjects by lecture, case study and simulation, spread over the policy’s 4 weeks (the last one two weeks)', () => {
    expect(foundationModules(policy).map((m) => [m.code, m.delivery, m.week, m.weeks, m.assessed])).toEqual([
      ['CLASSIFICATION_IDENTIFICATION', 'LECTURE', 1, 1, false],
      ['INFORMATION_MANAGEMENT', 'CASE_STUDY', 2, 1, true],
      ['SERVICE_STANDARDS', 'SIMULATION', 3, 2, true],
    ]);
  });

  test.each([
    [1, [[1, 1], [1, 1], [1, 1]]],
    [2, [[1, 1], [1, 1], [2, 1]]],
    [3, [[1, 1], [2, 1], [3, 1]]],
    [6, [[1, 2], [3, 2], [5, 2]]],
  ])('%i weeks → every module within the course, at least one week each', (weeks, expected) => {
    const modules = foundationModules(withTraining({ foundation: { weeks } }));
    expect(modules.map((m) => [m.week, m.weeks])).toEqual(expected);
    expect(moduleLayoutIssues(weeks, modules)).toEqual([]);
  });

  test('a module past the course’s last week, or a code twice, is named', () => {
    expect(moduleLayoutIssues(2, [{ code: 'A', week: 2, weeks: 1 }, { code: 'B', week: 2, weeks: 2 }, { code: 'A', week: 1, weeks: 1 }])).toEqual([
      { field: 'modules.1.week', value: 2, reason: "the module runs to week 3, after the course's last week 2" },
      { field: 'modules.2.code', value: 'A', reason: 'each module code once' },
    ]);
  });

  test('a score passes at the module’s pass score, else the policy’s (70), inclusive', () => {
    expect([passes(69, {}, policy), passes(70, {}, policy)]).toEqual([false, true]);
    expect([passes(59, { passScore: 60 }, policy), passes(60, { passScore: 60 }, policy)]).toEqual([false, true]);
  });
});

describe('§7.1 advanced courses each year (2 a year; the calendar year in New York)', () => {
  test.each([
    ['not serving (foundation not complete)', null, 2027, 0],
    ['serving before the year', '2026-06-01T12:00:00Z', 2027, 2],
    ['qualified 31 Dec 2026 23:00 EST (04:00Z on 1 Jan): serving before 2027', '2027-01-01T04:00:00Z', 2027, 2],
    ['qualified 1 Jan 2027 01:00 EST: 11 months left → 1', '2027-01-01T06:00:00Z', 2027, 1],
    ['qualified in June: 6 months left → 1', '2027-06-15T12:00:00Z', 2027, 1],
    ['qualified in July: 5 months left → 0', '2027-07-01T12:00:00Z', 2027, 0],
    ['qualified after the year', '2028-01-01T12:00:00Z', 2027, 0],
  ])('required: %s', (_label, since, year, required) => {
    expect(advancedRequired(year, since ? at(since) : null, policy)).toBe(required);
  });

  test.each([
    [1, 2, 0],
    [2, 2, 1],
    [7, 2, 1],
    [10, 2, 2],
    [12, 2, 2],
    [7, 1, 1],
    [7, 0, 0],
  ])('on 1 of month %i with %i required, %i are expected by then (rounded up)', (month, required, expected) => {
    expect(advancedExpectedBy(month, required)).toBe(expected);
  });

  test('behind: fewer than expected; a year missed: fewer than required', () => {
    expect([isBehind(7, 2, 0), isBehind(7, 2, 1), isBehind(10, 2, 1), isBehind(10, 2, 2)]).toEqual([true, false, true, false]);
    expect([yearMissed(2, 1), yearMissed(2, 2), yearMissed(2, 3), yearMissed(0, 0)]).toEqual([true, false, false, false]);
    expect(() => advancedExpectedBy(13, 2)).toThrow(RangeError);
  });

  test('the year and its bounds are the bank’s: 31 Dec 23:59 EST is still the old year', () => {
    expect(trainingYearOf(at('2027-01-01T04:59:59Z'), policy)).toBe(2026);
    expect(trainingYearOf(at('2027-01-01T05:00:00Z'), policy)).toBe(2027);
    expect(yearBounds(2026, policy)).toEqual({ start: at('2026-01-01T05:00:00Z'), end: at('2027-01-01T05:00:00Z') });
  });

  test('what a check does: on 1 January the year just ended; on another month the pace of this year', () => {
    expect(yearlyCheckAt(at('2027-01-01T13:00:00Z'), policy)).toEqual({ kind: 'YEAR_END', year: 2026 });
    expect(yearlyCheckAt(at('2027-01-01T04:59:00Z'), policy)).toEqual({ kind: 'PACE', year: 2026, month: 12 });
    expect(yearlyCheckAt(at('2027-07-01T12:00:00Z'), policy)).toEqual({ kind: 'PACE', year: 2027, month: 7 });
  });
});

describe('§7.1 the training workflow’s pure helpers', () => {
  test('workflow id by business key, and its inverse (staff ids may hold "-", programme codes never)', () => {
    expect(trainingWorkflowId('stf-1a2b', 'FOUNDATION')).toBe('training-stf-1a2b-FOUNDATION');
    expect(trainingRefFromWorkflowId('training-stf-1a2b-FOUNDATION')).toEqual({ staffId: 'stf-1a2b', programmeCode: 'FOUNDATION' });
    expect(trainingRefFromWorkflowId('customer-1')).toBeUndefined();
    expect(trainingRefFromWorkflowId('training-FOUNDATION')).toBeUndefined();
  });

  const plan = (code: string, steps: { step: 'REMIND' | 'ESCALATE'; at: string }[], done = false, escalated = false) => ({ code, taskId: `t:${code}`, opensAt: '', dueAt: '', overdueAt: '', steps, done, escalated });
  const state = (modules: ReturnType<typeof plan>[]): TrainingState => ({ enrolmentId: 'e', staffId: 's', programmeCode: 'P', kind: 'FOUNDATION', status: 'IN_PROGRESS', policyVersion: 'v', modules, counters: { reminders: 0, escalations: 0, runs: 1 } });

  test('the next step is the earliest of the modules not done; none when every ladder is spent', () => {
    const s = state([plan('A', [{ step: 'ESCALATE', at: '2027-01-12T22:00:00Z' }]), plan('B', [{ step: 'REMIND', at: '2027-01-10T14:00:00Z' }]), plan('C', [{ step: 'REMIND', at: '2027-01-01T00:00:00Z' }], true)]);
    expect(nextModuleStep(s)).toEqual({ moduleCode: 'B', step: { step: 'REMIND', at: '2027-01-10T14:00:00Z' } });
    expect(nextModuleStep(state([plan('A', []), plan('B', [], true)]))).toBeUndefined();
  });

  test('status: MODULE_OVERDUE while an escalated module is open, COMPLETED with the certificate', () => {
    expect(statusOf({ modules: [plan('A', [], false, true)] })).toBe('MODULE_OVERDUE');
    expect(statusOf({ modules: [plan('A', [], true, true)] })).toBe('IN_PROGRESS');
    expect(statusOf({ modules: [plan('A', [], true, true)], certificateId: 'c' })).toBe('COMPLETED');
  });
});

describe('§7.1 training in the policy', () => {
  test('a policy document written before issue 11 gets the training defaults', () => {
    const { training: _t, ...older } = DEFAULT_POLICY;
    expect(parsePolicy(older).training).toEqual(DEFAULT_POLICY.training);
  });

  test('bad values are named: weeks 0, January as a reminder month, a month twice', () => {
    const bad = (t: unknown) => () => parsePolicy({ ...DEFAULT_POLICY, training: t });
    expect(bad({ ...DEFAULT_POLICY.training, foundation: { weeks: 0 } })).toThrow(/training\.foundation\.weeks: at least 1 week/);
    expect(bad({ ...DEFAULT_POLICY.training, advanced: { ...DEFAULT_POLICY.training.advanced, reminderMonths: [1] } })).toThrow(/training\.advanced\.reminderMonths\.0/);
    expect(bad({ ...DEFAULT_POLICY.training, advanced: { ...DEFAULT_POLICY.training.advanced, reminderMonths: [7, 7] } })).toThrow(/training\.advanced\.reminderMonths: each month once/);
  });
});
