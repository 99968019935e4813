import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { CloudDCClient } from '../src/activities/clouddc/client.js';
import type { ApiTarget } from '../src/activities/clouddc/transport.js';
import type { ExportRef } from '../src/contract/index.js';
import { exportPhase, parsePercentage } from '../src/workflows/tracker/export-progress.js';

export interface BaselineInput extends ExportRef {
  intervalMs: number;
}

export interface BaselineResult {
  phase: 'completed' | 'failed';
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;

/** One status call per attempt through the same client as ours, without its rate limit. */
export function createBaselineActivities(cloudDC: CloudDCClient, target: ApiTarget) {
  async function phaseOf(ref: ExportRef) {
    const snapshot = await cloudDC.showLogsExportStatus(target, ref);
    return exportPhase(snapshot.status, parsePercentage(snapshot.percentage));
  }
  return {
    checkExport: phaseOf,
    async awaitExportEnd(ref: ExportRef): Promise<'completed' | 'failed'> {
      const phase = await phaseOf(ref);
      if (phase === 'running') {
        throw ApplicationFailure.create({
          message: 'export still running',
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      return phase;
    },
  };
}
