import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startProjectsCollection } from '../../src/client/collection.js';
import { readFleetServers } from '../../src/client/fleet-manifest.js';
import {
  type CollectProjectsLogsResult,
  FailureType,
  getProjectsProgressQuery,
  WorkflowType,
} from '../../src/contract/index.js';
import type { collectFleetLogs } from '../../src/workflows/index.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { FAST_POLICY, type Harness, startHarness, TEST_REGION, waitFor } from '../helpers/harness.js';

const SOUTH = 'ap-southeast-3';
const FAST = ['--min-interval', FAST_POLICY.minInterval, '--max-interval', FAST_POLICY.maxInterval];

let h: Harness;
let files: string;
beforeAll(async () => {
  h = await startHarness({
    regions: [SOUTH],
    simulator: { defaultScenario: { durationMs: 800, archiveBytes: 8_000 } },
  });
  files = await mkdtemp(join(tmpdir(), 'projects-files-'));
});
afterAll(async () => {
  await h?.close();
  if (files) await rm(files, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<CliRun> {
  return runCli(['--address', h.env.address, '--task-queue', h.taskQueue, ...args]);
}

/** The bytes of a project's archives as they lie on disk, read from its fleet's manifest. */
async function bytesOnDisk(fleetWorkflowId: string): Promise<number> {
  const fleet = await h.env.client.workflow.getHandle<typeof collectFleetLogs>(fleetWorkflowId).result();
  const collected = (await readFleetServers(fleet)).flatMap((line) =>
    line.status === 'collected' ? [line] : [],
  );
  const sizes = await Promise.all(
    collected.map(async (s) => (await stat(s.path ?? expect.fail('no path'))).size),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

it('collects projects in two regions in parallel and sums them up per project and overall, a failed server and a refused project included', async () => {
  h.sim.addServer('proj-east', 'srv-e1', { exportScenario: { archiveBytes: 10_000 } });
  h.sim.addServer('proj-east', 'srv-e2', { exportScenario: { archiveBytes: 12_000 } });
  h.sim.addServer('proj-east', 'srv-e3', { exportScenario: { outcome: 'failed', failAtPercent: 50 } });
  h.sim.addServer('proj-south', 'srv-s1', { exportScenario: { archiveBytes: 5_000 } });
  h.sim.addServer('proj-south', 'srv-s2', { exportScenario: { archiveBytes: 7_000 } });
  h.sim.addServer('proj-south', 'srv-s3');
  h.sim.addServer('proj-denied', 'srv-d1');
  h.sim.injectFaults({
    fault: { kind: 'status', status: 403 },
    path: '/v1/proj-denied/physicalservers$',
    times: 5,
  });

  const handle = await startProjectsCollection(
    h.env.client,
    {
      projects: [
        { projectId: 'proj-east', region: TEST_REGION, concurrency: 2 },
        { projectId: 'proj-south', region: SOUTH, serverIds: ['srv-s1', 'srv-s2'] },
        { projectId: 'proj-denied' },
      ],
      policy: FAST_POLICY,
    },
    { taskQueue: h.taskQueue },
  );
  const result = await handle.result();
  const id = handle.workflowId;

  const byProject = Object.fromEntries(result.projects.map((p) => [p.projectId, p]));
  expect(byProject['proj-east']).toEqual({
    projectId: 'proj-east',
    region: TEST_REGION,
    fleetWorkflowId: `${id}:proj-east`,
    servers: 3,
    succeeded: 2,
    failed: 1,
    bytes: await bytesOnDisk(`${id}:proj-east`),
    failuresByType: { [FailureType.LogExportFailed]: 1 },
  });
  expect(byProject['proj-south']).toMatchObject({
    region: SOUTH,
    fleetWorkflowId: `${id}:proj-south`,
    servers: 2,
    succeeded: 2,
    failed: 0,
    bytes: await bytesOnDisk(`${id}:proj-south`),
    failuresByType: {},
  });
  expect(byProject['proj-denied']).toMatchObject({
    servers: 0,
    failure: { type: FailureType.CloudDCPermissionDenied },
  });
  expect(byProject['proj-denied']?.region).toBeUndefined();
  expect(result.overall).toEqual({
    projects: 3,
    projectsFailed: 1,
    servers: 5,
    succeeded: 4,
    failed: 1,
    bytes: (byProject['proj-east']?.bytes ?? 0) + (byProject['proj-south']?.bytes ?? 0),
    failuresByType: { [FailureType.LogExportFailed]: 1 },
  });
  // Only the named servers of proj-south were collected; the collection's own history holds
  // no server's line, only the three projects' totals.
  expect(h.sim.requestsTo('/srv-s3/')).toHaveLength(0);
  const history = JSON.stringify(await handle.fetchHistory());
  expect(history).not.toContain('srv-e1');

  const progress = await handle.query(getProjectsProgressQuery);
  expect(progress).toMatchObject({ running: 0, completed: 2, failed: 1 });
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  expect(metadata.currentDetails).toMatch(
    /^\| proj-east \| cn-east-3 \| completed \| 3 \| 2 \| 1 \| \d+\.\d kB \| LogExportFailed 1 \|$/m,
  );
  expect(metadata.currentDetails).toContain('| proj-denied | default | failed: CloudDCPermissionDenied |');
  expect(metadata.currentDetails).toMatch(
    /^\| \*\*Overall\*\* \| \| 3 of 3 done \| 5 \| 4 \| 1 \| \d+\.\d kB \| LogExportFailed 1 \|$/m,
  );
});

it('refuses a list naming a project twice with InvalidInput naming the field, before any call', async () => {
  const requestsBefore = h.sim.requests.length;
  const handle = await h.env.client.workflow.start(WorkflowType.CollectProjectsLogs, {
    taskQueue: h.taskQueue,
    workflowId: 'projects-duplicate',
    args: [
      { projects: [{ projectId: 'proj-twice' }, { projectId: 'proj-other' }, { projectId: 'proj-twice' }] },
    ],
  });
  const err = await handle.result().then(
    () => expect.fail('the input was accepted'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe(FailureType.InvalidInput);
  expect((cause as ApplicationFailure).message).toContain(
    'projects.2.projectId: "proj-twice" is listed twice (also at projects.0)',
  );
  expect(h.sim.requests.length).toBe(requestsBefore);

  const refused = await cli('collect-fleet', '--projects', 'proj-twice,proj-twice:cn-east-3');
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('projects.1.projectId');
});

it('collect-fleet takes a projects file and repeated --projects, waits, and status shows every project', async () => {
  h.sim.addServer('proj-file', 'srv-f1');
  h.sim.addServer('proj-file', 'srv-f2', { exportScenario: { outcome: 'failed', failAtPercent: 30 } });
  h.sim.addServer('proj-flag-a', 'srv-a1');
  h.sim.addServer('proj-flag-b', 'srv-b1');
  const file = join(files, 'projects.json');
  await writeFile(
    file,
    JSON.stringify([{ projectId: 'proj-file', region: TEST_REGION, serverIds: ['srv-f1', 'srv-f2'] }]),
  );

  const run = await cli(
    'collect-fleet',
    '--projects-file',
    file,
    '--projects',
    `proj-flag-a:${SOUTH}:2`,
    '--projects',
    'proj-flag-b',
    '--wait',
    ...FAST,
  );
  expect(run.code, run.stderr).toBe(1);
  const workflowId = /Collecting projects: (\S+)/.exec(run.stderr)?.[1] ?? expect.fail(run.stderr);
  expect(run.stderr).toMatch(
    /^3 of 4 servers collected in 3 projects, 1 failed \(LogExportFailed 1\); archives \d+\.\d kB \(\d+ bytes\)$/m,
  );
  expect(run.stderr).toMatch(
    /^proj-file\s+cn-east-3\s+2\s+1\s+1\s+\d+\s+LogExportFailed 1\s+\S+:proj-file$/m,
  );
  expect(run.stderr).toMatch(/^proj-flag-a\s+ap-southeast-3\s+1\s+1\s+0\s+\d+\s+-\s+\S+:proj-flag-a$/m);
  expect(run.stderr).toMatch(/^OVERALL\s+4\s+3\s+1\s+\d+\s+LogExportFailed 1$/m);

  const status = await cli('status', workflowId);
  expect(status.code, status.stderr).toBe(0);
  expect(status.stdout).toMatch(/^Type\s+collectProjectsLogs$/m);
  expect(status.stdout).toMatch(
    /^Result\s+3 of 4 servers collected in 3 projects, 1 failed \(LogExportFailed 1\); archives /m,
  );
  expect(status.stdout).toMatch(
    /^Project\s+proj-file \(cn-east-3\): 1 of 2 servers collected, 1 failed \(LogExportFailed 1\), \d\.\d\d kB; fleet \S+:proj-file$/m,
  );
  expect(status.stdout).toMatch(
    /^Project\s+proj-flag-b \(default region\): 1 of 1 servers collected, 0 failed/m,
  );

  const json = await cli(
    'collect-fleet',
    '--projects',
    'proj-flag-a,proj-flag-b',
    '--wait',
    '--json',
    ...FAST,
  );
  expect(json.code, json.stderr).toBe(0);
  expect((JSON.parse(json.stdout) as CollectProjectsLogsResult).overall).toMatchObject({
    projects: 2,
    servers: 2,
    succeeded: 2,
    failed: 0,
  });

  await writeFile(
    file,
    JSON.stringify([{ projectId: 'proj-file' }, { projectId: 'proj-x', region: 'cn east' }]),
  );
  const bad = await cli('collect-fleet', '--projects-file', file);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain(`--projects-file ${file}: invalid input: projects.1.region`);
  const both = await cli('collect-fleet', '--project', 'proj-file', '--projects', 'proj-flag-a');
  expect(both.code).toBe(2);
  expect(both.stderr).toContain('--project names one project');
});

it('a schedule of several projects, triggered now, runs collectProjectsLogs', async () => {
  h.sim.addServer('proj-night-a', 'srv-1');
  h.sim.addServer('proj-night-b', 'srv-1');
  const file = join(files, 'nightly.json');
  await writeFile(file, JSON.stringify([{ projectId: 'proj-night-a', concurrency: 5 }]));
  const created = await cli(
    'schedule',
    'create',
    'nightly-projects',
    '--projects-file',
    file,
    '--projects',
    `proj-night-b:${SOUTH}`,
    '--cron',
    '0 2 * * *',
    ...FAST,
  );
  expect(created.code, created.stderr).toBe(0);
  const described = await cli('schedule', 'describe', 'nightly-projects');
  expect(described.stdout).toMatch(/^Workflow\s+collectProjectsLogs$/m);
  expect(described.stdout).toMatch(
    /^Project\s+proj-night-a: region default, every in-use server listed, 5 at once$/m,
  );
  expect(described.stdout).toMatch(
    /^Project\s+proj-night-b: region ap-southeast-3, every in-use server listed, 20 at once$/m,
  );

  expect((await cli('schedule', 'trigger', 'nightly-projects')).code).toBe(0);
  const workflowId = await waitFor(
    async () =>
      JSON.parse((await cli('schedule', 'describe', 'nightly-projects', '--json')).stdout).recentRuns[0]
        ?.workflowId as string | undefined,
    { timeoutMs: 30_000, intervalMs: 500, what: 'the triggered run' },
  );
  expect(workflowId).toMatch(/^clouddc-collect-projects:nightly-projects/);
  const result = await h.env.client.workflow.getHandle(workflowId).result();
  expect((result as CollectProjectsLogsResult).overall).toMatchObject({
    projects: 2,
    servers: 2,
    succeeded: 2,
  });
  expect((await cli('schedule', 'delete', 'nightly-projects')).code).toBe(0);
});
