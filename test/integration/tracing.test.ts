import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollection } from '../../src/client/collection.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../../src/dev/otlp-receiver.js';
import { runCli } from '../helpers/cli.js';
import {
  FAST_POLICY,
  type Harness,
  startHarness,
  TEST_REGION,
  TEST_TOKEN,
  waitFor,
} from '../helpers/harness.js';
import { exitOf, simulatedWorkerEnv, startWorkerProcess, untilPolling } from '../helpers/worker-process.js';

/** What a collector's credentials look like: sent to the collector, shown nowhere else. */
const COLLECTOR_SECRET = 'otlp-collector-secret-7d41';

let h: Harness;
let receiver: OtlpReceiver;
let archives: string;
beforeAll(async () => {
  h = await startHarness();
  receiver = await startOtlpReceiver();
  archives = await mkdtemp(join(tmpdir(), 'tracing-archives-'));
});
afterAll(async () => {
  await receiver?.close();
  await h?.close();
  await rm(archives, { recursive: true, force: true });
});

/** A worker process on a task queue of its own, against the simulator, with `otel` added. */
function startWorker(taskQueue: string, otel: Record<string, string>) {
  return startWorkerProcess({ ...simulatedWorkerEnv(h, taskQueue), CLOUDDC_ARCHIVE_DIR: archives, ...otel });
}

/** The request IDs the simulator answered one project's requests with. */
function requestIdsOf(projectId: string): string[] {
  return h.sim.requests.filter((r) => r.path.startsWith(`/v1/${projectId}/`)).map((r) => r.requestId);
}

