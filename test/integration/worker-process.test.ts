import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logExportWorkflowId, WorkflowType } from '../../src/contract/index.js';
import { findTemporalCli } from '../../src/dev/temporal-cli.js';
import type { trackLogExport } from '../../src/workflows/index.js';
import { type Harness, startHarness, TEST_REGION, TEST_TOKEN, waitFor } from '../helpers/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** `npm run worker`, as a separate process configured only through its environment. */
function startWorkerProcess(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
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
    const { child, output } = startWorkerProcess({
      TEMPORAL_ADDRESS: h.env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      CLOUDDC_REGION: TEST_REGION,
      CLOUDDC_ENDPOINT: h.sim.url,
      CLOUDDC_AUTH_TOKEN: TEST_TOKEN,
    });
    try {
      await waitFor(() => (output().includes('Worker polling') ? true : undefined), {
        timeoutMs: 60_000,
        what: `the worker to start; output so far: ${output()}`,
      });
      expect(output()).not.toContain(TEST_TOKEN);

      const sim = h.sim.createExport('proj-proc', 'srv-1', { durationMs: 800 });
      const ref = { projectId: 'proj-proc', serverId: 'srv-1', exportId: sim.exportId };
      const workflowId = logExportWorkflowId(ref);
      const cli = await findTemporalCli();
      if (!cli) throw new Error('no Temporal CLI');
      await run(cli.path, [
        'workflow',
        'start',
        '--address',
        h.env.address,
        '--type',
        WorkflowType.TrackLogExport,
        '--task-queue',
        taskQueue,
        '--workflow-id',
        workflowId,
        '--input',
        JSON.stringify({ ...ref, policy: { minInterval: '100ms', maxInterval: 400 } }),
      ]);
      const result = await h.env.client.workflow.getHandle<typeof trackLogExport>(workflowId).result();
      expect(result).toMatchObject({ ...ref, outcome: 'completed', percentage: 100 });

      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it.each([
    [
      'AK/SK',
      { CLOUDDC_ACCESS_KEY: 'AKPROCESS0001', CLOUDDC_SECRET_KEY: 'sk-process-secret-0001' },
      'AK/SK signing',
    ],
    [
      'IAM',
      {
        CLOUDDC_IAM_USERNAME: 'proc-bot',
        CLOUDDC_IAM_PASSWORD: 'pw-process-secret-0002',
        CLOUDDC_IAM_DOMAIN: 'acme',
      },
      'IAM tokens for user proc-bot of domain acme',
    ],
    ['a static token', { CLOUDDC_AUTH_TOKEN: 'tok-process-secret-0003' }, 'static IAM token'],
  ])('says at start-up that it uses %s, without printing a secret', async (_, credentials, description) => {
    const { child, output } = startWorkerProcess({
      TEMPORAL_ADDRESS: h.env.address,
      TEMPORAL_TASK_QUEUE: `${h.taskQueue}-scheme`,
      CLOUDDC_REGION: TEST_REGION,
      CLOUDDC_ENDPOINT: h.sim.url,
      ...credentials,
    });
    try {
      await waitFor(() => (output().includes('Worker polling') ? true : undefined), {
        timeoutMs: 60_000,
        what: `the worker to start; output so far: ${output()}`,
      });
      expect(output()).toContain(description);
      for (const [name, value] of Object.entries(credentials)) {
        if (/SECRET|PASSWORD|TOKEN/.test(name)) expect(output()).not.toContain(value);
      }
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

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
