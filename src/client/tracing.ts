import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';

/** Where spans go, read from the standard OTEL_* variables. */
export interface TracingSettings {
  /** The URL spans are POSTed to (the exporter's headers, timeout and compression come from OTEL_* too). */
  endpoint: string;
  protocol: (typeof PROTOCOLS)[number];
}

/** OTLP over HTTP; gRPC would need an exporter of its own for the same collectors. */
const PROTOCOLS = ['http/protobuf', 'http/json'] as const;

/** Variables that may hold a collector's credentials, for whoever drops secrets from its environment. */
export const TRACING_SECRET_VARIABLES = ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'];

/**
 * Tracing is on when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
 * OTEL_EXPORTER_OTLP_ENDPOINT), unless OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none: the
 * meanings the OpenTelemetry specification gives them. Adds every problem found to `problems`.
 */
export function readTracingSettings(
  env: Record<string, string | undefined>,
  problems: string[],
): TracingSettings | undefined {
  const set = (name: string) => env[name]?.trim() || undefined;
  const tracesEndpoint = set('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseEndpoint = set('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (set('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const exporter = set('OTEL_TRACES_EXPORTER') ?? 'otlp';
  if (exporter === 'none' || (!tracesEndpoint && !baseEndpoint)) return undefined;
  if (exporter !== 'otlp') problems.push('OTEL_TRACES_EXPORTER: must be otlp or none');
  const protocolName = set('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = set(protocolName) ?? 'http/protobuf';
  if (!PROTOCOLS.includes(protocol as TracingSettings['protocol'])) {
    problems.push(`${protocolName}: must be ${PROTOCOLS.join(' or ')} (OTLP over HTTP, port 4318)`);
  }
  // As the exporter reads them: the traces URL as given, or v1/traces under the general one.
  const [variable, endpoint] = tracesEndpoint
    ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesEndpoint]
    : ['OTEL_EXPORTER_OTLP_ENDPOINT', `${baseEndpoint?.replace(/\/+$/, '')}/v1/traces`];
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    problems.push(`${variable}: must be an http(s) URL, e.g. http://localhost:4318`);
  }
  return { endpoint, protocol: protocol as TracingSettings['protocol'] };
}

/** For a start-up line: the URL without credentials or query, and the protocol; never the headers. */
export function describeTracing({ endpoint, protocol }: TracingSettings): string {
  const url = new URL(endpoint);
  return `${url.origin}${url.pathname} (OTLP ${protocol})`;
}

/** A running tracer provider: what the workflow sandbox's spans must join, and how to stop it. */
export interface Tracing {
  processor: SpanProcessor;
  resource: Resource;
  /** From now on, failed exports and the SDK's warnings go to `warn`, a line each (by default nowhere). */
  reportProblemsTo(warn: (message: string) => void): void;
  /** Sends the spans still buffered, then stops exporting; never rejects. */
  shutdown(): Promise<void>;
}

/**
 * Registers a global tracer provider that batches spans to the OTLP endpoint (see
 * `tracer-provider.ts`). The SDK is loaded here, only when tracing is on: a worker or a CLI
 * command without it loads none of it. The exporter reads its headers from the environment at
 * construction: call this before secrets are dropped from it.
 */
export async function startTracing(settings: TracingSettings, serviceName: string): Promise<Tracing> {
  const { startTracerProvider } = await import('./tracer-provider.js');
  return startTracerProvider(settings, serviceName);
}

/** A span per workflow start, signal, query and update of a client, whose trace the workflow joins. */
export async function tracingClientInterceptors(): Promise<ClientInterceptors> {
  const { OpenTelemetryWorkflowClientInterceptor } = await import('@temporalio/interceptors-opentelemetry');
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}
