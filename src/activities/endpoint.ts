/**
 * Maps a workflow's region name to the base URL this worker may call. A worker serves its own
 * region only, so an input can never steer requests (and credentials) to another host.
 */
export function endpointResolver(
  servedRegion: string,
  endpoint: string,
): (region: string | undefined) => string {
  return (region) => {
    if (region === undefined || region === servedRegion) return endpoint;
    throw new Error(
      `region ${JSON.stringify(region)} is not served by this worker (it serves ${servedRegion})`,
    );
  };
}
