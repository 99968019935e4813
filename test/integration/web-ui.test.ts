import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import { getProgressQuery } from '../../src/contract/index.js';
import { ensureChromium } from '../helpers/chromium.js';
import { FAST_POLICY, type Harness, startHarness, waitFor } from '../helpers/harness.js';

const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));

let h: Harness;
let browser: Awaited<ReturnType<typeof ensureChromium>>;
beforeAll(async () => {
  browser = await ensureChromium();
  h = await startHarness({ ui: true });
}, 600_000);
afterAll(async () => {
  await h?.close();
});

it('an operator finds the tracker by CloudDCServerId in the Web UI and sees its summary and progress', {
  timeout: 240_000,
}, async (ctx) => {
  if ('missing' in browser) {
    console.warn(`Skipping the browser check: ${browser.missing}`);
    ctx.skip();
    return;
  }
  const record = h.sim.createExport('proj-ui', 'srv-ui', { durationMs: 120_000 });
  const handle = await h.track({
    projectId: 'proj-ui',
    serverId: 'srv-ui',
    exportId: record.exportId,
    policy: FAST_POLICY,
  });
  await waitFor(async () => ((await handle.query(getProgressQuery)).polls >= 2 ? true : undefined), {
    what: 'two polls',
  });

  const uiPort = Number(h.env.address.split(':').at(-1)) + 1000;
  const launched = await chromium.launch({
    executablePath: browser.path,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await mkdir(OUTPUT, { recursive: true });
  let page: Awaited<ReturnType<typeof launched.newPage>> | undefined;
  try {
    page = await launched.newPage({ viewport: { width: 1400, height: 900 } });
    const query = encodeURIComponent(`CloudDCServerId="srv-ui"`);
    await page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows?query=${query}`);
    // As an operator would: the filtered list shows the tracker; its link opens the workflow page.
    const link = page.getByRole('link', { name: handle.workflowId }).first();
    await link.waitFor({ timeout: 60_000 });
    await link.click();
    // The static summary and the current details live on the workflow page's "User Metadata" tab.
    await page.getByText('User Metadata').first().click({ timeout: 60_000 });
    // The UI renders the Markdown of summary and details in sandboxed frames: read every frame.
    const shown = async (...texts: string[]) => {
      const contents = await Promise.all(
        page?.frames().map((frame) => frame.content().catch(() => '')) ?? [],
      );
      return contents.some((html) => texts.every((text) => html.includes(text))) ? true : undefined;
    };
    await waitFor(() => shown(`Log export ${record.exportId} of server srv-ui (project proj-ui)`), {
      timeoutMs: 60_000,
      what: 'the summary on the page',
    });
    // The details pane loads once with the page; "r" asks the UI for fresh ones, as its hint says.
    let checks = 0;
    // Both read from one rendering: the pane re-renders as it refreshes.
    await waitFor(
      async () => {
        if (await shown('Progress:', 'Next poll:')) return true;
        checks += 1;
        if (checks % 40 === 0) await page?.keyboard.press('r');
        return undefined;
      },
      { timeoutMs: 60_000, what: 'the current details on the page, with the next poll' },
    );
    await page.screenshot({ path: `${OUTPUT}web-ui-tracker.png`, fullPage: true });
  } catch (err) {
    await page?.screenshot({ path: `${OUTPUT}web-ui-failure.png`, fullPage: true }).catch(() => undefined);
    throw err;
  } finally {
    await launched.close();
    await handle.cancel();
  }
});
