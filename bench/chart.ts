import type { StrategyFigures } from './main.js';

const TITLE = 'API calls, p95 detection latency and billable actions per export, by strategy';
const COLORS: Record<string, string> = { fixed: '#9e9e9e', retry: '#f0a030', ours: '#2a7ab0' };

/**
 * Three small bar panels as SVG: calls, p95 detection latency and billable actions per export.
 * Written by hand: a handful of rectangles and labels, where a charting library would bring a
 * browser or canvas dependency into the benchmark.
 */
export function renderChart(figures: StrategyFigures[], exports: number, scale: number): string {
  const panels: Array<[string, (f: StrategyFigures) => number, (v: number) => string]> = [
    ['API calls per export', (f) => f.callsPerExport, (v) => v.toFixed(1)],
    ['p95 detection latency (s)', (f) => f.latencyMs.p95 / 1000, (v) => v.toFixed(1)],
    ['billable actions per export', (f) => f.actionsPerExport, (v) => v.toFixed(1)],
  ];
  const panelWidth = 240;
  const height = 260;
  const parts: string[] = [];
  panels.forEach(([title, value, format], p) => {
    const x0 = 20 + p * panelWidth;
    const max = Math.max(...figures.map(value), 1e-9);
    parts.push(text(x0 + panelWidth / 2 - 10, 30, title, 'middle', 13, 'bold'));
    figures.forEach((f, i) => {
      const v = value(f);
      const barHeight = (v / max) * 160;
      const x = x0 + 20 + i * 65;
      parts.push(
        `<rect x="${x}" y="${210 - barHeight}" width="45" height="${barHeight}" fill="${COLORS[f.strategy] ?? '#666'}"/>`,
        text(x + 22.5, 205 - barHeight, format(v), 'middle', 12),
        text(x + 22.5, 228, f.strategy, 'middle', 12),
      );
    });
  });
  const width = 40 + panels.length * panelWidth;
  parts.push(
    text(
      width / 2,
      height - 8,
      `${exports} exports per strategy, time scale ${scale}; npm run bench`,
      'middle',
      11,
    ),
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">\n<title>${TITLE}</title>\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

function text(
  x: number,
  y: number,
  content: string,
  anchor: string,
  size: number,
  weight = 'normal',
): string {
  return `<text x="${x}" y="${y}" text-anchor="${anchor}" font-size="${size}" font-weight="${weight}">${content}</text>`;
}
