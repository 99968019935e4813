import { createRequire } from 'node:module';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks } from '@temporalio/worker';
import type { Tracing } from '../client/tracing.js';
import type { TracingWorkerOptions } from './traced-worker.js';

/**
 * The package's workflow interceptors, put into every bundle of the workflows: a bundle is made
 * before anyone knows whether its worker traces, so they are always there, and their spans go to
 * the `exporter` sink.
 */
export const workflowInterceptorModules = [
  createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

/**
 * Where the workflow interceptors' spans go while tracing is off: nowhere. Registered all the
 * same, since a workflow calling a sink the worker lacks makes it log an error on every task.
 */
export const droppedWorkflowSpans: InjectedSinks<OpenTelemetrySinks> = {
  exporter: { export: { fn() {} } },
};

/**
 * Off, the sink that drops the workflows' spans and nothing else; on, the interceptors and the
 * exporting sink, loaded only then. The sink is not called on replay, so a span is exported once.
 */
export async function tracingWorkerOptions(tracing?: Tracing): Promise<TracingWorkerOptions> {
  if (!tracing) return { interceptors: {}, sinks: droppedWorkflowSpans };
  const { tracedWorkerOptions } = await import('./traced-worker.js');
  return tracedWorkerOptions(tracing);
}
