/**
 * `ccm staff-assessment …` (§7.2 staff assessment), registered by src/cli/ccm.ts. The same use cases
 * as the API (src/staff-assessment/): same validation, role checks and audit records.
 *
 *   ccm staff-assessment show <staffId> [--period <p>]            a staff member's assessments (self, manager, SUPERVISOR, AUDITOR)
 *   ccm staff-assessment report --period <p> [--csv]               every assessment of a period (SUPERVISOR, AUDITOR)
 *   ccm staff-assessment recompute --period <p> [--staff <id>]     recompute now; idempotent (SUPERVISOR)
 *   ccm staff-assessment run --period <p>                          start the period's run, as the Schedules would (SUPERVISOR)
 *   ccm staff-assessment guidance <staffId> <period> --notes <t>   the manager's guidance notes (manager, SUPERVISOR)
 *   ccm staff-assessment follow-up (--case <no> | --customer <id>) --outcome <o> [--score <1-5>]
 *                                                                  a supervisor's phone follow-up (SUPERVISOR)
 *   ccm staff-assessment schedule ensure|pause|resume|trigger|show [--kind quarter|year]
 *                                                                  the quarterly and annual Schedules (SUPERVISOR, ADMIN)
 *
 * A period is a quarter YYYY-Qn (e.g. 2026-Q4) or a year YYYY, in the bank's time zone.
 */
import { Option, type Command } from 'commander';
import { requireRole } from '../security/auth';
import { systemClock } from '../shared/clock';
import { GROUP_IDS, INDICATOR_IDS, type PeriodKind } from '../staff-assessment/codes';
import type { AssessmentView } from '../staff-assessment/assessments';
import type { IndicatorResult } from '../staff-assessment/indicators';
import { formatValue, INDICATOR_LABELS } from '../staff-assessment/emails';
import { listStaffAssessments } from '../staff-assessment/list-assessments';
import { recomputePeriod } from '../staff-assessment/recompute';
import { recordPhoneFollowUp } from '../staff-assessment/record-follow-up';
import { staffReport, staffReportCsv } from '../staff-assessment/staff-report';
import { out, printJson, Session, UsageError, type GlobalOptions } from './session';

// Commands that talk to Temporal load its SDK on demand (about a second), as src/cli/risk-portfolio.ts does.
import type * as RunsModule from '../staff-assessment/runs';
import type * as GuidanceModule from '../staff-assessment/record-guidance';
import type * as ScheduleModule from '../staff-assessment/schedule';
/* eslint-disable @typescript-eslint/no-require-imports */
const onDemand = {
  runs: () => require('../staff-assessment/runs') as typeof RunsModule,
  guidance: () => require('../staff-assessment/record-guidance') as typeof GuidanceModule,
  schedule: () => require('../staff-assessment/schedule') as typeof ScheduleModule,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export interface StaffAssessmentCommandContext {
  program: Command;
  run: (work: Promise<number>) => Promise<void>;
  globalsOf: (cmd: Command) => GlobalOptions;
}

/** Rows as aligned columns (the last column unpadded). */
function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [header, ...rows]) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

const num = (v: number | null) => (v === null ? '-' : v.toFixed(1));

function printAssessment(a: AssessmentView): void {
  out(`${a.staffId} ${a.period}: score ${num(a.score)} · grade ${a.grade} · coverage ${Math.round(a.coverage * 100)} % · policy ${a.policyVersion} · revision ${a.revision}`);
  table(
    ['INDICATOR', 'VALUE', 'SCORE', 'BASIS'],
    (a.indicators as IndicatorResult[]).map((i) => [INDICATOR_LABELS[i.id] ?? i.id, formatValue(i), num(i.score), i.basis]),
  );
  out(`guidance: ${a.guidanceNotes === null ? `none yet (manager ${a.managerStaffId ?? 'none'})` : `${a.guidanceNotes} (${a.guidanceByStaffId})`}`);
  out(`result emailed: ${a.resultEmailedAt ?? 'not yet'}`);
}

async function withSession(globals: GlobalOptions, work: (s: Session, actor: Awaited<ReturnType<Session['actor']>>) => Promise<number>): Promise<number> {
  const session = new Session();
  try {
    return await work(session, await session.actor(globals));
  } finally {
    await session.close();
  }
}

const kindOf = (text: string | undefined): PeriodKind[] => {
  if (text === undefined) return ['QUARTER', 'YEAR'];
  const k = text.toUpperCase();
  if (k !== 'QUARTER' && k !== 'YEAR') throw new UsageError(`--kind must be quarter or year, got ${JSON.stringify(text)}`);
  return [k];
};

type ScheduleVerb = 'ensure' | 'pause' | 'resume' | 'trigger' | 'show';

