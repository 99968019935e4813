import { access } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFleetServers } from '../../src/client/fleet-manifest.js';
import type { collectFleetLogs } from '../../src/workflows/index.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { FAST_POLICY, type Harness, startHarness, waitFor } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ simulator: { defaultScenario: { durationMs: 800, archiveBytes: 8_000 } } });
});
afterAll(async () => {
  await h?.close();
});

function cli(...args: string[]): Promise<CliRun> {
  return runCli(['--address', h.env.address, '--task-queue', h.taskQueue, ...args]);
}

it('a schedule created with the CLI and triggered runs collectFleetLogs and produces the archives', async () => {
  for (const serverId of ['srv-a', 'srv-b', 'srv-c']) h.sim.addServer('proj-nightly', serverId);
  const created = await cli(
    'schedule',
    'create',
    'nightly-logs',
    '--project',
    'proj-nightly',
    '--cron',
    '0 2 * * *',
    '--timezone',
    'Europe/Berlin',
    '--catchup-window',
    '1h',
    '--concurrency',
    '2',
    '--min-interval',
    FAST_POLICY.minInterval,
    '--max-interval',
    FAST_POLICY.maxInterval,
  );
  expect(created.code, created.stderr).toBe(0);

  const described = JSON.parse((await cli('schedule', 'describe', 'nightly-logs', '--json')).stdout);
  expect(described).toMatchObject({
    scheduleId: 'nightly-logs',
    input: { projectId: 'proj-nightly', concurrency: 2, policy: { minInterval: FAST_POLICY.minInterval } },
    cron: ['0 2 * * *'],
    timezone: 'Europe/Berlin',
    paused: false,
    overlap: 'skip',
    catchupWindowMs: 3_600_000,
    taskQueue: h.taskQueue,
  });
  expect(described.nextRuns.length).toBeGreaterThan(0);
  const describedTable = (await cli('schedule', 'describe', 'nightly-logs')).stdout;
  for (const row of [
    /Project\s+proj-nightly/,
    /Cron\s+0 2 \* \* \*/,
    /Time zone\s+Europe\/Berlin/,
    /Concurrency\s+2/,
  ])
    expect(describedTable).toMatch(row);
  // Listing reads the visibility store, which catches up a moment later.
  await waitFor(
    async () => ((await cli('schedule', 'list')).stdout.includes('nightly-logs') ? true : undefined),
    {
      intervalMs: 500,
      what: 'the schedule in the list',
    },
  );

  expect((await cli('schedule', 'trigger', 'nightly-logs')).code).toBe(0);
  const workflowId = await waitFor(
    async () =>
      JSON.parse((await cli('schedule', 'describe', 'nightly-logs', '--json')).stdout).recentRuns[0]
        ?.workflowId as string | undefined,
    { timeoutMs: 30_000, intervalMs: 500, what: 'the triggered run' },
  );
  expect(workflowId).toMatch(/^clouddc-collect-fleet:proj-nightly:nightly-logs/);
  const result = await h.env.client.workflow.getHandle<typeof collectFleetLogs>(workflowId).result();
  expect(result).toMatchObject({ servers: 3, succeeded: 3, failed: 0 });
  const lines = await readFleetServers(result);
  expect(lines).toHaveLength(3);
  for (const line of lines)
    await access(
      line.status === 'collected' ? (line.path ?? expect.fail('no path')) : expect.fail(line.message),
    );

  expect((await cli('schedule', 'pause', 'nightly-logs', '--note', 'maintenance')).code).toBe(0);
  expect(JSON.parse((await cli('schedule', 'describe', 'nightly-logs', '--json')).stdout)).toMatchObject({
    paused: true,
    note: 'maintenance',
  });
  expect((await cli('schedule', 'unpause', 'nightly-logs')).code).toBe(0);
  expect((await cli('schedule', 'delete', 'nightly-logs')).code).toBe(0);
  await waitFor(
    async () => ((await cli('schedule', 'list')).stdout.includes('nightly-logs') ? undefined : true),
    {
      intervalMs: 500,
      what: 'the schedule gone from the list',
    },
  );
});

it('collect --wait and collect-fleet --wait --json report the archives', async () => {
  h.sim.addServer('proj-cli-collect', 'srv-1');
  const one = await cli(
    'collect',
    '--project',
    'proj-cli-collect',
    '--server',
    'srv-1',
    '--wait',
    '--json',
    '--min-interval',
    '100ms',
    '--max-interval',
    '400ms',
  );
  expect(one.code, one.stderr).toBe(0);
  const result = JSON.parse(one.stdout);
  expect(result).toMatchObject({
    serverId: 'srv-1',
    outcome: 'completed',
    archive: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
  });
  await access(result.archive.path);

  h.sim.addServer('proj-cli-collect', 'srv-2');
  const fleet = await cli(
    'collect-fleet',
    '--project',
    'proj-cli-collect',
    '--servers',
    'srv-1,srv-2',
    '--wait',
    '--json',
    '--min-interval',
    '100ms',
  );
  expect(fleet.code, fleet.stderr).toBe(0);
  expect(JSON.parse(fleet.stdout)).toMatchObject({ servers: 2, succeeded: 2, failed: 0, failures: [] });

  const bad = await cli(
    'collect',
    '--project',
    'proj-cli-collect',
    '--server',
    'srv-1',
    '--destination',
    '../x',
  );
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('destination');
});

