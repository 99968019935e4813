import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracking } from '../../src/client/tracking.js';
import { startOtlpReceiver } from '../../src/dev/otlp-receiver.js';
import { FAST_POLICY, type Harness, startHarness, waitFor } from '../helpers/harness.js';
import {
  exitOf,
  simulatedWorkerEnv,
  startProcess,
  startWorkerProcess,
  untilPolling,
} from '../helpers/worker-process.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

let h: Harness;
let install: string;
beforeAll(async () => {
  h = await startHarness();
  await run('npm', ['run', 'build'], { cwd: root, timeout: 120_000 });
  // A production install as the image makes it: the lock file's runtime dependencies only
  // (from npm's cache, which the full install filled), and the build.
  install = await mkdtemp(join(tmpdir(), 'clouddc-production-'));
  for (const file of ['package.json', 'package-lock.json']) await cp(join(root, file), join(install, file));
  await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: install,
    timeout: 240_000,
  });
  await cp(join(root, 'dist'), join(install, 'dist'), { recursive: true });
  await cp(join(root, 'bin'), join(install, 'bin'), { recursive: true });
}, 400_000);
afterAll(async () => {
  await h?.close();
  if (install) await rm(install, { recursive: true, force: true });
});

describe('npm run build, then plain node with runtime dependencies only', () => {
  it('has no TypeScript tooling in the install, and no dev tooling in dist/', async () => {
    const installed = await readdir(join(install, 'node_modules'));
    for (const tool of ['tsx', 'typescript', 'vitest', '@biomejs']) expect(installed).not.toContain(tool);
    expect(await readdir(join(install, 'node_modules', '@temporalio'))).not.toContain('testing');
    const built = await readdir(join(install, 'dist'), { recursive: true });
    for (const tooling of ['dev', 'simulator', 'examples']) expect(built).not.toContain(tooling);
    expect(built).toEqual(expect.arrayContaining(['api.js', 'api.d.ts', join('client', 'index.d.ts')]));
  });

  it("resolves the package's exports to compiled code, as another team imports it", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const api = await import('clouddc-log-export-tracker'); const client = await import('clouddc-log-export-tracker/client');" +
          'console.log(typeof api.collectServerLogsChild, typeof client.startTracking)',
      ],
      { cwd: install },
    );
    expect(stdout.trim()).toBe('function function');
  });

  it('runs the worker from dist/ with the prebuilt workflow bundle, and it tracks an export, traced', async () => {
    const taskQueue = `production-${Date.now()}`;
    const receiver = await startOtlpReceiver();
    const { child, output } = startWorkerProcess(
      {
        ...simulatedWorkerEnv(h, taskQueue),
        CLOUDDC_ARCHIVE_DIR: join(install, 'archives'),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      { args: ['dist/worker.js'], cwd: install },
    );
    try {
      await untilPolling(output);
      expect(output()).not.toMatch(/webpack|Workflow bundle created/i);
      const record = h.sim.createExport('proj-prod', 'srv-1', { durationMs: 800 });
      const handle = await startTracking(
        h.env.client,
        { projectId: 'proj-prod', serverId: 'srv-1', exportId: record.exportId, policy: FAST_POLICY },
        { taskQueue },
      );
      expect(await handle.result()).toMatchObject({ outcome: 'completed', percentage: 100 });
      // The workflow's span comes from the interceptors inside the prebuilt bundle.
      await waitFor(
        () => {
          const names = receiver.spans.map((span) => span.name);
          return (
            names.includes('RunWorkflow:trackLogExport') && names.includes('RunActivity:getExportStatus')
          );
        },
        { timeoutMs: 10_000, what: 'the tracker and its activities to be traced' },
      );
    } finally {
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
      await receiver.close();
    }
  });

  it('runs the CLI through bin/ without tsx', async () => {
    const { stdout } = await run(process.execPath, ['bin/clouddc-logs.js', '--help'], { cwd: install });
    expect(stdout).toContain('Usage: clouddc-logs');
  });

  it('builds the simulator and the bucket set-up as files that run with no node_modules, as their image has them', async () => {
    await run('npm', ['run', 'build:tools'], { cwd: root, timeout: 60_000 });
    const alone = await mkdtemp(join(tmpdir(), 'clouddc-simulator-'));
    try {
      for (const tool of ['simulator.js', 'create-archive-bucket.js'])
        await cp(join(root, 'dist-tools', tool), join(alone, tool));
      // Without configuration the set-up step loads, then refuses, naming what is missing.
      const setUp = startProcess(process.execPath, ['create-archive-bucket.js'], alone);
      expect(await exitOf(setUp.child)).toBe(1);
      expect(setUp.output()).toContain('CLOUDDC_REGION: is required');
      const { child, output } = startProcess(process.execPath, ['simulator.js', '--port', '0'], alone);
      try {
        await waitFor(() => (/listening on http:\/\/127\.0\.0\.1:\d+/.test(output()) ? true : undefined), {
          what: 'the simulator to listen',
        });
      } finally {
        child.kill('SIGTERM');
        await exitOf(child);
      }
    } finally {
      await rm(alone, { recursive: true, force: true });
    }
  });
});
