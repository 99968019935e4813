import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { beforeAll, describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * Which top-level parts of `src/` each part may import: the arrows run down, from the entry
 * points to the contract. The simulator and the local launchers (`dev`) are tooling around the
 * product: they may use it, and nothing in the product uses them.
 */
const MAY_IMPORT: Record<string, string[]> = {
  contract: [],
  'rate-limits': ['contract'],
  activities: ['contract', 'rate-limits'],
  // Activities as types only (checked below): the workflow bundle holds none of their code.
  workflows: ['contract', 'activities'],
  nexus: ['contract', 'workflows'],
  client: ['contract', 'rate-limits', 'workflows'],
  cli: ['contract', 'client'],
  worker: ['contract', 'activities', 'client', 'nexus', 'rate-limits'],
  'api.ts': ['contract', 'workflows'],
  'worker.ts': ['contract', 'activities', 'client', 'rate-limits', 'worker'],
  'starter.ts': ['cli'],
  simulator: ['contract', 'activities'],
  dev: ['contract', 'activities', 'cli', 'client', 'nexus', 'rate-limits', 'simulator', 'worker'],
};
const TOOLING = ['dev/', 'simulator/', 'workflows/examples/'];

let graph: Record<string, string[]>;
let circular: string[][];
beforeAll(async () => {
  const result = await madge(SRC, { fileExtensions: ['ts'], tsConfig: join(SRC, '../tsconfig.json') });
  graph = result.obj();
  circular = result.circular();
}, 30_000);

const part = (file: string) => file.split('/')[0] ?? file;

describe('the import graph of src/', () => {
  it('reads every file', () => {
    expect(Object.keys(graph).length).toBeGreaterThan(100);
    expect(Object.keys(graph)).toContain('cli/connect.ts');
  });

  it('has no circle', () => {
    expect(circular).toEqual([]);
  });

  it('runs down the layers: no part imports one above it', () => {
    const upward = Object.entries(graph).flatMap(([file, imports]) =>
      imports
        .filter((target) => part(target) !== part(file))
        .filter((target) => !(MAY_IMPORT[part(file)] ?? []).includes(part(target)))
        .map((target) => `${file} -> ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it('keeps the product apart from its tooling: nothing shipped imports the simulator, a launcher or an example', () => {
    const product = Object.keys(graph).filter((file) => !TOOLING.some((dir) => file.startsWith(dir)));
    const intoTooling = product.flatMap((file) =>
      (graph[file] ?? [])
        .filter((target) => TOOLING.some((dir) => target.startsWith(dir)))
        .map((target) => `${file} -> ${target}`),
    );
    expect(intoTooling).toEqual([]);
  });

  it('lets workflows see activities as types only', async () => {
    const valueImports: string[] = [];
    for (const file of Object.keys(graph).filter((f) => f.startsWith('workflows/'))) {
      const source = await readFile(join(SRC, file), 'utf8');
      for (const [statement] of source.matchAll(/^import (?!type )[^;]*from '\.\.\/activities\/[^']*';$/gm))
        valueImports.push(`${file}: ${statement}`);
    }
    expect(valueImports).toEqual([]);
  });
});
