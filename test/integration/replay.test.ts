import { readdirSync, readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { droppedWorkflowSpans } from '../../src/worker/tracing.js';

const FIXTURES = new URL('../fixtures/histories/', import.meta.url);
/** The current version's histories, and in sub-folders those of earlier versions still to be replayed. */
const files = readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' }).filter((name) =>
  name.endsWith('.json'),
);

describe('determinism guard', () => {
  it('replays every recorded history with the current workflow code', async () => {
    // Recorded by `npm run histories:record`: every workflow, a continue-as-new chain, children,
    // a signal, an update, a cancellation, failures.
    expect(files.length).toBeGreaterThanOrEqual(20);
    const histories = files.map((name) => {
      const { workflowId, history } = JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
      return { workflowId: workflowId as string, history: historyFromJSON(history) };
    });
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      // The sink of the bundle's tracing interceptors, as every worker registers it.
      { workflowBundle: { codePath: inject('workflowBundlePath') }, sinks: droppedWorkflowSpans },
      histories,
    )) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
