/**
 * The raw timer reference of bench:feedback (bench/feedback.ts): an empty workflow that sleeps until
 * the ISO instant it is given and returns. It is run by a minimal worker in the bench process on its
 * own task queue (the production worker does not know it); its close time minus the instant is the
 * timer latency of the server and an SDK worker with nothing else to do.
 */
import { sleep } from '@temporalio/workflow';

export async function benchSleepUntil(dueAt: string): Promise<void> {
  // Date.now() in a workflow is the workflow task's start time; the timer counts from when the task completes.
  await sleep(Math.max(1, Date.parse(dueAt) - Date.now()));
}
