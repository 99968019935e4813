import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium, installed on first use (the machines reach Debian's packages; a browser
 * build of Playwright's own cannot be downloaded here). Undefined, with the reason, when it
 * cannot be had, so the browser test skips with that message instead of failing.
 */
export async function ensureChromium(): Promise<{ path: string } | { missing: string }> {
  if (await exists(CHROMIUM)) return { path: CHROMIUM };
  try {
    await run('apt-get', ['update', '-qq'], { timeout: 180_000 });
    await run('apt-get', ['install', '-y', '-qq', 'chromium'], {
      timeout: 300_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (err) {
    return {
      missing: `Chromium could not be installed with apt-get: ${(err as Error).message.split('\n')[0]}`,
    };
  }
  return (await exists(CHROMIUM))
    ? { path: CHROMIUM }
    : { missing: 'apt-get ran, but /usr/bin/chromium is not there' };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
