/**
 * API process (docker-compose `api`, or `npm run api`): needs TEMPORAL_ADDRESS, DATABASE_URL and
 * SMTP_URL (checked by /health).
 *
 * Start-up is patient (issue 7 defect 11; src/app/wait-for.ts): the API listens at once, so
 * /health answers 503 `status: 'starting'` meanwhile, and waits for Temporal, the database and SMTP
 * in the background, one log line per attempt naming what, which variable and where. The Temporal
 * connection is lazy: a request that needs Temporal before it is up gets the outage 503
 * (src/api/outage.ts) like any later outage. A signal during the wait ends the process (exit 0).
 */
import { Client, Connection } from '@temporalio/client';
import { loadConfig, ConfigError, publicBaseUrl } from '../config/env';
import { createDb } from '../db/client';
import { createSmtpMailer } from '../mail/mailer';
import { loadPolicy } from '../policy/policy';
import { failFastConnectionOptions } from '../temporal/client';
import { describeTemporalConnection, temporalConnectionOptions } from '../temporal/connection-options';
import { onShutdownSignal, runMain, say } from '../app/logger';
import { configureLogging } from '../observability/logger';
import { clientTracingOptions, tracingFromEnv } from '../observability/tracing';
import { urlAddress, waitFor, type WaitTarget } from '../app/wait-for';
import { HEALTH_CHECK_TIMEOUT_MS } from './routes/health';
import { buildApi } from './server';
import { consoleSettingsFromEnv } from '../console/config';
import { loadKeyRing } from '../app/key-ring';
import { dataConverter } from '../temporal/codec';

const log = say('api');

runMain('api', async () => {
  const env = loadConfig();
  configureLogging(env); // JSON unless LOG_FORMAT=pretty (src/observability/logger.ts)
  const missing = (['TEMPORAL_ADDRESS', 'DATABASE_URL', 'SMTP_URL'] as const).filter((k) => !env[k]);
  if (missing.length) throw new ConfigError(`${missing.join(', ')} must be set for a standalone API (npm start runs an embedded stack instead)`);
  const policy = loadPolicy();
  const ring = loadKeyRing(env, log);
  const converter = dataConverter(ring);
  const db = createDb({ url: env.DATABASE_URL! });
  const mailer = createSmtpMailer({ url: env.SMTP_URL!, from: env.MAIL_FROM });
  // Issue 13: TLS/mTLS and the Temporal Cloud API key from the environment (src/temporal/connection-options.ts).
  const temporalOptions = temporalConnectionOptions(env);
  const connection = Connection.lazy({ ...temporalOptions, ...failFastConnectionOptions() });
  // OpenTelemetry: a span per workflow start/signal/update/query, continued in the worker (OTEL_EXPORTER_OTLP_ENDPOINT).
  const tracing = await tracingFromEnv(env, 'ccm-api');
  const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, dataConverter: converter, ...clientTracingOptions(tracing) });

  const startup = new AbortController();
  const pending = new Set<string>();
  const wait = (target: WaitTarget, probe: () => Promise<unknown>) => {
    pending.add(target.name);
    return waitFor(target, probe, { log, signal: startup.signal }).then(
      () => void pending.delete(target.name),
      () => undefined, // aborted: the process is stopping
    );
  };

  const app = await buildApi({
    db,
    temporal,
    taskQueue: env.TASK_QUEUE,
    policy,
    ring,
    logLevel: env.LOG_LEVEL,
    smtp: mailer,
    publicBaseUrl: publicBaseUrl(env), // issue 12: the console's links and its cookie's Secure flag
    console: consoleSettingsFromEnv({ ...env, publicBaseUrl: publicBaseUrl(env) }), // CONSOLE_* (src/console/config.ts)
    startingUp: () => pending.size > 0,
    ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
    codec: converter.payloadCodecs[0],
    rateLimits: policy.security.rateLimits, // §3.1 (src/api/hardening.ts)
    ...(env.API_TRUST_PROXY !== undefined ? { trustProxy: env.API_TRUST_PROXY } : {}),
    ...(env.CODEC_CORS_ORIGINS ? { codecCorsOrigins: env.CODEC_CORS_ORIGINS } : {}),
    ...(env.TEMPORAL_UI_URL ? { temporalUiUrl: env.TEMPORAL_UI_URL } : {}),
  });
  const waits = Promise.all([
    wait({ name: 'Temporal', variable: 'TEMPORAL_ADDRESS', address: env.TEMPORAL_ADDRESS! }, () =>
      connection.withDeadline(Date.now() + HEALTH_CHECK_TIMEOUT_MS, () => connection.workflowService.getSystemInfo({})),
    ),
    wait({ name: 'the database', variable: 'DATABASE_URL', address: urlAddress(env.DATABASE_URL!, 5432) }, () => db.$queryRaw`SELECT 1`),
    wait({ name: 'SMTP', variable: 'SMTP_URL', address: urlAddress(env.SMTP_URL!, 25) }, () => mailer.verify()),
  ]);
  onShutdownSignal(async () => {
    startup.abort();
    await waits;
    await app.close();
    await connection.close();
    mailer.close();
    await db.$disconnect();
    await tracing?.shutdown().catch(() => undefined); // the last spans, best effort
  });
  const url = await app.listen({ host: env.API_HOST, port: env.API_PORT });
  log(`listening on ${url} (OpenAPI: ${url}/docs); Temporal ${describeTemporalConnection(env, temporalOptions)}`);
  await waits;
  if (!startup.signal.aborted) log('ready: Temporal, the database and SMTP are up');
});