export function registerStaffAssessmentCommands({ program, run, globalsOf }: StaffAssessmentCommandContext): void {
  const group = program.command('staff-assessment').description('§7.2 staff assessment: quarterly (with guidance) and annual, from the system’s own data');

  group
    .command('show')
    .description("a staff member's assessments, newest first (the staff member, their manager, SUPERVISOR, AUDITOR)")
    .argument('<staffId>')
    .option('--period <period>', 'one period: YYYY-Qn or YYYY')
    .action((staffId: string, o: { period?: string }, cmd: Command) =>
      run(
        withSession(globalsOf(cmd), async (s, actor) => {
          const r = await listStaffAssessments({ db: s.db, policy: s.policy }, actor, staffId, o.period ? { period: o.period } : {});
          if (globalsOf(cmd).json) printJson(r);
          else if (!r.assessments.length) out(`${staffId}: no assessments${o.period ? ` for ${o.period}` : ''}`);
          else
            r.assessments.forEach((a, i) => {
              if (i > 0) out();
              printAssessment(a);
            });
          return 0;
        }),
      ),
    );

  group
    .command('report')
    .description('every assessment of a period, best first (SUPERVISOR, AUDITOR)')
    .requiredOption('--period <period>', 'YYYY-Qn or YYYY')
    .option('--csv', 'CSV on stdout (a header row, one row per staff member)')
    .action((o: { period: string; csv?: boolean }, cmd: Command) =>
      run(
        withSession(globalsOf(cmd), async (s, actor) => {
          const report = await staffReport({ db: s.db, policy: s.policy, clock: systemClock }, actor, { period: o.period });
          if (o.csv) process.stdout.write(staffReportCsv(report));
          else if (globalsOf(cmd).json) printJson(report);
          else {
            out(`§7.2 staff assessment ${report.period} (${report.timeZone}): ${report.rows.length} staff; ${Object.entries(report.byGrade).map(([g, n]) => `${g} ${n}`).join(', ')}`);
            table(
              ['STAFF', 'SCORE', 'GRADE', 'COVERAGE', ...GROUP_IDS.map((g) => g.toUpperCase()), 'GUIDANCE', 'EMAILED'],
              report.rows.map((r) => [r.staffId, num(r.score), r.grade, `${Math.round(r.coverage * 100)}%`, ...GROUP_IDS.map((g) => num(r.groups[g])), r.guidanceWritten ? 'yes' : 'no', r.resultEmailed ? 'yes' : 'no']),
            );
            out(`indicators: ${INDICATOR_IDS.join(', ')} (--json or --csv for every value)`);
          }
          return 0;
        }),
      ),
    );

  group
    .command('recompute')
    .description('recompute a period now from the data as it stands: same inputs → the record unchanged; changed → updated and audited (SUPERVISOR)')
    .requiredOption('--period <period>', 'YYYY-Qn or YYYY (begun)')
    .option('--staff <staffId>', 'only this staff member')
    .action((o: { period: string; staff?: string }, cmd: Command) =>
      run(
        withSession(globalsOf(cmd), async (s, actor) => {
          const r = await recomputePeriod({ db: s.db, policy: s.policy, clock: systemClock }, actor, { period: o.period, ...(o.staff ? { staffId: o.staff } : {}) });
          if (globalsOf(cmd).json) printJson(r);
          else {
            out(`${r.period}: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged`);
            table(['STAFF', 'OUTCOME', 'SCORE', 'GRADE', 'REVISION'], r.assessments.map((a) => [a.staffId, a.outcome, num(a.score), a.grade, String(a.revision)]));
          }
          return 0;
        }),
      ),
    );

  group
    .command('run')
    .description("start the period's run now, as the Schedules would: records, guidance tasks (quarters), result emails (SUPERVISOR)")
    .requiredOption('--period <period>', 'YYYY-Qn or YYYY (begun)')
    .action((o: { period: string }, cmd: Command) =>
      run(
        withSession(globalsOf(cmd), async (s, actor) => {
          const temporal = await s.temporal();
          const r = await onDemand.runs().startAssessmentRun({ temporal, taskQueue: s.env.TASK_QUEUE, policy: s.policy, clock: systemClock }, actor, { period: o.period });
          if (globalsOf(cmd).json) printJson(r);
          else out(`${r.workflowId}: ${r.status}`);
          return 0;
        }),
      ),
    );

  group
    .command('guidance')
    .description("write the guidance notes of a staff member's quarter (their manager, SUPERVISOR); the run emails the result")
    .argument('<staffId>')
    .argument('<period>', 'YYYY-Qn')
    .requiredOption('--notes <text>', 'the guidance, 1–4000 characters')
    .action((staffId: string, period: string, o: { notes: string }, cmd: Command) =>
      run(
        withSession(globalsOf(cmd), async (s, actor) => {
          const temporal = await s.temporalIfUp('the notes are recorded; the run emails the result when it next runs');
          const r = await onDemand.guidance().recordGuidance({ db: s.db, policy: s.policy, clock: systemClock, ...(temporal ? { temporal } : {}) }, actor, staffId, period, { notes: o.notes });
          if (globalsOf(cmd).json) printJson(r);
          else out(`${staffId} ${r.period}: guidance recorded by ${actor.staffId}${r.taskClosed ? `; task ${r.taskClosed} DONE` : ''}`);
          return 0;
        }),
      ),
    );

  group
    .command('follow-up')
    .description("record a supervisor's phone follow-up of a feedback case or a customer (SUPERVISOR)")
    .option('--case <caseNo>', 'the feedback case (counts for its handler)')
    .option('--customer <customerId>', 'the customer (counts for their relationship manager)')
    .requiredOption('--outcome <outcome>', 'REACHED, NO_ANSWER, DECLINED or WRONG_NUMBER')
    .addOption(new Option('--score <1-5>', "the customer's satisfaction (REACHED only)").argParser((v) => (/^\d+$/.test(v) ? Number(v) : v)))
    .action((o: { case?: string; customer?: string; outcome: string; score?: number }, cmd: Command) => {
      if (!!o.case === !!o.customer) throw new UsageError('give one of --case <caseNo> or --customer <customerId>');
      return run(
        withSession(globalsOf(cmd), async (s, actor) => {
          const about = o.case ? { caseNo: o.case } : { customerId: o.customer! };
          const r = await recordPhoneFollowUp({ db: s.db, clock: systemClock }, actor, about, { outcome: o.outcome.toUpperCase(), ...(o.score !== undefined ? { score: o.score } : {}) });
          if (globalsOf(cmd).json) printJson(r);
          else out(`follow-up ${r.id}: ${r.outcome}${r.score !== null ? ` score ${r.score}` : ''}, counts for ${r.staffId}`);
          return 0;
        }),
      );
    });

  const schedule = group.command('schedule').description('§7.2 the Schedules staff-assessment-quarterly and staff-assessment-annual (bank time zone)');
  const verb = (name: ScheduleVerb, description: string) =>
    schedule
      .command(name)
      .description(description)
      .option('--kind <kind>', 'quarter or year (default: both)')
      .option('--note <text>', 'why (pause, resume)')
      .action((o: { kind?: string; note?: string }, cmd: Command) =>
        run(
          withSession(globalsOf(cmd), async (s, actor) => {
            if (name !== 'show') requireRole(actor, 'SUPERVISOR', 'ADMIN');
            const kinds = kindOf(o.kind);
            const temporal = await s.temporal();
            const m = onDemand.schedule();
            const note = o.note ?? `${name} by ${actor.staffId}`;
            if (name === 'ensure') {
              const r = (await m.ensureStaffSchedules(temporal, { policy: s.policy, taskQueue: s.env.TASK_QUEUE })).filter((e) => kinds.some((k) => e.scheduleId === m.STAFF_SCHEDULE_IDS[k]));
              if (globalsOf(cmd).json) printJson(r);
              else for (const e of r) out(`schedule ${e.scheduleId}: ${e.outcome}${e.paused ? ' (PAUSED)' : ''}; time zone ${e.timezone ?? 'UTC'}; next ${e.nextRuns.slice(0, 2).join(', ') || 'none'}`);
              return 0;
            }
            for (const k of kinds) {
              const id = m.STAFF_SCHEDULE_IDS[k];
              if (name === 'pause') {
                await m.pauseStaffSchedule(temporal, k, note);
                out(`schedule ${id}: PAUSED (${note})`);
              } else if (name === 'resume') {
                await m.resumeStaffSchedule(temporal, k, note);
                out(`schedule ${id}: RUNNING (${note})`);
              } else if (name === 'trigger') {
                await m.triggerStaffSchedule(temporal, k);
                out(`schedule ${id}: fired; the run of the period just ended starts unless it exists`);
              } else {
                const d = await m.describeStaffSchedule(temporal, k);
                if (globalsOf(cmd).json) printJson(d);
                else {
                  out(`schedule ${d.scheduleId}: ${d.paused ? 'PAUSED' : 'RUNNING'}${d.note ? ` (${d.note})` : ''} · ${d.calendar.join('; ')} · time zone ${d.timezone ?? 'UTC'}`);
                  out(`next runs: ${d.nextRuns.slice(0, 2).join(', ') || 'none'}`);
                  for (const r of d.recentRuns) out(`recent: ${r.scheduledAt}  ${r.workflowId}`);
                }
              }
            }
            return 0;
          }),
        ),
      );
  verb('ensure', 'create or update the Schedules from the policy (idempotent; keeps a pause; SUPERVISOR, ADMIN)');
  verb('pause', 'no run starts until resumed');
  verb('resume', 'runs start again');
  verb('trigger', 'fire now, as the Schedule would');
  verb('show', 'calendar, time zone, state, next and recent runs');
}
