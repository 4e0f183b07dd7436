/**
 * Two stores, one truth (issue 7): workflow starts go through a transactional outbox.
 *
 * A use case that creates a row needing a process writes the row and a `WorkflowStart` record in ONE
 * database transaction (`startRecord()` gives the values; create-customer puts it in its single
 * statement). Only after the commit is the workflow started (`WorkflowStarter.start`), so a
 * workflow never exists without its row, and a rolled-back request leaves nothing behind in
 * Temporal. A start that fails after the commit (Temporal down, the process killed between commit
 * and start) is picked up by the reconciler (`WorkflowStarter.reconcile`, run every second by the API
 * process), which claims due records with `FOR UPDATE SKIP LOCKED` (any number of API processes
 * may run it) and retries with a capped backoff, so a committed row's workflow runs within seconds
 * of Temporal being reachable again.
 *
 * Starting is idempotent by business key: the workflow id is the row's key (`onboarding-<id>`,
 * `reminder-<key>`), the reuse policy refuses a second run of the same id, and "already started"
 * counts as started. No Temporal call ever happens inside a database transaction.
 */
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type SearchAttributePair,
} from '@temporalio/common';
import type { Db } from '../db/client';
import { Prisma } from '../db/client';
import { say } from '../app/logger';

/** What a start needs; arguments are ids, codes, numbers and ISO times only (no personal data). */
export interface StartRequest {
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  args: unknown[];
  searchAttributes: SearchAttributePair[];
}

interface StoredSearchAttribute {
  name: string;
  type: SearchAttributeType;
  value: string | number | boolean | string[];
}

/** How long after the commit the reconciler leaves a record to the starter of the request itself. */
export const START_GRACE_MS = 3_000;
/** Reconciler: how often it looks, how many records it claims at once, how long a claim holds. */
export const RECONCILE_INTERVAL_MS = 1_000;
const RECONCILE_BATCH = 200;
const CLAIM_MS = 30_000;
/** Retry backoff of a start that failed: 1 s, 2 s, 4 s, then every 5 s. */
const retryDelayMs = (attempts: number) => Math.min(5_000, 1_000 * 2 ** Math.max(0, attempts - 1));

const storedAttributes = (pairs: SearchAttributePair[]): StoredSearchAttribute[] =>
  pairs.map(({ key, value }) => ({ name: key.name, type: key.type, value: value instanceof Date ? value.toISOString() : value }));

function typedAttributes(stored: StoredSearchAttribute[]): SearchAttributePair[] {
  return stored.map(({ name, type, value }) => {
    const key = defineSearchAttributeKey(name, type);
    return { key, value: type === SearchAttributeType.DATETIME ? new Date(value as string) : value } as SearchAttributePair;
  });
}

/** The WorkflowStart row of a request, for a use case's own Prisma create in its transaction. */
export function startRecord(req: StartRequest, now: Date) {
  return {
    workflowId: req.workflowId,
    workflowType: req.workflowType,
    taskQueue: req.taskQueue,
    args: req.args as Prisma.InputJsonValue,
    searchAttributes: storedAttributes(req.searchAttributes) as unknown as Prisma.InputJsonValue,
    createdAt: now,
    nextAttemptAt: new Date(now.getTime() + START_GRACE_MS),
  };
}

/** `INSERT INTO "WorkflowStart"` for a data-modifying CTE of the caller's statement. */
export function startInsertSql(req: StartRequest, now: Date): Prisma.Sql {
  const r = startRecord(req, now);
  return Prisma.sql`INSERT INTO "WorkflowStart" ("workflowId", "workflowType", "taskQueue", "args", "searchAttributes", "createdAt", "nextAttemptAt")
    VALUES (${r.workflowId}, ${r.workflowType}, ${r.taskQueue}, ${JSON.stringify(r.args)}::jsonb, ${JSON.stringify(r.searchAttributes)}::jsonb, ${now}::timestamptz, ${r.nextAttemptAt}::timestamptz)`;
}

export interface WorkflowStarterOptions {
  db: Db;
  temporal: Client;
  log?: (line: string) => void;
  /** Starts in flight at once (default 64). */
  maxInFlight?: number;
}

export type StartOutcome = 'STARTED' | 'ALREADY_STARTED' | 'DEFERRED';

const shared = new WeakMap<Client, WorkflowStarter>();

/** The starter a use case uses when its caller passed none: one per Temporal client. */
export function starterFor(deps: { db: Db; temporal: Client; starter?: WorkflowStarter }): WorkflowStarter {
  if (deps.starter) return deps.starter;
  let s = shared.get(deps.temporal);
  if (!s) shared.set(deps.temporal, (s = new WorkflowStarter({ db: deps.db, temporal: deps.temporal })));
  return s;
}

/** How long a request waits for its workflow to start before answering anyway (the start goes on). */
export const START_WAIT_MS = 2_000;

export class WorkflowStarter {
  private readonly db: Db;
  private readonly temporal: Client;
  private readonly log: (line: string) => void;
  /** Ids started but not yet marked in the database: marked in batches (one UPDATE for many). */
  private toMark: string[] = [];
  private marking: Promise<void> = Promise.resolve();
  private markTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private loop: { stop: () => Promise<void> } | undefined;
  private lastOutageLog = 0;
  /** Starts in flight at once: a burst (an import of thousands) queues here instead of opening thousands of calls. */
  private readonly maxInFlight: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(opts: WorkflowStarterOptions) {
    this.db = opts.db;
    this.temporal = opts.temporal;
    this.log = opts.log ?? say('outbox');
    this.maxInFlight = opts.maxInFlight ?? 64;
  }

