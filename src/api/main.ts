/** API process (docker-compose `api`, or `npm run api`): needs TEMPORAL_ADDRESS, DATABASE_URL and SMTP_URL (checked by /health). */
import { loadConfig, ConfigError } from '../config/env';
import { createDb } from '../db/client';
import { createSmtpMailer } from '../mail/mailer';
import { loadPolicy } from '../policy/policy';
import { createTemporalClient } from '../temporal/client';
import { onShutdownSignal, runMain, say } from '../app/logger';
import { buildApi } from './server';
import { loadKeyRing } from '../app/key-ring';
import { dataConverter } from '../temporal/codec';

const log = say('api');

runMain('api', async () => {
  const env = loadConfig();
  const missing = (['TEMPORAL_ADDRESS', 'DATABASE_URL', 'SMTP_URL'] as const).filter((k) => !env[k]);
  if (missing.length) throw new ConfigError(`${missing.join(', ')} must be set for a standalone API (npm start runs an embedded stack instead)`);
  const policy = loadPolicy();
  const ring = loadKeyRing(env, log);
  const converter = dataConverter(ring);
  const db = createDb({ url: env.DATABASE_URL! });
  const mailer = createSmtpMailer({ url: env.SMTP_URL!, from: env.MAIL_FROM });
  const temporal = await createTemporalClient({ address: env.TEMPORAL_ADDRESS!, namespace: env.TEMPORAL_NAMESPACE, dataConverter: converter, failFast: true });
  const app = await buildApi({
    db,
    temporal,
    taskQueue: env.TASK_QUEUE,
    policy,
    ring,
    logLevel: env.LOG_LEVEL,
    smtp: mailer,
    codec: converter.payloadCodecs[0],
    ...(env.CODEC_CORS_ORIGINS ? { codecCorsOrigins: env.CODEC_CORS_ORIGINS } : {}),
  });
  const url = await app.listen({ host: env.API_HOST, port: env.API_PORT });
  log(`listening on ${url} (OpenAPI: ${url}/docs)`);
  onShutdownSignal(async () => {
    await app.close();
    await temporal.connection.close();
    mailer.close();
    await db.$disconnect();
  });
});
