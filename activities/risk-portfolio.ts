/**
 * §6 the portfolio run's side effects (workflow riskPortfolio, workflows/risk/portfolio.ts): they run
 * on the risk worker's own task queue (RISK_TASK_QUEUE, rate-limited; src/worker/worker.ts), so a
 * run never holds up an escalation or a reminder on the main queue.
 *
 * - beginPortfolioRun: the RiskPortfolioRun row (found again on a retry), the policy version fixed for
 *   the whole run (QUARTERLY: the policy in force when it began; RESCORE: the given document, adopted —
 *   RiskPolicyAdoption and audit `risk.policy.adopt` in the same transaction — unless a dry run), the
 *   portfolio counted and, for several lanes, the id space cut in slices of equal size.
 * - assessRiskPage: one page (src/risk/assess-customers.ts assessPortfolioPage: one transaction,
 *   idempotent per (customer, run key)); after the commit, each changed customer's lifecycle is told
 *   (riskRated, §6.2 follow-up) — a customer without a running lifecycle is skipped. It returns counts
 *   only. A retried page finds its customers already assessed: it counts them from their recorded
 *   assessments and signals the changed ones again (the lifecycle dedupes by assessmentId).
 * - recordPortfolioProgress: the row mirrors the workflow's progress after each page (a local activity).
 * - finishPortfolioRun: COMPLETED (or FAILED), finishedAt, the final counts and summary.
 *
 * A dry run writes nothing but its own RiskPortfolioRun row (the report of what would change).
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { writeAudit } from '../src/audit/audit-log';
import type { Db } from '../src/db/client';
import type { Prisma } from '../src/db/generated/client';
import { riskRatingRank, type RiskRating } from '../src/domain/risk-scorecard';
import { parsePolicy, PolicyError, type Policy } from '../src/policy/policy';
import { assessPortfolioPage } from '../src/risk/assess-customers';
import { comparePolicyVersions, riskPolicyInForce } from '../src/risk/policy-in-force';
import type { KeyRing } from '../src/security/keyring';
import { isWorkflowGone } from '../src/temporal/workflow-gone';
import { customerWorkflowId, riskRatedSignal, type RiskRatedInput } from '../workflows/lifecycle/definitions';
import {
  emptyCounts,
  FAILURE_SAMPLE,
  summaryKey,
  type Direction,
  type PageOutcome,
  type PortfolioKind,
  type PortfolioProgress,
  type PortfolioSummary,
} from '../workflows/risk/definitions';

export interface RiskPortfolioDeps {
  db: Db;
  ring: KeyRing;
  /** The deployed policy (POLICY_FILE). */
  policy: Policy;
  /** Sends riskRated to the lifecycles; the worker passes a client on its own connection. */
  temporal?: Client;
}

export interface BeginInput {
  runId: string;
  kind: PortfolioKind;
  dryRun: boolean;
  policyDocument?: unknown;
  startedByStaffId?: string;
  lanes: number;
  asOf: string;
}

export interface BeginOutcome {
  policyVersion: string;
  total: number;
  lanes: { after: string | null; until: string | null }[];
}

export interface PageInput {
  runId: string;
  kind: PortfolioKind;
  dryRun: boolean;
  policyVersion: string;
  /** A dry RESCORE only: its policy is adopted nowhere, so each page gets the document. */
  policyDocument?: unknown;
  afterCustomerId: string | null;
  untilCustomerId: string | null;
  limit: number;
  asOf: string;
}

/** Lifecycles signalled at once after a page. */
const SIGNAL_CONCURRENCY = 16;
/** A page heartbeats this often while it runs (the workflow's heartbeat timeout is 10 s). */
const HEARTBEAT_EVERY_MS = 2000;

const nonRetryable = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

function directionOf(previous: string | null, rating: string): Direction {
  if (previous === null) return 'NEW';
  try {
    const [before, after] = [riskRatingRank(previous as RiskRating), riskRatingRank(rating as RiskRating)];
    return after > before ? 'UP' : after < before ? 'DOWN' : 'SAME';
  } catch {
    return 'NEW';
  }
}

