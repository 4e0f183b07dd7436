/**
 * The Temporal SDK's Runtime for our processes (src/worker/main.ts, src/cli/start.ts): its logger is
 * our pino logger, and its Prometheus endpoint is on when WORKER_METRICS_ADDRESS is set.
 *
 * - Logs: the SDK's own lines (worker lifecycle, activity and workflow task processing), the
 *   workflow and activity context loggers (`log` from @temporalio/workflow and @temporalio/activity:
 *   each line carries workflowId, workflowType, runId, activityId, activityType, taskQueue, attempt —
 *   the SDK adds them) and the native core's lines (forwarded) reach pino as fields of one JSON line,
 *   component `temporal`, sdkComponent as the SDK names it. §3.1: the activity's taskToken (a
 *   credential that completes the activity) is redacted like every token (redaction.ts).
 * - Metrics: the SDK's worker metrics (task slots, poll and schedule-to-start latencies, sticky
 *   cache, activity and workflow task outcomes, …) at http://WORKER_METRICS_ADDRESS/metrics, names
 *   prefixed `temporal_`, durations in seconds, counters with `_total`. Off unless set: two workers on
 *   one machine cannot bind the same port. docker-compose sets 0.0.0.0:9464 (WORKER_METRICS_PORT) in
 *   each worker container, where Prometheus scrapes it.
 */
import type { LogLevel as TemporalLogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { makeTelemetryFilterString, type RuntimeOptions } from '@temporalio/worker';
import type { Logger, LogLevel } from './logger';

/** The port docker-compose and the README use for a worker's Prometheus endpoint (WORKER_METRICS_ADDRESS). */
export const WORKER_METRICS_PORT = 9464;

const TO_PINO: Record<TemporalLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Our LOG_LEVEL in the SDK's terms (it has no fatal or silent). */
export function temporalLevel(level: LogLevel): TemporalLogLevel {
  switch (level) {
    case 'trace':
      return 'TRACE';
    case 'debug':
      return 'DEBUG';
    case 'info':
      return 'INFO';
    case 'warn':
      return 'WARN';
    default:
      return 'ERROR';
  }
}

/**
 * The SDK's Logger interface on a pino logger: each call is one line at the same level with the
 * metadata as fields; an `error` in the metadata is logged as `err` (the serializer shapes and guards it).
 */
export function temporalLoggerFor(log: Logger): TemporalLogger {
  const emit = (level: TemporalLogLevel, message: string, meta?: LogMetadata) => {
    const method = TO_PINO[level] ?? 'info';
    if (!log.isLevelEnabled(method)) return;
    const { error, ...fields } = (meta ?? {}) as Record<string, unknown>;
    log[method](error === undefined ? fields : { ...fields, err: error }, message);
  };
  return {
    log: emit,
    trace: (message, meta) => emit('TRACE', message, meta),
    debug: (message, meta) => emit('DEBUG', message, meta),
    info: (message, meta) => emit('INFO', message, meta),
    warn: (message, meta) => emit('WARN', message, meta),
    error: (message, meta) => emit('ERROR', message, meta),
  };
}

export interface TemporalRuntimeSetup {
  /** The process's logger; the SDK's lines get component `temporal`. */
  logger: Logger;
  /** The level of the SDK's lines (npm start keeps them at WARN under LOG_LEVEL=info). */
  level: LogLevel;
  /** WORKER_METRICS_ADDRESS (host:port): the Prometheus endpoint's bind address; unset: no metrics. */
  metricsAddress?: string | undefined;
}

/**
 * Runtime.install options: our signal handling (no SDK shutdown signals: the entry points drain in
 * their own order), the SDK's and the native core's logs through pino, Prometheus when configured.
 */
export function temporalRuntimeOptions(setup: TemporalRuntimeSetup): RuntimeOptions {
  const level = temporalLevel(setup.level);
  return {
    shutdownSignals: [],
    logger: temporalLoggerFor(setup.logger.child({ component: 'temporal' }, { level: setup.level === 'silent' ? 'silent' : TO_PINO[level] })),
    telemetryOptions: {
      // The native core's lines are forwarded to the logger above (not printed by Rust on their own).
      logging: { filter: makeTelemetryFilterString({ core: level, other: 'ERROR' }), forward: {} },
      ...(setup.metricsAddress
        ? {
            metrics: {
              metricPrefix: 'temporal_',
              prometheus: { bindAddress: setup.metricsAddress, countersTotalSuffix: true, useSecondsForDurations: true },
            },
          }
        : {}),
    },
  };
}
