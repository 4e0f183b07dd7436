/**
 * The staff console's reports and supervisor pages (issue 12), their pure parts: the reports' default
 * window and period (bank time zone), the chart data of the sections the actor may see, the chart
 * JSON block that no label can break out of, and the reassign form's fields as the use case takes them.
 */
import { chartsOf, reportsQuery, type ReportsPageModel } from '../../src/console/pages/reports-model';
import { jsonForScriptBlock } from '../../src/console/pages/reports';
import { reassignInput } from '../../src/console/pages/supervisor';
import { NOT_RATED, shapeDistribution } from '../../src/risk/risk-distribution';

describe('supervisor page', () => {
  it('the reassign form: empty selects are left out, the reason always goes to the use case', () => {
    expect(reassignInput({ toStaffId: '', departmentCode: 'CARDS', reason: 'load' })).toEqual({ departmentCode: 'CARDS', reason: 'load' });
    expect(reassignInput({ toStaffId: 'stf-1', departmentCode: ' ' })).toEqual({ toStaffId: 'stf-1', reason: '' });
  });
});

describe('reports page', () => {
  it('defaults: the last 30 days including today, and the last whole quarter (bank time zone)', () => {
    // 2026-12-03 03:00 UTC is still 2 December in New York.
    const q = reportsQuery({}, new Date('2026-12-03T03:00:00Z'), 'America/New_York');
    expect(q).toEqual({ from: '2026-11-03', to: '2026-12-03', period: '2026-Q3' });
    expect(reportsQuery({ from: ' 2026-01-01 ', to: '', period: '2025' }, new Date('2026-12-03T12:00:00Z'), 'America/New_York')).toEqual({ from: '2026-01-01', to: '2026-12-04', period: '2025' });
  });

  it('chart data only for the sections the actor sees', () => {
    const model = {
      query: { from: '', to: '', period: '' },
      timeZone: 'UTC',
      sla: { state: 'forbidden' },
      overdueReviews: { state: 'forbidden' },
      riskDistribution: { state: 'ok', data: shapeDistribution([{ customerType: 'INDIVIDUAL', segment: 'VIP', rating: 'LOW', customers: 2 }], 'x') },
      staff: { state: 'ok', data: { byGrade: { A: 1, NO_DATA: 2 } } },
    } as unknown as ReportsPageModel;
    const charts = chartsOf(model);
    expect(Object.keys(charts).sort()).toEqual(['risk-distribution', 'staff']);
    expect(charts['risk-distribution']!.series).toEqual([
      { label: 'INDIVIDUAL', data: [2, 0, 0, 0, 0, 0, 0, 0] },
      { label: 'ENTERPRISE', data: [0, 0, 0, 0, 0, 0, 0, 0] },
    ]);
    expect(charts['risk-distribution']!.labels).toEqual(['LOW', 'MEDIUM', 'HIGH', NOT_RATED, 'A', 'B', 'C', 'D']);
    expect(charts.staff).toMatchObject({ labels: ['A', 'NO_DATA'], series: [{ label: 'Staff', data: [1, 2] }] });
  });

  it('chart JSON cannot close its <script> element', () => {
    const text = jsonForScriptBlock({ label: '</script><script>alert(1)</script>' });
    expect(text).not.toContain('</script');
    expect(JSON.parse(text)).toEqual({ label: '</script><script>alert(1)</script>' });
  });
});
