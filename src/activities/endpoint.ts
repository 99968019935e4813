/**
 * Maps a workflow's region name to the base URL this worker may call, or undefined for a region
 * it does not serve. A worker serves its own region only, so an input can never steer requests
 * (and credentials) to another host.
 */
export function regionEndpoints(
  servedRegion: string,
  endpoint: string,
): (region: string | undefined) => string | undefined {
  return (region) => (region === undefined || region === servedRegion ? endpoint : undefined);
}
