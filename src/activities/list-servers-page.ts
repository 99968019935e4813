import type { ListServersPageInput } from '../contract/index.js';
import { type ActivityDependencies, apiCall } from './api-call.js';

/** ListServers returns at most this many servers a page. */
const PAGE_SIZE = 1_000;

/** One page of ListServers, as server IDs. */
export function listServersPageActivity(deps: ActivityDependencies) {
  return async function listServersPage(
    input: ListServersPageInput,
  ): Promise<{ serverIds: string[]; nextMarker?: string }> {
    const call = apiCall(deps, `Server listing of project ${input.projectId}`, input);
    const page = await call.send(() =>
      deps.cloudDC.listServers(
        call.target,
        {
          projectId: input.projectId,
          manageState: input.manageState,
          limit: PAGE_SIZE,
          ...(input.marker ? { marker: input.marker } : {}),
        },
        call.limits,
      ),
    );
    return {
      serverIds: page.servers.map((s) => s.id),
      ...(page.nextMarker ? { nextMarker: page.nextMarker } : {}),
    };
  };
}
