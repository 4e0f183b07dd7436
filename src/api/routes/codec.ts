/**
 * Temporal's remote codec server protocol, so the Temporal UI and CLI can show (and encode) payloads
 * that the payload codec encrypts (src/temporal/codec.ts; policy ../shared/policy.md §3.1).
 *
 *   POST /codec/decode   POST /codec/encode
 *   Content-Type: application/json, X-Namespace: <namespace>, Authorization: … (when configured)
 *   body and response: { "payloads": [{ "metadata": { "<key>": "<base64>" }, "data": "<base64>" }] }
 *
 * Decoding returns customer data in clear, so (§3.1) every request is
 * - authorized by the injected `authorize(request)` (false → 401 without credentials, 403 with);
 * - recorded (action, namespace, payload count, key ids, outcome) through `recordAccess`, by default
 *   an `audit` entry in the request log; denied and failed requests too. Payload contents are never logged;
 * - answered with `Cache-Control: no-store`.
 * CORS: only the configured Temporal UI origins (default http://localhost:8233 and http://127.0.0.1:8233)
 * get CORS headers, credentials included (the UI's "include cross-origin credentials"); an OPTIONS
 * preflight is answered without authorization, as browsers send it without credentials.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { DecryptionError } from '../../security/crypto';

export const DEFAULT_CODEC_CORS_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];
/** Temporal allows payloads up to 2 MB; a UI request carries one event's payloads. */
export const CODEC_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
const ALLOWED_HEADERS = 'content-type, x-namespace, authorization';

export type CodecAction = 'encode' | 'decode';

export interface CodecAccessEvent {
  action: CodecAction;
  /** The X-Namespace header, if sent. */
  namespace: string | undefined;
  outcome: 'ok' | 'unauthenticated' | 'forbidden' | 'bad_request' | 'failed';
  /** Number of payloads in the request (0 when the body was not read). */
  payloads: number;
  /** Key ids of the encrypted payloads involved (ids only, never key material). */
  keyIds: string[];
  origin: string | undefined;
  ip: string;
  at: string;
  reason?: string;
}

export interface CodecRoutesOptions {
  codec: PayloadCodec;
  /** Who may use the codec; authentication is supplied later. false → 401 (no Authorization header) or 403. */
  authorize: (request: FastifyRequest) => boolean | Promise<boolean>;
  /** Browser origins of the Temporal UI allowed to call (exact `scheme://host[:port]`). */
  corsOrigins?: readonly string[];
  /** When set, X-Namespace must equal it (this codec's keys serve one namespace); otherwise 403. */
  namespace?: string;
  bodyLimit?: number;
  /** Where each access is recorded (§3.1); default: an `audit` entry in the request log. */
  recordAccess?: (event: CodecAccessEvent, request: FastifyRequest) => void | Promise<void>;
}

/** Standard or URL-safe base64, padded or not (proto3 JSON accepts both). */
const base64 = z
  .string()
  .refine((v) => /^[A-Za-z0-9+/_-]*={0,2}$/.test(v) && v.replace(/=+$/, '').length % 4 !== 1, { error: 'base64' });
const bodySchema = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), base64).nullish(),
      data: base64.nullish(),
    }),
    { error: 'an array of payloads' },
  ),
});
type JsonPayload = z.infer<typeof bodySchema>['payloads'][number];

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
  data: b64(p.data),
});
const keyIdsOf = (payloads: Payload[]): string[] => [
  ...new Set(
    payloads.flatMap((p) => {
      const id = p.metadata?.['encryption-key-id'];
      return id ? [Buffer.from(id).toString('utf8')] : [];
    }),
  ),
];

