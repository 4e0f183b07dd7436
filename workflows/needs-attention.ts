/**
 * A step that failed for good (issue 7 "nothing jams"). Activities retry transient failures for
 * ever; what reaches a workflow is a failure no retry can fix (a DataError, an EmailRejected). The
 * workflow then keeps its state as the database has it, shows BusinessStatus NEEDS_ATTENTION in the
 * Temporal UI, records the failure once (activities/processes.ts), and answers further requests with
 * the reason instead of hanging.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SA } from '../src/temporal/search-attributes';
import { RECORD } from './activity-options';

export const NEEDS_ATTENTION = 'NEEDS_ATTENTION';

export interface Attention {
  step: string;
  errorType: string;
  message: string;
  at: string;
}

const { recordNeedsAttention } = proxyActivities<Pick<Activities, 'recordNeedsAttention'>>(RECORD);

/** The failure an activity ended with for good, or undefined when `err` is something else. */
export function failedForGood(err: unknown): { errorType: string; message: string } | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return { errorType: cause.type ?? 'ApplicationFailure', message: cause.message };
  return { errorType: cause?.name ?? 'ActivityFailure', message: cause?.message ?? err.message };
}

/** Marks the process NEEDS_ATTENTION and records why (once); returns what the state keeps. */
export async function needsAttention(step: string, failure: { errorType: string; message: string }, ref: { customerId?: string; actorStaffId?: string } = {}): Promise<Attention> {
  const attention: Attention = { step, ...failure, at: new Date().toISOString() };
  upsertSearchAttributes([{ key: SA.BusinessStatus, value: NEEDS_ATTENTION }]);
  await recordNeedsAttention({ workflowId: workflowInfo().workflowId, ...attention, ...ref });
  return attention;
}
