/**
 * The HTTP API (Fastify). Request bodies are validated by the use cases' zod schemas (the same
 * ones the CLI uses), which also generate the OpenAPI document served at /docs.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Policy } from '../policy/policy';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { healthRoutes } from './routes/health';
import { reminderRoutes } from './routes/reminders';
import { staffRoutes } from './routes/staff';
import { mailRoutes, type MailboxReader } from './routes/mail';

export interface ApiDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  /** The embedded SMTP sink, when `npm start` runs one: GET /mail lists what was sent. */
  mailbox?: MailboxReader;
  logLevel?: string;
}

/** Request bodies above this are refused with 413 (the largest legitimate body is a few hundred bytes). */
export const BODY_LIMIT_BYTES = 64 * 1024;

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: deps.logLevel ?? 'info' },
    bodyLimit: BODY_LIMIT_BYTES,
  });
  // Validation is the use cases' job (one path for API and CLI); schemas here document the API.
  app.setValidatorCompiler(() => (data: unknown) => ({ value: data }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.setErrorHandler((error: unknown, _req, reply) => {
    const err = error as FastifyError;
    if (error instanceof ValidationError) {
      return reply.code(400).send({ error: 'validation_failed', message: error.message, issues: error.issues });
    }
    if (error instanceof NotFoundError) return reply.code(404).send({ error: 'not_found', message: error.message });
    if (error instanceof ConflictError) {
      return reply.code(409).send({ error: 'conflict', message: error.message, existing: error.existing });
    }
    if (err.statusCode && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: err.code ?? 'bad_request', message: err.message });
    }
    reply.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Customer-care manager API',
        version: deps.policy.version,
        description: 'Staff reminders and escalations (policy ../shared/policy.md §5.2), run as Temporal workflows.',
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes(deps));
  await app.register(staffRoutes(deps));
  await app.register(reminderRoutes(deps));
  if (deps.mailbox) await app.register(mailRoutes(deps.mailbox));
  return app;
}
