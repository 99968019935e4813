import {
  formatBytes,
  formatFailuresByType,
  overallOf,
  type ProjectProgress,
  projectSummaryOf,
} from '../contract/index.js';

const HEADER = [
  '| Project | Region | State | Servers | Collected | Failed | Archives | Failures by type |',
  '| --- | --- | --- | ---: | ---: | ---: | ---: | --- |',
];

/**
 * The Web UI's current details of a multi-project collection: a line per project, counted once
 * its fleet has ended (a running fleet's own page counts its servers live), and the overall sum.
 */
export function projectsDetails(projects: readonly ProjectProgress[]): string {
  const ended = projects.filter((p) => p.state !== 'running');
  const overall = overallOf(ended.map(projectSummaryOf));
  const rows = projects.map((p) => {
    const project = `${p.projectId} | ${p.region ?? 'default'}`;
    if (p.state === 'running') return `| ${project} | running | | | | | |`;
    const s = projectSummaryOf(p);
    const state = p.failure ? `failed: ${p.failure.type}` : 'completed';
    return `| ${project} | ${state} | ${s.servers} | ${s.succeeded} | ${s.failed} | ${formatBytes(s.bytes)} | ${formatFailuresByType(s.failuresByType)} |`;
  });
  const done = `${ended.length} of ${projects.length} done`;
  return [
    `**Projects:** ${done}, ${overall.projectsFailed} failed · **Servers:** ${overall.succeeded} collected, ${overall.failed} failed · **Archives:** ${formatBytes(overall.bytes)}`,
    '',
    ...HEADER,
    ...rows,
    `| **Overall** | | ${done} | ${overall.servers} | ${overall.succeeded} | ${overall.failed} | ${formatBytes(overall.bytes)} | ${formatFailuresByType(overall.failuresByType)} |`,
  ].join('\n');
}
