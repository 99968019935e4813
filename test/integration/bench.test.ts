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
});
