// The topology lab page: polls LoadGen's /api/lab and /api/load, draws the charts with Chart.js, and sends the
// actions. Everything shown comes from the server; the page only keeps what it is drawing.
'use strict';

const WINDOW_MS = 5 * 60 * 1000;
const MAX_RATE = 100000;
const $ = id => document.getElementById(id);
const lab = window.lab = { state: null, timeline: null, diagram: null, charts: {}, busy: false };

async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { ok: response.ok, status: response.status, json, text };
}

// A ProblemDetails as one sentence: the field errors first (they say what to fix), else detail, else title.
function describeProblem(r) {
  const p = r.json || {};
  if (p.errors) {
    return Object.entries(p.errors).map(([field, messages]) => `${field}: ${[].concat(messages).join(' ')}`).join(' ');
  }
  return p.detail || p.title || r.text || `HTTP ${r.status}`;
}

// ---- charts -------------------------------------------------------------------------------------------------------

const time = ms => new Date(ms).toLocaleTimeString([], { hour12: false });
const palette = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2'];

function makeChart(id, title, series, yOptions = {}) {
  if (!window.Chart) { return null; }
  return new Chart($(id), {
    type: 'line',
    data: { datasets: series.map((s, i) => ({ label: s.label, data: [], borderColor: s.color || palette[i], backgroundColor: s.color || palette[i], borderWidth: 1.5, pointRadius: 0, spanGaps: false })) },
    options: {
      animation: false, parsing: false, normalized: true, maintainAspectRatio: false,
      plugins: {
        title: { display: true, text: title },
        legend: { display: series.length > 1, position: 'bottom', labels: { boxWidth: 12 } },
        annotation: { annotations: {} },
        tooltip: { callbacks: { title: items => items.length ? time(items[0].parsed.x) : '' } },
      },
      scales: {
        x: { type: 'linear', ticks: { callback: v => time(v), maxTicksLimit: 6 } },
        y: Object.assign({ beginAtZero: true }, yOptions),
      },
    },
  });
}

function createCharts() {
  if (!window.Chart) { return; }
  const annotation = window['chartjs-plugin-annotation'];
  if (annotation) { Chart.register(annotation); }
  lab.charts.reads = makeChart('chart-reads', 'Reads/s (writes/s)', [{ label: 'reads/s', key: 'readsPerSecond' }, { label: 'writes/s', key: 'writesPerSecond' }]);
  lab.charts.latency = makeChart('chart-latency', 'Latency, ms', [{ label: 'p50', key: 'p50' }, { label: 'p99', key: 'p99', color: '#dc2626' }]);
  lab.charts.hits = makeChart('chart-hits', 'Cache hit ratio', [{ label: 'hit ratio', key: 'hitRatio', color: '#16a34a' }], { max: 1 });
  lab.charts.stale = makeChart('chart-stale', 'Stale reads, % of reads', [{ label: 'stale %', key: 'stalePercent', color: '#dc2626' }]);
  lab.charts.errors = makeChart('chart-errors', 'Errors/s', [{ label: 'errors', key: 'errors', color: '#7c3aed' }]);
  lab.charts.db = makeChart('chart-db', 'DB calls/s (CatalogApi reads)', [{ label: 'DB calls/s', key: 'dbCallsPerSecond', color: '#d97706' }]);
}

const seriesKeys = {
  reads: ['readsPerSecond', 'writesPerSecond'], latency: ['p50', 'p99'], hits: ['hitRatio'],
  stale: ['stalePercent'], errors: ['errors'], db: ['dbCallsPerSecond'],
};

function markerAnnotations(markers) {
  const annotations = {};
  for (const m of markers) {
    const color = m.outcome === 'failed' ? '#b91c1c' : m.kind === 'switch' ? '#0f172a' : '#7c3aed';
    annotations['m' + m.id] = {
      type: 'line', xMin: m.time, xMax: m.time, borderColor: color, borderWidth: 1.5,
      borderDash: m.outcome === 'running' ? [4, 4] : [],
      // Staggered so that markers close in time do not hide each other's label.
      label: { display: true, content: m.label, position: ['start', 'center', 'end'][m.id % 3], font: { size: 10 }, backgroundColor: color, padding: 2 },
    };
  }
  return annotations;
}

