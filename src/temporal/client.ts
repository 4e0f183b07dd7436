/** Temporal client factory: one connection per process, shared by the API and the CLI. */
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { TemporalTls } from './connection-options';

export interface TemporalTarget {
  address: string;
  /** TLS/mTLS and the Temporal Cloud API key, from temporalConnectionOptions (src/temporal/connection-options.ts). */
  tls?: TemporalTls;
  apiKey?: string;
  namespace: string;
  /** §3.1: the payload codec that encrypts every payload (src/temporal/codec.ts). */
  dataConverter?: DataConverter;
  /** Few gRPC retries (failFastInterceptors): for the API, which answers 503 rather than wait. */
  failFast?: boolean;
}

/** gRPC attempts per call for request/response callers; the SDK default is 10 (about 20 s against a down server). */
export const FAIL_FAST_GRPC_ATTEMPTS = 3;

/**
 * The gRPC retry interceptor with FAIL_FAST_GRPC_ATTEMPTS: a call to a Temporal server that
 * refuses or drops connections fails within about half a second (UNAVAILABLE), so the API answers
 * 503 with Retry-After (src/api/outage.ts) instead of holding the request for the SDK's ~20 s of
 * retries (issue 7: /health and routes hung while Temporal was down).
 */
export function failFastInterceptors() {
  return [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: FAIL_FAST_GRPC_ATTEMPTS }))];
}

/**
 * gRPC reconnect back-off for the same callers: grpc-js backs off up to 120 s between reconnects by
 * default, so a Temporal that came back stayed unreachable for the API for up to two minutes.
 */
export const FAIL_FAST_CHANNEL_ARGS = { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2000 } as const;

/** Connection options for the API (and tests that stand in for it): few retries, quick reconnects. */
export function failFastConnectionOptions() {
  return { interceptors: failFastInterceptors(), channelArgs: { ...FAIL_FAST_CHANNEL_ARGS } };
}

export async function createTemporalClient({ address, tls, apiKey, namespace, dataConverter, failFast }: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({ address, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}), ...(failFast ? failFastConnectionOptions() : {}) });
  return new Client({ connection, namespace, ...(dataConverter ? { dataConverter } : {}) });
}
