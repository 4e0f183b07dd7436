/**
 * Use case: the customer leaves the bank. Its record is CLOSED and its lifecycle (workflow
 * `customer-<id>`) ends: no more reviews (§3.2), contacts or meetings (§5.1).
 *
 * - Who (§3.1): a SUPERVISOR, an ADMIN, or the customer's RELATIONSHIP_MANAGER (its manager of
 *   record, or an active manager assignment); others 403. A RELATIONSHIP_MANAGER-only actor gets 404
 *   for customers they do not look after. Only an APPROVED customer can be closed (409 otherwise).
 * - One transaction: the customer CLOSED (version + 1), its open tasks CANCELLED, the CustomerLifecycle
 *   mirror CLOSED with closedAt and the reason, and the audit record `customer.close` (status before
 *   and after, the reason, the tasks cancelled). The Reminder rows of those tasks are the workflow's:
 *   it answers their reminders when it ends.
 * - After the commit, the lifecycle's `close` update. The answer is 200 whatever Temporal does: the
 *   record is closed either way. `lifecycle: 'CLOSED'` — the process ended (or none runs);
 *   `'ENDS_AT_NEXT_STEP'` — Temporal did not answer in time (unreachable, no worker): the process
 *   ends itself at its next step, because its activities find the customer CLOSED.
 */
import type { Client } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { say } from '../app/logger';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { requireRole, ForbiddenError, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { ConflictError, parseInput } from '../shared/errors';
import { findCustomerIn, ownCustomerScope } from '../customers/access';
import { customerInclude, toCustomerView, type CustomerView } from '../customers/customer-view';
import { cancelOpenTasksOf } from '../tasks/tasks';
import { isWorkflowGone } from '../temporal/workflow-gone';
import { closeUpdate, customerWorkflowId } from '../../workflows/lifecycle/definitions';

/** Roles that close any customer; a RELATIONSHIP_MANAGER closes the customers they manage. */
export const CLOSE_ANY_ROLES = ['SUPERVISOR', 'ADMIN'] as const;
export const CLOSE_ROLES = [...CLOSE_ANY_ROLES, 'RELATIONSHIP_MANAGER'] as const;

/** How long the answer waits for the lifecycle to end before saying it ends at its next step. */
export const CLOSE_WAIT_MS = 10_000;

export const closeCustomerInput = z.strictObject({
  /** Why the customer left (recorded on the lifecycle and in the audit record). */
  reason: z.string({ error: 'text: why the customer left' }).trim().min(1, 'must not be blank: say why the customer left').max(500, 'at most 500 characters'),
});

export interface CustomerClosed {
  customer: CustomerView;
  closedAt: string;
  reason: string;
  tasksCancelled: string[];
  lifecycle: 'CLOSED' | 'ENDS_AT_NEXT_STEP';
}

export interface CloseDeps {
  db: Db;
  /** Absent (the CLI without Temporal): the lifecycle ends at its next step. */
  temporal?: Client;
  clock: Clock;
  log?: (line: string) => void;
}

export async function closeCustomer(deps: CloseDeps, actor: Actor, customerId: string, body: unknown, ctx: { requestId?: string } = {}): Promise<CustomerClosed> {
  requireRole(actor, ...CLOSE_ROLES);
  const scope = ownCustomerScope(actor, CLOSE_ANY_ROLES);
  const customer = await findCustomerIn(deps.db, customerId, scope);
  if (!actor.roles.some((r) => (CLOSE_ANY_ROLES as readonly string[]).includes(r)) && !(await managesCustomer(deps.db, actor.staffId, customer))) {
    throw new ForbiddenError(`staff member ${actor.staffId} is not the relationship manager of customer ${customerId}: only its manager, a SUPERVISOR or an ADMIN may close it`);
  }
  const { reason } = parseInput(closeCustomerInput, body);
  if (customer.status !== 'APPROVED') throw new ConflictError(`customer ${customerId} is ${customer.status}: only an APPROVED customer can be closed`, toCustomerView(customer));

  const at = deps.clock.now();
  const { view, cancelled } = await deps.db.$transaction(async (tx) => {
    const { count } = await tx.customer.updateMany({ where: { id: customerId, status: 'APPROVED' }, data: { status: 'CLOSED', version: { increment: 1 } } });
    if (count === 0) {
      const now = await findCustomerIn(tx, customerId, scope);
      throw new ConflictError(`customer ${customerId} is ${now.status}: only an APPROVED customer can be closed`, toCustomerView(now));
    }
    const cancelled = await cancelOpenTasksOf(tx, customerId, at, actor.staffId, 'the customer was closed');
    await tx.customerLifecycle.updateMany({ where: { customerId }, data: { status: 'CLOSED', closedAt: at, closeReason: reason } });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'customer.close',
      entity: 'Customer',
      entityId: customerId,
      customerId,
      changes: {
        status: { before: customer.status, after: 'CLOSED' },
        reason: { before: null, after: reason },
        ...(cancelled.length ? { tasksCancelled: { before: null, after: cancelled } } : {}),
      },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return { view: toCustomerView(await tx.customer.findUniqueOrThrow({ where: { id: customerId }, include: customerInclude })), cancelled };
  });

  return { customer: view, closedAt: at.toISOString(), reason, tasksCancelled: cancelled, lifecycle: await endLifecycle(deps, customerId, actor.staffId) };
}

async function managesCustomer(db: Db, staffId: string, customer: { id: string; relationshipManagerId: string | null }): Promise<boolean> {
  if (customer.relationshipManagerId === staffId) return true;
  const assignment = await db.relationshipAssignment.findFirst({ where: { customerId: customer.id, staffId, role: 'RELATIONSHIP_MANAGER', endedAt: null }, select: { id: true } });
  return assignment !== null;
}

/** The lifecycle's `close` update, after the commit; never throws (the record is closed already). */
async function endLifecycle(deps: CloseDeps, customerId: string, staffId: string): Promise<CustomerClosed['lifecycle']> {
  const temporal = deps.temporal;
  if (!temporal) return 'ENDS_AT_NEXT_STEP';
  try {
    await temporal.connection.withDeadline(Date.now() + CLOSE_WAIT_MS, () =>
      temporal.workflow.getHandle(customerWorkflowId(customerId)).executeUpdate(closeUpdate, { args: [{ staffId }] }),
    );
    return 'CLOSED';
  } catch (err) {
    // No lifecycle runs, or it is CLOSED already: nothing is left to end.
    if (isWorkflowGone(err) || (err instanceof WorkflowUpdateFailedError && /already CLOSED/.test(err.cause?.message ?? ''))) return 'CLOSED';
    (deps.log ?? say('lifecycle'))(`customer ${customerId} is CLOSED; its lifecycle did not answer the close (${(err as Error).name}): it ends at its next step`);
    return 'ENDS_AT_NEXT_STEP';
  }
}
