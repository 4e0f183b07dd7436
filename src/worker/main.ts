/**
 * Worker process (docker-compose `worker`, or `npm run worker`): needs TEMPORAL_ADDRESS,
 * DATABASE_URL and SMTP_URL. SIGINT/SIGTERM stop polling and let running activities finish.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, ConfigError } from '../config/env';
import { createDb } from '../db/client';
import { createSmtpMailer } from '../mail/mailer';
import { systemClock } from '../shared/clock';
import { onShutdownSignal, runMain, say, temporalLogLevel } from '../app/logger';
import { createWorker } from './worker';
import { loadKeyRing } from '../app/key-ring';
import { loadPolicy } from '../policy/policy';
import { dataConverter } from '../temporal/codec';

const log = say('worker');

runMain('worker', async () => {
  const env = loadConfig();
  const missing = (['TEMPORAL_ADDRESS', 'DATABASE_URL', 'SMTP_URL'] as const).filter((k) => !env[k]);
  if (missing.length) throw new ConfigError(`${missing.join(', ')} must be set for a standalone worker (npm start runs an embedded stack instead)`);
  const ring = loadKeyRing(env, log);
  const policy = loadPolicy();
  // We handle the signals ourselves so the order is: stop polling, drain activities, close the pool.
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger(temporalLogLevel(env.LOG_LEVEL)) });
  const db = createDb({ url: env.DATABASE_URL! });
  const mailer = createSmtpMailer({ url: env.SMTP_URL!, from: env.MAIL_FROM });
  const { worker, connection } = await createWorker({
    address: env.TEMPORAL_ADDRESS!,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TASK_QUEUE,
    deps: { db, mailer, clock: systemClock, mailFrom: env.MAIL_FROM, policy, ring },
    dataConverter: dataConverter(ring),
    shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
  });
  log(`polling task queue ${env.TASK_QUEUE} on ${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE})`);
  const running = worker.run();
  const done = (async () => {
    await running;
    await connection.close();
    mailer.close();
    await db.$disconnect();
    log('stopped');
  })();
  // The process exits only once `done` resolves: after the last running activity has finished.
  onShutdownSignal(async (signal) => {
    log(`${signal}: draining (up to ${env.SHUTDOWN_GRACE_SECONDS}s for running activities)`);
    worker.shutdown();
    await done;
  });
  await done;
});
