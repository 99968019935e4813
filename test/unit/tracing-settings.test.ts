import { describe, expect, it } from 'vitest';
import { describeTracing, readTracingSettings } from '../../src/client/tracing.js';
import { SECRET_VARIABLES } from '../../src/worker/config.js';

function read(env: Record<string, string>) {
  const problems: string[] = [];
  return { settings: readTracingSettings(env, problems), problems };
}

describe('tracing settings from the OTEL_* variables', () => {
  it('are off without an OTLP endpoint, whatever else is set', () => {
    expect(read({})).toEqual({ settings: undefined, problems: [] });
    expect(read({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toEqual({
      settings: undefined,
      problems: [],
    });
  });

  it('send to v1/traces under the general endpoint, or to the traces endpoint as given, by OTLP/protobuf', () => {
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318/' }).settings).toEqual({
      endpoint: 'http://jaeger:4318/v1/traces',
      protocol: 'http/protobuf',
    });
    expect(
      read({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example.com/otlp/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }).settings,
    ).toEqual({ endpoint: 'https://collector.example.com/otlp/traces', protocol: 'http/json' });
  });

  it('are off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, even with an endpoint', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' };
    expect(read({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' }).settings).toBeUndefined();
    expect(read({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).settings).toBeUndefined();
    expect(read({ ...endpoint, OTEL_SDK_DISABLED: 'false' }).settings).toBeDefined();
  });

  it('name every variable that cannot be honoured', () => {
    expect(
      read({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
        OTEL_TRACES_EXPORTER: 'zipkin',
      }).problems,
    ).toEqual([
      'OTEL_TRACES_EXPORTER: must be otlp or none',
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: must be http/protobuf or http/json (OTLP over HTTP, port 4318)',
      'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL, e.g. http://localhost:4318',
    ]);
  });

  it('are described without credentials or query, and the headers count as secrets', () => {
    expect(
      describeTracing({
        endpoint: 'https://user:pw@collector.example.com/v1/traces?key=k',
        protocol: 'http/json',
      }),
    ).toBe('https://collector.example.com/v1/traces (OTLP http/json)');
    expect(SECRET_VARIABLES).toEqual(
      expect.arrayContaining(['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']),
    );
  });
});
