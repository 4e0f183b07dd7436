/**
 * Starts a customer's lifecycle (workflow `customer-<id>`, §3.2 / §5.1): at approval (the onboarding
 * hand-off, through the activity startCustomerLifecycle) and for customers brought in by
 * `ccm lifecycle ensure`. Idempotent by business key: a lifecycle already running is left as it is
 * (ALREADY_RUNNING); a customer whose lifecycle ended may get a new run.
 *
 * A top-level workflow, not a child of the onboarding: it outlives its starter by decades, and
 * Temporal's time-skipping test server does not skip time for a child that continues-as-new
 * (sdk-java #1539), which would leave the years-long tests unable to run.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { SA } from '../temporal/search-attributes';
import { customerLifecycle } from '../../workflows/lifecycle/customer-lifecycle';
import { customerWorkflowId } from '../../workflows/lifecycle/definitions';

export interface LifecycleStart {
  customerId: string;
  customerType: 'INDIVIDUAL' | 'ENTERPRISE';
  taskQueue: string;
  /** A customer migrated from an earlier system: when its last review was completed (ISO). */
  lastReviewAt?: string;
}

export async function startLifecycle(client: Client, s: LifecycleStart): Promise<'STARTED' | 'ALREADY_RUNNING'> {
  try {
    await client.workflow.start(customerLifecycle, {
      workflowId: customerWorkflowId(s.customerId),
      taskQueue: s.taskQueue,
      args: [{ customerId: s.customerId, ...(s.lastReviewAt ? { lastReviewAt: s.lastReviewAt } : {}) }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [
        { key: SA.ProcessKind, value: 'CUSTOMER_LIFECYCLE' },
        { key: SA.CustomerId, value: s.customerId },
        { key: SA.CustomerType, value: s.customerType },
      ],
      staticSummary: `Lifecycle of customer ${s.customerId}: periodic reviews (§3.2), regular contact (§5.1)`,
      staticDetails: 'Sleeps until the next review, contact or meeting is due; continues-as-new at every review cycle. Query `state` for the live view.',
    });
    return 'STARTED';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'ALREADY_RUNNING';
    throw err;
  }
}
