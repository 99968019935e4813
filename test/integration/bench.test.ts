import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm run bench', () => {
  it('runs all three strategies on a tiny mix and reports every export with its costs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-'));
    const file = join(dir, 'figures.json');
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/main.ts',
        '--exports',
        '4',
        '--time-scale',
        '0.05',
        '--json',
        file,
        '--no-chart',
      ],
      { timeout: 170_000 },
    );
    expect(stdout).toMatch(/API calls per export/);
    const { figures } = JSON.parse(await readFile(file, 'utf8')) as {
      figures: Array<{
        strategy: string;
        exports: number;
        correct: number;
        callsPerExport: number;
        actionsPerExport: number;
      }>;
    };
    expect(figures.map((f) => f.strategy)).toEqual(['fixed', 'retry', 'ours']);
    for (const f of figures) {
      expect(f).toMatchObject({ exports: 4, correct: 4 });
      expect(f.callsPerExport).toBeGreaterThanOrEqual(1);
      expect(f.actionsPerExport).toBeGreaterThanOrEqual(f.strategy === 'fixed' ? 2 : 1);
    }
    await rm(dir, { recursive: true, force: true });
  }, 180_000);

  it('measures shape families and the generated population against a fixed poller making as many calls', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-shapes-'));
    const file = join(dir, 'shapes.json');
    await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/main.ts',
        '--shapes',
        'smooth,stall-burst',
        '--random',
        '4',
        '--exports',
        '3',
        '--time-scale',
        '0.05',
        '--seed',
        '9',
        '--json',
        file,
      ],
      { timeout: 170_000 },
    );
    const { figures: all } = JSON.parse(await readFile(file, 'utf8')) as {
      figures: Array<{
        family: string;
        wrong: number;
        overBound: number;
        fixedIntervalMs: number;
        ours: { callsPerExport: number; p95: number };
        fixed: { callsPerExport: number; p95: number };
      }>;
    };
    // The generated population is also reported by whether the readings foretell each end.
    const figures = all.filter((f) => !f.family.startsWith('random: '));
    expect(figures.map((f) => f.family)).toEqual(['smooth', 'stall-burst', 'random']);
    expect(all.length).toBeGreaterThan(figures.length);
    for (const f of all) expect(f.overBound).toBe(0);
    for (const f of figures) {
      expect(f.wrong).toBe(0);
      expect(f.ours.callsPerExport).toBeGreaterThanOrEqual(2);
      // Run, not computed: its calls come from the simulator's tally, within one of ours.
      expect(Math.abs(f.fixed.callsPerExport - f.ours.callsPerExport)).toBeLessThanOrEqual(1.5);
      expect(f.fixedIntervalMs).toBeGreaterThan(0);
    }
    await rm(dir, { recursive: true, force: true });
  }, 180_000);
});
