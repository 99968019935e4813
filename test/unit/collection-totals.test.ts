import { describe, expect, it } from 'vitest';
import {
  type CollectionTotals,
  fleetTotals,
  formatBytes,
  formatFailuresByType,
  overallOf,
  type ProjectProgress,
  projectSummaryOf,
  readFleetResult,
} from '../../src/contract/index.js';
import { projectsDetails } from '../../src/workflows/projects-details.js';

const EAST: CollectionTotals = {
  servers: 3,
  succeeded: 2,
  failed: 1,
  bytes: 22_000,
  failuresByType: { LogExportFailed: 1 },
};

describe('the totals of a multi-project collection', () => {
  it('count a fleet’s result from before manifests: servers, archive bytes, failures by type; a success without a size counts 0 bytes', () => {
    const listed = {
      total: 5,
      succeeded: [
        { serverId: 'a', exportId: '1', url: 'file:///a', bytes: 1_000 },
        { serverId: 'b', exportId: '2', url: 'file:///b', bytes: 2_500 },
        { serverId: 'c', exportId: '3', url: 'file:///c' },
      ],
      failed: [
        { serverId: 'd', type: 'LogExportFailed', message: 'm' },
        { serverId: 'e', type: 'LogExportNotFound', message: 'm' },
      ],
    };
    const { result, lines } = readFleetResult(listed);
    expect(fleetTotals(result)).toEqual({
      servers: 5,
      succeeded: 3,
      failed: 2,
      bytes: 3_500,
      failuresByType: { LogExportFailed: 1, LogExportNotFound: 1 },
    });
    expect(result.failures).toEqual(listed.failed);
    expect(result.manifests).toEqual([]);
    expect(lines.map((line) => [line.serverId, line.status])).toEqual([
      ['a', 'collected'],
      ['b', 'collected'],
      ['c', 'collected'],
      ['d', 'failed'],
      ['e', 'failed'],
    ]);
    // A result with manifests is read as it is.
    expect(readFleetResult(result)).toEqual({ result, lines: [] });
  });

  it('sum the projects, a failed project counted as a project with no servers', () => {
    const projects = [
      projectSummaryOf({
        projectId: 'east',
        region: 'cn-east-3',
        fleetWorkflowId: 'c:east',
        state: 'completed',
        summary: EAST,
      }),
      projectSummaryOf({
        projectId: 'south',
        fleetWorkflowId: 'c:south',
        state: 'completed',
        summary: { servers: 2, succeeded: 1, failed: 1, bytes: 500, failuresByType: { LogExportFailed: 1 } },
      }),
      projectSummaryOf({
        projectId: 'denied',
        fleetWorkflowId: 'c:denied',
        state: 'failed',
        failure: { type: 'CloudDCPermissionDenied', message: 'no' },
      }),
    ];
    expect(projects[2]).toEqual({
      projectId: 'denied',
      fleetWorkflowId: 'c:denied',
      servers: 0,
      succeeded: 0,
      failed: 0,
      bytes: 0,
      failuresByType: {},
      failure: { type: 'CloudDCPermissionDenied', message: 'no' },
    });
    expect(overallOf(projects)).toEqual({
      projects: 3,
      projectsFailed: 1,
      servers: 5,
      succeeded: 3,
      failed: 2,
      bytes: 22_500,
      failuresByType: { LogExportFailed: 2 },
    });
  });

  it('read as text: failures most frequent first, bytes in powers of 1,000', () => {
    expect(formatFailuresByType({ B: 1, A: 1, C: 3 })).toBe('C 3, A 1, B 1');
    expect(formatFailuresByType({})).toBe('-');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(22_000)).toBe('22.0 kB');
    expect(formatBytes(1_500_000)).toBe('1.50 MB');
    expect(formatBytes(7.2e12)).toBe('7.20 TB');
  });
});

describe('the Web UI summary of a multi-project collection', () => {
  it('has a row per project, counted once its fleet has ended, and the overall sum of those', () => {
    const projects: ProjectProgress[] = [
      {
        projectId: 'east',
        region: 'cn-east-3',
        fleetWorkflowId: 'c:east',
        state: 'completed',
        summary: EAST,
      },
      { projectId: 'south', region: 'ap-southeast-3', fleetWorkflowId: 'c:south', state: 'running' },
      {
        projectId: 'denied',
        fleetWorkflowId: 'c:denied',
        state: 'failed',
        failure: { type: 'CloudDCPermissionDenied', message: 'no' },
      },
    ];
    expect(projectsDetails(projects).split('\n')).toEqual([
      '**Projects:** 2 of 3 done, 1 failed · **Servers:** 2 collected, 1 failed · **Archives:** 22.0 kB',
      '',
      '| Project | Region | State | Servers | Collected | Failed | Archives | Failures by type |',
      '| --- | --- | --- | ---: | ---: | ---: | ---: | --- |',
      '| east | cn-east-3 | completed | 3 | 2 | 1 | 22.0 kB | LogExportFailed 1 |',
      '| south | ap-southeast-3 | running | | | | | |',
      '| denied | default | failed: CloudDCPermissionDenied | 0 | 0 | 0 | 0 B | - |',
      '| **Overall** | | 2 of 3 done | 3 | 2 | 1 | 22.0 kB | LogExportFailed 1 |',
    ]);
  });
});
