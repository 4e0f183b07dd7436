/**
 * §6 "Every customer's risk is re-assessed every quarter": the portfolio run's contract (workflow
 * `riskPortfolio`, id `risk-portfolio-…`). Its input, its state (plain JSON: carried across
 * continue-as-new), the `progress` query, and the pure decisions the workflow makes (summary merging,
 * when to continue as new). Ids, codes and counts only: no personal data enters Temporal; a RESCORE's
 * policy document is rules, not data about anyone.
 */
import { defineQuery } from '@temporalio/workflow';

export const PORTFOLIO_PREFIX = 'risk-portfolio-';

/** The Schedule's action id: Temporal appends the scheduled time (`risk-portfolio-quarterly-2027-01-01T07:00:00Z`). */
export const QUARTERLY_ACTION_WORKFLOW_ID = `${PORTFOLIO_PREFIX}quarterly`;

/** The workflow id (and run key) of a run started by hand: `risk-portfolio-<label>-<UTC stamp>`. */
export function portfolioRunId(label: 'manual' | 'rescore', at: Date, extra?: string): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const safe = extra ? `-${extra.replace(/[^A-Za-z0-9.-]+/g, '_')}` : '';
  return `${PORTFOLIO_PREFIX}${label}${safe}-${stamp}`;
}

/** True for a portfolio run's workflow id (the run key of its assessments). */
export const isPortfolioRunId = (id: string) => id.startsWith(PORTFOLIO_PREFIX) && id.length > PORTFOLIO_PREFIX.length;

export type PortfolioKind = 'QUARTERLY' | 'RESCORE';
export type RunStatus = 'BEGINNING' | 'RUNNING' | 'COMPLETED' | 'FAILED';
export type Direction = 'UP' | 'DOWN' | 'SAME' | 'NEW';
export type DirectionCounts = Record<Direction, number>;
/** "<customerType>:<segment>" → how many ratings went UP (riskier), DOWN, stayed the SAME, or are NEW (first rating). */
export type PortfolioSummary = Record<string, DirectionCounts>;

/** One slice of the id space, paged by keyset: customers with after < id ≤ until (until null: no upper bound). */
export interface Lane {
  after: string | null;
  until: string | null;
  done: boolean;
}

export interface PortfolioCounters {
  /** Customers read (assessed now, assessed by an earlier attempt, or failed). */
  processed: number;
  /** Ratings that changed (or would, in a dry run): UP, DOWN or NEW. */
  changed: number;
  /** Customers whose recorded facts the scorecard could not read. */
  failed: number;
  /** Lifecycles told of a changed rating (riskRated), and changed customers without a running lifecycle. */
  signalled: number;
  notRunning: number;
  pages: number;
}

export interface PortfolioState {
  runId: string;
  kind: PortfolioKind;
  dryRun: boolean;
  status: RunStatus;
  /** The policy version the whole run scores on (fixed when it began). */
  policyVersion: string | null;
  /** The instant every assessment of the run is made "as of" (ISO): fixed when it began. */
  asOf: string;
  /** APPROVED customers when it began. */
  total: number;
  lanes: Lane[];
  counters: PortfolioCounters;
  summary: PortfolioSummary;
  /** Up to FAILURE_SAMPLE customers that could not be scored, with the rule's reason (codes only). */
  failures: { customerId: string; reason: string }[];
  /** Runs of this workflow (continue-as-new count + 1). */
  runs: number;
  finishedAt?: string;
}

export interface PortfolioInput {
  /** Business key and run key of the assessments; default the workflow id (a Schedule action's carries its time). */
  runId?: string;
  kind: PortfolioKind;
  dryRun?: boolean;
  /** RESCORE only: the validated policy document to score on (rules only, no personal data). */
  policyDocument?: unknown;
  /** Who started it by hand (ccm risk run / rescore); none for the Schedule. */
  startedByStaffId?: string;
  /** The task queue of the risk worker (RISK_TASK_QUEUE): the page activities run there, rate-limited. Default: this workflow's. */
  activityTaskQueue?: string;
  /** Customers per page (one activity, one transaction). Default PAGE_SIZE. */
  pageSize?: number;
  /** Concurrent slices of the id space (a sliding window of page activities, one per lane). Default DEFAULT_LANES. */
  lanes?: number;
  /** Continue as new after this many pages in one run (history bound). Default PAGES_PER_RUN. */
  continueAsNewAfterPages?: number;
  /** Carried by continue-as-new. */
  state?: PortfolioState;
}

export interface PortfolioProgress {
  runId: string;
  kind: PortfolioKind;
  dryRun: boolean;
  status: RunStatus;
  policyVersion: string | null;
  processed: number;
  total: number;
  changed: number;
  failed: number;
  summary: PortfolioSummary;
}

