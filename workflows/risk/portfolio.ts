/**
 * riskPortfolio (workflow id `risk-portfolio-…`): §6 "Every customer's risk is re-assessed every
 * quarter" — the quarterly Schedule's run (src/risk/schedule.ts), a manual `ccm risk run`, and
 * `ccm risk rescore --policy` (the portfolio under another policy version, dry or applied).
 *
 *   begin (run row, the policy version fixed for the run, adoption for an applied RESCORE, count)
 *     └► page after page by keyset (one activity = one transaction of PAGE_SIZE customers, §6.1 scored,
 *        §6.2 measures, then riskRated signals to the changed customers' lifecycles)
 *          └► continue-as-new every N pages carrying the cursor ─► … ─► finish (COMPLETED, summary)
 *
 * The workflow decides *when* (paging, history bound); src/domain/risk-scorecard.ts decides *what*;
 * the activities (activities/risk-portfolio.ts) *do*, on the risk worker's own rate-limited task
 * queue, so a portfolio run never delays an escalation or a reminder on the main queue. Pages report
 * counts only — the per-customer results stay in PostgreSQL — so history stays small. A page is
 * idempotent per (customer, run key): a retried page, or a worker killed mid-run, never scores a
 * customer twice.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RiskPortfolioActivities } from '../../activities/risk-portfolio';
import { SA } from '../../src/temporal/search-attributes';
import { LOCAL_RECORD, RECORD } from '../activity-options';
import {
  applyPage,
  DEFAULT_LANES,
  inputProblem,
  PAGE_SIZE,
  PAGES_PER_RUN,
  progressOf,
  progressQuery,
  shouldContinueAsNew,
  type Lane,
  type PortfolioInput,
  type PortfolioProgress,
  type PortfolioState,
  type RunStatus,
} from './definitions';

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;

function activitiesOn(taskQueue: string) {
  const on = (summary: string, options = RECORD) => proxyActivities<RiskPortfolioActivities>({ ...options, taskQueue, summary });
  return {
    beginPortfolioRun: on('begin the run: fix the policy version, count the portfolio (§6)').beginPortfolioRun,
    // A page heartbeats every few seconds while it runs: a killed worker's page is retried within the heartbeat timeout.
    assessRiskPage: on('assess the next page of customers (§6.1, §6.2)', { startToCloseTimeout: '10 minutes', heartbeatTimeout: '10 seconds', retry }).assessRiskPage,
    finishPortfolioRun: on('record the run finished (§6)').finishPortfolioRun,
  };
}

const { recordPortfolioProgress } = proxyLocalActivities<RiskPortfolioActivities>({ ...LOCAL_RECORD, summary: 'mirror the progress on the RiskPortfolioRun row' });

export async function riskPortfolio(input: PortfolioInput): Promise<PortfolioProgress> {
  const info = workflowInfo();
  const nowIso = () => new Date(Date.now()).toISOString();
  let state: PortfolioState = input.state ?? {
    runId: input.runId ?? info.workflowId,
    kind: input.kind,
    dryRun: input.dryRun === true,
    status: 'BEGINNING',
    policyVersion: null,
    asOf: nowIso(),
    total: 0,
    lanes: [],
    counters: { processed: 0, changed: 0, failed: 0, signalled: 0, notRunning: 0, pages: 0 },
    summary: {},
    failures: [],
    runs: 0,
  };
  state = { ...state, runs: state.runs + 1 };
  setHandler(progressQuery, () => progressOf(state));

  const problem = inputProblem(input);
  if (problem) throw ApplicationFailure.create({ type: 'InvalidPortfolioInput', message: problem, nonRetryable: true });
  const acts = activitiesOn(input.activityTaskQueue ?? info.taskQueue);
  const pageSize = input.pageSize ?? PAGE_SIZE;
  const pagesPerRun = input.continueAsNewAfterPages ?? PAGES_PER_RUN;

  const reflect = (status: RunStatus) => {
    state = { ...state, status };
    upsertSearchAttributes([
      { key: SA.ProcessKind, value: 'RISK_PORTFOLIO' },
      { key: SA.BusinessStatus, value: status },
      ...(state.policyVersion ? [{ key: SA.PolicyVersion, value: state.policyVersion }] : []),
    ]);
    describe();
  };
  const describe = () => {
    const c = state.counters;
    setCurrentDetails(
      [
        `**${state.kind}${state.dryRun ? ' (dry run)' : ''} ${state.runId}** · policy ${state.policyVersion ?? '(fixed at begin)'} · as of ${state.asOf}`,
        `Status **${state.status}** · ${c.processed} of ${state.total} customers · ${c.changed} changed · ${c.failed} failed · ${c.pages} pages · run ${state.runs}`,
        ...state.lanes.map((l, i) => `Lane ${i + 1}: after ${l.after ?? '(start)'} up to ${l.until ?? '(end)'}${l.done ? ' · done' : ''}`),
      ].join('\n\n'),
    );
  };

  try {
    // ── Begin: once per run (a continued run carries what it fixed). ──
    if (state.status === 'BEGINNING') {
      reflect('BEGINNING');
      const begun = await acts.beginPortfolioRun({
        runId: state.runId,
        kind: state.kind,
        dryRun: state.dryRun,
        ...(input.policyDocument !== undefined ? { policyDocument: input.policyDocument } : {}),
        ...(input.startedByStaffId ? { startedByStaffId: input.startedByStaffId } : {}),
        lanes: input.lanes ?? DEFAULT_LANES,
        asOf: state.asOf,
      });
      state = { ...state, policyVersion: begun.policyVersion, total: begun.total, lanes: begun.lanes.map((l): Lane => ({ ...l, done: false })) };
    }
    reflect('RUNNING');

    // ── Pages: one lane after another page by page; lanes (disjoint id ranges) side by side. ──
    let pagesThisRun = 0;
    let handOver = false;
    const runLane = async (index: number) => {
      while (!state.lanes[index]!.done && !handOver) {
        const lane = state.lanes[index]!;
        const page = await acts.assessRiskPage({
          runId: state.runId,
          kind: state.kind,
          dryRun: state.dryRun,
          policyVersion: state.policyVersion!,
          // A dry RESCORE's policy is adopted nowhere: the page scores on the document itself.
          ...(state.dryRun && state.kind === 'RESCORE' ? { policyDocument: input.policyDocument } : {}),
          afterCustomerId: lane.after,
          untilCustomerId: lane.until,
          limit: pageSize,
          asOf: state.asOf,
        });
        state = applyPage(state, index, page, pageSize);
        pagesThisRun += 1;
        await recordPortfolioProgress({ runId: state.runId, progress: progressOf(state) });
        describe();
        if (shouldContinueAsNew(pagesThisRun, pagesPerRun, workflowInfo().continueAsNewSuggested)) handOver = true;
      }
    };
    await Promise.all(state.lanes.map((_, i) => runLane(i)));
    if (state.lanes.some((l) => !l.done)) {
      // History bound: a new run carries the cursor, counters and summary (plain JSON).
      return await continueAsNew<typeof riskPortfolio>({ ...input, state });
    }

    // ── Finish. ──
    state = { ...state, finishedAt: nowIso() };
    await acts.finishPortfolioRun({ runId: state.runId, status: 'COMPLETED', progress: progressOf(state) });
    reflect('COMPLETED');
    return progressOf(state);
  } catch (err) {
    // A failure no retry fixes (a data error, a policy that cannot be adopted): the row says FAILED.
    if (err instanceof ActivityFailure) {
      reflect('FAILED');
      await acts.finishPortfolioRun({ runId: state.runId, status: 'FAILED', progress: progressOf(state) });
    }
    throw err;
  }
}