function drawTimeline(t) {
  const min = t.now - WINDOW_MS;
  const annotations = markerAnnotations(t.markers);
  for (const [name, chart] of Object.entries(lab.charts)) {
    if (!chart) { continue; }
    seriesKeys[name].forEach((key, i) => {
      // A null (no reads that second) is a gap, not a zero: zero stale reads and no reads are different things.
      chart.data.datasets[i].data = t.points.map(p => ({ x: p.time, y: p[key] ?? null }));
    });
    chart.options.scales.x.min = min;
    chart.options.scales.x.max = t.now;
    chart.options.plugins.annotation.annotations = annotations;
    chart.update('none');
  }

  const last = t.points[t.points.length - 1];
  const fmt = (v, d) => v === null || v === undefined ? 'n/a' : Number(v).toFixed(d);
  $('now').innerHTML = last
    ? `<span>reads/s <strong data-testid="now-reads">${last.readsPerSecond}</strong></span>` +
      `<span>p50 <strong>${fmt(last.p50, 2)}</strong> ms</span><span>p99 <strong>${fmt(last.p99, 2)}</strong> ms</span>` +
      `<span>hit ratio <strong>${fmt(last.hitRatio, 3)}</strong></span>` +
      `<span>stale <strong data-testid="now-stale">${fmt(last.stalePercent, 2)}</strong> %</span>` +
      `<span>errors <strong>${last.errors}</strong></span><span>DB calls/s <strong>${fmt(last.dbCallsPerSecond, 0)}</strong></span>` +
      `<span class="muted">topology ${last.topology}</span>`
    : '<span class="muted">no traffic yet: start the load</span>';
}

// ---- table and diagram -------------------------------------------------------------------------------------------

const cell = v => v === null || v === undefined ? 'n/a' : v;
const escape = s => String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function drawTable(rows) {
  $('table').querySelector('tbody').innerHTML = rows.map(r =>
    `<tr data-topology="${escape(r.topology)}"><td>${escape(r.topology)}</td><td>${r.seconds}</td><td>${r.readsPerSecond}</td>` +
    `<td>${cell(r.p50)}</td><td>${cell(r.p99)}</td><td>${cell(r.hitRatio)}</td><td>${cell(r.stalePercent)}</td>` +
    `<td>${r.staleReads}</td><td>${r.errors}</td><td>${cell(r.dbCallsPerSecond)}</td></tr>`).join('');
}

