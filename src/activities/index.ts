import type { ExportStatusRequest, ExportStatusSnapshot, ListServersPageInput } from '../contract/index.js';
import { describeExport } from '../contract/index.js';
import { type ActivityDependencies, apiCall } from './api-call.js';
import { downloadArchiveActivity } from './download-archive.js';
import { applyProjectWeightActivity } from './project-weight.js';
import { requestExportActivity } from './request-export.js';

export type { ActivityDependencies } from './api-call.js';

/** The activities of every workflow here, bound to their dependencies. */
export function createActivities(deps: ActivityDependencies) {
  return {
    /** One ShowLogsExportStatus call; every retry is Temporal's, paced by the failure it raises. */
    async getExportStatus(request: ExportStatusRequest): Promise<ExportStatusSnapshot> {
      const subject = describeExport(request);
      const call = apiCall(deps, subject, request, { exportId: request.exportId });
      // The tracker waits out a 429 itself and polls again ahead of its project's queue.
      return call.send(() => deps.cloudDC.showLogsExportStatus(call.target, request, call.limits), {
        failedBefore: request.failedAttempts,
        throttleToWorkflow: true,
      });
    },
    /** One page of ListServers (up to 1,000 servers), as IDs. */
    async listServersPage(
      input: ListServersPageInput,
    ): Promise<{ serverIds: string[]; nextMarker?: string }> {
      const subject = `Server listing of project ${input.projectId}`;
      const call = apiCall(deps, subject, input);
      const page = await call.send(() =>
        deps.cloudDC.listServers(
          call.target,
          {
            projectId: input.projectId,
            manageState: input.manageState,
            limit: 1_000,
            ...(input.marker ? { marker: input.marker } : {}),
          },
          call.limits,
        ),
      );
      return {
        serverIds: page.servers.map((s) => s.id),
        ...(page.nextMarker ? { nextMarker: page.nextMarker } : {}),
      };
    },
    applyProjectWeight: applyProjectWeightActivity,
    /** Run as a local activity at a tracker's start, so the answer is recorded in its history. */
    async searchAttributesAvailable(): Promise<boolean> {
      return deps.searchIndex ?? false;
    },
    requestExport: requestExportActivity(deps),
    downloadArchive: downloadArchiveActivity(deps),
  };
}

export type TrackerActivities = ReturnType<typeof createActivities>;
