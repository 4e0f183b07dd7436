/**
 * The staff console's reports and supervisor lists (issue 12), their pure parts: the shaping of the
 * §6 risk distribution and the §3.2 overdue-review counts, their CSV (RFC 4180, formula-safe), the
 * grouping by team / department and the order a supervisor works escalated §5.2 cases in, the
 * §4 tier of a segment and the Temporal UI deep link.
 */
import { tierOf } from '../../src/customers/segment-history';
import { escalationOrder } from '../../src/feedback/escalations';
import type { FeedbackListItem } from '../../src/feedback/list-feedback';
import { ageBucket, ageBucketLabels, overdueReviewsCsv, shapeOverdueReviews } from '../../src/lifecycle/overdue-reviews-report';
import { temporalWorkflowUrl } from '../../src/lifecycle/open-processes';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { NOT_RATED, riskDistributionCsv, shapeDistribution } from '../../src/risk/risk-distribution';
import { csvCell, csvDocument } from '../../src/shared/csv';
import { groupByKey } from '../../src/tasks/overdue-work';

describe('CSV (RFC 4180)', () => {
  it('quotes commas, quotes and line breaks; neutralises formulas in text, not in numbers', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
  });
  it('writes a header and rows with CRLF line ends and a final CRLF', () => {
    expect(csvDocument(['a', 'b'], [[1, 'x'], [null, 'y,z']])).toBe('a,b\r\n1,x\r\n,"y,z"\r\n');
  });
});

describe('§6 portfolio risk distribution', () => {
  const rows = [
    { customerType: 'INDIVIDUAL', segment: 'REGULAR', rating: 'LOW', customers: 5 },
    { customerType: 'INDIVIDUAL', segment: 'REGULAR', rating: null, customers: 3 },
    { customerType: 'INDIVIDUAL', segment: 'VIP', rating: 'HIGH', customers: 2 },
    { customerType: 'ENTERPRISE', segment: 'SMALL', rating: 'D', customers: 1 },
    { customerType: 'ENTERPRISE', segment: null, rating: 'A', customers: 1 },
  ];
  const report = shapeDistribution(rows, '2026-12-03T00:00:00.000Z');

  it('counts every rating of each type, 0 included, with the not-rated customers', () => {
    const ind = report.types.find((t) => t.customerType === 'INDIVIDUAL')!;
    expect(ind.ratings).toEqual(['LOW', 'MEDIUM', 'HIGH', NOT_RATED]);
    expect(ind.byRating).toEqual({ LOW: 5, MEDIUM: 0, HIGH: 2, NOT_RATED: 3 });
    expect(ind.total).toBe(10);
    expect(ind.shares).toEqual({ LOW: 0.5, MEDIUM: 0, HIGH: 0.2, NOT_RATED: 0.3 });
    expect(ind.bySegment).toEqual([
      { segment: 'REGULAR', total: 8, byRating: { LOW: 5, MEDIUM: 0, HIGH: 0, NOT_RATED: 3 } },
      { segment: 'VIP', total: 2, byRating: { LOW: 0, MEDIUM: 0, HIGH: 2, NOT_RATED: 0 } },
    ]);
    const ent = report.types.find((t) => t.customerType === 'ENTERPRISE')!;
    expect(ent.ratings).toEqual(['A', 'B', 'C', 'D', NOT_RATED]);
    expect(ent.bySegment.map((s) => s.segment)).toEqual(['SMALL', 'UNCLASSIFIED']);
    expect(report.total).toBe(12);
  });

  it('has no shares (null) for a type without customers', () => {
    const empty = shapeDistribution([], 'x');
    expect(empty.types[0]!.shares.LOW).toBeNull();
    expect(empty.total).toBe(0);
  });

  it('CSV: a header, then ALL and per-segment rows with the share of the segment', () => {
    const lines = riskDistributionCsv(report).trimEnd().split('\r\n');
    expect(lines[0]).toBe('customerType,segment,rating,customers,shareOfSegment');
    expect(lines).toContain('INDIVIDUAL,ALL,LOW,5,0.5');
    expect(lines).toContain('INDIVIDUAL,REGULAR,NOT_RATED,3,0.375');
    expect(lines).toContain('ENTERPRISE,SMALL,D,1,1');
    expect(lines).toHaveLength(1 + 4 * 3 + 5 * 3);
  });
});

