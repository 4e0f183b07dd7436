/**
 * `ccm reports …`, registered by src/cli/ccm.ts:
 *
 *   ccm reports sla --from <date|instant> --to <date|instant> [--csv]   the §5.2 SLA report (SUPERVISOR, ADMIN)
 *
 * The same use case as GET /reports/sla (src/feedback/sla-report.ts): a table by default, the JSON
 * report with --json, the CSV (header row, one row per group) with --csv. Reads the database only.
 */
import type { Command } from 'commander';
import { slaReport, slaReportCsv, type SlaFigures, type SlaReport } from '../feedback/sla-report';
import { FeedbackStatus } from '../db/generated/client';
import { systemClock } from '../shared/clock';
import { out, printJson, Session, type GlobalOptions } from './session';

export interface ReportCommandContext {
  program: Command;
  run: (work: Promise<number>) => Promise<void>;
  globalsOf: (cmd: Command) => GlobalOptions;
}

/** Rows as aligned columns (the last column unpadded). */
function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [header, ...rows]) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}

const num = (v: number | null) => (v === null ? '-' : String(v));
const percent = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);

function groups(report: SlaReport): [string, SlaFigures][] {
  return [
    ['overall', report.overall],
    ...report.byDepartment.map((d): [string, SlaFigures] => [`department ${d.departmentCode}`, d]),
    ...report.byCustomerType.map((t): [string, SlaFigures] => [`customer type ${t.customerType}`, t]),
  ];
}

function printReport(report: SlaReport): void {
  out(`SLA report: cases registered from ${report.from} to ${report.to} (bank time zone ${report.timeZone}); as of ${report.generatedAt}`);
  out();
  table(
    ['GROUP', 'CASES', 'BREACHED', 'RATE', 'REOPENED', 'RESPONDED', 'MEAN H', 'P90 H', 'RESOLVED', 'MEAN H', 'P90 H'],
    groups(report).map(([name, f]) => [
      name,
      String(f.cases),
      String(f.breached),
      percent(f.breachRate),
      String(f.reopened),
      String(f.firstResponse.count),
      num(f.firstResponse.meanHours),
      num(f.firstResponse.p90Hours),
      String(f.resolution.count),
      num(f.resolution.meanHours),
      num(f.resolution.p90Hours),
    ]),
  );
  out();
  const statuses = Object.values(FeedbackStatus);
  table(['GROUP', ...statuses], groups(report).map(([name, f]) => [name, ...statuses.map((s) => String(f.byStatus[s]))]));
  out();
  out('Breached: no first response by the response deadline. Hours: wall clock from registration to the first response (RESPONDED) and to the resolution (RESOLVED).');
}

async function slaCommand(options: { from: string; to: string; csv?: boolean }, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const report = await slaReport({ db: session.db, policy: session.policy, clock: systemClock }, actor, { from: options.from, to: options.to });
    if (options.csv) process.stdout.write(slaReportCsv(report));
    else if (globals.json) printJson(report);
    else printReport(report);
    return 0;
  } finally {
    await session.close();
  }
}

export function registerReportCommands({ program, run, globalsOf }: ReportCommandContext): void {
  const reports = program.command('reports').description('reports for supervisors');
  reports
    .command('sla')
    .description('§5.2 SLA report over the feedback cases registered in [from, to): counts by status, breach rate, hours to first response and to resolution; overall, by department, by customer type (SUPERVISOR, ADMIN)')
    .requiredOption('--from <date|instant>', 'first day YYYY-MM-DD (bank time zone) or an ISO instant, e.g. 2026-12-01')
    .requiredOption('--to <date|instant>', 'end, exclusive: YYYY-MM-DD or an ISO instant; at most 366 days after --from')
    .option('--csv', 'CSV on stdout (a header row, one row per group)')
    .action((options: { from: string; to: string; csv?: boolean }, cmd: Command) => run(slaCommand(options, globalsOf(cmd))));
}
