import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm run bench', () => {
  it('runs all three strategies on a tiny mix and reports every export with its costs', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/main.ts', '--exports', '4', '--time-scale', '0.05', '--json', '--no-chart'],
      { timeout: 170_000 },
    );
    const { figures } = JSON.parse(stdout) as {
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
  }, 180_000);
});
