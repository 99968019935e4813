/**
 * `npm run bench:startup -- --runs 3`: how long the worker takes from `node` starting to polling its
 * task queue, and how much memory it then holds idle, run from the TypeScript source through tsx
 * (bundling the workflows with webpack at start) and from `dist/` after `npm run build` (loading
 * the prebuilt bundle). Each run starts the worker as a process of its own against one dev server
 * and the simulator, waits for its start-up line, lets it idle, and reads its resident memory.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { startDevServer } from '../src/dev/dev-server.js';
import { CloudDCSimulator } from '../src/simulator/server.js';
import { positive } from './cli-options.js';
import { quantile } from './stats.js';
import { renderRows } from './table.js';
import { residentMb, stopWorkers, untilPolling } from './worker-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'bench-token';
const IDLE_MS = 5_000;

const WAYS = {
  'source (tsx, bundles at start)': ['--import', 'tsx', 'src/worker.ts'],
  'dist/ (npm run build)': ['dist/worker.js'],
} as const;

async function main(): Promise<void> {
  const { runs } = new Command('bench:startup')
    .option('--runs <n>', 'starts of each way', positive('--runs'), 3)
    .parse()
    .opts<{ runs: number }>();
  if (!existsSync(new URL('../dist/workflow-bundle.js', import.meta.url))) {
    throw new Error('No build in dist/: run `npm run build` first');
  }
  const env = await startDevServer();
  const sim = await CloudDCSimulator.start({ tokens: [TOKEN] });
  try {
    const rows = [['worker', 'start-up p50 / max (s)', 'idle RSS p50 / max (MB)']];
    for (const [way, args] of Object.entries(WAYS)) {
      const startups: number[] = [];
      const rss: number[] = [];
      for (let i = 0; i < runs; i++) {
        const figures = await startOnce([...args], {
          TEMPORAL_ADDRESS: env.address,
          TEMPORAL_TASK_QUEUE: `startup-${i}`,
          CLOUDDC_REGION: 'cn-east-3',
          CLOUDDC_ENDPOINT: sim.url,
          CLOUDDC_AUTH_TOKEN: TOKEN,
        });
        startups.push(figures.startupMs / 1000);
        rss.push(figures.rssMb);
        console.log(`${way}: run ${i + 1}: ${figures.startupMs} ms, ${figures.rssMb} MB`);
      }
      rows.push([
        way,
        `${quantile(startups, 0.5).toFixed(1)} / ${Math.max(...startups).toFixed(1)}`,
        `${quantile(rss, 0.5).toFixed(0)} / ${Math.max(...rss).toFixed(0)}`,
      ]);
    }
    console.log(`\n${renderRows(rows)}`);
  } finally {
    await sim.close();
    await env.teardown();
  }
}

async function startOnce(args: string[], env: Record<string, string>) {
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await untilPolling(child);
    const startupMs = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    return { startupMs, rssMb: Math.round(await residentMb(child)) };
  } finally {
    await stopWorkers(child);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