function drawDiagram(d) {
  lab.diagram = d;
  $('diagram-message').textContent = d.message || '';
  $('replicas').innerHTML = d.replicas.map(r =>
    `<div class="replica" data-testid="replica"><div class="box">${escape(r.replica)}<small>${escape(r.state || '')}</small></div>` +
    `<span class="arrow">→</span>` +
    (r.cache
      ? `<div class="box cache" data-testid="replica-cache">${escape(r.cache)}<small>${escape(r.cacheState || '')}</small></div>`
      : `<div class="box nocache" data-testid="replica-cache">no cache → catalogapi</div>`) +
    `</div>`).join('');

  const cluster = d.cluster;
  if (!cluster) {
    $('cluster').innerHTML = '';
    fillNodes([]);
    return;
  }
  const masters = cluster.nodes.filter(n => n.role === 'master');
  const replicasOf = id => cluster.nodes.filter(n => n.role !== 'master' && n.masterId === id);
  const orphans = cluster.nodes.filter(n => n.role !== 'master' && !masters.some(m => m.id === n.masterId));
  const node = n => {
    const bars = n.slots.map(([a, b]) => `<span style="left:${(a / 16384 * 100).toFixed(2)}%;width:${Math.max(0.3, (b - a + 1) / 16384 * 100).toFixed(2)}%"></span>`).join('');
    const ranges = n.slots.map(([a, b]) => a === b ? `${a}` : `${a}-${b}`).join(', ');
    return `<div class="node ${n.role}${n.failed || !n.running ? ' failed' : ''}" data-testid="node" data-role="${n.role}" data-node-id="${escape(n.id)}">` +
      `<strong>${n.role}</strong> ${escape(n.address)} <small class="muted">${escape(n.id.slice(0, 8))}</small>` +
      (n.failed ? ' <strong class="problem">failed</strong>' : '') + (n.running ? '' : ' <span class="muted">stopped</span>') +
      (n.role === 'master' ? `<div class="muted">slots ${ranges || 'none'} (${n.slotCount})</div><div class="slotbar">${bars}</div>` : '') +
      (n.keys !== null && n.keys !== undefined ? ` <span class="muted">${n.keys} keys</span>` : '') + `</div>`;
  };
  $('cluster').innerHTML =
    `<h2>${escape(cluster.name)}: <span data-testid="master-count">${masters.length}</span> masters, ` +
    `${cluster.nodes.length - masters.length} replicas, ${cluster.slotsCovered}/16384 slots, ${cluster.ok ? 'ok' : 'not ok'}</h2>` +
    `<div class="nodes">${masters.map(m => `<div class="group">${node(m)}${replicasOf(m.id).map(node).join('')}</div>`).join('')}` +
    (orphans.length ? `<div class="group">${orphans.map(node).join('')}</div>` : '') + `</div>`;
  fillNodes(cluster.nodes);
}

function fillNodes(nodes) {
  const select = $('node-select');
  const previous = select.value;
  select.innerHTML = nodes.map(n => `<option value="${escape(n.id)}">${n.role} ${escape(n.address)} ${escape(n.id.slice(0, 8))}</option>`).join('');
  if (nodes.some(n => n.id === previous)) { select.value = previous; }
}

// ---- controls -----------------------------------------------------------------------------------------------------

function readForm() {
  const number = id => Number($(id).value);
  return { rate: number('rate'), readRatio: number('readRatio'), productCount: number('productCount'), zipfSkew: number('zipfSkew'), sticky: $('sticky').checked };
}

// The same limits as the API (which checks again): a button is disabled with the reason rather than sent to fail.
function formProblem(w) {
  if (!(w.rate > 0 && w.rate <= MAX_RATE)) { return `The rate must be greater than 0 and at most ${MAX_RATE.toLocaleString('en')} requests/s.`; }
  if (!(w.readRatio >= 0 && w.readRatio <= 1)) { return 'The read ratio must be between 0 and 1.'; }
  if (!(Number.isInteger(w.productCount) && w.productCount >= 1 && w.productCount <= 10000000)) { return 'Products must be a whole number from 1 to 10,000,000.'; }
  if (!(w.zipfSkew >= 0 && w.zipfSkew <= 10)) { return 'The Zipf skew must be between 0 and 10.'; }
  return null;
}

