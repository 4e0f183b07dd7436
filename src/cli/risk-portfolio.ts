/**
 * `ccm risk …` portfolio commands (§6 "Every customer's risk is re-assessed every quarter"), joining
 * the `risk` group of src/cli/risk.ts:
 *
 *   ccm risk schedule ensure                         create or update the quarterly Schedule (keeps a pause)
 *   ccm risk schedule pause|resume [--note <text>]   stop / restart the quarterly runs
 *   ccm risk schedule trigger                        a run now, as the Schedule would start it
 *   ccm risk schedule backfill --from <d> --to <d>   the runs the Schedule missed in [from, to), one after another
 *   ccm risk schedule show                           calendar, time zone, state, next and recent runs
 *   ccm risk run [--dry-run] [--no-wait]             a portfolio re-assessment now; waits and prints progress
 *   ccm risk progress <runId>                        a run's progress (the workflow's `progress` query)
 *   ccm risk rescore --policy <file> [--dry-run]     the portfolio under another policy: how many ratings
 *                                                    change, UP or DOWN, by customer type and segment;
 *                                                    without --dry-run applied and the version adopted
 *
 * Runs and the Schedule: RISK_OFFICER or ADMIN (`--as` / CCM_STAFF_ID). The workflow runs on TASK_QUEUE,
 * its pages on RISK_TASK_QUEUE (the risk worker, started by `npm run worker` / `npm start`).
 */
import { Option, type Command } from 'commander';
import { requireRole } from '../security/auth';
import { ValidationError } from '../shared/errors';
import { log, out, printJson, Session, UsageError, wholeNumber, type GlobalOptions } from './session';
import type { RiskCommandContext } from './risk';

