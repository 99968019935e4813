import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollection } from '../../src/client/collection.js';
import { startTracking } from '../../src/client/tracking.js';
import { logExportWorkflowId, WorkflowType } from '../../src/contract/index.js';
import { startDevServer } from '../../src/dev/dev-server.js';
import { freePort } from '../../src/dev/free-port.js';
import type { trackLogExport } from '../../src/workflows/index.js';
import { startWithTemporalCli } from '../helpers/cli.js';
import {
  FAST_POLICY,
  type Harness,
  startHarness,
  TEST_REGION,
  TEST_TOKEN,
  waitFor,
} from '../helpers/harness.js';
import { testLogFile } from '../helpers/test-logs.js';
import { exitOf, simulatedWorkerEnv, startWorkerProcess, untilPolling } from '../helpers/worker-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let h: Harness;
beforeAll(async () => {
  // A namespace without our search attributes: the worker must warn and carry on.
  h = await startHarness({
    searchAttributes: false,
    simulator: {
      tokens: [TEST_TOKEN, 'tok-process-secret-0003'],
      accessKeys: [{ accessKey: 'AKPROCESS0001', secretKey: 'sk-process-secret-0001' }],
      iamUsers: [{ username: 'proc-bot', password: 'pw-process-secret-0002', domain: 'acme' }],
    },
  });
});
afterAll(async () => {
  await h?.close();
});

