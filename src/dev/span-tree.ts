import type { ReceivedSpan } from './otlp-receiver.js';

/**
 * One trace as an indented tree, children in the order they started: each span's name, when it
 * started after the root, how long it took, and for the CloudDC requests the answer's status and
 * X-Request-Id. A process's service name is shown where the trace enters it.
 */
export function formatSpanTree(spans: ReceivedSpan[]): string {
  const ids = new Set(spans.map((span) => span.spanId));
  const byStart = [...spans].sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  const roots = byStart.filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId));
  const origin = roots[0]?.startNs ?? 0n;
  const lines: string[] = [];
  const walk = (span: ReceivedSpan, prefix: string, last: boolean, parent?: ReceivedSpan) => {
    const branch = parent ? (last ? '└─ ' : '├─ ') : '';
    lines.push(`${prefix}${branch}${describe(span, origin, parent)}`);
    const children = byStart.filter((child) => child.parentSpanId === span.spanId);
    const inner = parent ? `${prefix}${last ? '   ' : '│  '}` : prefix;
    for (const [i, child] of children.entries()) walk(child, inner, i === children.length - 1, span);
  };
  for (const root of roots) walk(root, '', true);
  return lines.join('\n');
}

function describe(span: ReceivedSpan, origin: bigint, parent?: ReceivedSpan): string {
  const status = span.attributes['http.response.status_code'];
  const requestId = span.attributes['clouddc.request_id'];
  const notes = [
    `+${formatMs(Number(span.startNs - origin) / 1e6)}`,
    formatMs(Number(span.endNs - span.startNs) / 1e6),
    ...(status !== undefined ? [`HTTP ${status}`] : []),
    ...(requestId !== undefined ? [`X-Request-Id ${requestId}`] : []),
    ...(span.statusCode === 2 && status === undefined ? ['error'] : []),
  ];
  const service = span.service !== parent?.service ? `  [${span.service}]` : '';
  return `${span.name}  (${notes.join(', ')})${service}`;
}

function formatMs(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(2)} s`;
}