const header = (request: FastifyRequest, name: string): string | undefined => {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** POST /codec/encode and /codec/decode with CORS preflight; register with `app.register(codecRoutes({ … }))`. */
export const codecRoutes = (options: CodecRoutesOptions): FastifyPluginAsync => {
  const origins = new Set((options.corsOrigins ?? DEFAULT_CODEC_CORS_ORIGINS).map((o) => o.replace(/\/+$/, '')));
  const recordAccess =
    options.recordAccess ??
    ((event: CodecAccessEvent, request: FastifyRequest) => request.log.info({ audit: { kind: 'codec', ...event } }, `codec ${event.action}: ${event.outcome}`));

  return async (app) => {
    /** CORS headers for an allowed origin; false when the request comes from a browser origin we do not serve. */
    const applyCors = (request: FastifyRequest, reply: FastifyReply): boolean => {
      reply.header('vary', 'Origin');
      const origin = header(request, 'origin');
      if (origin === undefined) return true; // not a browser cross-origin call (CLI, server-to-server)
      if (!origins.has(origin)) return false;
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
      return true;
    };

    for (const action of ['encode', 'decode'] as const) {
      const url = `/codec/${action}`;

      app.options(url, { schema: { hide: true } }, async (request, reply) => {
        if (!applyCors(request, reply)) return reply.code(403).send({ error: 'forbidden', message: 'origin not allowed' });
        if (header(request, 'origin') === undefined) return reply.code(204).header('allow', 'POST, OPTIONS').send();
        return reply
          .code(204)
          .header('access-control-allow-methods', 'POST, OPTIONS')
          .header('access-control-allow-headers', ALLOWED_HEADERS)
          .header('access-control-max-age', '600')
          .send();
      });

      app.post(
        url,
        {
          bodyLimit: options.bodyLimit ?? CODEC_BODY_LIMIT_BYTES,
          schema: {
            tags: ['operations'],
            summary: `Temporal remote codec: ${action} payloads (${action === 'decode' ? 'decrypt' : 'encrypt'}; policy §3.1)`,
          },
        },
        async (request, reply) => {
          reply.header('cache-control', 'no-store');
          const namespace = header(request, 'x-namespace');
          let payloads: Payload[] = [];
          const record = (outcome: CodecAccessEvent['outcome'], keyIds: string[], reason?: string) =>
            recordAccess(
              {
                action,
                namespace,
                outcome,
                payloads: payloads.length,
                keyIds,
                origin: header(request, 'origin'),
                ip: request.ip,
                at: new Date().toISOString(),
                ...(reason ? { reason } : {}),
              },
              request,
            );
          const refuse = async (code: number, outcome: CodecAccessEvent['outcome'], error: string, message: string) => {
            await record(outcome, [], message);
            return reply.code(code).send({ error, message });
          };

          if (!applyCors(request, reply)) return refuse(403, 'forbidden', 'forbidden', 'origin not allowed');
          if (!(await options.authorize(request))) {
            if (header(request, 'authorization') === undefined) {
              reply.header('www-authenticate', 'Bearer');
              return refuse(401, 'unauthenticated', 'unauthorized', 'authentication required');
            }
            return refuse(403, 'forbidden', 'forbidden', 'not allowed to use the codec');
          }
          if (options.namespace !== undefined && namespace !== options.namespace) {
            return refuse(403, 'forbidden', 'forbidden', `namespace ${JSON.stringify(namespace ?? '')} is not served by this codec`);
          }
          const parsed = bodySchema.safeParse(request.body);
          if (!parsed.success) {
            const issue = parsed.error.issues[0];
            const field = issue?.path.join('.') || '(body)';
            return refuse(400, 'bad_request', 'validation_failed', `${field}: expected ${issue?.message ?? '{ payloads: [...] }'}`);
          }
          payloads = parsed.data.payloads.map(fromJson);
          try {
            const result = action === 'decode' ? await options.codec.decode(payloads) : await options.codec.encode(payloads);
            await record('ok', keyIdsOf(action === 'decode' ? payloads : result));
            return reply.code(200).send({ payloads: result.map(toJson) });
          } catch (err) {
            if (err instanceof DecryptionError) {
              await record('failed', keyIdsOf(payloads), err.reason);
              return reply.code(400).send({ error: 'decode_failed', reason: err.reason, message: err.message });
            }
            await record('failed', keyIdsOf(payloads), 'internal error');
            throw err;
          }
        },
      );
    }
  };
};
