import { DiagLogLevel, diag } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { globalErrorHandler, setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/**
 * The global tracer provider: spans batched to the OTLP endpoint, async context propagation (a
 * span started in an activity has the activity's span as its parent) and the W3C propagators
 * (or OTEL_PROPAGATORS).
 */
export function startTracerProvider(
  settings: { endpoint: string; protocol: 'http/protobuf' | 'http/json' },
  serviceName: string,
) {
  const options = { url: settings.endpoint };
  const exporter =
    settings.protocol === 'http/json' ? new OtlpJsonExporter(options) : new OtlpProtobufExporter(options);
  const processor = new BatchSpanProcessor(exporter);
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over our default name.
  const resource = new Resource({
    ...Resource.default().attributes,
    [ATTR_SERVICE_NAME]: serviceName,
    ...envDetectorSync.detect().attributes,
  });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  return {
    processor,
    resource,
    reportProblemsTo(warn: (message: string) => void) {
      setGlobalErrorHandler((err) =>
        warn(`Tracing: spans not exported: ${err instanceof Error ? err.message : String(err)}`),
      );
      const line = (message: string) => warn(`Tracing: ${message}`);
      diag.setLogger({ error: line, warn: line, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
    },
    // A collector out of reach costs the last spans, not the process's exit status.
    shutdown: () => provider.shutdown().catch(globalErrorHandler),
  };
}