describe('tracing', () => {
  it('traces a collection from the CLI through both workflows and their activities to each CloudDC request', async () => {
    const taskQueue = `${h.taskQueue}-traced`;
    const project = 'proj-traced';
    h.sim.addServer(project, 'srv-1', { exportScenario: { durationMs: 600 } });
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${COLLECTOR_SECRET}`,
    };
    // The worker's batches wait a minute: what it exported comes from its flush on SIGTERM.
    const { child, output } = startWorker(taskQueue, { ...otel, OTEL_BSP_SCHEDULE_DELAY: '60000' });
    try {
      await untilPolling(output);
      expect(output()).toContain(`traces to ${receiver.url}/v1/traces (OTLP http/json)`);

      const run = await runCli(
        [
          'collect',
          ...['--address', h.env.address, '--task-queue', taskQueue],
          ...['--project', project, '--server', 'srv-1'],
          ...['--min-interval', FAST_POLICY.minInterval, '--max-interval', FAST_POLICY.maxInterval],
          '--json',
        ],
        otel,
      );
      expect(run.code).toBe(0);
      const { workflowId } = JSON.parse(run.stdout) as { workflowId: string };
      expect(await h.env.client.workflow.getHandle(workflowId).result()).toMatchObject({
        outcome: 'completed',
      });
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);

      const root = await waitFor(
        () => receiver.spans.find((span) => span.name === 'StartWorkflow:collectServerLogs'),
        { timeoutMs: 10_000, what: "the CLI's span" },
      );
      // The collection's own span ends last, after the download; sent when the worker stopped.
      const trace = await waitFor(
        () => {
          const spans = receiver.spans.filter((span) => span.traceId === root.traceId);
          return spans.some((span) => span.name === 'RunWorkflow:collectServerLogs') ? spans : undefined;
        },
        { timeoutMs: 10_000, what: "the collection's spans" },
      );
      const byId = new Map(trace.map((span) => [span.spanId, span]));
      const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId ?? '');
      const named = (name: string) => trace.filter((span) => span.name === name);

      expect(root).toMatchObject({ service: 'clouddc-logs-cli' });
      expect(root.parentSpanId).toBeUndefined();
      const [collection] = named('RunWorkflow:collectServerLogs');
      expect(collection && parentOf(collection)).toBe(root);
      expect(collection?.service).toBe('clouddc-log-export-worker');
      const [tracker] = named('RunWorkflow:trackLogExport');
      expect(tracker && parentOf(parentOf(tracker) as ReceivedSpan)).toBe(collection);

      // Each activity under the workflow span that scheduled it, each request under its activity.
      // A budget keeper the worker may start meanwhile (it lagged, or got a 429) is traced too,
      // from the call that told it; its own activities are not the collection's.
      const keepers = new Set(named('RunWorkflow:projectRateLimit'));
      const ofKeeper = (span: ReceivedSpan): boolean => {
        for (let at = parentOf(span); at; at = parentOf(at)) if (keepers.has(at)) return true;
        return false;
      };
      const activities = trace.filter((span) => span.name.startsWith('RunActivity:') && !ofKeeper(span));
      expect(new Set(activities.map((span) => span.name))).toEqual(
        new Set([
          'RunActivity:searchAttributesAvailable',
          'RunActivity:requestExport',
          'RunActivity:getExportStatus',
          'RunActivity:downloadArchive',
        ]),
      );
      for (const activity of activities) {
        const scheduled = parentOf(activity);
        expect(scheduled?.name).toBe(activity.name.replace('RunActivity:', 'StartActivity:'));
        expect([collection, tracker]).toContain(scheduled && parentOf(scheduled));
      }
      const requests = trace.filter((span) => span.attributes['clouddc.request_id'] !== undefined);
      for (const request of requests) expect(parentOf(request)?.name).toMatch(/^RunActivity:/);
      expect(new Set(requests.map((span) => span.name))).toEqual(
        new Set([
          'POST /v1/{project_id}/physicalservers/{server_id}/logs/exports',
          'GET /v1/{project_id}/physicalservers/{server_id}/logs/exports/{export_id}',
          'GET /v1/{project_id}/physicalservers/{server_id}/logs/exports/{export_id}/content',
        ]),
      );
      expect(requests.map((span) => span.attributes['clouddc.request_id']).sort()).toEqual(
        requestIdsOf(project).sort(),
      );
      expect(requests[0]?.attributes).toMatchObject({
        'clouddc.region': TEST_REGION,
        'clouddc.project_id': project,
        'http.request.method': expect.stringMatching(/^(GET|POST)$/),
        'http.response.status_code': expect.any(Number),
      });

      // The collector's credentials reach the collector (read before the worker dropped them
      // from its environment), and no secret reaches a span or the log.
      expect(receiver.requestHeaders.map((headers) => headers.authorization)).toContain(
        `Bearer ${COLLECTOR_SECRET}`,
      );
      for (const body of receiver.rawBodies) {
        expect(body).not.toContain(TEST_TOKEN);
        expect(body).not.toContain(COLLECTOR_SECRET);
      }
      expect(output()).not.toContain(TEST_TOKEN);
      expect(output()).not.toContain(COLLECTOR_SECRET);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it.each([
    ['no OTEL variables', {}],
    ['OTEL_SDK_DISABLED=true', { OTEL_SDK_DISABLED: 'true' }],
    ['OTEL_TRACES_EXPORTER=none', { OTEL_TRACES_EXPORTER: 'none' }],
  ])('with %s, exports nothing and says nothing about tracing', async (_, switches) => {
    const silent = await startOtlpReceiver();
    const taskQueue = `${h.taskQueue}-untraced-${Object.keys(switches).join('-')}`;
    const project = `proj-untraced-${Object.keys(switches).length}`;
    h.sim.addServer(project, 'srv-1', { exportScenario: { durationMs: 300 } });
    const otel: Record<string, string> =
      Object.keys(switches).length > 0
        ? { ...switches, OTEL_EXPORTER_OTLP_ENDPOINT: silent.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }
        : {};
    const { child, output } = startWorker(taskQueue, otel);
    try {
      await untilPolling(output);
      const collection = await startCollection(
        h.env.client,
        { projectId: project, serverId: 'srv-1', policy: FAST_POLICY },
        { taskQueue },
      );
      expect(await collection.result()).toMatchObject({ outcome: 'completed' });
      // Spans would be flushed at shutdown at the latest.
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
      expect(silent.spans).toEqual([]);
      expect(output()).not.toMatch(/trac(e|ing)s? to|otlp|opentelemetry|sink/i);
      expect(output()).not.toMatch(/\b(WARN|ERROR)\b/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await silent.close();
    }
  });
});