export const PAGE_SIZE = 1000;
/**
 * Two slices side by side by default: one page's scoring in the worker overlaps the other's writes in
 * PostgreSQL (bench:risk on 2 cores: 2,200 customers/s with one lane, 3,800 with two, no more with three).
 */
export const DEFAULT_LANES = 2;
export const MAX_PAGE_SIZE = 5000;
export const MAX_LANES = 8;
export const PAGES_PER_RUN = 100;
export const FAILURE_SAMPLE = 20;

export const progressQuery = defineQuery<PortfolioProgress>('progress');

export const emptyCounts = (): DirectionCounts => ({ UP: 0, DOWN: 0, SAME: 0, NEW: 0 });

/** The summary key of a customer: "<customerType>:<segment>" (segment UNCLASSIFIED when it has none). */
export const summaryKey = (customerType: string, segment: string | null | undefined) => `${customerType}:${segment ?? 'UNCLASSIFIED'}`;

/** a + b, key by key and direction by direction. Pure (neither argument is changed). */
export function mergeSummary(a: PortfolioSummary, b: PortfolioSummary): PortfolioSummary {
  const out: PortfolioSummary = {};
  for (const source of [a, b]) {
    for (const [key, counts] of Object.entries(source)) {
      const into = (out[key] ??= emptyCounts());
      for (const d of ['UP', 'DOWN', 'SAME', 'NEW'] as const) into[d] += counts[d] ?? 0;
    }
  }
  return out;
}

/** What one page reported (counts only: the per-customer list never enters history). */
export interface PageOutcome {
  /** Customers read (0: the lane is done). */
  count: number;
  lastCustomerId: string | null;
  changed: number;
  failed: number;
  failures: { customerId: string; reason: string }[];
  signalled: number;
  notRunning: number;
  summary: PortfolioSummary;
}

/** The state after a page of `lane` reported `page`. Pure. */
export function applyPage(state: PortfolioState, laneIndex: number, page: PageOutcome, pageSize: number): PortfolioState {
  const lanes = state.lanes.map((l, i) =>
    i !== laneIndex ? l : { ...l, after: page.lastCustomerId ?? l.after, done: page.count < pageSize || (l.until !== null && page.lastCustomerId === l.until) },
  );
  const c = state.counters;
  return {
    ...state,
    lanes,
    counters: {
      processed: c.processed + page.count,
      changed: c.changed + page.changed,
      failed: c.failed + page.failed,
      signalled: c.signalled + page.signalled,
      notRunning: c.notRunning + page.notRunning,
      pages: c.pages + 1,
    },
    summary: mergeSummary(state.summary, page.summary),
    failures: [...state.failures, ...page.failures].slice(0, FAILURE_SAMPLE),
  };
}

/** Whether this run should hand over to a new one (history bound) before the next page. Pure. */
export function shouldContinueAsNew(pagesThisRun: number, limit: number, suggested: boolean): boolean {
  return suggested || pagesThisRun >= limit;
}

export const progressOf = (s: PortfolioState): PortfolioProgress => ({
  runId: s.runId,
  kind: s.kind,
  dryRun: s.dryRun,
  status: s.status,
  policyVersion: s.policyVersion,
  processed: s.counters.processed,
  total: s.total,
  changed: s.counters.changed,
  failed: s.counters.failed,
  summary: s.summary,
});

/** Refuses a malformed input with the field and the reason (the workflow fails at once: nothing to retry). */
export function inputProblem(input: PortfolioInput | undefined): string | undefined {
  if (!input || typeof input !== 'object') return 'input: expected { kind, … }';
  if (input.kind !== 'QUARTERLY' && input.kind !== 'RESCORE') return `kind: ${JSON.stringify(input.kind)} is not QUARTERLY or RESCORE`;
  if (input.kind === 'RESCORE' && (input.policyDocument === undefined || input.policyDocument === null)) return 'policyDocument: a RESCORE needs the policy to score on';
  if (input.kind === 'QUARTERLY' && input.policyDocument !== undefined) return 'policyDocument: a QUARTERLY run scores on the policy in force; give none';
  if (input.pageSize !== undefined && (!Number.isInteger(input.pageSize) || input.pageSize < 1 || input.pageSize > MAX_PAGE_SIZE)) return `pageSize: ${input.pageSize} is not a whole number 1–${MAX_PAGE_SIZE}`;
  if (input.lanes !== undefined && (!Number.isInteger(input.lanes) || input.lanes < 1 || input.lanes > MAX_LANES)) return `lanes: ${input.lanes} is not a whole number 1–${MAX_LANES}`;
  if (input.continueAsNewAfterPages !== undefined && (!Number.isInteger(input.continueAsNewAfterPages) || input.continueAsNewAfterPages < 1)) return `continueAsNewAfterPages: ${input.continueAsNewAfterPages} is not a whole number ≥ 1`;
  return undefined;
}
