/**
 * §6 portfolio runs started by hand — `ccm risk run [--dry-run]` (a quarterly re-assessment now) and
 * `ccm risk rescore --policy <file> [--dry-run]` (the portfolio under another policy version) — and
 * their progress. The workflow (workflows/risk/portfolio.ts) does the work; this starts it with ids
 * and, for a rescore, the validated policy document (rules, no personal data).
 */
import { readFileSync } from 'node:fs';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Db } from '../db/client';
import { policySchema, type Policy } from '../policy/policy';
import { requireRole, type Actor } from '../security/auth';
import { NotFoundError, ValidationError } from '../shared/errors';
import { SA } from '../temporal/search-attributes';
import { riskPortfolio } from '../../workflows/risk/portfolio';
import { portfolioRunId, progressQuery, type PortfolioInput, type PortfolioProgress, type PortfolioSummary } from '../../workflows/risk/definitions';
import { comparePolicyVersions, riskPolicyInForce } from './policy-in-force';

/** Who may start a portfolio run or change the Schedule. */
export const RISK_RUN_ROLES = ['RISK_OFFICER', 'ADMIN'] as const;

/**
 * Reads and validates a policy file for `ccm risk rescore`: every problem named by its field and
 * reason (`policy.riskScorecards.individual.ratingCutoffs: …`), nothing started on a bad file.
 */
export function readPolicyFile(file: string): { policy: Policy; document: unknown } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ValidationError([{ field: '--policy', value: file, reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }]);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new ValidationError([{ field: '--policy', value: file, reason: `is not JSON: ${(err as Error).message}` }]);
  }
  const parsed = policySchema.safeParse(document);
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i) => ({ field: ['policy', ...i.path.map(String)].join('.'), reason: i.message })));
  }
  return { policy: parsed.data, document };
}

export interface RunDeps {
  db: Db;
  temporal: Client;
  /** TASK_QUEUE (the workflow) and RISK_TASK_QUEUE (its pages). */
  taskQueue: string;
  riskTaskQueue: string;
  policy: Policy;
  clock?: { now(): Date };
}

export interface StartedRun {
  runId: string;
  handle: WorkflowHandle<typeof riskPortfolio>;
}

export async function startPortfolioRun(
  deps: RunDeps,
  actor: Actor,
  o: { kind: 'QUARTERLY'; dryRun: boolean; pageSize?: number; lanes?: number } | { kind: 'RESCORE'; dryRun: boolean; policyFile: string; pageSize?: number; lanes?: number },
): Promise<StartedRun> {
  requireRole(actor, ...RISK_RUN_ROLES);
  const now = deps.clock?.now() ?? new Date();
  let input: PortfolioInput = { kind: o.kind, dryRun: o.dryRun, startedByStaffId: actor.staffId, activityTaskQueue: deps.riskTaskQueue };
  let runId: string;
  if (o.kind === 'RESCORE') {
    const { policy, document } = readPolicyFile(o.policyFile);
    if (!o.dryRun) {
      // Checked here for a clear answer; the run's begin checks again (another adoption may come first).
      const inForce = await riskPolicyInForce(deps.db, deps.policy);
      if (comparePolicyVersions(policy.version, inForce.version) <= 0) {
        throw new ValidationError([{ field: 'policy.version', value: policy.version, reason: `must be newer than the policy in force (${inForce.version}) to be adopted; --dry-run compares any version` }]);
      }
      const taken = await deps.db.riskPolicyAdoption.findUnique({ where: { version: policy.version }, select: { runId: true } });
      if (taken) throw new ValidationError([{ field: 'policy.version', value: policy.version, reason: `was already adopted (run ${taken.runId ?? 'unknown'}): give the new policy a new version` }]);
    }
    input = { ...input, policyDocument: document };
    runId = portfolioRunId('rescore', now, `${policy.version}${o.dryRun ? '-dry' : ''}`);
  } else {
    runId = portfolioRunId('manual', now, o.dryRun ? 'dry' : undefined);
  }
  if (o.pageSize !== undefined) input = { ...input, pageSize: o.pageSize };
  if (o.lanes !== undefined) input = { ...input, lanes: o.lanes };
  const handle = await deps.temporal.workflow.start(riskPortfolio, {
    workflowId: runId,
    taskQueue: deps.taskQueue,
    args: [{ ...input, runId }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: [{ key: SA.ProcessKind, value: 'RISK_PORTFOLIO' }],
    staticSummary: `§6 ${o.kind === 'RESCORE' ? 'rescore of the portfolio' : 'risk re-assessment of the portfolio'}${o.dryRun ? ' (dry run: nothing written)' : ''}, started by ${actor.staffId}`,
    staticDetails: 'Pages through every APPROVED customer by id on the risk task queue; query `progress`, or `ccm risk progress <workflowId>`.',
  });
  return { runId, handle };
}

/**
 * A run's progress: live from its workflow (the `progress` query), or, once it is gone from Temporal
 * (retention), from its RiskPortfolioRun row.
 */
export async function portfolioProgress(deps: { db: Db; temporal: Client }, runId: string): Promise<PortfolioProgress & { source: 'workflow' | 'database' }> {
  try {
    return { ...(await deps.temporal.workflow.getHandle(runId).query(progressQuery)), source: 'workflow' };
  } catch (err) {
    const row = await deps.db.riskPortfolioRun.findUnique({ where: { id: runId } });
    if (!row) {
      if ((err as Error).name === 'WorkflowNotFoundError') throw new NotFoundError(`portfolio run ${runId} does not exist`);
      throw err;
    }
    const summary = (row.summary ?? {}) as PortfolioSummary;
    return {
      runId: row.id,
      kind: row.kind,
      dryRun: row.dryRun,
      status: row.status,
      policyVersion: row.policyVersion,
      processed: row.processed,
      total: row.total,
      changed: row.changed,
      failed: 0,
      summary,
      source: 'database',
    };
  }
}

/** The rows of the "what changed" table: one per customer type and segment, with the totals. */
export function summaryRows(summary: PortfolioSummary): { type: string; segment: string; UP: number; DOWN: number; SAME: number; NEW: number; changed: number }[] {
  const rows = Object.entries(summary)
    .map(([key, c]) => {
      const [type = '', segment = ''] = key.split(':');
      return { type, segment, UP: c.UP, DOWN: c.DOWN, SAME: c.SAME, NEW: c.NEW, changed: c.UP + c.DOWN + c.NEW };
    })
    .sort((a, b) => a.type.localeCompare(b.type) || a.segment.localeCompare(b.segment));
  const total = rows.reduce((t, r) => ({ ...t, UP: t.UP + r.UP, DOWN: t.DOWN + r.DOWN, SAME: t.SAME + r.SAME, NEW: t.NEW + r.NEW, changed: t.changed + r.changed }), { type: 'ALL', segment: '', UP: 0, DOWN: 0, SAME: 0, NEW: 0, changed: 0 });
  return [...rows, total];
}
