import type { ApiTarget } from './clouddc/transport.js';

/**
 * Maps a workflow's region name to where this worker may send requests for it, or undefined for
 * a region outside the worker's allow-list. Inputs name regions, never hosts, so they cannot steer
 * requests (and credentials) anywhere else.
 */
export function regionTargets(
  defaultRegion: string,
  allowedRegions: readonly string[],
  endpointFor: (region: string) => string,
): (region: string | undefined) => ApiTarget | undefined {
  return (requested) => {
    const region = requested ?? defaultRegion;
    return allowedRegions.includes(region) ? { region, endpoint: endpointFor(region) } : undefined;
  };
}
