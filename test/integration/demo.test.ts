import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { waitFor } from '../helpers/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .once('listening', () => probe.close(() => resolve(true)))
      .listen(port, '127.0.0.1');
  });
}

function devServerProcesses(port: number): string[] {
  try {
    return execFileSync('pgrep', ['-f', `start-dev --port ${port} `], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

it('npm start tracks the demo exports with the Web UI up, and Ctrl-C stops everything', async () => {
  const demo = spawn(process.execPath, ['--import', 'tsx', 'src/dev/demo.ts'], {
    cwd: root,
    env: { ...process.env, DEMO_TIME_SCALE: '0.05', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  demo.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  demo.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
  try {
    await waitFor(() => (stdout.includes('demo exports finished') ? true : undefined), {
      timeoutMs: 90_000,
      intervalMs: 200,
      what: `the demo to finish its exports; output so far:\n${stdout}\n${stderr}`,
    });
    const frontendPort = Number(/Temporal frontend:\s+[\d.]+:(\d+)/.exec(stdout)?.[1]);
    const uiUrl = /Web UI:\s+(\S+)/.exec(stdout)?.[1] ?? '';
    const uiPort = Number(new URL(uiUrl).port);
    expect(frontendPort).toBeGreaterThan(0);
    expect((await fetch(uiUrl)).status).toBe(200);
    expect(stdout).toMatch(/srv-web-01\s+completed/);
    expect(stdout).toMatch(/srv-gpu-01\s+completed \(Running/);
    expect(stdout).toMatch(/srv-batch-01\s+LogExportFailed/);
    // The failed export's last bar shows where the tracker left it, not where the bar last was.
    const batchRows = stderr.split('\n').filter((line) => line.includes('srv-batch-01'));
    expect(batchRows.at(-1)).toMatch(/60% \| \S+ \| LogExportFailed \| polls [1-9]\d* \| done/);
    expect(devServerProcesses(frontendPort)).toHaveLength(1);

    demo.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toContain('Stopped.');
    expect(await portIsFree(frontendPort)).toBe(true);
    expect(await portIsFree(uiPort)).toBe(true);
    expect(devServerProcesses(frontendPort)).toEqual([]);
  } finally {
    if (demo.exitCode === null) demo.kill('SIGKILL');
  }
}, 150_000);
