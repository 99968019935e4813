import { DefaultLogger, type LogEntry, type LogLevel, Runtime } from '@temporalio/worker';
import type { TracingSettings } from '../client/tracing.js';

/** How the worker logs, and where it serves metrics. */
export interface TelemetryConfig {
  logFormat: 'json' | 'text';
  logLevel: LogLevel;
  /** `host:port` of the Prometheus endpoint (the SDK's metrics and ours); none when unset. */
  metricsAddress?: string;
  /** Where OTLP traces go; none when tracing is off. */
  tracing?: TracingSettings;
}

/**
 * Installs the SDK runtime with our logger and, when asked, its Prometheus exporter. Must run
 * before anything touches `Runtime.instance()`. JSON lines carry the SDK's context (workflow and
 * activity IDs, task queue) with our own fields (export ID, the API's request ID).
 */
export function installTelemetry({ logFormat, logLevel, metricsAddress }: TelemetryConfig): Runtime {
  return Runtime.install({
    logger: new DefaultLogger(logLevel, logFormat === 'json' ? writeJsonLine : undefined),
    ...(metricsAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } }
      : {}),
  });
}

function writeJsonLine({ level, message, meta, timestampNanos }: LogEntry): void {
  const line = {
    time: new Date(Number(timestampNanos / 1_000_000n)).toISOString(),
    level,
    message,
    ...Object.fromEntries(Object.entries(meta ?? {}).map(([key, value]) => [key, plain(value)])),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Errors as their name and message: `JSON.stringify` would write `{}`. */
function plain(value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}
