import { ensureDebianPackage } from './debian-package.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium: a browser build of Playwright's own cannot be downloaded here. */
export function ensureChromium(): Promise<{ path: string } | { missing: string }> {
  return ensureDebianPackage('chromium', CHROMIUM);
}
