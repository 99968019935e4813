import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryNexusInboundInterceptor,
  OpenTelemetryNexusOutboundInterceptor,
  type OpenTelemetrySinks,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { Tracing } from '../client/tracing.js';

/** What tracing adds to a worker's options. */
export interface TracingWorkerOptions {
  interceptors: Omit<WorkerInterceptors, 'workflowModules'>;
  sinks: InjectedSinks<OpenTelemetrySinks>;
}

/**
 * A span per activity and Nexus operation, children of the span that scheduled them (from the
 * headers); trace context on what activities start through the worker's client; and the
 * workflow interceptors' spans, out of the sandbox through the sink, into the same processor.
 */
export function tracedWorkerOptions(tracing: Tracing): TracingWorkerOptions {
  return {
    interceptors: {
      client: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
      nexus: [
        (ctx) => ({
          inbound: new OpenTelemetryNexusInboundInterceptor(ctx),
          outbound: new OpenTelemetryNexusOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.processor, tracing.resource) },
  };
}
