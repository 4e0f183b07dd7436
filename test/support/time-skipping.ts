/**
 * What the time-skipping workflow tests share: moving the test server's clock, polling until
 * something a user would see holds, and a customer lifecycle's state.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { lifecycleStateQuery, type LifecycleState } from '../../workflows/lifecycle/definitions';
import type { customerLifecycle } from '../../workflows/lifecycle/customer-lifecycle';

/** Moves the test server's clock to `at` (timers due on the way fire, in order). */
export async function advanceTo(env: TestWorkflowEnvironment, at: Date | string): Promise<void> {
  const target = typeof at === 'string' ? Date.parse(at) : at.getTime();
  const now = await env.currentTimeMs();
  if (target > now) await env.sleep(target - now);
}

/** Polls `read` until `done` holds (at most `timeoutMs` of real time), then returns the last value. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

/** The lifecycle's state (the `state` query), once its first cycle has begun. */
export async function lifecycleStateOf(handle: WorkflowHandle<typeof customerLifecycle>): Promise<LifecycleState> {
  for (let i = 0; ; i += 1) {
    const state = await handle.query(lifecycleStateQuery);
    if (state || i > 100) return state;
    await new Promise((r) => setTimeout(r, 50));
  }
}
