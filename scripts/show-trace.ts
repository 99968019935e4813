/**
 * `npm run trace:collection`: the trace of one collection, printed as a tree. Starts a dev server,
 * the CloudDC simulator, an OTLP receiver and a traced worker in this process, runs `clouddc-logs
 * collect` as a process of its own with the same OTEL_* variables (so the CLI's span is the
 * root), waits for the collection, and prints every span of its trace: the workflows, their
 * activities, and each CloudDC request with the API's X-Request-Id.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startTracing } from '../src/client/tracing.js';
import { ALL_SEARCH_ATTRIBUTES } from '../src/contract/index.js';
import { startDevServer } from '../src/dev/dev-server.js';
import { startOtlpReceiver } from '../src/dev/otlp-receiver.js';
import { createSimulatedWorker } from '../src/dev/simulated-worker.js';
import { formatSpanTree } from '../src/dev/span-tree.js';
import { waitFor } from '../src/dev/wait-for.js';
import { CloudDCSimulator } from '../src/simulator/server.js';

const TOKEN = 'trace-demo-token';
const PROJECT = 'proj-trace-demo';
const SERVER = 'srv-trace-01';
const TASK_QUEUE = 'trace-collection';

Runtime.install({ logger: new DefaultLogger('WARN') });
const scratch = await mkdtemp(join(tmpdir(), 'show-trace-'));
const env = await startDevServer({
  searchAttributes: ALL_SEARCH_ATTRIBUTES,
  outputFile: join(scratch, 'temporal.log'),
});
const sim = await CloudDCSimulator.start({ tokens: [TOKEN] });
const receiver = await startOtlpReceiver();
const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
try {
  sim.addServer(PROJECT, SERVER, { exportScenario: { durationMs: 2_000, archiveBytes: 200_000 } });
  const tracing = await startTracing(
    { endpoint: `${receiver.url}/v1/traces`, protocol: 'http/json' },
    'clouddc-log-export-worker',
  );
  const worker = await createSimulatedWorker({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    simulatorUrl: sim.url,
    token: TOKEN,
    archiveDir: join(scratch, 'archives'),
    rateLimitPerSecond: 5,
    tracing,
  });
  const collection = await worker.runUntil(async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('../src/starter.ts', import.meta.url)),
        'collect',
        ...['--address', env.address, '--task-queue', TASK_QUEUE],
        ...['--project', PROJECT, '--server', SERVER, '--min-interval', '200ms', '--max-interval', '1s'],
        '--json',
      ],
      { env: { ...process.env, ...otel } },
    );
    const { workflowId } = JSON.parse(stdout) as { workflowId: string };
    await env.client.workflow.getHandle(workflowId).result();
    return workflowId;
  });
  await tracing.shutdown();
  const root = await waitFor(
    () => receiver.spans.find((span) => span.name === 'StartWorkflow:collectServerLogs'),
    { timeoutMs: 10_000, what: "the CLI's span" },
  );
  const trace = receiver.spans.filter((span) => span.traceId === root.traceId);
  console.log(`Trace ${root.traceId} of the collection ${collection} (${trace.length} spans):\n`);
  console.log(formatSpanTree(trace));
} finally {
  await receiver.close();
  await sim.close();
  await env.teardown();
  await rm(scratch, { recursive: true, force: true });
}
