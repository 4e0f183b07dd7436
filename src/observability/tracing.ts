/**
 * Optional OpenTelemetry tracing across API → Temporal → activities (@temporalio/interceptors-opentelemetry),
 * on only when OTEL_EXPORTER_OTLP_ENDPOINT is set (README "Observability"):
 *
 * - the API's Temporal client (src/api/main.ts) gets the workflow client interceptor: a span for
 *   each workflow start, signal, update and query, its context passed in the workflow's headers;
 * - the worker (src/worker/main.ts) gets the workflow interceptors — bundled into the workflow code
 *   only then (workflowInterceptorModules) — which continue the trace through the workflow and pass
 *   it to its activities and child workflows, the activity interceptors (a span per activity
 *   execution; trace ids on the activity's log lines), and the sink the workflow sandbox exports its
 *   spans through;
 * - spans go in batches to `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces` (OTLP/HTTP), service names
 *   `ccm-api` / `ccm-worker`.
 *
 * The OpenTelemetry packages are loaded only when tracing is on; then the provider is registered
 * globally with the W3C trace-context propagator and an AsyncLocalStorage context manager (the
 * interceptors inject and extract the trace through otel's global propagation and active context:
 * without them every hop would start a trace of its own). A process without the variable is unchanged.
 * Spans carry ids and types (workflow id, run id, activity id and type), never payloads (§3.1:
 * those stay encrypted in Temporal).
 */
import type { ClientInterceptors } from '@temporalio/client';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';

/** What a worker needs of a Tracing (src/worker/worker.ts). */
export interface WorkerTracing {
  /** Activity interceptors and the workflow interceptor modules. */
  workerInterceptors: WorkerInterceptors;
  /** Bundled into the workflow code (src/worker/worker.ts bundleWorkflowsInChild). */
  workflowInterceptorModules: string[];
  /** The sink the workflow sandbox exports its spans through. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  sinks: InjectedSinks<any>;
}

export interface Tracing extends WorkerTracing {
  serviceName: string;
  /** For `new Client({ interceptors })`. */
  clientInterceptors: ClientInterceptors;
  /** Flushes and stops the exporter (on shutdown). */
  shutdown(): Promise<void>;
}

/** The workflow-side interceptors module of @temporalio/interceptors-opentelemetry. */
export const workflowTracingModule = (): string => require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** Tracing for a process when OTEL_EXPORTER_OTLP_ENDPOINT is set; undefined otherwise (the default). */
export async function tracingFromEnv(env: { OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined }, serviceName: string): Promise<Tracing | undefined> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const [otel, { AsyncLocalStorageContextManager }, { OTLPTraceExporter }, { Resource }, { BasicTracerProvider, BatchSpanProcessor }, { OpenTelemetryWorkflowClientInterceptor }, worker] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@temporalio/interceptors-opentelemetry/lib/client'),
    import('@temporalio/interceptors-opentelemetry/lib/worker'),
  ]);
  const resource = new Resource({ 'service.name': serviceName });
  const exporter = new OTLPTraceExporter({ url: `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` });
  const processor = new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  // Global: the W3C trace-context propagator (register's default) and the active context per async flow.
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });
  const tracer = provider.getTracer('customer-care');
  const workflowModule = workflowTracingModule();
  return {
    serviceName,
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    workerInterceptors: {
      activity: [
        (ctx) => ({
          inbound: new worker.OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
          outbound: new worker.OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
      workflowModules: [workflowModule],
    },
    workflowInterceptorModules: [workflowModule],
    sinks: { exporter: worker.makeWorkflowExporter(processor, resource) },
    shutdown: async () => {
      await provider.shutdown();
      otel.trace.disable();
      otel.context.disable();
      otel.propagation.disable();
    },
  };
}

/** Worker.create options for tracing: none without it. */
export function workerTracingOptions(tracing: WorkerTracing | undefined): Pick<Tracing, never> | { interceptors: WorkerInterceptors; sinks: WorkerTracing['sinks'] } {
  return tracing ? { interceptors: tracing.workerInterceptors, sinks: tracing.sinks } : {};
}

/** The risk worker runs activities only: the activity interceptors, none without tracing. */
export function activityTracingOptions(tracing: WorkerTracing | undefined): Pick<Tracing, never> | { interceptors: Pick<WorkerInterceptors, 'activity'> } {
  return tracing?.workerInterceptors.activity ? { interceptors: { activity: tracing.workerInterceptors.activity } } : {};
}

/** Client options for tracing: none without it. */
export function clientTracingOptions(tracing: Pick<Tracing, 'clientInterceptors'> | undefined): Pick<Tracing, never> | { interceptors: Tracing['clientInterceptors'] } {
  return tracing ? { interceptors: tracing.clientInterceptors } : {};
}
