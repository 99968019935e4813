import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
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
  'queue-config': ['contract'],
  activities: ['contract', 'queue-config'],
  // Activities as types only (checked below): the workflow bundle holds none of their code.
  workflows: ['contract', 'activities'],
  nexus: ['contract', 'workflows'],
  client: ['contract', 'queue-config', 'workflows'],
  cli: ['contract', 'client'],
  worker: ['contract', 'activities', 'client', 'nexus', 'queue-config'],
  'api.ts': ['contract', 'workflows'],
  'worker.ts': ['contract', 'activities', 'client', 'queue-config', 'worker'],
  'starter.ts': ['cli'],
  simulator: ['contract', 'activities'],
  dev: ['contract', 'activities', 'cli', 'client', 'nexus', 'queue-config', 'simulator', 'worker'],
};

/**
 * The request budget and Worker Versioning each keep every layer of them in one folder, so that
 * one change to them is made in one place; each of their files sits in the layer it would have
 * in a folder of its own.
 */
const CONCERN_LAYERS: Record<string, Record<string, string>> = {
  'request-budget/': {
    'contract.ts': 'contract',
    'aimd.ts': 'contract',
    'arrival-room.ts': 'contract',
    'lag-report.ts': 'activities',
    'keeper-signal.ts': 'activities',
    'task-queue-config.ts': 'queue-config',
    'project-pacing.ts': 'queue-config',
    'worker-limiter.ts': 'activities',
    'send-gate.ts': 'activities',
    'send-shares.ts': 'contract',
    'send-gates.ts': 'activities',
    'share-member.ts': 'client',
    'shares-workflow.ts': 'workflows',
    'weight-activity.ts': 'activities',
    'throttle-report-activity.ts': 'activities',
    'keeper-workflow.ts': 'workflows',
    'client.ts': 'client',
    'cli-commands.ts': 'cli',
  },
  'worker-deployment/': {
    'contract.ts': 'contract',
    'continue-on-current-build.ts': 'workflows',
    'routing.ts': 'client',
    'build-id.ts': 'worker',
    'join.ts': 'worker',
    'cli-commands.ts': 'cli',
  },
};
const TOOLING = ['dev/', 'simulator/'];

let graph: Record<string, string[]>;
let circular: string[][];
beforeAll(async () => {
  const result = await madge(SRC, { fileExtensions: ['ts'], tsConfig: join(SRC, '../tsconfig.json') });
  graph = result.obj();
  circular = result.circular();
}, 30_000);

function concernOf(file: string): string | undefined {
  return Object.keys(CONCERN_LAYERS).find((folder) => file.startsWith(folder));
}

function layer(file: string): string {
  const concern = concernOf(file);
  if (concern) return CONCERN_LAYERS[concern]?.[file.slice(concern.length)] ?? `${file} (no layer)`;
  return file.split('/')[0] ?? file;
}

describe('the import graph of src/', () => {
  it('reads every file', () => {
    expect(Object.keys(graph).length).toBeGreaterThan(100);
    expect(Object.keys(graph)).toContain('cli/connect.ts');
  });

  it('has no circle', () => {
    expect(circular).toEqual([]);
  });

  it('gives every file of the request budget and of Worker Versioning a layer', () => {
    for (const folder of Object.keys(CONCERN_LAYERS)) {
      const files = Object.keys(graph).filter((file) => file.startsWith(folder));
      expect(files.length, folder).toBeGreaterThan(5);
      expect(files.filter((file) => layer(file).endsWith('(no layer)'))).toEqual([]);
    }
  });

  it('runs down the layers: no part imports one above it', () => {
    const upward = Object.entries(graph).flatMap(([file, imports]) =>
      imports
        .filter((target) => layer(target) !== layer(file))
        .filter((target) => !(MAY_IMPORT[layer(file)] ?? []).includes(layer(target)))
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
    const workflowFiles = Object.keys(graph).filter((f) => layer(f) === 'workflows');
    expect(workflowFiles).toContain('request-budget/keeper-workflow.ts');
    for (const file of workflowFiles) {
      const source = await readFile(join(SRC, file), 'utf8');
      for (const [statement, specifier] of source.matchAll(/^import (?!type )[^;]*from '(\.[^']*)';$/gm)) {
        const target = relative(SRC, resolve(dirname(join(SRC, file)), specifier ?? '')).replace(
          /\.js$/,
          '.ts',
        );
        if (layer(target) === 'activities') valueImports.push(`${file}: ${statement}`);
      }
    }
    expect(valueImports).toEqual([]);
  });
});