describe('§3.2 overdue reviews', () => {
  it('buckets days past due: 0–7, 8–30, 31–90, > 90 (negative counts as 0)', () => {
    expect(ageBucketLabels()).toEqual(['0–7 days', '8–30 days', '31–90 days', '> 90 days']);
    expect([-2, 0, 7, 8, 30, 31, 90, 91, 400].map((d) => ageBucket(d))).toEqual([0, 0, 0, 1, 1, 2, 2, 3, 3]);
  });

  const report = shapeOverdueReviews(
    [
      { assignee: 'rm-1', team: null, segment: 'VIP', bucket: 0, reviews: 2 },
      { assignee: 'rm-1', team: null, segment: 'REGULAR', bucket: 3, reviews: 1 },
      { assignee: null, team: 'CUSTOMER_SERVICE', segment: 'REGULAR', bucket: 1, reviews: 4 },
    ],
    new Map([['rm-1', 'Rita, "the" Manager']]),
    '2026-12-03T00:00:00.000Z',
  );

  it('counts by assignee (a team when unassigned) and by segment, most first', () => {
    expect(report.total).toBe(7);
    expect(report.byAge).toEqual([2, 4, 0, 1]);
    expect(report.byAssignee).toEqual([
      { key: 'team:CUSTOMER_SERVICE', total: 4, byAge: [0, 4, 0, 0], name: null },
      { key: 'rm-1', total: 3, byAge: [2, 0, 0, 1], name: 'Rita, "the" Manager' },
    ]);
    expect(report.bySegment).toEqual([
      { key: 'REGULAR', total: 5, byAge: [0, 4, 0, 1] },
      { key: 'VIP', total: 2, byAge: [2, 0, 0, 0] },
    ]);
  });

  it('CSV: a column per age bucket; names quoted', () => {
    const lines = overdueReviewsCsv(report).trimEnd().split('\r\n');
    expect(lines[0]).toBe('group,key,name,overdueReviews,0–7 days,8–30 days,31–90 days,> 90 days');
    expect(lines[1]).toBe('overall,,,7,2,4,0,1');
    expect(lines).toContain('assignee,rm-1,"Rita, ""the"" Manager",3,2,0,0,1');
    expect(lines).toContain('segment,VIP,,2,2,0,0,0');
  });
});

describe('supervisor lists', () => {
  it('groups by key (null → fallback), largest group first, keeping order within a group', () => {
    const g = groupByKey([{ t: 'A', n: 1 }, { t: null, n: 2 }, { t: 'B', n: 3 }, { t: 'B', n: 4 }], (x) => x.t, 'assigned');
    expect(g.map((x) => [x.key, x.count, x.items.map((i) => i.n)])).toEqual([
      ['B', 2, [3, 4]],
      ['A', 1, [1]],
      ['assigned', 1, [2]],
    ]);
  });

  it('works escalated cases highest level first, then earliest deadline (none last), then case number', () => {
    const c = (caseNo: string, escalationLevel: number, targetAt: string | null) => ({ caseNo, escalationLevel, targetAt }) as FeedbackListItem;
    const sorted = [c('FB-3', 1, null), c('FB-2', 1, '2026-12-02T00:00:00Z'), c('FB-1', 0, '2026-12-01T00:00:00Z'), c('FB-4', 2, '2026-12-05T00:00:00Z')].sort(escalationOrder);
    expect(sorted.map((x) => x.caseNo)).toEqual(['FB-4', 'FB-2', 'FB-3', 'FB-1']);
  });
});

describe('customer page helpers', () => {
  it('§4: the tier of a segment under the policy; null when unclassified or unknown', () => {
    expect(tierOf('HIGH_NET_WORTH', DEFAULT_POLICY)).toMatchObject({ clause: '§4.1', dedicatedManager: true });
    expect(tierOf('LARGE', DEFAULT_POLICY)).toMatchObject({ clause: '§4.2' });
    expect(tierOf(null, DEFAULT_POLICY)).toBeNull();
    expect(tierOf('NOPE', DEFAULT_POLICY)).toBeNull();
  });

  it('links a workflow into the Temporal UI by id (the UI opens its latest run), encoded', () => {
    expect(temporalWorkflowUrl('http://localhost:8233/', 'default', 'customer-cus_1')).toBe('http://localhost:8233/namespaces/default/workflows/customer-cus_1');
    expect(temporalWorkflowUrl('https://t.bank', 'prod ns', 'feedback-FB/1')).toBe('https://t.bank/namespaces/prod%20ns/workflows/feedback-FB%2F1');
  });
});
