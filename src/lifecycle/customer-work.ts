/**
 * §3.1 "no one acts beyond their role" for the work the lifecycle gives people (src/tasks/): who may
 * complete a customer's periodic review (§3.2) or record its quarterly meeting (§5.1) — the task's
 * assignee, a member of its team (a role or an expertise code), a staff member with an active
 * RelationshipAssignment to the customer (§4 manager or team member), or a SUPERVISOR.
 *
 * Also how a lifecycle use case reaches the customer: a RELATIONSHIP_MANAGER-only actor sees only the
 * customers they look after (others 404, src/customers/access.ts), and messages to the workflow turn
 * the workflow's refusals into 409 with its reason.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { SERVICE_TEAM } from '../../activities/lifecycle';
import type { Db } from '../db/client';
import type { Task } from '../db/generated/client';
import { ForbiddenError, type Actor } from '../security/auth';
import { ConflictError } from '../shared/errors';
import { mayWorkOn } from '../tasks/tasks';
import { isWorkflowGone } from '../temporal/workflow-gone';
import { customerWorkflowId } from '../../workflows/lifecycle/definitions';

export interface StaffFacts {
  id: string;
  roles: string[];
  expertise: string[];
}

/** The acting staff member's roles and team expertise (mayWorkOn needs both). */
export async function staffFacts(db: Db, actor: Actor): Promise<StaffFacts> {
  const row = await db.staffMember.findUnique({ where: { id: actor.staffId }, select: { expertise: true } });
  return { id: actor.staffId, roles: actor.roles, expertise: row?.expertise ?? [] };
}

/**
 * Whether the actor may do the customer's review or meeting. Without an open task, the work the
 * lifecycle would open decides: its relationship manager's, else the service team's (activities/lifecycle.ts).
 */
export async function mayDoCustomerWork(
  db: Db,
  actor: Actor,
  customer: { id: string; relationshipManagerId: string | null },
  task: Pick<Task, 'assigneeStaffId' | 'team'> | null,
): Promise<boolean> {
  const staff = await staffFacts(db, actor);
  const work = task ?? { assigneeStaffId: customer.relationshipManagerId, team: customer.relationshipManagerId ? null : SERVICE_TEAM };
  if (mayWorkOn(work, staff)) return true;
  const assignment = await db.relationshipAssignment.findFirst({ where: { customerId: customer.id, staffId: actor.staffId, endedAt: null }, select: { id: true } });
  return assignment !== null;
}

export async function requireCustomerWork(
  db: Db,
  actor: Actor,
  customer: { id: string; relationshipManagerId: string | null },
  task: Pick<Task, 'assigneeStaffId' | 'team'> | null,
  what: string,
): Promise<void> {
  if (await mayDoCustomerWork(db, actor, customer, task)) return;
  throw new ForbiddenError(
    `staff member ${actor.staffId} may not ${what} of customer ${customer.id}: only the task's assignee, a member of its team, ` +
      'a staff member assigned to the customer, or a SUPERVISOR may',
  );
}

/**
 * Runs a message to the customer's lifecycle; a refusal by the workflow (its validator or its
 * handler) becomes 409 with the workflow's reason, a lifecycle that does not run 409 saying so.
 */
export async function toLifecycle<T>(customerId: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new ConflictError(err.cause?.message ?? err.message);
    if (isWorkflowGone(err)) {
      throw new ConflictError(
        `the lifecycle of customer ${customerId} (${customerWorkflowId(customerId)}) is not running; an operator starts it with \`ccm lifecycle ensure --customer ${customerId}\``,
      );
    }
    throw err;
  }
}
