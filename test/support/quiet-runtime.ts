/** Keeps the Temporal worker's INFO chatter out of test output (warnings and errors still show). */
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

try {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    // The time-skipping server does not advertise newer capabilities; core warns about it on every worker.
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } },
  });
} catch {
  // Already installed in this process by an earlier test file.
}
