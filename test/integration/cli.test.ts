import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType, logExportWorkflowId } from '../../src/contract/index.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { type Harness, startHarness, waitFor } from '../helpers/harness.js';

const QUOTA = 8;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rateLimit: QUOTA });
});
afterAll(async () => {
  await h?.close();
});

/** Runs the CLI as a user would, against this file's dev server and task queue. */
function cli(...args: string[]): Promise<CliRun> {
  return runCli(['--address', h.env.address, '--task-queue', h.taskQueue, ...args]);
}

const PROJECT = 'proj-cli';
const FAST = ['--min-interval', '100ms', '--max-interval', '400ms'];

describe('clouddc-logs CLI', () => {
  it('track --wait --json prints the result and exits 0', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-1', { durationMs: 1_000 });
    const run = await cli(
      'track',
      '--project',
      PROJECT,
      '--server',
      'srv-1',
      '--export',
      sim.exportId,
      ...FAST,
      '--wait',
      '--json',
    );
    expect(run.stderr).toContain(
      logExportWorkflowId({ projectId: PROJECT, serverId: 'srv-1', exportId: sim.exportId }),
    );
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      projectId: PROJECT,
      serverId: 'srv-1',
      exportId: sim.exportId,
      outcome: 'completed',
      percentage: 100,
    });
  });

  it('track --wait exits non-zero with the failure type and message', async () => {
    h.sim.addServer(PROJECT, 'srv-2');
    const run = await cli(
      'track',
      '--project',
      PROJECT,
      '--server',
      'srv-2',
      '--export',
      'missing',
      ...FAST,
      '--wait',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${FailureType.LogExportNotFound}: Log export missing of server srv-2`);
  });

  it('rejects bad input with InvalidInput naming the field, exit code 2, and starts nothing', async () => {
    const run = await cli(
      'track',
      '--project',
      PROJECT,
      '--server',
      'a/b',
      '--export',
      'e1',
      '--min-interval',
      'soon',
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('InvalidInput');
    expect(run.stderr).toContain('serverId: must not contain "/"');
    expect(run.stderr).toContain('policy.minInterval');
    const wouldBe = logExportWorkflowId({ projectId: PROJECT, serverId: 'a/b', exportId: 'e1' });
    await expect(h.env.client.workflow.getHandle(wouldBe).describe()).rejects.toThrow(/not found/i);
  });

  it('exits 2 when the worker refuses the input: a region it does not serve', async () => {
    h.sim.addServer(PROJECT, 'srv-region');
    const run = await cli(
      'track',
      '--project',
      PROJECT,
      '--server',
      'srv-region',
      '--export',
      '1',
      '--region',
      'eu-west-9',
      ...FAST,
      '--wait',
      '--no-progress',
    );
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('InvalidInput');
    expect(run.stderr).toContain('region "eu-west-9" is not served by this worker');
  });

  it('exits 2 on a usage error, 3 when Temporal cannot be reached, 4 on an unknown or taken ID', async () => {
    const missing = await cli('track', '--project', PROJECT);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--server <id>' not specified");
    expect((await cli('track', '--help')).stdout).toMatch(/--server <id>\s+\(required\) physical server ID/);
    const unreachable = await runCli(['--address', '127.0.0.1:1', 'status', 'anything']);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('Temporal could not be reached at 127.0.0.1:1');
    for (const args of [
      ['status', 'no-such-workflow'],
      ['watch', 'no-such-workflow'],
      ['cancel', 'no-such-workflow'],
      ['schedule', 'describe', 'no-such-schedule'],
      ['schedule', 'trigger', 'no-such-schedule'],
    ]) {
      const run = await cli(...args);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(4);
      expect(run.stderr).toMatch(/^Not found: no (workflow no-such-workflow|schedule no-such-schedule)$/m);
    }
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('track');
  });

  it('status shows a running tracker, cancel ends it, and status then says CANCELLED', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-3', { durationMs: 120_000 });
    const started = await cli(
      'track',
      '--project',
      PROJECT,
      '--server',
      'srv-3',
      '--export',
      sim.exportId,
      '--json',
    );
    expect(started.code).toBe(0);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };

    const running = await waitFor(
      async () => {
        const run = await cli('status', workflowId, '--json');
        const report = JSON.parse(run.stdout);
        return report.progress?.polls >= 1 ? report : undefined;
      },
      { what: 'a first poll in status' },
    );
    expect(running).toMatchObject({
      workflowId,
      workflowStatus: 'RUNNING',
      progress: { status: 'processing' },
    });

    const table = await cli('status', workflowId);
    expect(table.stdout).toMatch(/State\s+RUNNING/);
    expect(table.stdout).toMatch(/Export\s+processing \d+%/);
    expect(table.stdout).toMatch(/Deadline\s+\S+Z \(in /);

    const extended = await cli('extend', workflowId, '--by', '1h');
    expect(extended.code, extended.stderr).toBe(0);
    expect(Date.parse(extended.stdout.trim())).toBeGreaterThan(Date.now() + 6 * 3_600_000);
    const refused = await cli('extend', workflowId, '--by', 'soon');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('InvalidInput');
    const pollsBefore = h.sim.statusRequests(sim).length;
    expect((await cli('poll-now', workflowId)).code).toBe(0);
    await waitFor(() => (h.sim.statusRequests(sim).length > pollsBefore ? true : undefined), {
      what: 'the poll asked for',
    });

    const cancelled = await cli('cancel', workflowId);
    expect(cancelled.code).toBe(0);
    const after = await waitFor(
      async () => {
        const run = await cli('status', workflowId, '--json');
        const report = JSON.parse(run.stdout);
        return report.workflowStatus === 'CANCELLED' ? { run, report } : undefined;
      },
      { what: 'the tracker to be cancelled' },
    );
    expect(after.report.failure.type).toBe('Cancelled');
    expect(after.run.code).toBe(1);
    const closedTable = (await cli('status', workflowId)).stdout;
    expect(closedTable).toMatch(/Failure\s+Cancelled/);
    expect(closedTable).not.toContain('Next poll');
    const again = await cli('cancel', workflowId);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`${workflowId} has already ended (CANCELLED); nothing to cancel`);
  });

  it('lists trackers by server and state as a table or JSON, and watches one to the end', async () => {
    // Long enough to be listed as running even when each CLI call takes seconds on a busy machine.
    const sim = h.sim.createExport(PROJECT, 'srv-list', { durationMs: 12_000 });
    const started = await cli(
      'track',
      '--project',
      PROJECT,
      '--server',
      'srv-list',
      '--export',
      sim.exportId,
      ...FAST,
      '--json',
    );
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    const listed = await waitFor(
      async () => {
        const run = await cli('list', '--server', 'srv-list', '--state', 'running', '--json');
        const rows = JSON.parse(run.stdout) as Array<{ workflowId: string; state: string; export: string }>;
        return rows.length > 0 ? rows : undefined;
      },
      { intervalMs: 500, what: 'the tracker in the list' },
    );
    expect(listed).toEqual([
      expect.objectContaining({ workflowId, state: 'running', export: sim.exportId, server: 'srv-list' }),
    ]);
    const tableRun = await cli('list', '--project', PROJECT, '--server', 'srv-list');
    expect(tableRun.stdout.split('\n')[0]).toMatch(
      /^WORKFLOW ID\s+STATE\s+PERCENT\s+PROJECT\s+SERVER\s+EXPORT\s+STARTED$/,
    );
    expect(tableRun.stdout).toContain(workflowId);

    const watched = await cli('watch', workflowId);
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stderr).toContain('Completed: completed 100%');
    const statusJson = JSON.parse((await cli('status', workflowId, '--output', 'json')).stdout);
    expect(statusJson).toMatchObject({ workflowId, workflowStatus: 'COMPLETED' });
  });

  it('rate-limit set, show and reset: a project with a quota of its own, as a table and as JSON', async () => {
    const set = await cli('rate-limit', 'set', '--project', 'proj-own', '--quota', '2.5');
    expect(set.code).toBe(0);
    expect(set.stderr).toContain('Project proj-own: quota 2.5/s, now 2.5/s');

    const table = await cli('rate-limit', 'show');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`default quota ${QUOTA}/s per project`);
    expect(table.stdout).toMatch(/PROJECT\s+QUOTA\s+SHARE\s+RATE\s+429s\s+LAST 429\s+DISPATCHED\s+LATE ROOM/);
    expect(table.stdout).toMatch(/proj-own\s+2\.5\/s\s+100%\s+2\.5\/s\s+0\s+-\s+[\d.]+\/s\s+111 ms/);

    const json = JSON.parse(
      (await cli('rate-limit', 'show', '--project', 'proj-own', '--output', 'json')).stdout,
    );
    expect(json).toMatchObject({ defaultQuota: QUOTA, weights: { 'proj-own': 2.5 / QUOTA } });
    expect(json.projects).toMatchObject([{ projectId: 'proj-own', quota: 2.5, rate: 2.5 }]);

    const reset = await cli('rate-limit', 'reset', '--project', 'proj-own');
    expect(reset.code).toBe(0);
    expect(reset.stderr).toContain(`Project proj-own: quota the default (${QUOTA}/s), now ${QUOTA}/s`);

    const bad = await cli('rate-limit', 'set', '--project', 'proj-own', '--quota', 'lots');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('InvalidInput: setQuota: invalid input: quota:');
  });
});
