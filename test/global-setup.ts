import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { findMinio } from '../src/dev/minio.js';
import { findTemporalCli } from '../src/dev/temporal-cli.js';
import { workflowInterceptorModules } from '../src/worker/tracing.js';
import { workflowsPath } from '../src/worker/tracker-worker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    workflowBundlePath: string;
    minioPath: string;
    cliPath: string;
  }
}

/**
 * Installs the Temporal CLI and builds MinIO once (both cached under `.tools/`), and bundles the
 * workflows and the CLI once, for every test file.
 */
export default async function setup(project: TestProject) {
  const cli = await findTemporalCli((line) => console.log(line));
  console.log(
    cli
      ? `Temporal CLI from ${cli.source}: ${cli.path}`
      : "No Temporal CLI found or installable; the dev servers will use the SDK's own download",
  );
  const minio = await findMinio((line) => console.log(line));
  console.log(`MinIO from ${minio.source}: ${minio.path}`);
  project.provide('minioPath', minio.path);
  const dir = await mkdtemp(join(tmpdir(), 'clouddc-tests-'));
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    logger: quietLogger,
  });
  const bundlePath = join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, code);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('cliPath', await bundleCli());
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}

/**
 * The CLI from the source as one file, next to the packages it imports: the tests run it a hundred
 * times, and a process that loads one bundled file starts in half the CPU time of one under tsx.
 */
async function bundleCli(): Promise<string> {
  const outfile = fileURLToPath(new URL('../node_modules/.cache/clouddc-tests/cli.mjs', import.meta.url));
  await build({
    entryPoints: [fileURLToPath(new URL('../src/starter.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

const quietLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string) {
    console.warn(message);
  },
  error(message: string) {
    console.error(message);
  },
};
