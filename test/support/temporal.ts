/** Temporal test environments on the real server binaries (see src/temporal/binaries.ts). */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTemporalExecutable } from '../../src/temporal/binaries';
import { registerSearchAttributes } from '../../src/temporal/register-search-attributes';

/** The time-skipping test server: timers of months finish in seconds. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: resolveTemporalExecutable('test-server') },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/** The dev server started by global-setup.ts for the integration tier. */
export function devServerAddress(): string {
  const address = process.env.CCM_TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('CCM_TEST_TEMPORAL_ADDRESS not set: run through jest (test/support/global-setup.ts)');
  return address;
}
