import { access } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
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
    paused: false,
    overlap: 'SKIP',
    catchupWindowMs: 3_600_000,
  });
  expect(described.nextActionTimes.length).toBeGreaterThan(0);
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
  expect(result.total).toBe(3);
  expect(result.failed).toEqual([]);
  for (const success of result.succeeded) await access(success.path ?? expect.fail('no path'));

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
  expect(JSON.parse(fleet.stdout)).toMatchObject({ total: 2, failed: [] });

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