/** Runs `task` over `items` with at most `n` in flight. */
async function eachWithin<T>(items: readonly T[], n: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

/** Heartbeats every HEARTBEAT_EVERY_MS while `work` runs (outside an activity: just runs it). */
async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    ctx = undefined;
  }
  if (!ctx) return work();
  const c = ctx;
  c.heartbeat();
  const timer = setInterval(() => c.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export function createRiskPortfolioActivities(deps: RiskPortfolioDeps) {
  const { db } = deps;
  /** Parsed policies by run (a run's version never changes); a few runs at most are alive at once. */
  const policies = new Map<string, Policy>();

  function parseOrFail(document: unknown): Policy {
    try {
      return parsePolicy(document);
    } catch (err) {
      if (err instanceof PolicyError) throw nonRetryable('InvalidPolicy', err.message);
      throw err;
    }
  }

  /** The policy a page scores on: the run's version, deployed or adopted (a dry RESCORE: its own document). */
  async function policyOf(p: PageInput): Promise<Policy> {
    const cached = policies.get(p.runId);
    if (cached && cached.version === p.policyVersion) return cached;
    let policy: Policy;
    if (p.policyDocument !== undefined) policy = parseOrFail(p.policyDocument);
    else if (p.policyVersion === deps.policy.version) policy = deps.policy;
    else {
      const adopted = await db.riskPolicyAdoption.findUnique({ where: { version: p.policyVersion }, select: { document: true } });
      if (!adopted) throw nonRetryable('PolicyVersionUnavailable', `policy version ${p.policyVersion} the run began with is neither deployed (${deps.policy.version}) nor adopted`);
      policy = parseOrFail(adopted.document);
    }
    if (policy.version !== p.policyVersion) throw nonRetryable('PolicyVersionUnavailable', `policy document has version ${policy.version}, the run scores on ${p.policyVersion}`);
    if (policies.size >= 8) policies.delete(policies.keys().next().value!);
    policies.set(p.runId, policy);
    return policy;
  }

  async function laneBounds(lanes: number): Promise<BeginOutcome['lanes']> {
    if (lanes <= 1) return [{ after: null, until: null }];
    // The last id of each of `lanes` equal slices of the APPROVED ids; the last slice is open-ended.
    const rows = await db.$queryRawUnsafe<{ last: string }[]>(
      `SELECT max(id) AS last FROM (SELECT id, ntile($1) OVER (ORDER BY id) AS slice FROM "Customer" WHERE status = 'APPROVED') s GROUP BY slice ORDER BY slice`,
      lanes,
    );
    const ends = rows.map((r) => r.last).slice(0, -1);
    return [...ends, null].map((until, i) => ({ after: i === 0 ? null : ends[i - 1]!, until }));
  }

  return {
    async beginPortfolioRun(b: BeginInput): Promise<BeginOutcome> {
      const existing = await db.riskPortfolioRun.findUnique({ where: { id: b.runId }, select: { policyVersion: true, total: true } });
      if (existing) return { policyVersion: existing.policyVersion, total: existing.total, lanes: await laneBounds(b.lanes) };

      const inForce = await riskPolicyInForce(db, deps.policy);
      const policy = b.kind === 'RESCORE' ? parseOrFail(b.policyDocument) : inForce;
      const adopt = b.kind === 'RESCORE' && !b.dryRun;
      if (adopt && comparePolicyVersions(policy.version, inForce.version) <= 0) {
        throw nonRetryable('PolicyNotNewer', `policy version ${policy.version} is not newer than the policy in force (${inForce.version}): later assessments would not use it; give it a newer version`);
      }
      const total = await db.$transaction(async (tx) => {
        if (adopt) {
          const earlier = await tx.riskPolicyAdoption.findUnique({ where: { version: policy.version }, select: { runId: true } });
          if (earlier) throw nonRetryable('PolicyVersionTaken', `policy version ${policy.version} was already adopted (run ${earlier.runId ?? 'unknown'}): give the new policy a new version`);
          await tx.riskPolicyAdoption.create({ data: { version: policy.version, document: b.policyDocument as Prisma.InputJsonValue, adoptedByStaffId: b.startedByStaffId ?? null, runId: b.runId } });
          await writeAudit(tx, {
            actorStaffId: b.startedByStaffId ?? null,
            action: 'risk.policy.adopt',
            entity: 'RiskPolicyAdoption',
            entityId: policy.version,
            changes: { riskPolicyVersion: { before: inForce.version, after: policy.version }, runId: { before: null, after: b.runId } },
            idempotencyKey: `risk.policy.adopt:${policy.version}`,
          });
        }
        const [{ n }] = await tx.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "Customer" WHERE status = 'APPROVED'`) as [{ n: number }];
        await tx.riskPortfolioRun.create({
          data: { id: b.runId, kind: b.kind, dryRun: b.dryRun, policyVersion: policy.version, total: n, startedAt: new Date(b.asOf), startedByStaffId: b.startedByStaffId ?? null },
        });
        return n;
      });
      policies.set(b.runId, policy);
      return { policyVersion: policy.version, total, lanes: await laneBounds(b.lanes) };
    },

    async assessRiskPage(p: PageInput): Promise<PageOutcome> {
      const policy = await policyOf(p);
      const trigger = p.kind;
      return heartbeating(async () => {
        const page = await assessPortfolioPage(deps, {
          runKey: p.runId,
          trigger,
          policy,
          dryRun: p.dryRun,
          afterCustomerId: p.afterCustomerId,
          untilCustomerId: p.untilCustomerId,
          limit: p.limit,
          at: new Date(p.asOf),
        });
        const summary: PortfolioSummary = {};
        const count = (type: string, segment: string | null, d: Direction) => ((summary[summaryKey(type, segment)] ??= emptyCounts())[d] += 1);
        let changed = 0;
        const toSignal: { customerId: string; signal: RiskRatedInput }[] = [];
        for (const a of page.result.assessed) {
          count(a.customerType, a.segment, a.direction);
          if (a.changed) {
            changed += 1;
            if (a.assessmentId) toSignal.push({ customerId: a.customerId, signal: { assessmentId: a.assessmentId, rating: a.rating, previousRating: a.previousRating, trigger, at: p.asOf } });
          }
        }
        // A retry: these were assessed by an earlier attempt of this page (committed before it died).
        if (page.result.alreadyAssessed.length > 0) {
          const earlier = await db.$queryRawUnsafe<{ id: string; customerId: string; customerType: string; rating: string; previousRating: string | null; segment: string | null }[]>(
            `SELECT ra.id::text AS id, ra."customerId", ra."customerType"::text AS "customerType", ra.rating, ra."previousRating", c.segment
               FROM "RiskAssessment" ra JOIN "Customer" c ON c.id = ra."customerId"
              WHERE ra."runKey" = $1 AND ra."customerId" = ANY($2::text[])`,
            p.runId,
            page.result.alreadyAssessed,
          );
          for (const e of earlier) {
            const d = directionOf(e.previousRating, e.rating);
            count(e.customerType, e.segment, d);
            if (d !== 'SAME') {
              changed += 1;
              toSignal.push({ customerId: e.customerId, signal: { assessmentId: e.id, rating: e.rating, previousRating: e.previousRating, trigger, at: p.asOf } });
            }
          }
        }
        // After the commit: each changed customer's lifecycle takes its new rating (§6.2 follow-up).
        let signalled = 0;
        let notRunning = 0;
        if (!p.dryRun && deps.temporal && toSignal.length > 0) {
          const temporal = deps.temporal;
          await eachWithin(toSignal, SIGNAL_CONCURRENCY, async ({ customerId, signal }) => {
            try {
              await temporal.workflow.getHandle(customerWorkflowId(customerId)).signal(riskRatedSignal, signal);
              signalled += 1;
            } catch (err) {
              if (!isWorkflowGone(err)) throw err; // a customer without a running lifecycle: nothing to tell
              notRunning += 1;
            }
          });
        }
        return {
          count: page.count,
          lastCustomerId: page.lastCustomerId,
          changed,
          failed: page.result.failed.length,
          failures: page.result.failed.slice(0, FAILURE_SAMPLE),
          signalled,
          notRunning,
          summary,
        };
      });
    },

    async recordPortfolioProgress(r: { runId: string; progress: PortfolioProgress }): Promise<void> {
      // Absolute values, only ever forwards: pages of several lanes may report out of order.
      await db.riskPortfolioRun.updateMany({
        where: { id: r.runId, status: 'RUNNING', processed: { lte: r.progress.processed } },
        data: { processed: r.progress.processed, changed: r.progress.changed, summary: r.progress.summary },
      });
    },

    async finishPortfolioRun(f: { runId: string; status: 'COMPLETED' | 'FAILED'; progress: PortfolioProgress }): Promise<void> {
      await db.riskPortfolioRun.updateMany({
        where: { id: f.runId, status: 'RUNNING' },
        data: { status: f.status, finishedAt: new Date(), processed: f.progress.processed, changed: f.progress.changed, summary: f.progress.summary },
      });
    },
  };
}

export type RiskPortfolioActivities = ReturnType<typeof createRiskPortfolioActivities>;
