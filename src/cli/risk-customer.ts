/**
 * `ccm risk show|investigation|plan` (§6, §6.2), a subcommand group of `ccm risk` (src/cli/risk.ts):
 *
 *   ccm risk show <customerId>                                   the rating, measures in force, the
 *                                                                history of rating changes and measures,
 *                                                                the latest assessments' reasons (audited read)
 *   ccm risk investigation <customerId> --cause <text>           §6.2 HIGH/D: the cause analysis
 *   ccm risk plan <customerId> --action <A> [--action <B>] --description <text>
 *                                                                §6.2 the mitigation plan (MORE_COLLATERAL,
 *                                                                CHANGED_COOPERATION_MODEL, …)
 *
 * The same use cases as GET /customers/:id/risk and POST /customers/:id/risk/investigation|mitigation-plan.
 * Errors name the option (`--action: one of …`), not the request field.
 */
import type { Command } from 'commander';
import { getRisk } from '../risk/get-risk';
import { recordInvestigation, recordMitigationPlan } from '../risk/record-investigation';
import { systemClock } from '../shared/clock';
import { ValidationError } from '../shared/errors';
import type { RiskCommandContext } from './risk';
import { log, out, printJson, Session, type GlobalOptions } from './session';

/** Each body field of the investigation and the plan and the option that sets it. */
const OPTION_OF: Record<string, string> = { causeAnalysis: '--cause', actions: '--action', description: '--description' };

/** The use case's field issues, named by the options that set the fields (`actions.1` → `--action`). */
function asOptions(err: unknown): unknown {
  if (!(err instanceof ValidationError)) return err;
  return new ValidationError(err.issues.map((i) => ({ ...i, field: OPTION_OF[i.field.split('.')[0]!] ?? i.field })));
}

async function showCommand(customerId: string, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const view = await getRisk(session.db, await session.actor(globals), customerId);
    if (globals.json) {
      printJson(view);
      return 0;
    }
    out(`${customerId} (${view.customerType}): rating ${view.rating ?? 'not yet assessed'}${view.assessedAt ? ` since ${view.assessedAt}` : ''}${view.policyVersion ? `, policy ${view.policyVersion}` : ''}`);
    out(`preferential terms: simplified procedure ${view.simplifiedProcedure ? 'yes' : 'no'}, rate discount ${view.rateDiscountEligible ? 'yes' : 'no'}`);
    out(`measures in force (§6.2): ${view.measuresInForce.length ? view.measuresInForce.map((m) => `${m.kind} ${JSON.stringify(m.detail)}`).join('; ') : 'none'}`);
    if (view.ratingChanges.length) out('rating changes, newest first:');
    for (const c of view.ratingChanges) out(`  ${c.at}  ${c.from ?? 'none'} → ${c.to}  ${c.trigger}  policy ${c.policyVersion}${c.reasons[0] ? `  (${c.reasons[0]})` : ''}`);
    // The measures history: what earlier ratings had put in force and a later assessment lifted.
    const lifted = view.measureHistory.filter((m) => m.liftedAt !== null).sort((a, b) => b.liftedAt!.localeCompare(a.liftedAt!));
    if (lifted.length) out('measures lifted, newest first:');
    for (const m of lifted) out(`  ${m.liftedAt}  ${m.kind} ${JSON.stringify(m.detail)} (${m.rating}, in force since ${m.appliedAt})`);
    const latest = view.latestAssessments[0];
    if (latest) for (const r of latest.reasons) out(`  reason: ${r}`);
    if (view.investigation) for (const t of view.investigation.tasks) out(`open ${t.kind} task ${t.id}, due ${t.dueAt}${t.assigneeStaffId ? `, ${t.assigneeStaffId}` : ''}`);
    return 0;
  } finally {
    await session.close();
  }
}

async function investigationCommand(customerId: string, o: { cause: string }, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const task = await recordInvestigation({ db: session.db, clock: systemClock, log }, actor, customerId, { causeAnalysis: o.cause }).catch((err: unknown) => {
      throw asOptions(err);
    });
    if (globals.json) printJson(task);
    else out(`${customerId}: cause analysis recorded by ${actor.staffId} (task ${task.id} DONE)`);
    return 0;
  } finally {
    await session.close();
  }
}

async function planCommand(customerId: string, o: { action: string[]; description: string }, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const temporal = await session.temporalIfUp("the customer's lifecycle is not told at once; its next reminder step finds the plan recorded");
    const task = await recordMitigationPlan({ db: session.db, clock: systemClock, log, ...(temporal ? { temporal } : {}) }, actor, customerId, { actions: o.action, description: o.description }).catch(
      (err: unknown) => {
        throw asOptions(err);
      },
    );
    if (globals.json) printJson(task);
    else out(`${customerId}: mitigation plan (${o.action.join(', ')}) recorded by ${actor.staffId} (task ${task.id} DONE)`);
    return 0;
  } finally {
    await session.close();
  }
}

/** `ccm risk show|investigation|plan`. */
export function registerRiskCustomerCommands({ risk, run, globalsOf }: RiskCommandContext): void {
  risk
    .command('show')
    .description("a customer's rating, §6.2 measures in force, rating changes and the latest reasons (audited read)")
    .argument('<customerId>')
    .action((customerId: string, _o: unknown, cmd: Command) => run(showCommand(customerId, globalsOf(cmd))));
  risk
    .command('investigation')
    .description('§6.2 HIGH/D: record the cause analysis of the open risk investigation (RISK_OFFICER, SUPERVISOR)')
    .argument('<customerId>')
    .requiredOption('--cause <text>', 'what caused the high risk (10–4000 characters)')
    .action((customerId: string, o: { cause: string }, cmd: Command) => run(investigationCommand(customerId, o, globalsOf(cmd))));
  risk
    .command('plan')
    .description('§6.2 HIGH/D: record the targeted mitigation plan (RISK_OFFICER, SUPERVISOR); its reminders stop')
    .argument('<customerId>')
    .requiredOption('--action <action>', 'MORE_COLLATERAL, CHANGED_COOPERATION_MODEL, REDUCED_LIMITS, CLOSER_MONITORING or EXIT_RELATIONSHIP (repeat for several)', (v: string, all: string[] = []) => [...all, v])
    .requiredOption('--description <text>', 'the plan in words (10–4000 characters)')
    .action((customerId: string, o: { action: string[]; description: string }, cmd: Command) => run(planCommand(customerId, o, globalsOf(cmd))));
}
