/**
 * Use case (operators, `ccm lifecycle ensure`): every APPROVED customer has its lifecycle running
 * (workflow `customer-<id>`, §3.2 / §5.1). Onboarding starts it at approval; this starts the ones
 * that are missing — customers approved before the lifecycle existed, customers brought in from an
 * earlier system, a process that was terminated — and is safe to run any number of times.
 *
 * - Idempotent by business key: the one start path of lifecycles (src/lifecycle/start-lifecycle.ts,
 *   also the onboarding hand-off's) refuses a second run while one runs (the server says so, atomically:
 *   no describe-then-start race), which counts as already running; a closed one gets a new run.
 * - `lastReviewAt`: a migrated customer's last completed review (YYYY-MM-DD in the bank's time zone,
 *   or an ISO instant; not in the future), from which its next review is counted; only with
 *   `customerId`, and only for a start (a running lifecycle keeps its plan).
 * - Pages through the customers 500 at a time, at most 32 starts in flight.
 * - Not audited here: the lifecycle's first activity writes `lifecycle.start` once per customer.
 * - ADMIN only. An outage (Temporal or the database unreachable) stops the run with its error; a
 *   run again picks up where it stopped. Any other failure of one customer is reported in `skipped`.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { outageOf } from '../api/outage';
import type { Db } from '../db/client';
import { calendarDateIn, isIsoDate, zonedDateTimeToInstant } from '../domain/business-calendar';
import { bankTimeZone, type Policy } from '../policy/policy';
import { requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { NotFoundError, parseInput, ValidationError } from '../shared/errors';
import { startLifecycle } from './start-lifecycle';

export const ENSURE_PAGE_SIZE = 500;
export const ENSURE_CONCURRENCY = 32;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export const ensureLifecyclesInput = z.strictObject({
  customerId: z.string().trim().min(1, 'a customer id').max(64, 'at most 64 characters').optional(),
  /** A migrated customer's last completed review: YYYY-MM-DD (bank time zone) or an ISO instant. */
  lastReviewAt: z
    .string()
    .trim()
    .refine((s) => isIsoDate(s) || (ISO_INSTANT.test(s) && !Number.isNaN(Date.parse(s))), 'a date YYYY-MM-DD or an ISO instant with a zone, e.g. 2026-06-02T14:00:00Z')
    .optional(),
});

export interface EnsureResult {
  started: string[];
  alreadyRunning: number;
  skipped: { customerId: string; reason: string }[];
}

export interface EnsureDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  clock: Clock;
}

export async function ensureLifecycles(deps: EnsureDeps, actor: Actor, options: unknown = {}): Promise<EnsureResult> {
  requireRole(actor, 'ADMIN');
  const input = parseInput(ensureLifecyclesInput, options ?? {});
  const lastReviewAt = input.lastReviewAt === undefined ? undefined : lastReviewInstant(input.lastReviewAt, deps);
  if (lastReviewAt && !input.customerId) {
    throw new ValidationError([{ field: 'lastReviewAt', value: input.lastReviewAt, reason: 'only with customerId: it is one migrated customer’s last review' }]);
  }
  const result: EnsureResult = { started: [], alreadyRunning: 0, skipped: [] };

  if (input.customerId) {
    const c = await deps.db.customer.findUnique({ where: { id: input.customerId }, select: { id: true, type: true, status: true } });
    if (!c) throw new NotFoundError(`customer ${input.customerId} does not exist`);
    if (c.status !== 'APPROVED') {
      result.skipped.push({ customerId: c.id, reason: `customer ${c.id} is ${c.status}: a lifecycle runs for APPROVED customers only` });
      return result;
    }
    await ensureOne(deps, c, lastReviewAt, result);
    return result;
  }

  let after: string | undefined;
  for (;;) {
    const page = await deps.db.customer.findMany({
      where: { status: 'APPROVED', ...(after ? { id: { gt: after } } : {}) },
      select: { id: true, type: true },
      orderBy: { id: 'asc' },
      take: ENSURE_PAGE_SIZE,
    });
    if (page.length === 0) break;
    await inPool(page, ENSURE_CONCURRENCY, (c) => ensureOne(deps, c, undefined, result));
    after = page[page.length - 1]!.id;
    if (page.length < ENSURE_PAGE_SIZE) break;
  }
  return result;
}

/** The instant of a last review: a date is the start of that day in the bank's time zone. Not in the future. */
function lastReviewInstant(text: string, deps: { policy: Policy; clock: Clock }): string {
  const tz = bankTimeZone(deps.policy);
  const now = deps.clock.now();
  const future = () => new ValidationError([{ field: 'lastReviewAt', value: text, reason: `must not be in the future (now ${now.toISOString()})` }]);
  if (isIsoDate(text)) {
    if (text > calendarDateIn(now, tz)) throw future();
    return zonedDateTimeToInstant(text, '00:00', tz).toISOString();
  }
  const at = new Date(text);
  if (at.getTime() > now.getTime()) throw future();
  return at.toISOString();
}

async function ensureOne(deps: EnsureDeps, c: { id: string; type: 'INDIVIDUAL' | 'ENTERPRISE' }, lastReviewAt: string | undefined, result: EnsureResult): Promise<void> {
  try {
    const outcome = await startLifecycle(deps.temporal, { customerId: c.id, customerType: c.type, taskQueue: deps.taskQueue, ...(lastReviewAt ? { lastReviewAt } : {}) });
    if (outcome === 'STARTED') result.started.push(c.id);
    else result.alreadyRunning += 1;
  } catch (err) {
    if (outageOf(err)) throw err;
    result.skipped.push({ customerId: c.id, reason: `${(err as Error).name}: ${(err as Error).message}` });
  }
}

/** Runs `work` over `items`, at most `limit` at a time; the first error ends the run after those in flight. */
async function inPool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
}