  private slot(): Promise<void> {
    if (this.running < this.maxInFlight) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve)); // the releasing start hands its slot over
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  /**
   * Starts the workflow of a committed record now. Never throws: a start that fails is recorded
   * (attempts, lastError, next attempt) and left to the reconciler. DEFERRED means exactly that.
   */
  start(req: StartRequest): Promise<StartOutcome> {
    const p = this.slot().then(() => this.attempt(req)).finally(() => this.release());
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  /** start(), waiting at most START_WAIT_MS: a request answers in bounded time whatever Temporal does. */
  async startWithin(req: StartRequest, ms = START_WAIT_MS): Promise<StartOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<StartOutcome>((resolve) => (timer = setTimeout(() => resolve('DEFERRED'), ms)));
    try {
      return await Promise.race([this.start(req), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async attempt(req: StartRequest, attempts = 0): Promise<StartOutcome> {
    try {
      await this.temporal.workflow.start(req.workflowType, {
        taskQueue: req.taskQueue,
        workflowId: req.workflowId,
        args: req.args,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        typedSearchAttributes: req.searchAttributes,
      });
      this.markStarted(req.workflowId);
      return 'STARTED';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        this.markStarted(req.workflowId);
        return 'ALREADY_STARTED';
      }
      const message = (err as Error).message?.slice(0, 500) ?? String(err);
      const now = Date.now();
      if (now - this.lastOutageLog > 10_000) {
        this.lastOutageLog = now;
        this.log(`could not start ${req.workflowType} ${req.workflowId} (${message}); the reconciler retries it`);
      }
      await this.db.workflowStart
        .updateMany({
          where: { workflowId: req.workflowId, startedAt: null },
          data: { attempts: attempts + 1, lastError: message, nextAttemptAt: new Date(now + retryDelayMs(attempts + 1)) },
        })
        .catch(() => undefined); // the database may be down too: the record keeps its grace-period attempt time
      return 'DEFERRED';
    }
  }

  private markStarted(workflowId: string): void {
    this.toMark.push(workflowId);
    if (this.toMark.length >= 500) void this.flushMarks();
    else this.markTimer ??= setTimeout(() => void this.flushMarks(), 100);
  }

  private flushMarks(): Promise<void> {
    if (this.markTimer) clearTimeout(this.markTimer);
    this.markTimer = undefined;
    const ids = this.toMark;
    this.toMark = [];
    if (ids.length === 0) return this.marking;
    this.marking = this.marking.then(async () => {
      try {
        await this.db.$executeRaw`UPDATE "WorkflowStart" SET "startedAt" = now(), "lastError" = NULL WHERE "workflowId" = ANY(${ids}) AND "startedAt" IS NULL`;
      } catch {
        // Not marked: the reconciler finds them, starts again, gets "already started" and marks them.
      }
    });
    return this.marking;
  }

  /** Claims due records and starts their workflows. Returns how many it claimed. */
  async reconcile(): Promise<number> {
    const claimed = await this.db.$queryRaw<{ workflowId: string; workflowType: string; taskQueue: string; args: unknown[]; searchAttributes: StoredSearchAttribute[]; attempts: number }[]>`
      UPDATE "WorkflowStart" SET "nextAttemptAt" = now() + make_interval(secs => ${CLAIM_MS / 1000})
      WHERE "workflowId" IN (
        SELECT "workflowId" FROM "WorkflowStart"
        WHERE "startedAt" IS NULL AND "nextAttemptAt" <= now()
        ORDER BY "nextAttemptAt" LIMIT ${RECONCILE_BATCH}
        FOR UPDATE SKIP LOCKED)
      RETURNING "workflowId", "workflowType", "taskQueue", "args", "searchAttributes", "attempts"`;
    await Promise.all(
      claimed.map((r) =>
        this.attempt(
          { workflowId: r.workflowId, workflowType: r.workflowType, taskQueue: r.taskQueue, args: r.args, searchAttributes: typedAttributes(r.searchAttributes) },
          r.attempts,
        ),
      ),
    );
    if (claimed.length) await this.flushMarks();
    return claimed.length;
  }

  /** Runs the reconciler every RECONCILE_INTERVAL_MS until `stop()`; errors (database down) are retried. */
  runReconciler(intervalMs = RECONCILE_INTERVAL_MS): { stop: () => Promise<void> } {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let current: Promise<void> = Promise.resolve();
    const tick = () => {
      current = this.reconcile()
        .then((n) => (n === RECONCILE_BATCH ? 0 : intervalMs)) // a full batch: go on at once
        .catch(() => intervalMs)
        .then((delay) => {
          if (!stopped) timer = setTimeout(tick, delay);
        });
    };
    timer = setTimeout(tick, intervalMs);
    this.loop = {
      stop: async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        await current;
      },
    };
    return this.loop;
  }

  /** Waits for starts in flight and the pending marks (shutdown, end of an import). */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    await this.flushMarks();
  }

  async close(): Promise<void> {
    await this.loop?.stop();
    await this.drain();
  }

  /** Records committed but not started yet (for /health-like reports, the drill and tests). */
  pending(): Promise<number> {
    return this.db.workflowStart.count({ where: { startedAt: null } });
  }
}