it('status and watch answer for a collection and a fleet: phase, tracker progress, archives, failures by type', async () => {
  h.sim.addServer('proj-views', 'srv-slow', { exportScenario: { durationMs: 6_000 } });
  h.sim.addServer('proj-views', 'srv-bad', { exportScenario: { outcome: 'failed', failAtPercent: 50 } });
  const fast = ['--min-interval', FAST_POLICY.minInterval, '--max-interval', FAST_POLICY.maxInterval];

  const started = await cli('collect', '--project', 'proj-views', '--server', 'srv-slow', '--json', ...fast);
  expect(started.code, started.stderr).toBe(0);
  const { workflowId: collection } = JSON.parse(started.stdout) as { workflowId: string };
  const tracking = await waitFor(
    async () => {
      const report = JSON.parse((await cli('status', collection, '--json')).stdout);
      return report.collection?.phase === 'tracking' && report.progress?.polls > 0 ? report : undefined;
    },
    { intervalMs: 300, what: 'the collection tracking its export' },
  );
  expect(tracking).toMatchObject({
    workflowType: 'collectServerLogs',
    workflowStatus: 'RUNNING',
    collection: { trackerWorkflowId: expect.stringMatching(/^clouddc-log-export:proj-views:srv-slow:/) },
    progress: { status: 'processing', deadline: expect.any(String) },
  });
  const watched = await cli('watch', collection);
  expect(watched.code, watched.stderr).toBe(0);
  expect(watched.stderr).toMatch(/Archive: \S+ \(\d+ bytes, sha256 [0-9a-f]{64}\)/);
  expect((await cli('status', collection)).stdout).toMatch(/Archive\s+\S+ \(\d+ bytes/);

  const fleetStart = await cli(
    'collect-fleet',
    '--project',
    'proj-views',
    '--servers',
    'srv-slow,srv-bad',
    '--json',
    ...fast,
  );
  const { workflowId: fleet } = JSON.parse(fleetStart.stdout) as { workflowId: string };
  const fleetWatched = await cli('watch', fleet);
  expect(fleetWatched.code).toBe(1);
  expect(fleetWatched.stderr).toContain('1 of 2 servers collected');
  expect(fleetWatched.stderr).toMatch(/^Archive\s+srv-slow: \S+-dump\.tar\.gz$/m);
  expect(fleetWatched.stderr).toMatch(/^Failed\s+srv-bad: LogExportFailed: /m);
  expect(fleetWatched.stderr).toMatch(/^Manifest\s+\S+\/servers-0001\.jsonl$/m);
  expect(fleetWatched.stderr).not.toContain('polls');
  const fleetStatus = JSON.parse((await cli('status', fleet, '--json')).stdout);
  expect(fleetStatus).toMatchObject({
    workflowType: 'collectFleetLogs',
    workflowStatus: 'COMPLETED',
    fleet: { total: 2, succeeded: 1, failed: 1, running: 0, listed: true },
    result: {
      servers: 2,
      failed: 1,
      failures: [{ serverId: 'srv-bad', type: 'LogExportFailed' }],
      manifests: [{ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }],
    },
    servers: expect.arrayContaining([
      expect.objectContaining({ serverId: 'srv-slow', status: 'collected' }),
      expect.objectContaining({ serverId: 'srv-bad', status: 'failed' }),
    ]),
  });

  const created = await cli(
    'schedule',
    'create',
    'views-daily',
    '--project',
    'proj-views',
    '--servers',
    'srv-slow',
    '--every',
    '24h',
    ...fast,
  );
  expect(created.code, created.stderr).toBe(0);
  expect((await cli('schedule', 'trigger', 'views-daily')).code).toBe(0);
  // The triggered run lasts the slow export's 6 s: describe lists it while it runs.
  await waitFor(
    async () => {
      const out = (await cli('schedule', 'describe', 'views-daily')).stdout;
      return /^Running\s+clouddc-collect-fleet:proj-views:views-daily/m.test(out) ? true : undefined;
    },
    { intervalMs: 200, what: 'the triggered run among the running ones' },
  );
  expect((await cli('schedule', 'describe', 'views-daily')).stdout).toMatch(/^Every\s+1d/m);
  expect((await cli('schedule', 'delete', 'views-daily')).code).toBe(0);
});
