// Draws LoadGen's results.json as an SVG with Vega-Lite (rendered headless: vega's SVG renderer needs no canvas).
// Usage: node render.mjs results.json chart.svg
import { readFileSync, writeFileSync } from 'node:fs';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('Usage: node render.mjs <results.json> <chart.svg>');
  process.exit(2);
}

const report = JSON.parse(readFileSync(input, 'utf8'));
const runs = report.runs ?? [];
if (runs.length === 0) {
  console.error(`${input} has no runs to draw.`);
  process.exit(1);
}

const throughput = runs.flatMap(r => [
  { label: r.label, series: 'reads/s', value: r.readsPerSecond },
  { label: r.label, series: 'writes/s', value: r.writesPerSecond },
]);
const latency = runs.flatMap(r => ['p50', 'p95', 'p99'].map(p => ({ label: r.label, series: p, value: r.latency[p] })));
const single = (series, value) => runs.map(r => ({ label: r.label, series, value: value(r) }));
const hits = single('hit ratio %', r => (r.hitRatio ?? 0) * 100);
// Stale reads get their own panel: a few percent would vanish next to a 90 % hit ratio.
const stale = single('stale reads %', r => r.stalePercent ?? 0);
const database = single('CatalogApi reads/s', r => r.dbCallsPerSecond ?? 0);
const errors = single('errors', r => r.errors ?? 0);
const order = runs.map(r => r.label);

// One grouped bar chart per concern; the labels keep the order of the runs.
const panel = (title, values, unit) => ({
  title,
  width: Math.max(200, 80 * runs.length),
  height: 180,
  data: { values },
  mark: { type: 'bar', tooltip: true },
  encoding: {
    x: { field: 'label', type: 'nominal', sort: order, title: null, axis: { labelAngle: -30 } },
    xOffset: { field: 'series' },
    y: { field: 'value', type: 'quantitative', title: unit, axis: { format: ',~f' } },
    color: { field: 'series', type: 'nominal', title: null },
  },
});

const machine = report.machine ?? {};
const spec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: {
    text: 'LoadGen: the same workload on each system',
    subtitle: `${machine.cores ?? '?'} cores, ${machine.os ?? ''}, ${String(machine.date ?? '').slice(0, 16)}`,
  },
  config: { font: 'sans-serif', legend: { orient: 'bottom' } },
  resolve: { scale: { color: 'independent', xOffset: 'independent' } },
  concat: [
    panel('Throughput', throughput, 'requests/s'),
    panel('Latency', latency, 'ms'),
    panel('Cache hit ratio', hits, '%'),
    panel('Stale reads', stale, '% of reads'),
    panel('Database load', database, 'CatalogApi reads/s'),
    panel('Errors', errors, 'failed requests'),
  ],
  columns: 3,
};

const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
writeFileSync(output, await view.toSVG());
view.finalize();
