/**
 * src/observability/tracing.ts: OpenTelemetry interceptors are installed only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set — on the API's client, the worker (activities, the workflow
 * modules bundled into the code, the span sink) and the risk worker (activities only).
 */
import { existsSync } from 'node:fs';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { Context as ActivityContext } from '@temporalio/activity';
import { loadConfig } from '../../src/config/env';
import { activityTracingOptions, clientTracingOptions, tracingFromEnv, workerTracingOptions } from '../../src/observability/tracing';

describe('OTEL_EXPORTER_OTLP_ENDPOINT unset (the default)', () => {
  test('no tracing: no interceptor on the client, the worker or the risk worker, nothing bundled', async () => {
    const tracing = await tracingFromEnv(loadConfig({}), 'ccm-api');
    expect(tracing).toBeUndefined();
    expect(clientTracingOptions(tracing)).toEqual({});
    expect(workerTracingOptions(tracing)).toEqual({});
    expect(activityTracingOptions(tracing)).toEqual({});
  });
});

describe('OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  test('validated as an http(s) URL', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318' })).toThrow('OTEL_EXPORTER_OTLP_ENDPOINT="otel-collector:4318" is invalid: expected a URL starting with http:// or https://');
  });

  test('the client, activity and workflow interceptors and the span sink are installed', async () => {
    const tracing = await tracingFromEnv(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' }), 'ccm-worker');
    expect(tracing).toBeDefined();
    try {
      const client = clientTracingOptions(tracing) as { interceptors: { workflow: unknown[] } };
      expect(client.interceptors.workflow).toHaveLength(1);
      expect(client.interceptors.workflow[0]).toBeInstanceOf(OpenTelemetryWorkflowClientInterceptor);

      const worker = workerTracingOptions(tracing) as { interceptors: { activity: ((ctx: ActivityContext) => { inbound?: unknown; outbound?: unknown })[]; workflowModules: string[] }; sinks: Record<string, unknown> };
      expect(worker.interceptors.activity).toHaveLength(1);
      const made = worker.interceptors.activity[0]!({ info: {} } as unknown as ActivityContext);
      expect(made.inbound).toBeInstanceOf(OpenTelemetryActivityInboundInterceptor);
      expect(made.outbound).toBeInstanceOf(OpenTelemetryActivityOutboundInterceptor);
      // The workflow-side interceptors: a module that exists, bundled into the workflow code.
      expect(worker.interceptors.workflowModules).toEqual(tracing!.workflowInterceptorModules);
      expect(tracing!.workflowInterceptorModules.every((m) => existsSync(m))).toBe(true);
      expect(Object.keys(worker.sinks)).toEqual(['exporter']);

      // The risk worker runs activities only: the same activity interceptors, no workflow modules.
      expect(activityTracingOptions(tracing)).toEqual({ interceptors: { activity: worker.interceptors.activity } });
    } finally {
      await tracing?.shutdown();
    }
  });
});