/** Every metric the Grafana dashboard's queries and the Prometheus alert rules name. */
async function metricsReadByDashboardAndAlerts(): Promise<string[]> {
  const dashboard = JSON.parse(
    await readFile(join(ROOT, 'deploy/grafana/dashboards/clouddc-log-exports.json'), 'utf8'),
  ) as { panels: Array<{ targets: Array<{ expr: string }> }> };
  const alerts = await readFile(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8');
  const queries = [
    ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
    ...[...alerts.matchAll(/^\s+expr: (.+)$/gm)].map((match) => match[1] ?? ''),
  ];
  return [...new Set(queries.flatMap((query) => query.match(/\b(?:clouddc|temporal)_\w+/g) ?? []))];
}

describe('npm run worker', () => {
  it('refuses to start, naming every missing or invalid variable', async () => {
    const { child, output } = startWorkerProcess({
      CLOUDDC_ENDPOINT: 'http://clouddc.example.com',
      CLOUDDC_REQUEST_TIMEOUT: 'forever',
    });
    expect(await exitOf(child)).toBe(1);
    for (const name of [
      'CLOUDDC_REGION',
      'CLOUDDC_AUTH_TOKEN',
      'CLOUDDC_ENDPOINT',
      'CLOUDDC_REQUEST_TIMEOUT',
    ]) {
      expect(output()).toContain(name);
    }
    expect(output()).toContain('plain http is accepted only for loopback hosts');
  });

  it('tracks an export started as raw JSON by the Temporal CLI, then stops gracefully on SIGTERM', async () => {
    const taskQueue = `${h.taskQueue}-process`;
    const { child, output } = startWorkerProcess(simulatedWorkerEnv(h, taskQueue));
    try {
      await untilPolling(output);
      expect(output()).not.toContain(TEST_TOKEN);
      expect(output()).toContain('lacks the search attributes CloudDCProjectId, CloudDCServerId');
      expect(output()).toContain(
        'temporal operator search-attribute create --namespace default --name CloudDCProjectId --type Keyword',
      );
      // One partition, as the documented dynamic config sets: the budget holds, nothing to say.
      expect(output()).not.toContain('partitions');
      // TEMPORAL_WORKFLOW_BUNDLE (set by startWorkerProcess): the bundle is loaded, not made.
      expect(output()).not.toMatch(/webpack|Workflow bundle created/i);

      const sim = h.sim.createExport('proj-proc', 'srv-1', { durationMs: 800 });
      const ref = { projectId: 'proj-proc', serverId: 'srv-1', exportId: sim.exportId };
      const workflowId = logExportWorkflowId(ref);
      await startWithTemporalCli({
        address: h.env.address,
        type: WorkflowType.TrackLogExport,
        taskQueue,
        workflowId,
        input: { ...ref, policy: { minInterval: '100ms', maxInterval: 400 } },
      });

      const result = await h.env.client.workflow.getHandle<typeof trackLogExport>(workflowId).result();
      expect(result).toMatchObject({ ...ref, outcome: 'completed', percentage: 100 });
      // The first worker of a new Worker Deployment makes its build current, with no step of its own.
      expect(output()).toMatch(/build 0\.1\.0-[0-9a-f]{12} of Worker Deployment clouddc-log-export-tracker/);
      expect(output()).toMatch(/Build 0\.1\.0-[0-9a-f]{12} is the first of Worker Deployment .*now current/);

      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('says at start-up that a task queue of several partitions may let a project pass its quota, and what to change', async () => {
    // A stock dev server's four partitions, over the one the tests' servers are given.
    const stock = await startDevServer({
      outputFile: testLogFile(),
      extraArgs: [
        '--dynamic-config-value',
        'matching.numTaskqueueReadPartitions=4',
        '--dynamic-config-value',
        'matching.numTaskqueueWritePartitions=4',
      ],
    });
    const { child, output } = startWorkerProcess({
      ...simulatedWorkerEnv(h, `${h.taskQueue}-stock`),
      TEMPORAL_ADDRESS: stock.address,
      CLOUDDC_RATE_LIMIT: '5',
    });
    try {
      await untilPolling(output);
      expect(output()).toContain('has 4 partitions');
      expect(output()).toContain('busiest second may pass CLOUDDC_RATE_LIMIT (5/s');
      expect(output()).toContain(
        'matching.numTaskqueueReadPartitions and matching.numTaskqueueWritePartitions = 1',
      );
    } finally {
      child.kill('SIGTERM');
      await exitOf(child);
      await stock.teardown();
    }
  });

  it('logs JSON lines with the workflow, export and request IDs, and serves every metric the dashboard and alerts read', async () => {
    const taskQueue = `${h.taskQueue}-telemetry`;
    const metricsPort = await freePort();
    const archives = await mkdtemp(join(tmpdir(), 'telemetry-archives-'));
    const { child, output } = startWorkerProcess({
      ...simulatedWorkerEnv(h, taskQueue),
      LOG_FORMAT: 'json',
      METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      CLOUDDC_ARCHIVE_DIR: archives,
    });
    try {
      await untilPolling(output);
      // Long enough to be seen running after the injected faults, so a detection window is measured.
      const record = h.sim.createExport('proj-telemetry', 'srv-1', { durationMs: 8_000 });
      const statusPath = `/physicalservers/srv-1/logs/exports/${record.exportId}$`;
      h.sim.injectFaults(
        // The gateway's own quota refusal: the project's budget keeper starts and lowers its share.
        {
          fault: {
            kind: 'status',
            status: 429,
            body: { error_code: 'APIGW.0308', error_msg: 'over ratelimit' },
          },
          times: 1,
          path: statusPath,
        },
        { fault: { kind: 'status', status: 503 }, times: 1, path: statusPath },
      );
      // A collection too, so an archive is downloaded.
      h.sim.addServer('proj-telemetry', 'srv-2', { exportScenario: { durationMs: 500 } });
      const collection = await startCollection(
        h.env.client,
        { projectId: 'proj-telemetry', serverId: 'srv-2', policy: FAST_POLICY },
        { taskQueue },
      );
      const handle = await startTracking(
        h.env.client,
        {
          projectId: 'proj-telemetry',
          serverId: 'srv-1',
          exportId: record.exportId,
          // The 429 goes back to the tracker, which polls again when due; the 503 is retried by
          // the activity itself, within a poll's retry budget of twice maxInterval.
          policy: { minInterval: '100ms', maxInterval: '2s' },
        },
        { taskQueue },
      );
      await handle.result();
      await collection.result();

      const lines = output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const throttled = lines.find(
        (line) => line.message === 'CloudDC call failed' && line.httpStatus === 429,
      );
      expect(throttled).toMatchObject({
        level: 'WARN',
        workflowId: handle.workflowId,
        exportId: record.exportId,
        requestId: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
      expect(lines.find((line) => String(line.message).startsWith('Worker polling'))).toBeDefined();

      const metrics = await waitFor(
        async () => {
          const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
          return text.includes('clouddc_detection_window') && text.includes('clouddc_budget_share')
            ? text
            : undefined;
        },
        { timeoutMs: 30_000, what: 'the tracker and budget metrics to be exported' },
      );
      const exported = new Set(
        metrics
          .split('\n')
          .filter((line) => line && !line.startsWith('#'))
          .map((line) => /^[A-Za-z_:][\w:]*/.exec(line)?.[0]),
      );
      const read = await metricsReadByDashboardAndAlerts();
      expect(read.length).toBeGreaterThan(8);
      expect(read.filter((name) => !exported.has(name))).toEqual([]);
      expect(metrics).toMatch(
        /clouddc_api_requests\w*\{[^}]*operation="status"[^}]*project="proj-telemetry"[^}]*status="429"/,
      );
      expect(metrics).toMatch(/clouddc_budget_share\{[^}]*project="proj-telemetry"[^}]*\} 0\.5/);
      expect(metrics).toMatch(/clouddc_tracker_ended\w*\{[^}]*outcome="completed"/);
      expect(metrics).toMatch(/clouddc_api_requests\w*\{[^}]*status="200"/);
      expect(metrics).toMatch(/clouddc_tracker_polls\w*\{[^}]*answered="true"/);
      expect(metrics).toMatch(/clouddc_activity_retries/);
      expect(metrics).toMatch(/temporal_workflow_completed/);
      expect(metrics).not.toContain(TEST_TOKEN);
    } finally {
      child.kill('SIGTERM');
      await exitOf(child);
      await rm(archives, { recursive: true, force: true });
    }
  });

  /** Credentials for the worker's environment; the IAM endpoint is the simulator, known only at run time. */
  const SCHEMES: Array<[string, (simUrl: string) => Record<string, string>, string, string]> = [
    [
      'AK/SK',
      () => ({ CLOUDDC_ACCESS_KEY: 'AKPROCESS0001', CLOUDDC_SECRET_KEY: 'sk-process-secret-0001' }),
      'AK/SK signing',
      'aksk',
    ],
    [
      'IAM',
      (simUrl) => ({
        CLOUDDC_IAM_USERNAME: 'proc-bot',
        CLOUDDC_IAM_PASSWORD: 'pw-process-secret-0002',
        CLOUDDC_IAM_DOMAIN: 'acme',
        CLOUDDC_IAM_ENDPOINT: simUrl,
      }),
      'IAM tokens for user proc-bot of domain acme',
      'iam-token',
    ],
    [
      'a static token',
      () => ({ CLOUDDC_AUTH_TOKEN: 'tok-process-secret-0003' }),
      'static IAM token',
      'token',
    ],
  ];

  it.each(SCHEMES)(
    'with %s from its environment, says so at start-up and tracks an export, printing no secret',
    async (_, credentialsFor, description, scheme) => {
      const credentials = credentialsFor(h.sim.url);
      const taskQueue = `${h.taskQueue}-${scheme}`;
      const { child, output } = startWorkerProcess({
        TEMPORAL_ADDRESS: h.env.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        CLOUDDC_REGION: TEST_REGION,
        CLOUDDC_ENDPOINT: h.sim.url,
        ...credentials,
      });
      try {
        await untilPolling(output);
        expect(output()).toContain(description);
        const record = h.sim.createExport('proj-scheme', `srv-${scheme}`, { durationMs: 800 });
        const handle = await startTracking(
          h.env.client,
          {
            projectId: 'proj-scheme',
            serverId: `srv-${scheme}`,
            exportId: record.exportId,
            policy: FAST_POLICY,
          },
          { taskQueue },
        );
        expect((await handle.result()).outcome).toBe('completed');
        expect(h.sim.statusRequests(record).every((r) => r.auth === scheme)).toBe(true);
        for (const [name, value] of Object.entries(credentials)) {
          if (/SECRET|PASSWORD|TOKEN/.test(name)) expect(output()).not.toContain(value);
        }
        child.kill('SIGTERM');
        expect(await exitOf(child)).toBe(0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  );

  it('refuses conflicting credentials, naming both schemes', async () => {
    const { child, output } = startWorkerProcess({
      CLOUDDC_REGION: TEST_REGION,
      CLOUDDC_AUTH_TOKEN: 'tok-conflict-secret',
      CLOUDDC_ACCESS_KEY: 'AKCONFLICT',
      CLOUDDC_SECRET_KEY: 'sk-conflict-secret',
    });
    expect(await exitOf(child)).toBe(1);
    expect(output()).toContain('more than one scheme');
    expect(output()).toContain('CLOUDDC_AUTH_TOKEN');
    expect(output()).toContain('CLOUDDC_ACCESS_KEY');
    expect(output()).not.toContain('sk-conflict-secret');
    expect(output()).not.toContain('tok-conflict-secret');
  });
});
