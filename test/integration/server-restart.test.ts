import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracking } from '../../src/client/tracking.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/contract/index.js';
import { startDevServer } from '../../src/dev/dev-server.js';
import { freePort } from '../../src/dev/free-port.js';
import { CloudDCSimulator } from '../../src/simulator/server.js';
import { FAST_POLICY, TEST_REGION, TEST_TOKEN, waitFor } from '../helpers/harness.js';
import { testLogFile } from '../helpers/test-logs.js';
import { exitOf, startWorkerProcess, untilPolling } from '../helpers/worker-process.js';

let dir: string;
let sim: CloudDCSimulator;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'temporal-restart-'));
  sim = await CloudDCSimulator.start({ tokens: [TEST_TOKEN] });
});
afterAll(async () => {
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the Temporal server restarting mid-tracking', () => {
  it('loses nothing: trackers resume from the persisted history and the worker reconnects', async () => {
    const port = await freePort();
    const server = {
      port,
      dbFilename: join(dir, 'temporal.db'),
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      outputFile: testLogFile(),
    };
    let env = await startDevServer(server);
    const taskQueue = 'restart-test';
    const worker = startWorkerProcess({
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TEMPORAL_TASK_QUEUE: taskQueue,
      CLOUDDC_REGION: TEST_REGION,
      CLOUDDC_ENDPOINT: sim.url,
      CLOUDDC_AUTH_TOKEN: TEST_TOKEN,
    });
    try {
      await untilPolling(worker.output);
      const records = ['srv-1', 'srv-2', 'srv-3'].map((id) =>
        sim.createExport('proj-restart', id, { durationMs: 6_000 }),
      );
      const handles = await Promise.all(
        records.map((r) =>
          startTracking(
            env.client,
            { projectId: 'proj-restart', serverId: r.serverId, exportId: r.exportId, policy: FAST_POLICY },
            { taskQueue },
          ),
        ),
      );
      await waitFor(() => (records.every((r) => sim.statusRequests(r).length >= 2) ? true : undefined), {
        timeoutMs: 20_000,
        what: 'every tracker to poll twice',
      });

      await env.teardown();
      env = await startDevServer(server);

      const results = await Promise.all(
        handles.map((handle) => env.client.workflow.getHandle(handle.workflowId).result()),
      );
      expect(results.map((r) => r.outcome)).toEqual(['completed', 'completed', 'completed']);
      expect(worker.child.exitCode).toBeNull();
      console.log(`Server restart: 1 restart mid-tracking, ${results.length} exports tracked, 0 lost`);
    } finally {
      worker.child.kill('SIGTERM');
      await exitOf(worker.child);
      await env.teardown();
    }
  }, 120_000);
});
