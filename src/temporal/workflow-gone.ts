import { WorkflowNotFoundError } from '@temporalio/client';

/** True when a message to a workflow failed because it no longer runs (never started, or already closed). */
export function isWorkflowGone(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err instanceof Error && /workflow execution already completed/i.test(err.message));
}