function updateControls() {
  const s = lab.state;
  if (!s) { return; }
  $('topology').textContent = s.topology + (s.switching ? ` (switching to ${s.switching})` : '');
  $('load-state').textContent = s.loadRunning ? `${s.loadState}, ${s.workload.rate}/s` : s.loadState;
  $('running').textContent = s.running || (lab.busy ? 'sending…' : 'nothing');

  const problem = formProblem(readForm());
  $('start').disabled = s.loadRunning || problem !== null;
  $('stop').disabled = !s.loadRunning;
  $('load-reason').textContent = problem ?? (s.loadRunning ? 'A load is running: stop it to change the workload.' : '');

  const select = $('topology-select');
  if (select.options.length !== s.topologies.length) {
    select.innerHTML = s.topologies.map(t => `<option value="${escape(t)}">${escape(t)}</option>`).join('');
    if (s.topologies.includes(s.topology)) { select.value = s.topology; }
  }

  const clusterRunning = !!(lab.diagram && lab.diagram.cluster);
  let reason = null;
  if (s.controlError) { reason = s.controlError; }
  else if (s.running || lab.busy) { reason = `'${s.running || 'an action'}' is in progress: wait until it is done.`; }
  else if (s.switching) { reason = `The AppHost is switching to ${s.switching}.`; }
  $('switch').disabled = reason !== null || s.topologies.length === 0;
  for (const button of document.querySelectorAll('button.op')) {
    const needsNode = button.dataset.needsNode === 'true';
    button.disabled = reason !== null || !clusterRunning || (needsNode && !$('node-select').value);
    button.title = reason ?? (!clusterRunning ? 'The cluster is not running: switch to a cluster topology first.' : '');
  }
  $('action-reason').textContent = reason ?? (clusterRunning ? '' : 'Cluster operations: the cluster is not running (switch to cluster or cluster-near).');
}

function showResult(text, outcome) {
  const result = $('action-result');
  result.textContent = text;
  result.className = 'result ' + outcome;
}

async function act(label, send) {
  lab.busy = true;
  updateControls();
  showResult(`${label}…`, 'running');
  try {
    const r = await send();
    showResult(r.ok ? `${label}: done` : `${label}: ${describeProblem(r)}`, r.ok ? 'done' : 'failed');
  } catch (e) {
    showResult(`${label}: ${e}`, 'failed');
  } finally {
    lab.busy = false;
    await Promise.all([refreshState(), refreshDiagram()]);
  }
}

$('start').addEventListener('click', async () => {
  // No warm-up and no end: the lab watches the system live until Stop.
  const r = await api('POST', '/api/load/start', Object.assign(readForm(), { durationSeconds: 0, warmupSeconds: 0 }));
  $('load-reason').textContent = r.ok ? '' : describeProblem(r);
  await refreshState();
});
$('stop').addEventListener('click', async () => { await api('POST', '/api/load/stop'); await refreshState(); });
for (const id of ['rate', 'readRatio', 'productCount', 'zipfSkew']) { $(id).addEventListener('input', updateControls); }
$('switch').addEventListener('click', () => {
  const name = $('topology-select').value;
  return act(`switch to ${name}`, () => api('PUT', '/api/lab/topology', { name }));
});
for (const button of document.querySelectorAll('button.op')) {
  button.addEventListener('click', () => {
    const op = button.dataset.op;
    const node = button.dataset.needsNode === 'true' ? $('node-select').value : null;
    if (op === 'reset' && !confirm('Reset the cluster to 3 masters + 3 replicas? Its keys are lost.')) { return; }
    return act(button.textContent, () => api('POST', `/api/lab/cluster/${op}` + (node ? `?nodeId=${encodeURIComponent(node)}` : '')));
  });
}
$('node-select').addEventListener('change', updateControls);

// ---- polling ------------------------------------------------------------------------------------------------------

async function refreshState() {
  const r = await api('GET', '/api/lab/state');
  if (r.ok) { lab.state = r.json; updateControls(); }
}
async function refreshTimeline() {
  const r = await api('GET', '/api/lab/timeline?seconds=300');
  if (r.ok) { lab.timeline = r.json; drawTimeline(r.json); }
}
async function refreshTable() {
  const r = await api('GET', '/api/lab/table');
  if (r.ok) { drawTable(r.json); }
}
async function refreshDiagram() {
  const r = await api('GET', '/api/lab/diagram');
  if (r.ok) { drawDiagram(r.json); updateControls(); }
}

// Each loop waits for its answer before the next call, so a slow server is never asked twice at once.
function every(ms, refresh) {
  const loop = async () => {
    try { await refresh(); } catch { /* the server restarts or is gone: try again */ }
    setTimeout(loop, ms);
  };
  loop();
}

createCharts();
every(1000, refreshState);
every(1000, refreshTimeline);
every(2000, refreshTable);
every(3000, refreshDiagram);
