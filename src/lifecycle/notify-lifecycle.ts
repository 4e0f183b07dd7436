/**
 * §3.2 dynamic updates reach the customer's lifecycle (workflow `customer-<id>`): after a use case
 * committed a real change of the record (PATCH /customers/:id, the deeper profile, a review's
 * updates), it signals `customerChanged` with the NAMES of the changed fields (never their values)
 * and who changed them. The lifecycle then tells the managers of a new segment, records a §6
 * re-assessment when risk inputs changed, and follows the new segment and manager in its search
 * attributes (workflows/lifecycle/changes.ts).
 *
 * Best effort, after the commit: the change itself is already recorded and audited. A signal that
 * fails — no lifecycle yet (the customer is not APPROVED, or `ccm lifecycle ensure` has not run),
 * Temporal unreachable — is logged and ignored: the lifecycle re-reads the customer from PostgreSQL
 * at its next step (every activity loads the current record), so it never acts on stale data; only
 * the immediate reaction (the segment-change email, the re-assessment mark) waits until then.
 */
import type { Client } from '@temporalio/client';
import { say } from '../app/logger';
import { customerChangedSignal, customerWorkflowId } from '../../workflows/lifecycle/definitions';

/** How long the signal may take before it is given up (the caller's change is committed already). */
export const NOTIFY_DEADLINE_MS = 2_000;

export interface NotifyDeps {
  temporal?: Client;
  /** Where a failed signal is reported (default: one line on stderr). */
  log?: (line: string) => void;
}

const defaultLog = say('lifecycle');

/** Signals `customerChanged` to `customer-<id>`; never throws. Returns whether the signal was delivered. */
export async function notifyCustomerChanged(deps: NotifyDeps, customerId: string, fields: readonly string[], byStaffId: string): Promise<boolean> {
  const temporal = deps.temporal;
  if (!temporal || fields.length === 0) return false;
  try {
    await temporal.connection.withDeadline(Date.now() + NOTIFY_DEADLINE_MS, () =>
      temporal.workflow.getHandle(customerWorkflowId(customerId)).signal(customerChangedSignal, { fields: [...new Set(fields)].sort(), byStaffId }),
    );
    return true;
  } catch (err) {
    (deps.log ?? defaultLog)(
      `customer ${customerId} changed (${[...fields].join(', ')}) but its lifecycle was not signalled (${(err as Error).name}); it re-reads the customer at its next step`,
    );
    return false;
  }
}
