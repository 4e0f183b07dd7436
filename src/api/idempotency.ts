/**
 * `Idempotency-Key` for POSTs that create (issue 7): a client that got an error or no answer can send
 * the same request again with the same key and gets the first request's answer, never a second
 * creation. Keys are per staff member (the API key's owner); 1–200 printable characters.
 *
 * - First request: a placeholder row (status 0) is inserted; the handler runs; a final answer (any
 *   status below 500) is stored with the row. A 5xx (an outage) deletes the placeholder, so the retry
 *   runs the request again — nothing was written by it (no key is ever stuck).
 * - A retry with the same body gets the stored status and body, with `Idempotent-Replayed: true`.
 * - The same key with another body: 422. While the first is still running: 409, retry later. A
 *   placeholder older than IN_PROGRESS_STALE_MS (its process died) is taken over.
 * Routes opt in with `config: { idempotent: true }`.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/client';
import { Prisma } from '../db/client';
import { ValidationError } from '../shared/errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotency?: { staffId: string; key: string };
  }
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
const IN_PROGRESS_STALE_MS = 60_000;

const hashOf = (body: unknown) => createHash('sha256').update(JSON.stringify(body ?? null)).digest('hex');

export function idempotentRequests(app: FastifyInstance, db: Db): void {
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.routeOptions.config.idempotent) return;
    const raw = req.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined) return;
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!key || !KEY_PATTERN.test(key)) {
      throw new ValidationError([{ field: 'header.idempotency-key', value: key, reason: '1–200 printable ASCII characters without spaces' }]);
    }
    const staffId = req.actor?.staffId;
    if (!staffId) return;
    const requestHash = hashOf(req.body);
    const path = req.routeOptions.url ?? req.url;
    const claimed = await db.$executeRaw`
      INSERT INTO "IdempotentRequest" ("staffId", "key", "method", "path", "requestHash", "status")
      VALUES (${staffId}, ${key}, ${req.method}, ${req.url}, ${requestHash}, 0)
      ON CONFLICT ("staffId", "key") DO UPDATE SET "createdAt" = now(), "requestHash" = EXCLUDED."requestHash", "path" = EXCLUDED."path"
        WHERE "IdempotentRequest"."status" = 0 AND "IdempotentRequest"."createdAt" < now() - make_interval(secs => ${IN_PROGRESS_STALE_MS / 1000})
          AND "IdempotentRequest"."requestHash" = EXCLUDED."requestHash"`;
    if (claimed === 1) {
      req.idempotency = { staffId, key };
      return;
    }
    const first = await db.idempotentRequest.findUnique({ where: { staffId_key: { staffId, key } } });
    if (!first) {
      // Deleted between our insert and the read (the first request failed with 5xx): ask for a retry.
      return reply.code(409).header('retry-after', '1').send({ error: 'conflict', message: 'a request with this Idempotency-Key just failed; send it again' });
    }
    if (first.requestHash !== requestHash || first.method !== req.method || !(first.path === req.url || path === first.path)) {
      return reply.code(422).send({ error: 'idempotency_key_reused', message: `Idempotency-Key ${key} was used for a different request (${first.method} ${first.path})` });
    }
    if (first.status === 0) {
      return reply.code(409).header('retry-after', '1').send({ error: 'conflict', message: `the request with Idempotency-Key ${key} is still being processed; retry in a moment` });
    }
    return reply.code(first.status).header('idempotent-replayed', 'true').send(first.response);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const claim = req.idempotency;
    if (!claim) return payload;
    req.idempotency = undefined;
    const where = { staffId_key: claim };
    if (reply.statusCode >= 500) {
      await db.idempotentRequest.delete({ where }).catch(() => undefined);
      return payload;
    }
    let response: Prisma.InputJsonValue | typeof Prisma.JsonNull = Prisma.JsonNull;
    if (typeof payload === 'string' && payload.length) {
      try {
        response = JSON.parse(payload) as Prisma.InputJsonValue;
      } catch {
        response = payload;
      }
    }
    await db.idempotentRequest.update({ where, data: { status: reply.statusCode, response } }).catch(async () => {
      // Could not store the answer (database gone): free the key so a retry runs again.
      await db.idempotentRequest.delete({ where }).catch(() => undefined);
    });
    return payload;
  });
}
