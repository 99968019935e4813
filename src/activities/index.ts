import { applyProjectWeightActivity } from '../request-budget/weight-activity.js';
import type { ActivityDependencies } from './api-call.js';
import { awaitCollectionsActivity } from './await-collections.js';
import { downloadArchiveActivity } from './download-archive.js';
import { getExportStatusActivity } from './export-status.js';
import { listServersPageActivity } from './list-servers-page.js';
import { requestExportActivity } from './request-export.js';
import { storeFleetManifestActivity } from './store-fleet-manifest.js';

export type { ActivityDependencies } from './api-call.js';

/** The activities of every workflow here, bound to their dependencies; one activity a file. */
export function createActivities(deps: ActivityDependencies) {
  return {
    getExportStatus: getExportStatusActivity(deps),
    listServersPage: listServersPageActivity(deps),
    requestExport: requestExportActivity(deps),
    downloadArchive: downloadArchiveActivity(deps),
    storeFleetManifest: storeFleetManifestActivity(deps),
    awaitCollections: awaitCollectionsActivity(),
    applyProjectWeight: applyProjectWeightActivity,
    /** Run as a local activity at a tracker's start, so the answer is recorded in its history. */
    async searchAttributesAvailable(): Promise<boolean> {
      return deps.searchIndex ?? false;
    },
  };
}

export type TrackerActivities = ReturnType<typeof createActivities>;
