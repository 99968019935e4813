import type { ExportStatusRequest, ExportStatusSnapshot, ListServersPageInput } from '../contract/index.js';
import { describeExport } from '../contract/index.js';
import { type ActivityDependencies, apiCall } from './api-call.js';
import { CloudDCApiError } from './clouddc-client.js';
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
      try {
        return await deps.cloudDC.showLogsExportStatus(call.target, request, call.limits);
      } catch (err) {
        if (err instanceof CloudDCApiError) {
          // The tracker waits out a 429 itself and polls again ahead of its project's queue.
          throw await call.fail(subject, err, {
            failedBefore: request.failedAttempts,
            throttleToWorkflow: true,
          });
        }
        throw err;
      }
    },
    /** One page of ListServers (up to 1,000 servers), as IDs. */
    async listServersPage(
      input: ListServersPageInput,
    ): Promise<{ serverIds: string[]; nextMarker?: string }> {
      const subject = `Server listing of project ${input.projectId}`;
      const call = apiCall(deps, subject, input);
      try {
        const page = await deps.cloudDC.listServers(
          call.target,
          {
            projectId: input.projectId,
            manageState: input.manageState,
            limit: 1_000,
            ...(input.marker ? { marker: input.marker } : {}),
          },
          call.limits,
        );
        return {
          serverIds: page.servers.map((s) => s.id),
          ...(page.nextMarker ? { nextMarker: page.nextMarker } : {}),
        };
      } catch (err) {
        if (err instanceof CloudDCApiError) throw await call.fail(subject, err);
        throw err;
      }
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
