// locklab trace viewer: the page's own script, inlined into every trace page by
// grader/src/report/trace-viewer.ts. Plain browser JavaScript, no build step, no network.
//
// It reads the embedded {trace, view} (view: the model that trace-viewer.ts computed), lays
// the diagram out, and draws only what is near the visible window (SVG), so that traces with
// tens of thousands of messages stay responsive. Every string from the trace is escaped
// before it reaches markup.
(function () {
  'use strict';
  const T0 = performance.now();
  const dataEl = document.getElementById('locklab-data');
  const { trace, view } = JSON.parse(dataEl.textContent);
  const T_PARSED = performance.now();

  const { lanes, types, messages: msgs, operations: ops, marks, logs, notes, axis, meta, check } = view;
  const events = trace.events;

  // ---- constants of the layout (px) ----------------------------------------------------
  const GUTTER = 64; // time axis
  const LANE_MIN = 84;
  const LANE_MAX = 190;
  const LANE_TIGHT = 72; // lanes this close still show their names side by side
  const CHAR_W = 6.7; // 11px monospace
  // One column per client, wide enough for the longest label (11px monospace: ~6.6px a character).
  const OPS_W = Math.round(Math.min(196, Math.max(112, view.operations.reduce((n, o) => Math.max(n, o.label.length), 0) * CHAR_W + 26)));
  // Narrower, a label takes two lines: `unlock("a")` over `-> true`.
  const OPS_MIN = Math.round(Math.min(OPS_W, Math.max(84, view.operations.reduce((n, o) => Math.max(n, ...labelLines(o.label).map((x) => x.length)), 0) * CHAR_W + 26)));
  const NOTES_W = 240;
  const NOTES_MIN = 150;
  const HEAD_H = 40; // sticky lane headers
  const TOP = 22; // where startT sits in the svg
  const LABEL_GAP = 14; // minimum vertical distance between two op labels
  const BUCKET = 400; // bucket height for the interval index (zoom-1 px)
  const ZOOMS = [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 1, 1.4, 2, 3, 4, 6, 8, 12];

  // ---- helpers ---------------------------------------------------------------------------
  const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ESC[c]);
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    if (attrs) for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== undefined && c !== null && c !== false) e.append(c);
    return e;
  };
  // An operation's label on two lines: the call, then its answer.
  function labelLines(label) {
    const k = label.lastIndexOf(' -> ');
    return k > 0 ? [label.slice(0, k), label.slice(k + 1)] : [label];
  }
  const fmtT = (t) => (Number.isInteger(t) ? String(t) : t.toFixed(2).replace(/0+$/, '').replace(/\.$/, ''));
  const ms = (t) => `${fmtT(t)} ms`;
  const r1 = (v) => Math.round(v * 10) / 10;
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));

  // Virtual time -> y at zoom 1: piecewise linear through the axis knots.
  const KT = axis.times;
  const KY = axis.ys;
  function yOf(t) {
    if (t <= KT[0]) return KY[0];
    const n = KT.length - 1;
    if (t >= KT[n]) return KY[n];
    let lo = 0;
    let hi = n;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (KT[mid] <= t) lo = mid;
      else hi = mid;
    }
    const f = (t - KT[lo]) / (KT[hi] - KT[lo]);
    return KY[lo] + f * (KY[hi] - KY[lo]);
  }
  // Inverse, for keeping the centre in view while zooming.
  function tOf(y) {
    if (y <= KY[0]) return KT[0];
    const n = KY.length - 1;
    if (y >= KY[n]) return KT[n];
    let lo = 0;
    let hi = n;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (KY[mid] <= y) lo = mid;
      else hi = mid;
    }
    const f = KY[hi] === KY[lo] ? 0 : (y - KY[lo]) / (KY[hi] - KY[lo]);
    return KT[lo] + f * (KT[hi] - KT[lo]);
  }

  // ---- precomputed geometry (zoom 1) ------------------------------------------------------
  const N = msgs.length;
  const mY0 = new Float64Array(N);
  const mY1 = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    mY0[i] = yOf(msgs[i].t0);
    mY1[i] = yOf(msgs[i].t1);
  }
  const endY = yOf(meta.endT);
  const oY0 = ops.map((o) => yOf(o.t0));
  const oY1 = ops.map((o) => (o.t1 === null ? endY + 14 : yOf(o.t1)));
  // A client with overlapping operations gets side-by-side tracks in its column.
  const opTrack = new Uint8Array(ops.length);
  const tracksOf = new Map(); // lane -> number of tracks
  {
    const byClient = new Map();
    ops.forEach((o, j) => {
      if (!byClient.has(o.client)) byClient.set(o.client, []);
      byClient.get(o.client).push(j);
    });
    for (const [client, list] of byClient) {
      list.sort((a, b) => ops[a].t0 - ops[b].t0);
      const ends = [];
      for (const j of list) {
        const o = ops[j];
        let k = ends.findIndex((end) => end <= o.t0);
        if (k < 0 || k > 5) k = ends.length > 5 ? 5 : ends.length;
        ends[k] = o.t1 === null ? Infinity : Math.max(o.t1, o.t0 + 1e-9);
        opTrack[j] = k;
      }
      tracksOf.set(client, Math.min(ends.length, 6));
    }
  }
  const TRACK_W = 12;
  const answeredBy = new Map(); // request index -> reply indexes
  msgs.forEach((m, i) => {
    if (m.replyTo !== undefined) {
      if (!answeredBy.has(m.replyTo)) answeredBy.set(m.replyTo, []);
      answeredBy.get(m.replyTo).push(i);
    }
  });

  // Interval index: bucket -> message / operation indexes whose y-span touches it.
  function buildBuckets(n, y0s, y1s) {
    const buckets = [];
    for (let i = 0; i < n; i++) {
      const a = Math.floor(Math.min(y0s[i], y1s[i]) / BUCKET);
      const b = Math.floor(Math.max(y0s[i], y1s[i]) / BUCKET);
      for (let k = a; k <= b; k++) (buckets[k] || (buckets[k] = [])).push(i);
    }
    return buckets;
  }
  const msgBuckets = buildBuckets(N, mY0, mY1);
  const opBuckets = buildBuckets(ops.length, oY0, oY1);
  const seen = new Uint32Array(Math.max(N, ops.length) + 1);
  let stamp = 0;
  function query(buckets, lo, hi) {
    stamp++;
    const out = [];
    const a = Math.max(0, Math.floor(lo / BUCKET));
    const b = Math.min(buckets.length - 1, Math.floor(hi / BUCKET));
    for (let k = a; k <= b; k++) {
      const list = buckets[k];
      if (!list) continue;
      for (const i of list) if (seen[i] !== stamp) {
        seen[i] = stamp;
        out.push(i);
      }
    }
    return out;
  }
  // Point items: sorted by y, found by binary search.
  function sortedBy(list, yfn) {
    return list.map((item, i) => ({ i, y: yfn(item) })).sort((a, b) => a.y - b.y);
  }
  function range(sorted, lo, hi) {
    let a = 0;
    let b = sorted.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (sorted[m].y < lo) a = m + 1;
      else b = m;
    }
    const out = [];
    for (let k = a; k < sorted.length && sorted[k].y <= hi; k++) out.push(sorted[k].i);
    return out;
  }
  const markIdx = sortedBy(marks, (m) => yOf(m.t));
  // Log lines at the same time on the same node share one tick.
  const ticks = [];
  {
    const byKey = new Map();
    logs.forEach((l, i) => {
      const key = `${l.lane}|${l.t}`;
      let tick = byKey.get(key);
      if (!tick) {
        tick = { lane: l.lane, t: l.t, stderr: false, lines: [] };
        byKey.set(key, tick);
        ticks.push(tick);
      }
      tick.lines.push(i);
      if (l.stderr) tick.stderr = true;
    });
  }
  const tickIdx = sortedBy(ticks, (k) => yOf(k.t));

  // ---- state -----------------------------------------------------------------------------
  const state = {
    zoom: 1,
    hiddenLanes: new Set(lanes.map((l, i) => (l.ghost && !msgs.some((m) => m.from === i || m.to === i) ? i : -1)).filter((i) => i >= 0)),
    hiddenTypes: new Set(),
    showLogs: true,
    showTimers: true,
    showLabels: true,
    showPanel: true,
    sel: null, // {kind: 'msg'|'op'|'node', i}
  };
  let geo = null; // layout that depends on width, filters and zoom
  let band = null; // [lo, hi] in svg px of what is drawn
  const stats = { draws: 0, lastDrawMs: 0, maxDrawMs: 0, drawnMessages: 0, dense: false, lastCanvasMs: 0 };
  // Above this many messages near the window, arrows are painted on a canvas instead of SVG.
  const DENSE_AT = 2500;
  let denseList = null; // message indexes painted on the canvas, or null

  // ---- page skeleton ---------------------------------------------------------------------
  const app = document.getElementById('app');
  const header = el('header', { class: 'top' });
  const toolbar = el('div', { class: 'toolbar', role: 'toolbar' });
  const scroller = el('div', { class: 'diagram', id: 'diagram', tabindex: '0' });
  const lanehead = el('div', { class: 'lanehead' });
  const SVGNS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(SVGNS, 'svg');
  svg.setAttribute('class', 'canvas');
  svg.id = 'canvas';
  const panel = el('aside', { class: 'panel', id: 'panel', 'aria-live': 'polite' });
  const canvas = el('canvas', { class: 'dense', hidden: true });
  scroller.append(lanehead, canvas, svg);
  const main = el('div', { class: 'main' }, scroller, panel);
  app.append(header, toolbar, main);

  // SVG: definitions, then layers from back to front.
  const defs = [
    '<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fdf1f1"/><line x1="0" y1="0" x2="0" y2="6" stroke="#f0c4c4" stroke-width="2.2"/></pattern>',
    '<pattern id="hatch-crash" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff7ed"/><line x1="0" y1="0" x2="0" y2="6" stroke="#f6cf9c" stroke-width="2.2"/></pattern>',
    '<pattern id="breakfill" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(-35)"><rect width="8" height="8" fill="#f4f5f7"/><line x1="0" y1="0" x2="0" y2="8" stroke="#e6e8ec" stroke-width="3"/></pattern>',
    '<linearGradient id="fade" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f59e0b" stop-opacity="0.9"/><stop offset="1" stop-color="#f59e0b" stop-opacity="0.05"/></linearGradient>',
    '<linearGradient id="fadecx" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#dc2626" stop-opacity="0.95"/><stop offset="1" stop-color="#dc2626" stop-opacity="0.08"/></linearGradient>',
  ];
  types.forEach((ty, i) => {
    defs.push(`<marker id="ah${i}" viewBox="0 0 10 10" refX="9.5" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto"><path d="M0,0.8 L10,5 L0,9.2 z" fill="${esc(ty.color)}"/></marker>`);
  });
  svg.innerHTML =
    `<defs>${defs.join('')}</defs>` +
    '<g class="l-back"></g><g class="l-lanes"></g><g class="l-acts"></g><g class="l-msgs"></g><g class="l-marks"></g><g class="l-ops"></g><g class="l-notes"></g><g class="l-front"></g>';
  const layer = (name) => svg.querySelector(`.l-${name}`);
  const L = { back: layer('back'), lanes: layer('lanes'), acts: layer('acts'), msgs: layer('msgs'), marks: layer('marks'), ops: layer('ops'), notes: layer('notes'), front: layer('front') };

  // ---- header ----------------------------------------------------------------------------
  function buildHeader() {
    const badge = meta.passed ? el('span', { class: 'badge pass', text: 'PASSED' }) : el('span', { class: 'badge fail', text: 'FAILED' });
    const sent = msgs.filter((m) => m.dup === 0).length;
    header.append(
      el(
        'div',
        { class: 'title-row' },
        el('h1', null, el('span', { class: 'test', text: meta.test }), el('span', { class: 'seed', text: ` seed ${meta.seed}` })),
        badge,
        el('span', { class: 'lab', text: `${meta.lab} · ${lanes.filter((l) => !l.ghost).length} nodes · ${sent} messages · ${ops.length} operations · ${ms(meta.endT - meta.startT)} of virtual time` }),
      ),
    );
    if (!meta.passed) {
      header.append(
        el(
          'div',
          { class: 'outcome', id: 'outcome' },
          el('strong', { text: 'The run failed: ' }),
          el('span', { class: 'outcome-msg', text: meta.message || '(no message)' }),
          meta.hint ? el('div', { class: 'hint' }, el('strong', { text: 'hint: ' }), meta.hint) : null,
        ),
      );
    }
    header.append(checkBox());
  }

  function checkBox() {
    const box = el('div', { class: `check check-${check.status}`, id: 'check' });
    if (check.status === 'violation') {
      box.append(el('strong', { text: `Not linearizable (lock ${JSON.stringify(check.lock)}): ` }), check.explanation);
      const chips = el('div', { class: 'cx-chips' }, el('span', { class: 'muted', text: 'counterexample: ' }));
      for (const opNo of check.ops) {
        const j = ops.findIndex((o) => o.op === opNo);
        if (j < 0) continue;
        const o = ops[j];
        chips.append(
          el('button', { class: 'chip cx', type: 'button', 'data-op': String(o.op), text: `${lanes[o.client].id} ${o.label}  [${fmtT(o.t0)}, ${o.t1 === null ? '…' : fmtT(o.t1)}]`, onclick: () => select({ kind: 'op', i: j }, true) }),
        );
      }
      box.append(chips);
    } else if (check.status === 'linearizable') {
      box.append(el('strong', { text: 'History: ' }), check.text);
    } else if (check.status === 'unknown') {
      box.append(el('strong', { text: `Checker gave up (lock ${JSON.stringify(check.lock)}): ` }), check.explanation);
    } else {
      box.append(el('strong', { text: 'History: ' }), check.text);
    }
    return box;
  }

  // ---- toolbar (filters, zoom) -----------------------------------------------------------
  const zoomLabel = el('span', { class: 'zoomlabel', text: '×1' });
  function buildToolbar() {
    const nodes = el('div', { class: 'group', id: 'node-filter' }, el('span', { class: 'glabel', text: 'Nodes' }));
    lanes.forEach((l, i) => {
      const box = el('input', { type: 'checkbox', 'data-lane': String(i) });
      box.checked = !state.hiddenLanes.has(i);
      box.addEventListener('change', () => {
        if (box.checked) state.hiddenLanes.delete(i);
        else state.hiddenLanes.add(i);
        relayout();
      });
      nodes.append(el('label', { class: `nodebox${l.ghost ? ' ghost' : ''}`, title: `${l.id} (${l.role})` }, box, l.id));
    });
    const typesBox = el('div', { class: 'group', id: 'type-filter' }, el('span', { class: 'glabel', text: 'Messages' }));
    const order = types.map((t, i) => i).sort((a, b) => types[a].type.replace(/_(ok|reply|resp|response|error|err)$/i, '').localeCompare(types[b].type.replace(/_(ok|reply|resp|response|error|err)$/i, '')) || Number(types[a].reply) - Number(types[b].reply));
    for (const i of order) {
      const ty = types[i];
      const box = el('input', { type: 'checkbox', 'data-type': ty.type });
      box.checked = true;
      box.addEventListener('change', () => {
        if (box.checked) state.hiddenTypes.delete(i);
        else state.hiddenTypes.add(i);
        redraw();
      });
      const swatch = `<svg width="22" height="8" aria-hidden="true"><line x1="1" y1="4" x2="21" y2="4" stroke="${esc(ty.color)}" stroke-width="2.4"${ty.reply ? ' stroke-dasharray="4 2.5"' : ''}/></svg>`;
      const sw = el('span', { class: 'swatch' });
      sw.innerHTML = swatch;
      typesBox.append(el('label', { class: 'typechip', title: `${ty.type}: ${ty.count} message${ty.count === 1 ? '' : 's'}${ty.reply ? ' (replies are dashed)' : ''}` }, box, sw, ty.type, el('span', { class: 'count', text: String(ty.count) })));
    }
    if (types.length === 0) typesBox.append(el('span', { class: 'muted', text: 'none' }));
    const toggle = (label, key, title) => {
      const box = el('input', { type: 'checkbox' });
      box.checked = state[key];
      box.setAttribute('data-toggle', key);
      box.addEventListener('change', () => {
        state[key] = box.checked;
        if (key === 'showPanel') main.classList.toggle('nopanel', !box.checked);
        else redraw();
      });
      return el('label', { class: 'toggle', title }, box, label);
    };
    const viewBox = el(
      'div',
      { class: 'group' },
      el('span', { class: 'glabel', text: 'Show' }),
      toggle('logs', 'showLogs', 'ticks on the lanes for the nodes\u2019 log lines'),
      toggle('timers', 'showTimers', 'small circles where a node\u2019s timer fired'),
      toggle('labels', 'showLabels', 'message names along the arrows (when there is room)'),
      toggle('panel', 'showPanel', 'the side panel (it opens again when you click something)'),
    );
    const zoom = el(
      'div',
      { class: 'group zoom' },
      el('span', { class: 'glabel', text: 'Time' }),
      el('button', { type: 'button', title: 'zoom out (-)', text: '−', onclick: () => zoomStep(-1) }),
      zoomLabel,
      el('button', { type: 'button', title: 'zoom in (+)', text: '+', onclick: () => zoomStep(1) }),
      el('button', { type: 'button', class: 'wide', title: 'fit the whole run in the window', text: 'fit', onclick: zoomFit }),
      el('button', { type: 'button', class: 'wide', title: 'back to the start', text: 'top', onclick: () => (scroller.scrollTop = 0) }),
    );
    toolbar.append(nodes, viewBox, zoom, typesBox);
  }

  // ---- layout ----------------------------------------------------------------------------
  const yAt = (y1) => TOP + y1 * state.zoom; // zoom-1 y -> svg y

  function computeLayout() {
    const visible = lanes.map((l, i) => i).filter((i) => !state.hiddenLanes.has(i));
    const opClients = visible.filter((i) => ops.some((o) => o.client === i));
    // Everything should fit the window: when it does not, the notes, then the lanes, then the
    // operation columns (their labels on two lines) give way, each down to a minimum. Narrower
    // still, the diagram scrolls sideways under its pinned lane names.
    const tracksW = opClients.reduce((w, l) => w + ((tracksOf.get(l) || 1) - 1) * TRACK_W, 0);
    const room = scroller.clientWidth - GUTTER - 24 - tracksW;
    const n = Math.max(1, visible.length);
    const k = opClients.length;
    let notesW = NOTES_W;
    let labelW = OPS_W;
    let laneW = clamp((room - k * labelW - notesW) / n, LANE_MIN, LANE_MAX);
    if (n * laneW + k * labelW + notesW > room) notesW = clamp(room - n * LANE_MIN - k * labelW, NOTES_MIN, NOTES_W);
    if (n * laneW + k * labelW + notesW > room) laneW = clamp((room - k * labelW - notesW) / n, LANE_TIGHT, LANE_MIN);
    if (k > 0 && n * laneW + k * labelW + notesW > room) labelW = clamp((room - n * laneW - notesW) / k, OPS_MIN, OPS_W);
    const colW = (l) => labelW + ((tracksOf.get(l) || 1) - 1) * TRACK_W;
    const laneX = new Float64Array(lanes.length).fill(NaN);
    visible.forEach((l, k) => (laneX[l] = GUTTER + laneW * (k + 0.5)));
    const opsX = new Float64Array(lanes.length).fill(NaN);
    const opsLeft = GUTTER + laneW * visible.length + 14;
    const opsW = new Float64Array(lanes.length);
    let x = opsLeft;
    for (const l of opClients) {
      opsX[l] = x;
      opsW[l] = colW(l);
      x += colW(l);
    }
    const notesX = x + (opClients.length ? 8 : 0);
    const width = Math.max(notesX + notesW, scroller.clientWidth - 2);
    const height = yAt(axis.height) + 24;
    geo = { visible, opClients, laneW, laneX, opsX, opsW, opsLeft, notesX, notesW, labelChars: Math.max(4, Math.floor((labelW - 26) / CHAR_W)), width, height };
    layoutLabels();
  }

  // Which op labels and time labels to show at this zoom, and where the notes go.
  function layoutLabels() {
    const z = state.zoom;
    // Op labels: those of the counterexample always; others if they do not collide.
    geo.opLabel = new Uint8Array(ops.length);
    const perClient = new Map();
    ops.forEach((o, j) => {
      if (!perClient.has(o.client)) perClient.set(o.client, []);
      perClient.get(o.client).push(j);
    });
    // 1: a label on one line; 2: on two lines (the column is narrow).
    const linesOf = (j) => (ops[j].label.length <= geo.labelChars ? 1 : 2);
    for (const list of perClient.values()) {
      list.sort((a, b) => oY0[a] - oY0[b]);
      const cxYs = list.filter((j) => ops[j].cx).map((j) => oY0[j] * z);
      let free = -Infinity; // the first y below the last label shown
      for (const j of list) {
        const y = oY0[j] * z;
        const gap = LABEL_GAP * linesOf(j);
        if (ops[j].cx || (y >= free && !cxYs.some((c) => Math.abs(c - y) < gap))) {
          geo.opLabel[j] = linesOf(j);
          free = y + gap;
        }
      }
    }
    // Time labels in the gutter.
    geo.timeLabels = [];
    let last = -Infinity;
    for (let i = 0; i < KT.length; i++) {
      const y = KY[i] * z;
      if (y - last >= 15 || i === KT.length - 1) {
        if (i === KT.length - 1 && y - last < 15) geo.timeLabels.pop();
        geo.timeLabels.push({ i, y: KY[i] });
        last = y;
      }
    }
    // Notes: stacked so they do not overlap, each with a leader to its time.
    geo.notes = [];
    let bottom = -Infinity;
    for (let i = 0; i < notes.length; i++) {
      const bold = notes[i].kind === 'kill' || notes[i].kind === 'crash';
      const lines = wrap(notes[i].text, Math.floor(((bold ? 31 : 35) * geo.notesW) / NOTES_W), 3);
      const y = yAt(yOf(notes[i].t));
      const top = Math.max(y - 5, bottom + 5);
      geo.notes.push({ i, y, top, lines });
      bottom = top + lines.length * 13 + 2;
    }
    geo.notesIdx = geo.notes.map((n, k) => ({ i: k, y: n.top })).sort((a, b) => a.y - b.y);
    geo.noteBottom = bottom;
  }

  function wrap(text, width, maxLines) {
    const words = String(text).replace(/\s+/g, ' ').split(' ');
    const lines = [];
    let line = '';
    for (const w of words) {
      if (line && (line + ' ' + w).length > width) {
        lines.push(line);
        line = w;
      } else line = line ? line + ' ' + w : w;
      while (line.length > width) {
        lines.push(line.slice(0, width));
        line = line.slice(width);
      }
    }
    if (line) lines.push(line);
    if (lines.length > maxLines) {
      lines.length = maxLines;
      lines[maxLines - 1] = lines[maxLines - 1].slice(0, width - 1) + '…';
    }
    return lines;
  }

  // ---- drawing ---------------------------------------------------------------------------
  function relayout() {
    computeLayout();
    svg.setAttribute('width', String(geo.width));
    svg.setAttribute('height', String(Math.max(geo.height, geo.noteBottom + 20)));
    drawHeads();
    drawStatic();
    band = null;
    draw();
  }
  function redraw() {
    band = null;
    drawStatic();
    draw();
  }

  function drawHeads() {
    lanehead.innerHTML = '';
    lanehead.style.width = `${geo.width}px`;
    lanehead.append(el('div', { class: 'axis-head', style: `width:${GUTTER - 8}px`, text: 'ms' }));
    for (const l of geo.visible) {
      const lane = lanes[l];
      const dead = lane.life.some((p) => p.state === 'killed' || p.state === 'crashed');
      const sel = state.sel && state.sel.kind === 'node' && state.sel.i === l;
      lanehead.append(
        el(
          'button',
          { type: 'button', class: `lane${lane.client ? ' client' : ' server'}${dead ? ' dies' : ''}${lane.ghost ? ' ghost' : ''}${sel ? ' sel' : ''}`, 'data-lane': String(l), style: `left:${geo.laneX[l]}px;max-width:${Math.floor(geo.laneW - 2)}px`, title: `${lane.id}: ${lane.role}${lane.ghost ? ' (not in the cluster)' : ''}. Click for its log.`, onclick: () => select({ kind: 'node', i: l }) },
          el('span', { class: 'lane-id', text: lane.id }),
          el('span', { class: 'lane-role', text: lane.ghost ? 'not in cluster' : lane.role }),
        ),
      );
    }
    for (const l of geo.opClients) {
      lanehead.append(el('div', { class: 'opshead', style: `left:${geo.opsX[l]}px;width:${geo.opsW[l] - 10}px` }, el('span', { class: 'lane-id', text: lanes[l].id }), el('span', { class: 'lane-role', text: 'operations' })));
    }
    lanehead.append(el('div', { class: 'noteshead', style: `left:${geo.notesX}px;width:${geo.notesW - 16}px`, text: 'notes and faults' }));
  }

  // Lanes, dead periods and axis breaks: few elements, drawn whole.
  function drawStatic() {
    const out = [];
    const right = geo.notesX - 6;
    for (const b of axis.breaks) {
      const y0 = yAt(b.y0) + 5;
      const y1 = yAt(b.y1) - 5;
      if (y1 - y0 < 4) continue;
      out.push(`<rect class="break" x="${GUTTER - 4}" y="${r1(y0)}" width="${r1(right - GUTTER + 4)}" height="${r1(y1 - y0)}"/>`);
      out.push(`<text class="break-label" x="${GUTTER - 8}" y="${r1((y0 + y1) / 2 + 4)}" text-anchor="end">+${esc(fmtT(b.t1 - b.t0))}</text>`);
    }
    L.back.innerHTML = out.join('');
    const lout = [];
    for (const l of geo.visible) {
      const x = r1(geo.laneX[l]);
      const lane = lanes[l];
      for (const p of lane.life) {
        const y0 = r1(yAt(yOf(p.t0)));
        const y1 = r1(p.t1 === null ? geo.height - 8 : yAt(yOf(p.t1)));
        if (p.state === 'up') lout.push(`<line class="lane-line${lane.client ? ' client' : ''}${lane.ghost ? ' ghost' : ''}" data-lane="${l}" x1="${x}" y1="${y0}" x2="${x}" y2="${y1}"/>`);
        else if (p.state === 'unstarted') lout.push(`<line class="lane-line unstarted" x1="${x}" y1="${y0}" x2="${x}" y2="${y1}"/>`);
        else {
          lout.push(`<rect class="dead ${p.state}" x="${x - 11}" y="${y0}" width="22" height="${r1(Math.max(0, y1 - y0))}" fill="url(#${p.state === 'crashed' ? 'hatch-crash' : 'hatch'})"><title>${esc(lane.id)} is ${p.state === 'killed' ? 'dead (killed)' : 'crashed'} from ${esc(ms(p.t0))}${p.t1 === null ? '' : ` to ${esc(ms(p.t1))}`}</title></rect>`);
          lout.push(`<line class="lane-line down" x1="${x}" y1="${y0}" x2="${x}" y2="${y1}"/>`);
        }
      }
    }
    L.lanes.innerHTML = lout.join('');
  }

  // Everything else: only what is near the visible window.
  function draw() {
    const vTop = scroller.scrollTop - HEAD_H;
    const vH = scroller.clientHeight;
    if (denseList) paintDense();
    if (band && vTop >= band[0] && vTop + vH <= band[1]) return;
    const started = performance.now();
    const lo = vTop - vH;
    const hi = vTop + 2 * vH;
    band = [lo, hi];
    const z = state.zoom;
    const lo1 = (lo - TOP) / z;
    const hi1 = (hi - TOP) / z;
    const sel = state.sel;
    const selMsg = sel && sel.kind === 'msg' ? sel.i : -1;
    const related = new Set();
    if (selMsg >= 0) {
      const m = msgs[selMsg];
      if (m.replyTo !== undefined) related.add(m.replyTo);
      for (const r of answeredBy.get(selMsg) || []) related.add(r);
      msgs.forEach((x, i) => x.id === m.id && i !== selMsg && related.add(i));
    }
    let selOp = null;
    if (sel && sel.kind === 'op') selOp = ops[sel.i];
    const selNode = sel && sel.kind === 'node' ? sel.i : -1;

    // Messages.
    let mi = query(msgBuckets, lo1, hi1);
    if (mi.length > DENSE_AT) {
      denseList = mi.filter((i) => !state.hiddenTypes.has(msgs[i].type) && !state.hiddenLanes.has(msgs[i].from) && !state.hiddenLanes.has(msgs[i].to));
      mi = [];
      canvas.hidden = false;
      paintDense();
    } else if (denseList) {
      denseList = null;
      canvas.hidden = true;
    }
    stats.dense = denseList !== null;
    let shown = 0;
    const labelsOK = state.showLabels && mi.length < 1500;
    const labelGrid = new Set(); // coarse cells already holding a label
    mi.sort((a, b) => mY0[a] - mY0[b]);
    const mout = [];
    for (const i of mi) {
      const m = msgs[i];
      if (state.hiddenTypes.has(m.type) || state.hiddenLanes.has(m.from) || state.hiddenLanes.has(m.to)) continue;
      const ty = types[m.type];
      const x0 = geo.laneX[m.from];
      const xt = geo.laneX[m.to];
      const y0 = yAt(mY0[i]);
      const y1 = yAt(mY1[i]);
      let cls = 'msg';
      if (ty.reply) cls += ' rp';
      if (i === selMsg) cls += ' sel';
      else if (related.has(i)) cls += ' rel';
      else if (selOp && (m.from === selOp.client || m.to === selOp.client) && m.t0 >= selOp.t0 && m.t0 <= (selOp.t1 === null ? Infinity : selOp.t1)) cls += ' rel';
      else if (selNode >= 0 && (m.from === selNode || m.to === selNode)) cls += ' rel';
      if (m.fate !== 'delivered') cls += ` ${m.fate}`;
      if (m.dup) cls += ' dup';
      const c = esc(ty.color);
      let x1;
      let end = '';
      let marker = '';
      if (m.from === m.to) {
        // A message to itself: a loop to the right of the lane.
        const yb = Math.max(y1, y0 + 14);
        const d = `M${r1(x0)},${r1(y0)} C${r1(x0 + 42)},${r1(y0)} ${r1(x0 + 42)},${r1(yb)} ${r1(x0 + 2)},${r1(yb)}`;
        mout.push(`<g class="${cls}" data-i="${i}"><path class="hit" d="${d}"/><path class="ln" d="${d}" stroke="${c}" fill="none"${m.fate === 'delivered' ? ` marker-end="url(#ah${m.type})"` : ''}/></g>`);
        shown++;
        continue;
      }
      const dir = xt > x0 ? 1 : -1;
      if (m.fate === 'delivered') {
        x1 = xt - dir * 1.5;
        marker = ` marker-end="url(#ah${m.type})"`;
      } else if (m.fate === 'dropped') {
        x1 = openEnd(x0, xt, [0.78, 0.7, 0.86, 0.6]);
        const xe = r1(x1);
        const ye = r1(y1);
        end = `<path class="x-mark" d="M${xe - 4.5},${ye - 4.5} L${xe + 4.5},${ye + 4.5} M${xe + 4.5},${ye - 4.5} L${xe - 4.5},${ye + 4.5}"/>`;
      } else if (m.fate === 'refused') {
        // Clear of the lane, where the dead node's kill mark may be.
        const xe = r1(xt - dir * 17);
        const ye = r1(y1);
        end = `<circle class="refuse-mark" cx="${xe}" cy="${ye}" r="5.2"/><line class="refuse-mark" x1="${r1(xe - 3.6)}" y1="${r1(ye + 3.6)}" x2="${r1(xe + 3.6)}" y2="${r1(ye - 3.6)}"/>`;
        x1 = xt - dir * 22.5;
      } else {
        x1 = openEnd(x0, xt, [0.55, 0.45, 0.65, 0.35]);
        end = `<circle class="flight-mark" cx="${r1(x1)}" cy="${r1(y1)}" r="3.5" stroke="${c}"/>`;
      }
      if (m.dup) end += `<text class="dup-label" x="${r1(x1 - dir * 10)}" y="${r1(y1 - 5)}" text-anchor="${dir > 0 ? 'end' : 'start'}">${m.dup === 1 ? 'dup' : `dup ${m.dup}`}</text>`;
      const coords = `x1="${r1(x0)}" y1="${r1(y0)}" x2="${r1(x1)}" y2="${r1(y1)}"`;
      let label = '';
      const len = Math.hypot(x1 - x0, y1 - y0);
      const mx = x0 + (x1 - x0) * 0.5;
      const my = y0 + (y1 - y0) * 0.5;
      const cx = Math.round(mx / 36);
      const cy = Math.round(my / 13);
      if (labelsOK && len > 70 && !labelGrid.has(`${cx},${cy}`) && !labelGrid.has(`${cx},${cy - 1}`) && !labelGrid.has(`${cx},${cy + 1}`)) {
        for (let dx = -1; dx <= 1; dx++) labelGrid.add(`${cx + dx},${cy}`);
        const ang = (Math.atan2(y1 - y0, x1 - x0) * 180) / Math.PI;
        const flip = Math.abs(ang) > 90;
        label = `<text class="msg-label" transform="translate(${r1(mx)},${r1(my)}) rotate(${r1(flip ? ang + 180 : ang)})" y="-4" text-anchor="middle" fill="${c}">${esc(ty.type)}</text>`;
      }
      mout.push(`<g class="${cls}" data-i="${i}"><line class="hit" ${coords}/><line class="ln" ${coords} stroke="${c}"${marker}/>${end}${label}</g>`);
      shown++;
    }
    L.msgs.innerHTML = mout.join('');
    stats.drawnMessages = denseList ? denseList.length : shown;

    // Operations: activation boxes on the client lanes, and bars with labels in their columns.
    const oi = query(opBuckets, lo1, hi1);
    // Many operations near the window (zoomed far out): fewer elements per operation.
    const compact = oi.length > 1200;
    const aout = [];
    const oout = [];
    const endSvg = yAt(endY) + 14;
    for (const j of oi) {
      const o = ops[j];
      if (state.hiddenLanes.has(o.client)) continue;
      const y0 = yAt(oY0[j]);
      const y1 = o.t1 === null ? endSvg : yAt(oY1[j]);
      const h = Math.max(3, y1 - y0);
      const st = `st-${o.status}${o.cx ? ' cx' : ''}${sel && sel.kind === 'op' && sel.i === j ? ' sel' : ''}`;
      const lx = geo.laneX[o.client];
      const fill = o.t1 === null ? ` fill="url(#${o.cx ? 'fadecx' : 'fade'})"` : '';
      if (!compact) aout.push(`<rect class="act ${st}" data-o="${j}" x="${r1(lx - 4)}" y="${r1(y0)}" width="8" height="${r1(h)}" rx="2"${fill}><title>${esc(opTitle(j))}</title></rect>`);
      const ox = geo.opsX[o.client];
      if (Number.isNaN(ox)) continue;
      let label = '';
      const tracks = tracksOf.get(o.client) || 1;
      const bx = ox + 2 + opTrack[j] * TRACK_W;
      const lx2 = ox + 4 + tracks * TRACK_W;
      if (geo.opLabel[j]) label = opLabelSvg(o, r1(lx2), r1(y0 + 10), geo.opLabel[j]);
      if (compact) oout.push(`<rect class="bar ${st}" data-o="${j}" data-op="${o.op}" x="${r1(bx)}" y="${r1(y0)}" width="9" height="${r1(h)}"${fill}/>${label && label.replace('<text class="op-label"', `<text class="op-label ${st}" data-o="${j}"`)}`);
      else oout.push(`<g class="op ${st}" data-o="${j}" data-op="${o.op}"><rect class="hit" x="${r1(bx)}" y="${r1(y0)}" width="${r1(geo.opsW[o.client] - 14 - opTrack[j] * TRACK_W)}" height="${r1(Math.max(h, 12))}"/><rect class="bar" x="${r1(bx)}" y="${r1(y0)}" width="9" height="${r1(h)}" rx="2.5"${fill}/>${label}<title>${esc(opTitle(j))}</title></g>`);
    }
    L.acts.innerHTML = aout.join('');
    L.ops.innerHTML = oout.join('');

    // Marks on the lanes, log ticks, time labels.
    const kout = [];
    for (const k of range(markIdx, lo1 - 20 / z, hi1 + 20 / z)) {
      const m = marks[k];
      if (state.hiddenLanes.has(m.lane)) continue;
      if (m.kind === 'timer' && !state.showTimers) continue;
      const x = r1(geo.laneX[m.lane]);
      const y = r1(yAt(yOf(m.t)));
      // The label goes into the gutter for the first lane, else to the right.
      const first = geo.visible[0] === m.lane;
      const tx = first ? x - 13 : x + 13;
      const anchor = first ? ' text-anchor="end"' : '';
      const title = `<title>${esc(`${lanes[m.lane].id} at ${ms(m.t)}: ${m.kind === 'timer' ? m.text : m.kind === 'other' ? m.text : `${m.kind === 'kill' ? 'killed' : m.kind === 'crash' ? 'crashed' : 'restarted'}${m.text && m.kind !== 'restart' ? ` (${m.text})` : ''}`}`)}</title>`;
      if (m.kind === 'timer') kout.push(`<circle class="timer-mark" cx="${x}" cy="${y}" r="3.6">${title}</circle>`);
      else if (m.kind === 'kill') kout.push(`<g class="fault kill">${title}<circle cx="${x}" cy="${y}" r="8.5"/><path d="M${x - 3.6},${y - 3.6} L${x + 3.6},${y + 3.6} M${x + 3.6},${y - 3.6} L${x - 3.6},${y + 3.6}"/><text x="${tx}" y="${y + 4}"${anchor}>killed</text></g>`);
      else if (m.kind === 'crash') kout.push(`<g class="fault crash">${title}<circle cx="${x}" cy="${y}" r="8.5"/><text class="bang" x="${x}" y="${y + 4}" text-anchor="middle">!</text><text x="${tx}" y="${y + 4}"${anchor}>crashed</text></g>`);
      else if (m.kind === 'restart') kout.push(`<g class="fault restart">${title}<circle cx="${x}" cy="${y}" r="8"/><path d="M${x - 2.5},${y - 4} L${x + 4},${y} L${x - 2.5},${y + 4} z"/><text x="${tx}" y="${y + 4}"${anchor}>restarted</text></g>`);
      else kout.push(`<g class="fault other">${title}<path d="M${x},${y - 6} L${x + 6},${y} L${x},${y + 6} L${x - 6},${y} z"/></g>`);
    }
    if (state.showLogs) {
      for (const k of range(tickIdx, lo1 - 10, hi1 + 10)) {
        const tk = ticks[k];
        if (state.hiddenLanes.has(tk.lane)) continue;
        const x = r1(geo.laneX[tk.lane]);
        const y = r1(yAt(yOf(tk.t)));
        const lines = tk.lines.slice(0, 12).map((li) => logs[li].text);
        if (tk.lines.length > 12) lines.push(`(+${tk.lines.length - 12} more lines)`);
        const selCls = selNode === tk.lane ? ' sel' : '';
        kout.push(`<g class="log-tick${tk.stderr ? ' stderr' : ''}${selCls}" data-tick="${k}"><rect class="hit" x="${x + 2}" y="${y - 4}" width="16" height="8"/><rect class="tick" x="${x + 5}" y="${y - 2.2}" width="12" height="4.4" rx="2.2"/>${tk.lines.length > 1 ? `<text x="${x + 19}" y="${y + 3}">${tk.lines.length}</text>` : ''}<title>${esc(`${lanes[tk.lane].id} log at ${ms(tk.t)}:\n${lines.join('\n')}`)}</title></g>`);
      }
    }
    L.marks.innerHTML = kout.join('');

    // Time axis labels and notes.
    const nout = [];
    const right = geo.notesX - 6;
    for (const ki of range(geo.timeLabels, lo1, hi1)) {
      const y = r1(yAt(KY[ki]));
      nout.push(`<text class="time-label" x="${GUTTER - 10}" y="${y + 3.5}" text-anchor="end">${esc(fmtT(KT[ki]))}</text><line class="grid" x1="${GUTTER - 5}" y1="${y}" x2="${r1(right)}" y2="${y}"/>`);
    }
    for (const k of range(geo.notesIdx, lo - 60, hi + 20)) {
      const n = geo.notes[k];
      const note = notes[n.i];
      const x = geo.notesX;
      const ty = n.top + 9;
      const text = n.lines.map((line, li) => `<tspan x="${x + 10}" y="${r1(ty + li * 13)}">${esc(line)}</tspan>`).join('');
      nout.push(
        `<g class="note k-${note.kind}" data-note="${n.i}"><line class="note-rule" x1="${GUTTER}" y1="${r1(n.y)}" x2="${r1(x - 6)}" y2="${r1(n.y)}"/><path class="leader" d="M${r1(x - 6)},${r1(n.y)} L${r1(x + 2)},${r1(n.y)} L${r1(x + 6)},${r1(ty - 4)}"/><circle class="note-dot" cx="${r1(x - 6)}" cy="${r1(n.y)}" r="2.2"/><text class="note-text">${text}</text><title>${esc(`${ms(note.t)}: ${note.text}`)}</title></g>`,
      );
    }
    L.notes.innerHTML = nout.join('');
    stats.draws++;
    stats.lastDrawMs = performance.now() - started;
    stats.maxDrawMs = Math.max(stats.maxDrawMs, stats.lastDrawMs);
  }

  // Dense mode: the arrows near the window painted on a canvas the size of the window.
  function paintDense() {
    const started = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const top = scroller.scrollTop; // svg y at the top of the window, under the lane headers
    const w = Math.min(geo.width, 16000);
    const h = Math.max(1, scroller.clientHeight - HEAD_H);
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    }
    canvas.style.top = `${top + HEAD_H}px`;
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, -top * dpr);
    ctx.clearRect(0, top, w, h);
    const lo = top - 4;
    const hi = top + h + 4;
    // One path per type, so a few strokes paint thousands of arrows.
    const byType = new Map();
    const marks = [];
    for (const i of denseList) {
      const y0 = yAt(mY0[i]);
      const y1 = yAt(mY1[i]);
      if (Math.max(y0, y1) < lo || Math.min(y0, y1) > hi) continue;
      const m = msgs[i];
      if (!byType.has(m.type)) byType.set(m.type, []);
      byType.get(m.type).push(i);
      if (m.fate === 'dropped' || m.fate === 'refused') marks.push(i);
    }
    ctx.lineWidth = 1.2;
    for (const [type, list] of byType) {
      const ty = types[type];
      ctx.strokeStyle = ty.color;
      ctx.fillStyle = ty.color;
      ctx.setLineDash(ty.reply ? [4, 2.5] : []);
      ctx.beginPath();
      for (const i of list) {
        const m = msgs[i];
        const x0 = geo.laneX[m.from];
        const xt = geo.laneX[m.to];
        const x1 = m.fate === 'delivered' ? xt : m.fate === 'refused' ? xt - Math.sign(xt - x0) * 10 : x0 + (xt - x0) * 0.7;
        ctx.moveTo(x0, yAt(mY0[i]));
        ctx.lineTo(x1, yAt(mY1[i]));
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.strokeStyle = '#dc2626';
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    for (const i of marks) {
      const m = msgs[i];
      const x0 = geo.laneX[m.from];
      const xt = geo.laneX[m.to];
      const x = m.fate === 'refused' ? xt - Math.sign(xt - x0) * 7 : x0 + (xt - x0) * 0.7;
      const y = yAt(mY1[i]);
      ctx.moveTo(x - 3, y - 3);
      ctx.lineTo(x + 3, y + 3);
      ctx.moveTo(x + 3, y - 3);
      ctx.lineTo(x - 3, y + 3);
    }
    ctx.stroke();
    const sel = state.sel && state.sel.kind === 'msg' ? state.sel.i : -1;
    if (sel >= 0 && !state.hiddenLanes.has(msgs[sel].from) && !state.hiddenLanes.has(msgs[sel].to)) {
      const m = msgs[sel];
      ctx.strokeStyle = '#2563eb';
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.moveTo(geo.laneX[m.from], yAt(mY0[sel]));
      ctx.lineTo(geo.laneX[m.to], yAt(mY1[sel]));
      ctx.stroke();
    }
    stats.lastCanvasMs = performance.now() - started;
  }

  // Dense mode: the message whose arrow passes nearest to a point of the svg (within 6 px).
  function nearestDense(x, y) {
    let best = -1;
    let bestD = 36;
    for (const i of denseList) {
      const m = msgs[i];
      const x0 = geo.laneX[m.from];
      const y0 = yAt(mY0[i]);
      const x1 = geo.laneX[m.to];
      const y1 = yAt(mY1[i]);
      if (y < Math.min(y0, y1) - 6 || y > Math.max(y0, y1) + 6) continue;
      const dx = x1 - x0;
      const dy = y1 - y0;
      const len2 = dx * dx + dy * dy || 1;
      const f = clamp(((x - x0) * dx + (y - y0) * dy) / len2, 0, 1);
      const d = (x0 + f * dx - x) ** 2 + (y0 + f * dy - y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  // Where an arrow that never arrives stops: part of the way, but not on some other lane.
  function openEnd(x0, xt, fractions) {
    for (const f of fractions) {
      const x = x0 + (xt - x0) * f;
      if (!geo.visible.some((l) => Math.abs(geo.laneX[l] - x) < 22)) return x;
    }
    return x0 + (xt - x0) * fractions[0];
  }

  /** An operation's label as SVG text: one line, or two (call, then answer) cut to the column. */
  function opLabelSvg(o, x, y, lineCount) {
    const fit = (text) => (text.length <= geo.labelChars ? text : `${text.slice(0, geo.labelChars - 1)}…`);
    if (lineCount === 1) return `<text class="op-label" x="${x}" y="${y}">${esc(o.label)}</text>`;
    const [call, answer] = labelLines(o.label);
    return `<text class="op-label" x="${x}" y="${y}"><tspan x="${x}">${esc(fit(call))}</tspan>${answer ? `<tspan x="${x}" dy="12">${esc(fit(answer))}</tspan>` : ''}</text>`;
  }

  function msgTitle(i) {
    const m = msgs[i];
    const ty = types[m.type].type;
    const route = `${lanes[m.from].id} → ${lanes[m.to].id}`;
    const fate =
      m.fate === 'delivered'
        ? `delivered at ${ms(m.t1)} (${ms(m.t1 - m.t0)})`
        : m.fate === 'dropped'
          ? `LOST at ${ms(m.t1)}: ${m.reason}`
          : m.fate === 'refused'
            ? `REFUSED: ${m.reason || `${lanes[m.to].id} was down`}`
            : 'still in flight when the run ended';
    return { head: `#${m.id} ${ty}${m.dup ? ` (duplicate delivery ${m.dup})` : ''}`, route, when: `sent at ${ms(m.t0)}, ${fate}` };
  }

  // ---- re-sends ----------------------------------------------------------------------------
  // A message with the same body as an earlier one of the same node, but for its msg_id (a reply
  // keeps its in_reply_to: an answer to another request is another message), is a re-send of it.
  // Bodies that carry nothing else (a bare ping) are no re-sends. Indexed on first use.
  let resends = null;
  function resendOf(i) {
    if (!resends) {
      resends = new Int32Array(msgs.length).fill(-1);
      const firstWith = new Map();
      const firstOfId = new Map();
      msgs.forEach((m, k) => {
        if (m.dup) {
          resends[k] = resends[firstOfId.get(m.id)];
          return;
        }
        firstOfId.set(m.id, k);
        const body = events[m.ev] && events[m.ev].body;
        if (!body || typeof body !== 'object') return;
        let fields = 0;
        for (const key in body) if (key !== 'type' && key !== 'msg_id' && key !== 'in_reply_to') fields++;
        if (fields === 0) return;
        const key = `${m.from}|${JSON.stringify({ ...body, msg_id: undefined })}`;
        const first = firstWith.get(key);
        if (first === undefined) firstWith.set(key, k);
        else resends[k] = first;
      });
    }
    return resends[i] >= 0 ? resends[i] : undefined;
  }

  // ---- hover card: a message's body at a glance, without a click ----------------------------
  const BODY_LINES = 18;
  const hovercard = el('div', { class: 'hovercard', id: 'hovercard', role: 'tooltip' });
  hovercard.hidden = true;
  document.body.append(hovercard);
  let hovered = -1;

  function cardContent(i) {
    const m = msgs[i];
    const t = msgTitle(i);
    const sw = el('span', { class: 'dot' });
    sw.style.background = types[m.type].color;
    const parts = [el('div', { class: 'hc-head' }, sw, el('strong', { text: t.head }), ' ', el('span', { class: 'muted', text: t.route })), el('div', { class: 'hc-when', text: t.when })];
    const again = resendOf(i);
    if (again !== undefined) {
      const first = msgs[again];
      parts.push(el('div', { class: 'hc-resend', text: `a re-send: the same body as #${first.id} (${lanes[first.from].id} → ${lanes[first.to].id} at ${ms(first.t0)})` }));
    }
    const body = events[m.ev] && events[m.ev].body;
    let lines = (JSON.stringify(body, null, 2) || String(body)).split('\n');
    if (lines.length > BODY_LINES) lines = [...lines.slice(0, BODY_LINES - 1), `… (${lines.length - BODY_LINES + 1} more lines: click for all of it)`];
    parts.push(el('pre', { class: 'hc-body', text: lines.join('\n') }));
    return parts;
  }

  function showCard(i, x, y) {
    if (hovered !== i) {
      hovered = i;
      hovercard.replaceChildren(...cardContent(i));
    }
    hovercard.hidden = false;
    // Beside the pointer, inside the window.
    const w = hovercard.offsetWidth;
    const h = hovercard.offsetHeight;
    hovercard.style.left = `${x + 16 + w > window.innerWidth ? Math.max(4, x - 16 - w) : x + 16}px`;
    hovercard.style.top = `${y + 16 + h > window.innerHeight ? Math.max(4, y - 16 - h) : y + 16}px`;
  }

  function hideCard() {
    hovered = -1;
    hovercard.hidden = true;
  }

  function opTitle(j) {
    const o = ops[j];
    const when = o.t1 === null ? `invoked at ${ms(o.t0)}, never answered` : `invoked at ${ms(o.t0)}, answered at ${ms(o.t1)} (${ms(o.t1 - o.t0)})`;
    return `${lanes[o.client].id}: ${o.label}\n${when}${o.cx ? '\npart of the checker\u2019s counterexample' : ''}`;
  }

  // ---- selection and the side panel ------------------------------------------------------
  function select(sel, scroll) {
    state.sel = sel;
    if (sel && !state.showPanel) {
      state.showPanel = true;
      main.classList.remove('nopanel');
      const box = toolbar.querySelector('input[data-toggle="showPanel"]');
      if (box) box.checked = true;
    }
    band = null;
    drawHeads();
    draw();
    renderPanel();
    if (scroll && sel) {
      if (sel.kind === 'msg') scrollToY(yAt(mY0[sel.i]), yAt(mY1[sel.i]));
      else if (sel.kind === 'op') scrollToY(yAt(oY0[sel.i]), yAt(oY1[sel.i]));
    }
  }

  function scrollToY(y0, y1) {
    const vTop = scroller.scrollTop - HEAD_H;
    const vH = scroller.clientHeight - HEAD_H;
    if (y0 >= vTop + 10 && y1 <= vTop + vH - 10) return;
    scroller.scrollTop = Math.max(0, y0 + HEAD_H - Math.min(vH / 3, 160));
    draw();
  }
  function scrollToTime(t) {
    const y = yAt(yOf(t));
    scrollToY(y, y);
    flash(y);
  }
  function flash(y) {
    const r = document.createElementNS(SVGNS, 'rect');
    r.setAttribute('class', 'flash');
    r.setAttribute('x', String(GUTTER - 4));
    r.setAttribute('y', String(y - 8));
    r.setAttribute('width', String(geo.notesX - GUTTER));
    r.setAttribute('height', '16');
    L.front.append(r);
    setTimeout(() => r.remove(), 1400);
  }

  function section(title, ...children) {
    return el('section', null, el('h2', { text: title }), ...children);
  }
  function row(key, ...value) {
    return el('div', { class: 'kv' }, el('span', { class: 'k', text: key }), el('span', { class: 'v' }, ...value));
  }
  function link(text, onclick, cls) {
    return el('button', { type: 'button', class: `link${cls ? ' ' + cls : ''}`, text, onclick });
  }
  function msgLink(i) {
    const m = msgs[i];
    const ty = types[m.type];
    const b = link(`#${m.id} ${ty.type}`, () => select({ kind: 'msg', i }, true), 'msglink');
    b.style.setProperty('--c', ty.color);
    return b;
  }

  // JSON with syntax colouring, built from text nodes only.
  function jsonView(value) {
    const pre = el('pre', { class: 'json' });
    const text = JSON.stringify(value, null, 2) ?? 'undefined';
    const re = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
    let at = 0;
    let m;
    while ((m = re.exec(text))) {
      if (m.index > at) pre.append(text.slice(at, m.index));
      if (m[1]) {
        pre.append(el('span', { class: m[2] ? 'j-key' : 'j-str', text: m[1] }));
        if (m[2]) pre.append(m[2]);
      } else if (m[3]) pre.append(el('span', { class: 'j-lit', text: m[3] }));
      else pre.append(el('span', { class: 'j-num', text: m[4] }));
      at = re.lastIndex;
    }
    pre.append(text.slice(at));
    return pre;
  }

  function renderPanel() {
    panel.innerHTML = '';
    const sel = state.sel;
    if (sel && sel.kind === 'msg') panelMessage(sel.i);
    else if (sel && sel.kind === 'op') panelOp(sel.i);
    else if (sel && sel.kind === 'node') panelNode(sel.i);
    else panelSummary();
    panel.scrollTop = 0;
  }

  function closeBar(title) {
    return el('div', { class: 'panel-head' }, el('h2', { class: 'ptitle' }, ...title), link('× close', () => select(null), 'close'));
  }

  function panelMessage(i) {
    const m = msgs[i];
    const ty = types[m.type];
    const body = events[m.ev] && events[m.ev].body;
    const sw = el('span', { class: 'dot' });
    sw.style.background = ty.color;
    panel.append(closeBar([sw, `${ty.type} `, el('span', { class: 'muted', text: `#${m.id}` })]));
    const fate = {
      delivered: () => row('delivered', `${ms(m.t1)} `, el('span', { class: 'muted', text: `(after ${ms(m.t1 - m.t0)})` })),
      dropped: () => row('lost', el('span', { class: 'bad', text: `at ${ms(m.t1)}: ${m.reason}` })),
      refused: () => row('refused', el('span', { class: 'bad', text: `${m.reason || `${lanes[m.to].id} was down`}: the sender got an error at once` })),
      'in-flight': () => row('fate', el('span', { class: 'warn', text: 'still in flight when the run ended' })),
    }[m.fate]();
    const rows = [row('route', el('strong', { text: lanes[m.from].id }), ' → ', el('strong', { text: lanes[m.to].id })), row('sent', ms(m.t0)), fate];
    if (m.dup) rows.push(row('duplicate', `delivery number ${m.dup + 1} of this message`));
    if (resendOf(i) !== undefined) rows.push(row('re-send of', msgLink(resendOf(i)), el('span', { class: 'muted', text: ' (the same body)' })));
    if (m.replyTo !== undefined) rows.push(row('answers', msgLink(m.replyTo)));
    const answers = answeredBy.get(i);
    if (answers) rows.push(row('answered by', ...answers.flatMap((a, k) => (k ? [', ', msgLink(a)] : [msgLink(a)]))));
    panel.append(el('div', { class: 'kvs' }, ...rows));
    panel.append(section('Body', jsonView(body)));
    if (m.extra && m.extra.length) panel.append(section('Other events of this message', ...m.extra.map((x) => el('div', { class: 'mono small', text: x }))));
    const nav = el(
      'div',
      { class: 'nav' },
      link('← previous message', () => step(-1)),
      link('next message →', () => step(1)),
    );
    panel.append(nav, el('p', { class: 'muted small', text: 'Keys: j / k for the next / previous message, Esc to close.' }));
  }

  function panelOp(j) {
    const o = ops[j];
    panel.append(closeBar([el('span', { class: 'mono', text: `${lanes[o.client].id}: ${o.label}` })]));
    const rows = [row('client', lanes[o.client].id), row('invoked', ms(o.t0)), o.t1 === null ? row('answer', el('span', { class: 'warn', text: 'none before the run ended (indeterminate)' })) : row('answered', `${ms(o.t1)} `, el('span', { class: 'muted', text: `(after ${ms(o.t1 - o.t0)})` }))];
    if (o.result !== null) rows.push(row('result', el('span', { class: 'mono', text: o.result })));
    panel.append(el('div', { class: 'kvs' }, ...rows));
    if (o.cx && check.status === 'violation') panel.append(el('div', { class: 'cxnote' }, el('strong', { text: 'In the counterexample. ' }), check.explanation));
    const mine = [];
    msgs.forEach((m, i) => {
      if ((m.from === o.client || m.to === o.client) && m.t0 >= o.t0 && (o.t1 === null || m.t0 <= o.t1)) mine.push(i);
    });
    panel.append(
      section(
        `Messages of ${lanes[o.client].id} during the operation (${mine.length})`,
        mine.length ? el('ul', { class: 'list' }, ...mine.slice(0, 200).map((i) => el('li', null, el('span', { class: 'muted', text: `${ms(msgs[i].t0)} ` }), msgLink(i), ` ${lanes[msgs[i].from].id} → ${lanes[msgs[i].to].id}`))) : el('p', { class: 'muted', text: 'none' }),
      ),
    );
  }

  function panelNode(l) {
    const lane = lanes[l];
    panel.append(closeBar([lane.id, ' ', el('span', { class: 'muted', text: lane.role })]));
    const life = lane.life.map((p) => `${p.state === 'up' ? 'running' : p.state === 'unstarted' ? 'not started' : p.state} from ${ms(p.t0)}${p.t1 === null ? '' : ` to ${ms(p.t1)}`}`);
    const sent = msgs.filter((m) => m.from === l && !m.dup).length;
    const received = msgs.filter((m) => m.to === l && m.fate === 'delivered').length;
    panel.append(
      el('div', { class: 'kvs' }, row('life', ...life.flatMap((s, k) => (k ? [el('br'), s] : [s]))), row('messages', `${sent} sent, ${received} received`)),
      el('div', { class: 'nav' }, link(state.hiddenLanes.has(l) ? 'show this lane' : 'hide this lane', () => toggleLane(l))),
    );
    const mine = logs.map((x, i) => i).filter((i) => logs[i].lane === l);
    const list = el('ol', { class: 'logs' });
    for (const i of mine.slice(0, 2000)) {
      const x = logs[i];
      list.append(el('li', { class: x.stderr ? 'stderr' : '', onclick: () => scrollToTime(x.t), title: 'show on the diagram' }, el('span', { class: 't', text: fmtT(x.t) }), el('span', { class: 'text', text: x.text })));
    }
    panel.append(section(`Log (${mine.length} line${mine.length === 1 ? '' : 's'})`, mine.length ? list : el('p', { class: 'muted', text: 'This node logged nothing.' })));
    const faults = marks.filter((m) => m.lane === l && m.kind !== 'timer');
    if (faults.length) panel.append(section('Faults', el('ul', { class: 'list' }, ...faults.map((m) => el('li', { onclick: () => scrollToTime(m.t), class: 'clickable fault-item' }, el('strong', { text: `${ms(m.t)}: ${m.kind === 'kill' ? 'killed' : m.kind === 'crash' ? 'crashed' : m.kind === 'restart' ? 'restarted' : m.kind}` }), m.text && m.kind !== 'restart' ? el('div', { class: 'mono small pre', text: m.text }) : null)))));
  }

  function toggleLane(l) {
    if (state.hiddenLanes.has(l)) state.hiddenLanes.delete(l);
    else state.hiddenLanes.add(l);
    const box = toolbar.querySelector(`input[data-lane="${l}"]`);
    if (box) box.checked = !state.hiddenLanes.has(l);
    relayout();
    renderPanel();
  }

  function legendSvg(inner, w = 46) {
    const s = document.createElementNS(SVGNS, 'svg');
    s.setAttribute('width', String(w));
    s.setAttribute('height', '18');
    s.setAttribute('class', 'legend-icon');
    s.innerHTML = inner;
    return s;
  }

  function panelSummary() {
    const c0 = types[0] ? esc(types[0].color) : '#2f6db5';
    const legend = el(
      'div',
      { class: 'legend' },
      el('div', null, legendSvg(`<line x1="3" y1="4" x2="40" y2="14" stroke="${c0}" stroke-width="1.8"/><path d="M43,15 L34.5,14.6 L37.4,9.7 z" fill="${c0}"/>`), 'a message, from its send to its delivery; one colour per type'),
      el('div', null, legendSvg(`<line x1="3" y1="4" x2="40" y2="14" stroke="${c0}" stroke-width="1.8" stroke-dasharray="4 2.5"/><path d="M43,15 L34.5,14.6 L37.4,9.7 z" fill="${c0}"/>`), 'a reply (…_ok, or it has in_reply_to)'),
      el('div', null, legendSvg(`<line x1="3" y1="4" x2="32" y2="12" stroke="${c0}" stroke-width="1.8"/><path class="x-mark" d="M28,8 L37,17 M37,8 L28,17"/>`), 'lost: dropped by the network, or its destination died'),
      el('div', null, legendSvg(`<line x1="3" y1="9" x2="30" y2="9" stroke="${c0}" stroke-width="1.8"/><circle class="refuse-mark" cx="36" cy="9" r="5.2"/><line class="refuse-mark" x1="32.4" y1="12.6" x2="39.6" y2="5.4"/>`), 'refused: sent to a dead node, or one the lab\u2019s rule forbids calling; the sender got an error at once'),
      el('div', null, legendSvg(`<line x1="3" y1="4" x2="26" y2="12" stroke="${c0}" stroke-width="1.8" stroke-dasharray="1.5 3"/><circle class="flight-mark" cx="28" cy="13" r="3.5" stroke="${c0}"/>`), 'still in flight when the run ended'),
      el('div', null, legendSvg(`<text class="dup-label" x="4" y="13">dup</text>`), 'a duplicate delivery of the same message'),
      el('div', null, legendSvg('<g class="fault kill"><circle cx="12" cy="9" r="7.5"/><path d="M8.6,5.6 L15.4,12.4 M15.4,5.6 L8.6,12.4"/></g><rect x="30" y="0" width="12" height="18" fill="url(#hatch)"/>'), 'killed by the test; the hatched lane is dead'),
      el('div', null, legendSvg('<g class="fault crash"><circle cx="12" cy="9" r="7.5"/><text class="bang" x="12" y="13" text-anchor="middle">!</text></g><rect x="30" y="0" width="12" height="18" fill="url(#hatch-crash)"/>'), 'crashed by itself (exception, bad output, infinite loop)'),
      el('div', null, legendSvg('<circle class="timer-mark" cx="12" cy="9" r="3.6"/>'), 'a timer of the node fired'),
      el('div', null, legendSvg('<g class="log-tick"><rect class="tick" x="8" y="6.8" width="12" height="4.4" rx="2.2"/></g><g class="log-tick stderr"><rect class="tick" x="26" y="6.8" width="12" height="4.4" rx="2.2"/></g>'), 'a log line (grey: stdout, red: stderr); hover to read'),
      el('div', null, legendSvg('<rect class="bar st-true" x="4" y="1" width="9" height="16" rx="2.5"/><rect class="bar st-false" x="17" y="1" width="9" height="16" rx="2.5"/><rect class="bar st-pending" x="30" y="1" width="9" height="16" rx="2.5" fill="url(#fade)"/>'), 'an operation from invoke to answer: true, false, or no answer'),
      el('div', null, legendSvg('<rect class="bar st-true cx" x="4" y="1" width="9" height="16" rx="2.5"/><text class="op-label cx" x="17" y="13">!</text>'), 'in the checker\u2019s counterexample'),
      el('div', null, legendSvg('<rect x="2" y="2" width="40" height="14" fill="url(#breakfill)"/>'), 'idle time squeezed out (the gutter says how much)'),
    );
    const important = notes.map((n, i) => i);
    const timeline = important.length
      ? el('ul', { class: 'list timeline' }, ...important.slice(0, 300).map((i) => el('li', { class: `clickable k-${notes[i].kind}`, onclick: () => scrollToTime(notes[i].t), title: 'show on the diagram' }, el('span', { class: 't', text: fmtT(notes[i].t) }), el('span', { text: notes[i].text }))))
      : el('p', { class: 'muted', text: 'No notes or faults in this run.' });
    panel.append(
      section('Notes and faults', timeline),
      section('How to read it', el('p', { class: 'muted small', text: 'One lane per node; virtual time flows down. Click an arrow for the message\u2019s body, a lane\u2019s name for its log, an operation for its messages.' }), legend),
    );
    if (meta.skipped) panel.append(el('p', { class: 'muted small', text: `${meta.skipped} event(s) of the trace could not be placed and are not drawn.` }));
    panel.append(el('div', { class: 'nav' }, link('download the trace (JSON)', downloadTrace)));
  }

  function downloadTrace() {
    const blob = new Blob([JSON.stringify(trace, null, 1)], { type: 'application/json' });
    const a = el('a', { href: URL.createObjectURL(blob), download: `${meta.test}-seed${meta.seed}.json` });
    document.body.append(a);
    a.click();
    a.remove();
  }

  // Next / previous visible message in send order.
  function step(dir) {
    const sel = state.sel;
    let i = sel && sel.kind === 'msg' ? sel.i : dir > 0 ? -1 : N;
    for (;;) {
      i += dir;
      if (i < 0 || i >= N) return;
      const m = msgs[i];
      if (!state.hiddenTypes.has(m.type) && !state.hiddenLanes.has(m.from) && !state.hiddenLanes.has(m.to)) break;
    }
    select({ kind: 'msg', i }, true);
  }

  // ---- zoom ------------------------------------------------------------------------------
  function setZoom(z) {
    const centre = (scroller.scrollTop - HEAD_H + scroller.clientHeight / 2 - TOP) / state.zoom;
    const t = tOf(centre);
    state.zoom = z;
    zoomLabel.textContent = `×${z < 0.1 ? z.toFixed(2) : z < 1 ? z.toFixed(2).replace(/0$/, '') : String(z)}`;
    relayout();
    scroller.scrollTop = Math.max(0, TOP + yOf(t) * z + HEAD_H - scroller.clientHeight / 2);
    draw();
  }
  function zoomStep(dir) {
    let k = ZOOMS.findIndex((z) => z >= state.zoom - 1e-9);
    if (k < 0) k = ZOOMS.length - 1;
    if (ZOOMS[k] > state.zoom + 1e-9 && dir > 0) k--;
    setZoom(ZOOMS[clamp(k + dir, 0, ZOOMS.length - 1)]);
  }
  function zoomFit() {
    const z = clamp((scroller.clientHeight - HEAD_H - TOP - 40) / Math.max(1, axis.height), 0.005, 12);
    setZoom(Math.round(z * 1000) / 1000);
    scroller.scrollTop = 0;
  }

  // ---- events ----------------------------------------------------------------------------
  svg.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    if (!target) return;
    const g = target.closest('[data-i],[data-o],[data-tick],[data-note]');
    if (!g) {
      if (denseList) {
        const r = svg.getBoundingClientRect();
        const i = nearestDense(ev.clientX - r.left, ev.clientY - r.top);
        if (i >= 0) select({ kind: 'msg', i });
      }
      return;
    }
    if (g.hasAttribute('data-i')) select({ kind: 'msg', i: Number(g.getAttribute('data-i')) });
    else if (g.hasAttribute('data-o')) select({ kind: 'op', i: Number(g.getAttribute('data-o')) });
    else if (g.hasAttribute('data-tick')) select({ kind: 'node', i: ticks[Number(g.getAttribute('data-tick'))].lane });
    else if (g.hasAttribute('data-note')) scrollToTime(notes[Number(g.getAttribute('data-note'))].t);
  });
  svg.addEventListener('mousemove', (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    const g = target && target.closest('[data-i]');
    let i = g ? Number(g.getAttribute('data-i')) : -1;
    if (i < 0 && denseList) {
      const r = svg.getBoundingClientRect();
      i = nearestDense(ev.clientX - r.left, ev.clientY - r.top);
    }
    if (i >= 0) showCard(i, ev.clientX, ev.clientY);
    else hideCard();
  });
  svg.addEventListener('mouseleave', hideCard);
  let pending = false;
  scroller.addEventListener('scroll', () => {
    hideCard();
    if (denseList) canvas.style.top = `${scroller.scrollTop + HEAD_H}px`;
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  });
  let lastWidth = 0;
  new ResizeObserver(() => {
    if (Math.abs(scroller.clientWidth - lastWidth) < 2) {
      draw();
      return;
    }
    lastWidth = scroller.clientWidth;
    relayout();
  }).observe(scroller);
  document.addEventListener('keydown', (ev) => {
    if (ev.target instanceof HTMLInputElement || ev.metaKey || ev.ctrlKey || ev.altKey) return;
    if (ev.key === 'Escape') select(null);
    else if (ev.key === 'j') step(1);
    else if (ev.key === 'k') step(-1);
    else if (ev.key === '+' || ev.key === '=') zoomStep(1);
    else if (ev.key === '-') zoomStep(-1);
    else return;
    ev.preventDefault();
  });

  /** The narrowest the diagram can be with every lane and column at its minimum. */
  function minimumWidth() {
    const visible = lanes.filter((l, i) => !state.hiddenLanes.has(i)).length;
    const clients = lanes.map((l, i) => i).filter((i) => !state.hiddenLanes.has(i) && ops.some((o) => o.client === i));
    const tracksW = clients.reduce((w, l) => w + ((tracksOf.get(l) || 1) - 1) * TRACK_W, 0);
    return GUTTER + 24 + visible * LANE_TIGHT + clients.length * OPS_MIN + tracksW + NOTES_MIN;
  }

  // ---- go --------------------------------------------------------------------------------
  buildHeader();
  buildToolbar();
  // Every client's operations in view matter more than the panel's legend: when only a closed
  // panel makes room for them, the page starts with it closed (a click opens it).
  if (minimumWidth() > scroller.clientWidth && minimumWidth() <= scroller.clientWidth + panel.offsetWidth) {
    state.showPanel = false;
    main.classList.add('nopanel');
    const box = toolbar.querySelector('input[data-toggle="showPanel"]');
    if (box) box.checked = false;
  }
  lastWidth = scroller.clientWidth;
  relayout();
  renderPanel();
  const T_READY = performance.now();
  document.documentElement.classList.add('ready');
  // For tests and the curious: how long the page took, and what it drew.
  window.locklabViewer = {
    timings: { parseMs: T_PARSED - T0, renderMs: T_READY - T0, sinceNavigationMs: T_READY },
    stats,
    select: (kind, i) => select(kind ? { kind, i } : null, true),
    scrollToTime,
    setZoom,
  };
})();
