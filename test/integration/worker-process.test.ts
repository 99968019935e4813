import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracking } from '../../src/client/tracking.js';
import { logExportWorkflowId, WorkflowType } from '../../src/contract/index.js';
import { findTemporalCli } from '../../src/dev/temporal-cli.js';
import type { trackLogExport } from '../../src/workflows/index.js';
import {
  FAST_POLICY,
  type Harness,
  startHarness,
  TEST_REGION,
  TEST_TOKEN,
  waitFor,
} from '../helpers/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

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
      expect(output()).toContain('lacks the search attributes CloudDCProjectId, CloudDCServerId');
      expect(output()).toContain(
        'temporal operator search-attribute create --namespace default --name CloudDCProjectId --type Keyword',
      );

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
        await waitFor(() => (output().includes('Worker polling') ? true : undefined), {
          timeoutMs: 60_000,
          what: 'the worker to start',
        });
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