// The Temporal SDK and the workflow definitions: loaded by the commands that use them.
import type * as ScheduleModule from '../risk/schedule';
import type * as RunsModule from '../risk/portfolio-runs';
import type { PortfolioProgress } from '../../workflows/risk/definitions';
/* eslint-disable @typescript-eslint/no-require-imports */
const onDemand = {
  schedule: () => require('../risk/schedule') as typeof ScheduleModule,
  runs: () => require('../risk/portfolio-runs') as typeof RunsModule,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Rows as aligned columns (numbers right-aligned, the last column unpadded). */
function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = (c: string) => /^-?\d+$/.test(c);
  for (const r of [header, ...rows]) out(r.map((c, i) => (i === r.length - 1 ? c : numeric(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

function printSummary(p: PortfolioProgress): void {
  const { summaryRows } = onDemand.runs();
  const rows = summaryRows(p.summary);
  table(
    ['TYPE', 'SEGMENT', 'UP', 'DOWN', 'NEW', 'SAME', 'CHANGED'],
    rows.map((r) => [r.type, r.segment, String(r.UP), String(r.DOWN), String(r.NEW), String(r.SAME), String(r.changed)]),
  );
}

const progressLine = (p: PortfolioProgress) =>
  `${p.runId}: ${p.status}${p.dryRun ? ' (dry run)' : ''} · policy ${p.policyVersion ?? '?'} · ${p.processed} of ${p.total} customers · ${p.changed} ${p.dryRun ? 'would change' : 'changed'} · ${p.failed} failed`;

// ---------------------------------------------------------------------------------------------
// risk schedule …
// ---------------------------------------------------------------------------------------------

type ScheduleVerb = 'ensure' | 'pause' | 'resume' | 'trigger' | 'backfill' | 'show';

async function scheduleCommand(verb: ScheduleVerb, options: { note?: string; from?: string; to?: string }, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const { RISK_RUN_ROLES } = onDemand.runs();
    if (verb !== 'show') requireRole(actor, ...RISK_RUN_ROLES);
    const temporal = await session.temporal();
    const s = onDemand.schedule();
    const note = options.note ?? `${verb} by ${actor.staffId}`;
    switch (verb) {
      case 'ensure': {
        const r = await s.ensureRiskSchedule(temporal, { policy: session.policy, taskQueue: session.env.TASK_QUEUE, activityTaskQueue: session.env.RISK_TASK_QUEUE });
        if (globals.json) printJson(r);
        else {
          out(`schedule ${r.scheduleId}: ${r.outcome}${r.paused ? ' (PAUSED: `ccm risk schedule resume` to run it)' : ''}; time zone ${r.timezone ?? 'UTC'}`);
          out(`next runs: ${r.nextRuns.slice(0, 4).join(', ') || 'none'}`);
        }
        return 0;
      }
      case 'pause':
        await s.pauseRiskSchedule(temporal, note);
        out(`schedule ${s.RISK_SCHEDULE_ID}: PAUSED (${note}); no quarterly run starts until \`ccm risk schedule resume\``);
        return 0;
      case 'resume':
        await s.resumeRiskSchedule(temporal, note);
        out(`schedule ${s.RISK_SCHEDULE_ID}: RUNNING (${note})`);
        return 0;
      case 'trigger':
        await s.triggerRiskSchedule(temporal);
        out(`schedule ${s.RISK_SCHEDULE_ID}: a run was started (or buffered behind the one running); \`ccm risk schedule show\` names it`);
        return 0;
      case 'backfill': {
        const from = new Date(options.from ?? '');
        const to = new Date(options.to ?? '');
        const issues = [];
        if (Number.isNaN(from.getTime())) issues.push({ field: '--from', value: options.from, reason: 'a date (YYYY-MM-DD) or ISO instant' });
        if (Number.isNaN(to.getTime())) issues.push({ field: '--to', value: options.to, reason: 'a date (YYYY-MM-DD) or ISO instant' });
        if (issues.length) throw new ValidationError(issues);
        await s.backfillRiskSchedule(temporal, { from, to });
        out(`schedule ${s.RISK_SCHEDULE_ID}: backfill ${from.toISOString()} – ${to.toISOString()} requested; the runs it missed start one after another`);
        return 0;
      }
      case 'show': {
        const d = await s.describeRiskSchedule(temporal);
        if (globals.json) printJson(d);
        else {
          out(`schedule ${d.scheduleId}: ${d.paused ? 'PAUSED' : 'RUNNING'}${d.note ? ` (${d.note})` : ''}`);
          out(`calendar: ${d.calendar.join('; ')} · time zone ${d.timezone ?? 'UTC'} · overlap ${d.overlap} · catch-up ${Math.round(d.catchupWindowMs / 86_400_000)} days`);
          out(`next runs: ${d.nextRuns.slice(0, 4).join(', ') || 'none'}`);
          out(`running: ${d.running.join(', ') || 'none'}`);
          for (const r of d.recentRuns) out(`recent: ${r.scheduledAt}  ${r.workflowId}`);
        }
        return 0;
      }
    }
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// risk run, risk rescore, risk progress
// ---------------------------------------------------------------------------------------------

interface RunOptions {
  dryRun?: boolean;
  wait: boolean;
  policy?: string;
  pageSize?: number;
  lanes?: number;
}

async function runCommand(kind: 'QUARTERLY' | 'RESCORE', options: RunOptions, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const temporal = await session.temporal();
    const { startPortfolioRun } = onDemand.runs();
    const deps = { db: session.db, temporal, taskQueue: session.env.TASK_QUEUE, riskTaskQueue: session.env.RISK_TASK_QUEUE, policy: session.policy };
    const common = { dryRun: options.dryRun === true, ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}), ...(options.lanes !== undefined ? { lanes: options.lanes } : {}) };
    const { runId, handle } = await startPortfolioRun(deps, actor, kind === 'RESCORE' ? { kind, policyFile: options.policy!, ...common } : { kind, ...common });
    log(`started ${runId}${common.dryRun ? ' (dry run: nothing is written)' : ''}; pages run on task queue ${session.env.RISK_TASK_QUEUE}`);
    if (!options.wait) {
      if (globals.json) printJson({ runId });
      else out(runId);
      return 0;
    }
    // Progress every few seconds until it ends (Ctrl-C stops waiting, not the run).
    let done = false;
    const final = handle.result().finally(() => (done = true));
    let last = '';
    while (!done) {
      await Promise.race([final.catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
      if (done) break;
      const p = await handle.query('progress').catch(() => undefined) as PortfolioProgress | undefined;
      const line = p ? progressLine(p) : '';
      if (line && line !== last) log((last = line));
    }
    const result = await final;
    if (globals.json) printJson(result);
    else {
      out(progressLine(result));
      printSummary(result);
      if (kind === 'RESCORE') {
        out(result.dryRun
          ? `dry run: nothing written; policy ${result.policyVersion} would change ${result.changed} rating(s)`
          : `policy ${result.policyVersion} adopted: the rules of every later assessment (§6); ${result.changed} rating(s) changed`);
      }
    }
    return result.failed > 0 ? 1 : 0;
  } finally {
    await session.close();
  }
}

async function progressCommand(runId: string, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    await session.actor(globals);
    const temporal = await session.temporal();
    const p = await onDemand.runs().portfolioProgress({ db: session.db, temporal }, runId);
    if (globals.json) printJson(p);
    else {
      out(`${progressLine(p)} (from the ${p.source})`);
      printSummary(p);
    }
    return 0;
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Registration on the `risk` group (src/cli/risk.ts riskCommandGroup)
// ---------------------------------------------------------------------------------------------

export function registerRiskPortfolioCommands({ risk, run, globalsOf }: RiskCommandContext): void {
  const schedule = risk.command('schedule').description('§6 the quarterly re-assessment Schedule (risk-quarterly) in the bank’s time zone');
  const verb = (name: ScheduleVerb, description: string) =>
    schedule.command(name).description(description);
  verb('ensure', 'create or update the Schedule from the policy (idempotent; keeps a pause; RISK_OFFICER, ADMIN)').action((o: object, cmd: Command) => run(scheduleCommand('ensure', o, globalsOf(cmd))));
  verb('pause', 'no quarterly run starts until resumed').option('--note <text>', 'why (shown in the Temporal UI)').action((o: { note?: string }, cmd: Command) => run(scheduleCommand('pause', o, globalsOf(cmd))));
  verb('resume', 'quarterly runs start again').option('--note <text>', 'why').action((o: { note?: string }, cmd: Command) => run(scheduleCommand('resume', o, globalsOf(cmd))));
  verb('trigger', 'start a run now, as the Schedule would (buffered behind a running one)').action((o: object, cmd: Command) => run(scheduleCommand('trigger', o, globalsOf(cmd))));
  verb('backfill', 'run the quarters the Schedule missed in [from, to), one after another')
    .requiredOption('--from <date>', 'start (YYYY-MM-DD or ISO instant)')
    .requiredOption('--to <date>', 'end, exclusive')
    .action((o: { from: string; to: string }, cmd: Command) => run(scheduleCommand('backfill', o, globalsOf(cmd))));
  verb('show', 'calendar, time zone, state, next and recent runs').action((o: object, cmd: Command) => run(scheduleCommand('show', o, globalsOf(cmd))));

  const sizing = (c: Command) =>
    c
      .addOption(new Option('--page-size <n>', 'customers per page (one transaction)').argParser(wholeNumber('--page-size', 1, 5000)))
      .addOption(new Option('--lanes <n>', 'slices of the portfolio paged side by side').argParser(wholeNumber('--lanes', 1, 8)))
      .option('--no-wait', 'print the run id and return at once');

  sizing(risk.command('run').description('§6 re-assess every APPROVED customer now on the policy in force; waits and prints progress (RISK_OFFICER, ADMIN)'))
    .option('--dry-run', 'score and report only: nothing written')
    .action((o: RunOptions, cmd: Command) => run(runCommand('QUARTERLY', o, globalsOf(cmd))));

  sizing(risk.command('rescore').description('§6 score the portfolio under another policy file: ratings that change UP/DOWN by customer type and segment; without --dry-run applied and the version adopted'))
    .requiredOption('--policy <file>', 'the policy JSON (validated: errors name field and reason)')
    .option('--dry-run', 'report what would change: nothing written')
    .action((o: RunOptions, cmd: Command) => {
      if (!o.policy) throw new UsageError('--policy <file> is required');
      return run(runCommand('RESCORE', o, globalsOf(cmd)));
    });

  risk
    .command('progress')
    .description("a portfolio run's progress (live, or from its record once the workflow is gone)")
    .argument('<runId>', 'the run id (its workflow id, risk-portfolio-…)')
    .action((runId: string, _o: object, cmd: Command) => run(progressCommand(runId, globalsOf(cmd))));
}
