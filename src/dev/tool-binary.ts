import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export type ToolSource = 'variable' | 'PATH' | 'project' | 'installed';

/**
 * Finds a tool the tests and the demo run: the path in `variable`, then `name` on `PATH`, then the
 * project-local build under `.tools/`, which `install` makes when none is found.
 */
export async function findToolBinary(tool: {
  variable: string;
  name: string;
  localBinary: string;
  install: () => Promise<void>;
}): Promise<{ path: string; source: ToolSource }> {
  const fromEnv = process.env[tool.variable];
  if (fromEnv) {
    if (!(await isExecutable(fromEnv)))
      throw new Error(`${tool.variable}=${fromEnv} is not an executable file`);
    return { path: fromEnv, source: 'variable' };
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, tool.name);
    if (await isExecutable(candidate)) return { path: candidate, source: 'PATH' };
  }
  if (await isExecutable(tool.localBinary)) return { path: tool.localBinary, source: 'project' };
  await tool.install();
  return { path: tool.localBinary, source: 'installed' };
}

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
