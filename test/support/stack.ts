/**
 * The API on the real parts, one per test file: with a worker behind it (startApiStack: the dev
 * server from global-setup.ts, the file's database, a real SMTP server, payloads encrypted as in
 * production), or alone for what no workflow runs in (startApi).
 */
import type { FastifyInstance } from 'fastify';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { buildApi, type ApiDeps } from '../../src/api/server';
import type { Db } from '../../src/db/client';
import { createSmtpMailer } from '../../src/mail/mailer';
import { DEFAULT_POLICY, type Policy } from '../../src/policy/policy';
import { developmentKeyRing, type KeyRing } from '../../src/security/keyring';
import { systemClock, type Clock } from '../../src/shared/clock';
import { dataConverter } from '../../src/temporal/codec';
import { testDb, unique, workflowBundle } from './fixtures';
import { startTestSmtpServer, type TestSmtpServer } from './smtp';
import { devServerAddress } from './temporal';

/**
 * The test APIs log only errors: a request that answers 500 ("unhandled error") prints its cause in
 * the test run (no test expects a 500); `TEST_API_LOG_LEVEL=info` shows every request.
 */
const API_LOG_LEVEL = process.env.TEST_API_LOG_LEVEL ?? 'error';

export interface ApiOnly {
  db: Db;
  temporal: Client;
  api: FastifyInstance;
  baseUrl: string;
  taskQueue: string;
  stop(): Promise<void>;
}

export interface ApiStack extends ApiOnly {
  smtp: TestSmtpServer;
  /** The worker's activities, for tests that run one step as the workflow would (e.g. a §5.1 contact by phone). */
  activities: ReturnType<typeof createActivities>;
}

/**
 * The API alone on the file's database: no worker, no SMTP, a Temporal client that connects only if a
 * route calls Temporal, the outbox reconciler off. `clock`: the API's time (tests move it).
 */
export async function startApi(opts: { policy?: Policy; ring?: KeyRing; taskQueue?: string; clock?: Clock } = {}): Promise<ApiOnly> {
  const db = testDb();
  const temporal = new Client({ connection: Connection.lazy({ address: devServerAddress() }) });
  const taskQueue = opts.taskQueue ?? unique('api-only');
  const api = await buildApi({
    db,
    temporal,
    taskQueue,
    policy: opts.policy ?? DEFAULT_POLICY,
    ring: opts.ring ?? developmentKeyRing(),
    logLevel: API_LOG_LEVEL,
    reconcile: false,
    clock: opts.clock,
  });
  const baseUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  return {
    db,
    temporal,
    api,
    baseUrl,
    taskQueue,
    async stop() {
      await api.close();
      await temporal.connection.close();
      await db.$disconnect();
    },
  };
}

export async function startApiStack(opts: {
  policy: Policy;
  mailFrom: string;
  ring?: KeyRing;
  api?: Partial<Pick<ApiDeps, 'mailbox' | 'codec' | 'temporalUiUrl'>>;
}): Promise<ApiStack> {
  const ring = opts.ring ?? developmentKeyRing();
  const taskQueue = unique('api-stack');
  const db = testDb();
  const smtp = await startTestSmtpServer();
  const mailer = createSmtpMailer({ url: smtp.url, from: opts.mailFrom });
  const address = devServerAddress();
  const converter = dataConverter(ring);
  const temporal = new Client({ connection: await Connection.connect({ address }), dataConverter: converter });
  const activities = createActivities({ db, mailer, clock: systemClock, mailFrom: opts.mailFrom, policy: opts.policy, ring, temporal });
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    dataConverter: converter,
    activities,
  });
  const workerRun = worker.run();
  const api = await buildApi({ db, temporal, taskQueue, policy: opts.policy, ring, logLevel: API_LOG_LEVEL, smtp: mailer, ...opts.api });
  const baseUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  return {
    db,
    smtp,
    temporal,
    api,
    baseUrl,
    taskQueue,
    activities,
    async stop() {
      await api.close();
      worker.shutdown();
      await workerRun;
      await nativeConnection.close();
      await temporal.connection.close();
      mailer.close();
      await smtp.close();
      await db.$disconnect();
    },
  };
}
