// SPDX-License-Identifier: BSD-2-Clause
// pmtrace HTML report: draws the run embedded in #pmt-data (written by
// user/report/report_html.c). No library, no network: the charts are drawn
// on one canvas. Text from the run (paths, Python sites) is only ever set
// as text, never parsed as HTML.
'use strict';
// The data block (#pmt-data, written by report_html.c): base64 of the deflated
// bytes "PMT1", the JSON's length (u32 LE), the JSON, zeros to a multiple of 8,
// then the per-frame columns, which are read in place as typed arrays.
const PMT_T_LOAD = performance.now();
async function pmtLoad() {
	const s = atob(document.getElementById('pmt-data').textContent.trim());
	const u = new Uint8Array(s.length);
	for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
	if (typeof DecompressionStream === 'undefined')
		throw new Error('this browser cannot inflate the report (no DecompressionStream): use a browser from 2023 or later');
	const buf = await new Response(new Blob([u]).stream().pipeThrough(new DecompressionStream('deflate'))).arrayBuffer();
	const head = new Uint8Array(buf, 0, 8);
	if (String.fromCharCode(head[0], head[1], head[2], head[3]) !== 'PMT1') throw new Error('not a pmtrace data block');
	const jlen = new DataView(buf).getUint32(4, true);
	const D = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, jlen)));
	D.bin = buf;
	D.binStart = 8 + jlen + (8 - jlen % 8) % 8;
	return D;
}
pmtLoad().then(function (D) { pmtReport(D); }, function (e) {
	document.getElementById('app').textContent = 'pmtrace: cannot read the report data: ' + e.message;
	throw e;
});
function pmtReport(D) {
	const T0 = performance.now();
	const app = document.getElementById('app');
	const loadMs = T0 - PMT_T_LOAD;
	const TYPES = ['surface', 'text', 'texture', 'audio', 'music', 'font', 'gpu_buffer'];
	const TYPE_COLORS = { surface: '#4e79a7', text: '#f28e2b', texture: '#59a14f', audio: '#b07aa1',
		music: '#76b7b2', font: '#edc948', gpu_buffer: '#9c755f' };
	const CAUSES = ['other', 'gc', 'page_faults', 'heap_growth', 'profiler'];
	const CAUSE_COLORS = { other: '#7f7f7f', gc: '#e8871e', page_faults: '#8e44ad', heap_growth: '#d62728', profiler: '#17becf' };
	/* the cause's name (the low nibble of the cause column: 4 is the profiler's own) */
	function causeOf(v) { return CAUSES[v & 15] || 'other'; }
	const GEN_COLORS = ['#f5c48f', '#e8871e', '#a04f00'];

	// ---- data --------------------------------------------------------------------
	function column(ref, Type) {
		if (!ref || !ref.n) return new Type(0);
		return new Type(D.bin, D.binStart + ref.o, ref.n / Type.BYTES_PER_ELEMENT);
	}
	const F = D.frames || { n: 0 };
	const N = F.n || 0;
	const C = {
		t: column(F.t, Float64Array), dur: column(F.dur, Float32Array), rss: column(F.rss, Float32Array),
		delta: column(F.delta, Float32Array), heap: column(F.heap, Float32Array),
		mapped: column(F.mapped, Float32Array), unmapped: column(F.unmapped, Float32Array),
		brk: column(F.brk, Float32Array),
		minflt: column(F.minflt, Float32Array), majflt: column(F.majflt, Float32Array),
		collected: column(F.collected, Float32Array), gcms: column(F.gcms, Float32Array),
		faultms: column(F.faultms, Float32Array), gcc: column(F.gcc, Uint16Array),
		flags: column(F.flags, Uint8Array), cause: column(F.cause, Uint8Array),
	};
	if (F.index) C.index = column(F.index, Float64Array);
	else {
		C.index = new Float64Array(N);
		for (let i = 0; i < N; i++) C.index[i] = (F.first || 0) + i;
	}
	const A = { types: [], bytes: {}, live: {}, loadfree: {} };
	if (D.assets) {
		for (const ty of D.assets.types) {
			A.types.push(ty);
			A.bytes[ty] = column(D.assets[ty].bytes, Float32Array);
			A.live[ty] = column(D.assets[ty].live, Float32Array);
			A.loadfree[ty] = column(D.assets[ty].loadfree, Uint16Array);
		}
	}
	const FL = { MEM: 1, TIME: 2, DROP: 4, PARTIAL: 8, TRACED: 16, GROWTH: 32, GC_KNOWN: 64, GC_TIMED: 128 };
	const attached = D.attached || null;
	const opts = (attached && attached.options) || {};
	const targetFps = opts.target_fps || 60;
	/* A game judged against its own pace (no --target-fps, steadily slower): that budget. */
	const paceNs = (D.summary && D.summary.pace_ns) || 0;
	const budgetMs = paceNs ? paceNs / 1e6 : 1000 / targetFps;
	const budgetText = paceNs ? 'the game\'s pace, ' + (1e9 / paceNs).toFixed(1) + ' fps' : targetFps + ' fps';

	// Growth sites per frame position: start index into D.growth.sites.
	const growthAt = new Map();
	if (D.growth) {
		D.growth.sites.forEach(function (s, k) {
			if (!growthAt.has(s[0])) growthAt.set(s[0], k);
		});
	}
	// Frame positions by frame number, for records that name frames.
	function posOfFrame(frame) {
		let lo = 0, hi = N;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (C.index[mid] < frame) lo = mid + 1; else hi = mid;
		}
		return lo < N && C.index[lo] === frame ? lo : -1;
	}

	// ---- formatting ---------------------------------------------------------------
	// As the text report's pmt_fmt_bytes(): B without decimals, else one decimal.
	function fmtBytes(v, sign) {
		if (v === null || v === undefined || Number.isNaN(v)) return '–';
		const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
		let a = Math.abs(v), u = 0;
		while (a >= 1024 && u < 4) { a /= 1024; u++; }
		const s = sign ? (v < 0 ? '-' : '+') : (v < 0 ? '-' : '');
		return s + fixed(a, u ? 1 : 0) + ' ' + units[u];
	}
	// toFixed(), but an exact tie goes to the even digit, as C's printf does.
	function fixed(a, d) {
		const m = Math.pow(10, d), x = a * m, fl = Math.floor(x);
		if (x - fl === 0.5) return ((fl % 2 === 0 ? fl : fl + 1) / m).toFixed(d);
		return a.toFixed(d);
	}
	function fmtMs(ns) { return (ns / 1e6).toFixed(2) + ' ms'; }
	function fmtSec(ms) {
		const s = ms / 1000;
		if (Math.abs(s) >= 3600) return (s / 3600).toFixed(2) + ' h';
		if (Math.abs(s) >= 60) return Math.floor(s / 60) + ' min ' + (s % 60).toFixed(0) + ' s';
		return s.toFixed(s < 10 ? 2 : 1) + ' s';
	}
	function shortFrame(fr) {
		const open = fr.lastIndexOf('(');
		if (open < 0) return fr;
		const slash = fr.lastIndexOf('/');
		return slash > open ? fr.slice(0, open + 1) + fr.slice(slash + 1) : fr;
	}

	// ---- DOM helpers (text only) ----------------------------------------------------
	function el(tag, attrs, kids) {
		const e = document.createElement(tag);
		if (attrs) for (const k in attrs) {
			if (k === 'text') e.textContent = attrs[k];
			else if (k === 'cls') e.className = attrs[k];
			else if (k.startsWith('on')) e.addEventListener(k.slice(2), attrs[k]);
			else e.setAttribute(k, attrs[k]);
		}
		if (kids) for (const c of kids) if (c !== null && c !== undefined)
			e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
		return e;
	}
	function table(head, rows, numeric) {
		const tr = el('tr', null, head.map(function (h, i) {
			return el('th', { text: h, cls: numeric && numeric[i] ? 'n' : '' });
		}));
		const body = el('tbody', null, rows.map(function (r) {
			const row = el('tr', r.attrs || null, r.cells.map(function (c, i) {
				const cls = (numeric && numeric[i] ? 'n' : '') + (r.cls && r.cls[i] ? ' ' + r.cls[i] : '');
				return c instanceof Node ? el('td', { cls: cls }, [c]) : el('td', { text: String(c), cls: cls });
			}));
			return row;
		}));
		return el('table', null, [el('thead', null, [tr]), body]);
	}
	function frameLink(frame) {
		return el('a', { cls: 'frame', text: '#' + frame, 'data-frame': frame, onclick: function () {
			const p = posOfFrame(frame);
			if (p >= 0) { select(p, true); }
		} });
	}
	function section(id, title) {
		const s = el('section', { id: id }, [el('h2', { text: title })]);
		app.appendChild(s);
		return s;
	}
	// A stack on one line, innermost first, cut at @max frames (6); the whole stack as the title.
	function stackEl(frames, suffix, max) {
		return el('span', { cls: 'stack', text: stackText(frames, max || 6) + (suffix || ''), title: (frames || []).join('\n') });
	}
	function stackText(frames, max) {
		frames = frames || [];
		const n = max ? Math.min(frames.length, max) : frames.length;
		const parts = [];
		for (let i = 0; i < n; i++) parts.push(shortFrame(frames[i]));
		return parts.join(' ← ') + (frames.length > n ? ' ← …' : '');
	}

	// ---- header and summary -------------------------------------------------------------
	const S = D.summary || {};
	function header() {
		const a = attached || {};
		const fin = D.final;
		const title = a.cmdline || a.executable || D.source || 'run';
		app.appendChild(el('h1', { text: 'pmtrace: ' + title }));
		const bits = [];
		if (a.pid) bits.push('pid ' + a.pid + ' (' + (a.mode === 'launch' ? 'launched' : 'attached') + ')');
		if (a.python) bits.push('Python ' + a.python.version + ' (' + a.python.build + ')');
		if (a.frame_marker) bits.push('frame marker ' + a.frame_marker.symbol);
		if (fin) bits.push('ended: ' + fin.exit_reason.replace('_', ' ') +
			(fin.target_exit_code !== null && fin.target_exit_code !== undefined ? ' (exit ' + fin.target_exit_code + ')' : ''));
		else bits.push(D.live ? 'running' : 'no final record');
		const sub = el('div', { cls: 'sub' });
		if (D.live) {
			sub.appendChild(el('span', { cls: 'badge live', id: 'live', text: 'live · refreshes every ' + D.refresh_s + ' s' }));
			const pause = el('button', { text: 'pause refresh', id: 'pause' });
			pause.addEventListener('click', function () {
				paused = !paused;
				pause.textContent = paused ? 'resume refresh' : 'pause refresh';
				if (!paused) scheduleReload();
			});
			sub.appendChild(pause);
			sub.appendChild(document.createTextNode(' '));
		}
		sub.appendChild(document.createTextNode(bits.join(' · ')));
		app.appendChild(sub);
		if (D.notes && D.notes.length)
			app.appendChild(el('div', { cls: 'notes', id: 'notes' }, D.notes.map(function (n) { return el('div', { text: n }); })));
	}
	function card(id, k, v, d, value) {
		const attrs = { cls: 'card', id: id };
		if (value !== undefined && value !== null) attrs['data-value'] = String(value);
		const vv = el('div', { cls: 'v', text: v });
		return el('div', attrs, [el('div', { cls: 'k', text: k }), vv, d ? el('div', { cls: 'd', text: d }) : null]);
	}
	function summary() {
		const ft = S.frame_time_ns || {};
		const causes = S.causes || {};
		const gc = S.gc_collections || [0, 0, 0];
		const cards = el('div', { cls: 'cards', id: 'summary' }, [
			card('s-frames', 'frames', String(S.frames), fmtSec((S.span_ns || 0) / 1e6) + ' at ' + (S.fps || 0).toFixed(1) + ' fps', S.frames),
			card('s-frametime', 'frame ms p50 / p95', (ft.p50 / 1e6).toFixed(1) + ' / ' + (ft.p95 / 1e6).toFixed(1),
				'p99 ' + (ft.p99 / 1e6).toFixed(2) + ' ms, max ' + (ft.max / 1e6).toFixed(2) + ' ms', ft.p95),
			card('s-rss-peak', 'peak RSS', fmtBytes(S.rss_peak_bytes), 'at the end ' + fmtBytes(S.rss_bytes) + ', growth ' + fmtBytes(S.rss_growth_bytes, true), S.rss_peak_bytes),
			card('s-heap-peak', 'Python heap peak', S.python_heap_peak_bytes ? fmtBytes(S.python_heap_peak_bytes) : 'not measured', 'pymalloc arenas', S.python_heap_peak_bytes),
			card('s-spikes', 'spikes', String(S.spikes), (S.spikes_memory || 0) + ' memory, ' + (S.spikes_time || 0) + ' time', S.spikes),
			card('s-drops', 'dropped frames', String(S.dropped), 'gc ' + (causes.gc || 0) + ', page faults ' + (causes.page_faults || 0) +
				', heap growth ' + (causes.heap_growth || 0) + ', other ' + (causes.none || 0), S.dropped),
			card('s-gc', 'GC collections', gc[0] + ' / ' + gc[1] + ' / ' + gc[2], 'gen0/1/2, ' + ((S.gc_ns || 0) / 1e6).toFixed(1) + ' ms, ' + (S.gc_collected || 0) + ' collected', gc[0] + gc[1] + gc[2]),
			card('s-faults', 'page faults', String(S.minflt || 0), (S.majflt || 0) + ' major; mmap ' + fmtBytes(S.mapped_bytes || 0), S.minflt),
		]);
		app.appendChild(cards);
	}

	// ---- the timeline ----------------------------------------------------------------
	let view = { t0: 0, t1: 1 };
	let full = { t0: 0, t1: 1 };
	let selected = -1, hover = -1;
	let paused = false;
	const canvas = el('canvas', { id: 'chart', tabindex: '0' });
	const tip = el('div', { id: 'tip' });
	const rangeLabel = el('span', { cls: 'range', id: 'range' });
	const PMT = window.PMT = { ready: false, frames: N, last: {} };
	let layout = null;

	function frameStart(i) { return C.t[i] - C.dur[i]; }
	if (N) {
		full = { t0: frameStart(0), t1: C.t[N - 1] };
		if (full.t1 <= full.t0) full.t1 = full.t0 + 1;
		view = { t0: full.t0, t1: full.t1 };
	}
	// First frame ending at or after time @ms.
	function lowerT(ms) {
		let lo = 0, hi = N;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (C.t[mid] < ms) lo = mid + 1; else hi = mid;
		}
		return lo;
	}

	function timeline() {
		const s = section('timeline', 'Frames and memory over time');
		const bar = el('div', { cls: 'toolbar' }, [
			el('button', { text: 'zoom in', id: 'zoom-in', onclick: function () { zoomAt(0.5, 0.5); } }),
			el('button', { text: 'zoom out', id: 'zoom-out', onclick: function () { zoomAt(2, 0.5); } }),
			el('button', { text: 'whole run', id: 'zoom-reset', onclick: function () { setView(full.t0, full.t1); } }),
			el('button', { text: '◀ spike', onclick: function () { jump(FL.MEM | FL.TIME, -1); } }),
			el('button', { text: 'spike ▶', onclick: function () { jump(FL.MEM | FL.TIME, 1); } }),
			el('button', { text: '◀ drop', onclick: function () { jump(FL.DROP, -1); } }),
			el('button', { text: 'drop ▶', onclick: function () { jump(FL.DROP, 1); } }),
			rangeLabel,
		]);
		s.appendChild(bar);
		const leg = el('div', { cls: 'legend' });
		function li(color, text) { leg.appendChild(el('span', null, [el('i', { style: 'background:' + color }), text])); }
		li('#5b7db5', 'frame time (min–max per pixel)');
		li('#d62728', '▼ memory spike'); li('#1f77b4', '▼ time spike');
		for (const c of CAUSES) li(CAUSE_COLORS[c], 'drop: ' + c.replace('_', ' '));
		li('#222', 'RSS'); li('#2ca02c', 'Python heap');
		for (const ty of A.types) li(TYPE_COLORS[ty], ty + ' bytes');
		li(GEN_COLORS[2], 'GC (darker: older generation)'); li('#17becf', 'traced frame'); li('#d62728', 'budget alert');
		s.appendChild(leg);
		s.appendChild(el('div', { id: 'chartbox' }, [canvas, tip]));
		s.appendChild(el('div', { cls: 'sub', text: 'Wheel or +/− to zoom, drag to pan, double-click for the whole run, click a frame to see its record; ← → step frames.' }));
	}

	function tracks(width) {
		const heat = Math.max(A.types.length, 1) * 14;
		const L = { left: 64, right: 12, width: width };
		let y = 8;
		L.time = { y: y + 14, h: 150 }; y = L.time.y + L.time.h + 10;
		L.mem = { y: y, h: 170 }; y += L.mem.h + 10;
		L.heat = { y: y, h: heat }; y += heat + 8;
		L.events = { y: y, h: 5 * 10 }; y += L.events.h + 6;
		L.axis = { y: y, h: 22 }; y += 22;
		L.height = y;
		L.plotW = width - L.left - L.right;
		return L;
	}
	function xOf(ms) { return layout.left + (ms - view.t0) / (view.t1 - view.t0) * layout.plotW; }
	function tOfX(x) { return view.t0 + (x - layout.left) / layout.plotW * (view.t1 - view.t0); }

	function niceStep(range, target) {
		const raw = range / target, p = Math.pow(10, Math.floor(Math.log10(raw)));
		for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
		return 10 * p;
	}

	function draw() {
		const t0 = performance.now();
		const dpr = window.devicePixelRatio || 1;
		const width = Math.max(canvas.parentNode.clientWidth, 320);
		layout = tracks(width);
		canvas.style.height = layout.height + 'px';
		canvas.width = Math.round(width * dpr);
		canvas.height = Math.round(layout.height * dpr);
		const g = canvas.getContext('2d');
		g.setTransform(dpr, 0, 0, dpr, 0, 0);
		g.clearRect(0, 0, width, layout.height);
		g.font = '11px system-ui, sans-serif';
		const W = Math.max(1, Math.floor(layout.plotW));
		const last = PMT.last = { spikeFrames: 0, dropFrames: 0, spikeCols: [], dropCols: [], frames: 0 };
		rangeLabel.textContent = N ? rangeText() : 'no frames';
		if (!N) { PMT.drawMs = performance.now() - t0; return; }

		// Per-pixel columns over the visible frames.
		let lo = Math.max(0, lowerT(view.t0) - 1), hi = Math.min(N, lowerT(view.t1) + 1);
		const dmin = new Float32Array(W).fill(Infinity), dmax = new Float32Array(W).fill(-Infinity);
		const rss = new Float64Array(W).fill(NaN), heap = new Float64Array(W).fill(NaN);
		const flags = new Uint8Array(W), causes = new Uint8Array(W), gens = new Int8Array(W).fill(-1);
		const ab = {}; for (const ty of A.types) ab[ty] = new Float64Array(W).fill(NaN);
		const px = (W) / (view.t1 - view.t0);
		let maxDur = budgetMs * 1.5, maxMem = 1;
		for (let i = lo; i < hi; i++) {
			const end = C.t[i], start = end - C.dur[i];
			if (end < view.t0 || start > view.t1) continue;
			// A frame covers the columns from its start to its end; its markers go at its end.
			let c0 = Math.floor((start - view.t0) * px), c1 = Math.floor((end - view.t0) * px);
			if (c0 < 0) c0 = 0;
			if (c1 >= W) c1 = W - 1;
			if (c1 < c0) c1 = c0;
			const d = C.dur[i];
			const f = C.flags[i];
			const r = C.rss[i], h = C.heap[i];
			if (r > maxMem) maxMem = r;
			for (let c = c0; c <= c1; c++) {
				if (!(f & FL.PARTIAL)) {
					if (d < dmin[c]) dmin[c] = d;
					if (d > dmax[c]) dmax[c] = d;
				}
				if (!(r <= rss[c])) rss[c] = r;
				if (!Number.isNaN(h) && !(h <= heap[c])) heap[c] = h;
				for (const ty of A.types) {
					const v = A.bytes[ty][i];
					if (!Number.isNaN(v) && !(v <= ab[ty][c])) ab[ty][c] = v;
				}
			}
			if (!(f & FL.PARTIAL) && d > maxDur) maxDur = d;
			flags[c1] |= f;
			if (f & FL.DROP) causes[c1] |= 1 << Math.max(0, CAUSES.indexOf(causeOf(C.cause[i])));
			const gen = (C.cause[i] >> 4) - 1;
			if (gen > gens[c1]) gens[c1] = gen;
			last.frames++;
			if (f & (FL.MEM | FL.TIME)) last.spikeFrames++;
			if (f & FL.DROP) last.dropFrames++;
		}
		const capDur = Math.max(budgetMs * 1.5, Math.min(maxDur * 1.05, Math.max(budgetMs * 10, quantileVisible(lo, hi) * 1.5)));
		const L = layout;

		// Frame time track.
		const yT = function (ms) { return L.time.y + L.time.h - Math.min(ms, capDur) / capDur * L.time.h; };
		g.fillStyle = '#f6f8fb'; g.fillRect(L.left, L.time.y, L.plotW, L.time.h);
		g.fillStyle = '#5b7db5';
		for (let c = 0; c < W; c++) {
			if (dmax[c] < 0) continue;
			const y0 = yT(dmax[c]), y1 = yT(dmin[c]);
			g.fillRect(L.left + c, y0 - 0.75, 1, Math.max(1.5, y1 - y0 + 1.5));
		}
		g.strokeStyle = '#888'; g.setLineDash([4, 3]); g.beginPath();
		g.moveTo(L.left, yT(budgetMs)); g.lineTo(L.left + L.plotW, yT(budgetMs)); g.stroke(); g.setLineDash([]);
		g.fillStyle = '#555';
		g.fillText(budgetMs.toFixed(1) + ' ms (' + budgetText + ')', L.left + 4, yT(budgetMs) - 3);
		axisLabels(g, L.time, capDur, function (v) { return v.toFixed(0) + ' ms'; });
		// Drops (coloured by cause) as bars at the track's top, spikes as triangles above.
		for (let c = 0; c < W; c++) {
			if (flags[c] & FL.DROP) {
				let k = 0;
				const n = popcount(causes[c]);
				for (let ci = 0; ci < CAUSES.length; ci++) if (causes[c] & (1 << ci)) {
					g.fillStyle = CAUSE_COLORS[CAUSES[ci]];
					g.fillRect(L.left + c - 1, L.time.y + k * 8 / n, 3, 8 / n);
					k++;
				}
				last.dropCols.push(c);
			}
			if (flags[c] & (FL.MEM | FL.TIME)) {
				g.fillStyle = flags[c] & FL.MEM ? '#d62728' : '#1f77b4';
				triangle(g, L.left + c + 0.5, L.time.y - 2);
				last.spikeCols.push(c);
			}
		}
		g.fillStyle = '#333'; g.fillText('frame time', 4, L.time.y + 10);

		// Memory track: asset bytes stacked, RSS and Python heap as lines.
		const yM = function (b) { return L.mem.y + L.mem.h - b / (maxMem * 1.05) * L.mem.h; };
		g.fillStyle = '#f6f8fb'; g.fillRect(L.left, L.mem.y, L.plotW, L.mem.h);
		if (A.types.length) {
			const base = new Float64Array(W);
			g.globalAlpha = 0.6;
			for (const ty of A.types) {
				g.fillStyle = TYPE_COLORS[ty];
				const col = ab[ty];
				for (let c = 0; c < W; c++) {
					if (Number.isNaN(col[c]) || !col[c]) continue;
					const y0 = yM(base[c] + col[c]), y1 = yM(base[c]);
					g.fillRect(L.left + c, y0, 1, Math.max(0.5, y1 - y0));
					base[c] += col[c];
				}
			}
			g.globalAlpha = 1;
		}
		line(g, rss, W, yM, '#222');
		line(g, heap, W, yM, '#2ca02c');
		for (let c = 0; c < W; c++) if (flags[c] & FL.MEM) {
			g.fillStyle = '#d62728';
			g.fillRect(L.left + c, L.mem.y, 1, 4);
		}
		axisLabels(g, L.mem, maxMem * 1.05, function (v) { return fmtBytes(v); });
		g.fillStyle = '#333'; g.fillText('memory', 4, L.mem.y + 10);

		// Asset heatmap: one row per type, darker = more bytes (relative to the type's peak).
		heatmap(g, L, W, ab);

		// Events: GC generations, traced frames, budget alerts.
		const ev = L.events;
		g.fillStyle = '#333';
		['gc gen0', 'gc gen1', 'gc gen2', 'traced', 'budget'].forEach(function (n, k) { g.fillText(n, 4, ev.y + k * 10 + 8); });
		for (let c = 0; c < W; c++) {
			if (gens[c] >= 0) { g.fillStyle = GEN_COLORS[gens[c]]; g.fillRect(L.left + c, ev.y + gens[c] * 10, 1, 9); }
			if (flags[c] & FL.TRACED) { g.fillStyle = '#17becf'; g.fillRect(L.left + c - 1, ev.y + 30, 3, 9); }
		}
		for (const a of D.alerts || []) {
			const p = posOfFrame(a.frame);
			if (p < 0) continue;
			const x = xOf(C.t[p]);
			if (x < L.left || x > L.left + L.plotW) continue;
			g.fillStyle = a.state === 'exceeded' ? '#d62728' : a.state === 'approaching' ? '#d9a400' : '#2e9d4f';
			g.fillRect(x - 1, ev.y + 40, 3, 9);
		}

		timeAxis(g, L);
		// Selection and hover.
		for (const [p, color] of [[hover, 'rgba(0,0,0,.12)'], [selected, 'rgba(47,111,223,.22)']]) {
			if (p < 0) continue;
			const x0 = xOf(frameStart(p)), x1 = xOf(C.t[p]);
			if (x1 < L.left || x0 > L.left + L.plotW) continue;
			const a = Math.max(L.left, x0), w = Math.max(1, Math.min(x1, L.left + L.plotW) - a);
			g.fillStyle = color;
			g.fillRect(a, L.time.y, w, L.axis.y - L.time.y);
			if (p === selected) {
				g.strokeStyle = '#2f6fdf';
				g.strokeRect(a + 0.5, L.time.y + 0.5, Math.max(1, w - 1), L.axis.y - L.time.y - 1);
			}
		}
		PMT.drawMs = performance.now() - t0;
	}
	function popcount(v) { let n = 0; while (v) { n += v & 1; v >>= 1; } return n; }
	function triangle(g, x, y) { g.beginPath(); g.moveTo(x - 4, y - 7); g.lineTo(x + 4, y - 7); g.lineTo(x, y); g.closePath(); g.fill(); }
	function line(g, col, W, y, color) {
		g.strokeStyle = color; g.lineWidth = 1.2; g.beginPath();
		let pen = false;
		for (let c = 0; c < W; c++) {
			if (Number.isNaN(col[c])) { continue; }
			const yy = y(col[c]);
			if (!pen) { g.moveTo(layout.left + c, yy); pen = true; } else g.lineTo(layout.left + c, yy);
		}
		g.stroke(); g.lineWidth = 1;
	}
	function axisLabels(g, tr, max, fmt) {
		g.fillStyle = '#666'; g.strokeStyle = '#e3e7ee';
		for (let k = 1; k <= 3; k++) {
			const v = max * k / 4, y = tr.y + tr.h - tr.h * k / 4;
			g.beginPath(); g.moveTo(layout.left, y); g.lineTo(layout.left + layout.plotW, y); g.stroke();
			g.fillText(fmt(v), 4, y + 4);
		}
	}
	// The 99th percentile of visible frame times (a sample of at most 4096).
	function quantileVisible(lo, hi) {
		const n = hi - lo;
		if (n <= 0) return budgetMs;
		const step = Math.max(1, Math.floor(n / 4096)), a = [];
		for (let i = lo; i < hi; i += step) a.push(C.dur[i]);
		a.sort(function (x, y) { return x - y; });
		return a[Math.min(a.length - 1, Math.floor(a.length * 0.99))];
	}
	function heatmap(g, L, W, ab) {
		const tr = L.heat;
		g.fillStyle = '#333';
		if (!A.types.length) {
			if ((D.asset_points || []).length) return heatPoints(g, L);
			g.fillStyle = '#888'; g.fillText('assets: not tracked in this run', L.left + 4, tr.y + 10);
			return;
		}
		A.types.forEach(function (ty, k) {
			const col = ab[ty];
			let peak = 0;
			const all = A.bytes[ty];
			for (let i = 0; i < N; i++) if (all[i] > peak) peak = all[i];
			g.fillStyle = '#333'; g.fillText(ty, 4, tr.y + k * 14 + 11);
			for (let c = 0; c < W; c++) {
				const v = col[c];
				if (Number.isNaN(v) || !peak) continue;
				g.fillStyle = heatColor(v / peak);
				g.fillRect(L.left + c, tr.y + k * 14, 1, 13);
			}
		});
	}
	// Older runs: asset bytes by type at each report only.
	function heatPoints(g, L) {
		const pts = D.asset_points, tr = L.heat;
		const used = TYPES.filter(function (ty, k) { return pts.some(function (p) { return p[k + 1] > 0; }); });
		used.slice(0, Math.floor(tr.h / 14)).forEach(function (ty, row) {
			const k = TYPES.indexOf(ty);
			let peak = 0;
			for (const p of pts) peak = Math.max(peak, p[k + 1]);
			g.fillStyle = '#333'; g.fillText(ty, 4, tr.y + row * 14 + 11);
			let prevX = layout.left;
			for (const p of pts) {
				const pos = Math.max(0, Math.min(N - 1, posOfFrame(p[0] - 1) >= 0 ? posOfFrame(p[0] - 1) : N - 1));
				const x = xOf(C.t[pos]);
				g.fillStyle = heatColor(peak ? p[k + 1] / peak : 0);
				g.fillRect(Math.max(layout.left, prevX), tr.y + row * 14, Math.max(0, Math.min(x, layout.left + layout.plotW) - Math.max(layout.left, prevX)), 13);
				prevX = x;
			}
		});
	}
	function heatColor(f) {
		f = Math.max(0, Math.min(1, f));
		const r = Math.round(255 - f * (255 - 8)), gg = Math.round(245 - f * (245 - 48)), b = Math.round(235 - f * (235 - 107));
		return 'rgb(' + r + ',' + gg + ',' + b + ')';
	}
	function timeAxis(g, L) {
		const span = view.t1 - view.t0;
		const step = niceStep(span, Math.max(2, L.plotW / 110));
		g.fillStyle = '#444'; g.strokeStyle = '#999';
		const first = Math.ceil((view.t0 - full.t0) / step) * step;
		for (let v = first; v + full.t0 <= view.t1; v += step) {
			const x = xOf(v + full.t0);
			g.beginPath(); g.moveTo(x, L.axis.y); g.lineTo(x, L.axis.y + 4); g.stroke();
			const p = Math.min(N - 1, lowerT(v + full.t0));
			g.fillText(fmtSec(v) + (p >= 0 && N ? ' #' + C.index[p] : ''), x + 2, L.axis.y + 14);
		}
	}
	function rangeText() {
		const a = Math.min(N - 1, lowerT(view.t0)), b = Math.max(0, Math.min(N - 1, lowerT(view.t1) - (lowerT(view.t1) >= N ? 1 : 0)));
		return 'frames ' + C.index[a] + '–' + C.index[b] + ' · ' + fmtSec(view.t0 - full.t0) + ' – ' + fmtSec(view.t1 - full.t0);
	}

	// ---- interaction ------------------------------------------------------------------
	let redrawQueued = false;
	function redraw() {
		if (redrawQueued) return;
		redrawQueued = true;
		requestAnimationFrame(function () { redrawQueued = false; draw(); });
	}
	function setView(a, b) {
		const minSpan = N ? Math.max(0.5, (full.t1 - full.t0) / N * 4) : 1;
		if (b - a < minSpan) { const m = (a + b) / 2; a = m - minSpan / 2; b = m + minSpan / 2; }
		const span = Math.min(b - a, full.t1 - full.t0);
		if (a < full.t0) { a = full.t0; b = a + span; }
		if (b > full.t1) { b = full.t1; a = b - span; }
		view = { t0: a, t1: b };
		PMT.view = view;
		saveView();
		redraw();
	}
	function zoomAt(factor, frac) {
		const m = view.t0 + (view.t1 - view.t0) * frac;
		setView(m - (m - view.t0) * factor, m + (view.t1 - m) * factor);
	}
	function frameAtX(x) {
		if (!N || !layout || x < layout.left || x > layout.left + layout.plotW) return -1;
		const p = lowerT(tOfX(x));
		return p >= N ? N - 1 : p;
	}
	function select(p, scroll) {
		selected = p;
		PMT.selected = p;
		// Bring the frame into view when it is outside.
		if (p >= 0 && (C.t[p] < view.t0 || frameStart(p) > view.t1)) {
			const span = view.t1 - view.t0;
			setView(C.t[p] - span / 2, C.t[p] + span / 2);
		}
		detail(p);
		redraw();
		if (scroll) document.getElementById('timeline').scrollIntoView({ block: 'start' });
	}
	function jump(mask, dir) {
		let p = selected >= 0 ? selected : (dir > 0 ? lowerT(view.t0) - 1 : lowerT(view.t1));
		for (p += dir; p >= 0 && p < N; p += dir) if (C.flags[p] & mask) { select(p, false); return; }
	}
	function showTip(p, x, y) {
		if (p < 0) { tip.style.display = 'none'; return; }
		const f = C.flags[p];
		const lines = ['frame ' + C.index[p] + ' · ' + fmtSec(C.t[p] - full.t0),
			C.dur[p].toFixed(2) + ' ms' + (f & FL.DROP ? ' · dropped (' + causeOf(C.cause[p]).replace('_', ' ') + ')' : '') +
				(f & (FL.MEM | FL.TIME) ? ' · spike' : ''),
			'RSS ' + fmtBytes(C.rss[p]) + ' (' + fmtBytes(C.delta[p], true) + ')' +
				(Number.isNaN(C.heap[p]) ? '' : ' · heap ' + fmtBytes(C.heap[p]))];
		const assets = A.types.filter(function (ty) { return A.bytes[ty][p] > 0; }).map(function (ty) { return ty + ' ' + fmtBytes(A.bytes[ty][p]); });
		if (assets.length) lines.push(assets.join(' · '));
		tip.textContent = lines.join('\n');
		tip.style.display = 'block';
		const box = canvas.parentNode.clientWidth;
		tip.style.left = Math.min(x + 12, box - 260) + 'px';
		tip.style.top = (y + 12) + 'px';
	}
	function bind() {
		let drag = null;
		canvas.addEventListener('wheel', function (e) {
			e.preventDefault();
			const r = canvas.getBoundingClientRect();
			if (e.shiftKey) {
				const d = (view.t1 - view.t0) * (e.deltaY > 0 ? 0.1 : -0.1);
				setView(view.t0 + d, view.t1 + d);
				return;
			}
			const frac = Math.max(0, Math.min(1, (e.clientX - r.left - layout.left) / layout.plotW));
			zoomAt(e.deltaY > 0 ? 1.25 : 0.8, frac);
		}, { passive: false });
		canvas.addEventListener('mousedown', function (e) {
			drag = { x: e.clientX, t0: view.t0, t1: view.t1, moved: false };
		});
		window.addEventListener('mousemove', function (e) {
			const r = canvas.getBoundingClientRect();
			if (drag) {
				const dx = e.clientX - drag.x;
				if (Math.abs(dx) > 3) drag.moved = true;
				if (drag.moved) {
					const dt = dx / layout.plotW * (drag.t1 - drag.t0);
					setView(drag.t0 - dt, drag.t1 - dt);
				}
				return;
			}
			if (e.target !== canvas) return;
			const p = frameAtX(e.clientX - r.left);
			if (p !== hover) { hover = p; redraw(); }
			showTip(p, e.clientX - r.left, e.clientY - r.top);
		});
		window.addEventListener('mouseup', function (e) {
			if (drag && !drag.moved && e.target === canvas) {
				const r = canvas.getBoundingClientRect();
				const p = frameAtX(e.clientX - r.left);
				if (p >= 0) select(p, false);
			}
			drag = null;
		});
		canvas.addEventListener('mouseleave', function () { hover = -1; tip.style.display = 'none'; redraw(); });
		canvas.addEventListener('dblclick', function () { setView(full.t0, full.t1); });
		canvas.addEventListener('keydown', function (e) {
			if (e.key === '+' || e.key === '=') zoomAt(0.5, 0.5);
			else if (e.key === '-') zoomAt(2, 0.5);
			else if (e.key === 'ArrowRight' && selected < N - 1) select(selected + 1, false);
			else if (e.key === 'ArrowLeft' && selected > 0) select(selected - 1, false);
			else return;
			e.preventDefault();
		});
		window.addEventListener('resize', redraw);
	}

	// ---- one frame's record --------------------------------------------------------
	const detailBox = el('div', { id: 'frame-detail' }, [el('span', { cls: 'muted', text: 'Click a frame on the timeline, or a spike or drop below, to see its record.' })]);
	function kv(k, v) { return el('div', null, [el('span', { cls: 'muted', text: k + ': ' }), el('span', { text: v })]); }
	function detail(p) {
		detailBox.textContent = '';
		if (p < 0) return;
		const f = C.flags[p], frame = C.index[p];
		detailBox.setAttribute('data-frame', String(frame));
		detailBox.appendChild(el('h3', { text: 'Frame ' + frame }));
		const gcc = [C.gcc[3 * p], C.gcc[3 * p + 1], C.gcc[3 * p + 2]];
		const gen = (C.cause[p] >> 4) - 1;
		const kind = (f & FL.MEM ? 'memory' : '') + ((f & FL.MEM) && (f & FL.TIME) ? '+' : '') + (f & FL.TIME ? 'time' : '');
		const grid = el('div', { cls: 'grid' }, [
			kv('ended at', fmtSec(C.t[p] - full.t0)),
			kv('duration', C.dur[p].toFixed(3) + ' ms' + (f & FL.PARTIAL ? ' (partial: records lost)' : '')),
			kv('spike', kind || 'no'),
			kv('dropped', f & FL.DROP ? 'yes, cause ' + causeOf(C.cause[p]).replace('_', ' ') : 'no'),
			kv('RSS', fmtBytes(C.rss[p]) + ' (' + fmtBytes(C.delta[p], true) + ')'),
			kv('Python heap', Number.isNaN(C.heap[p]) ? 'not measured' : fmtBytes(C.heap[p])),
			kv('page faults', C.minflt[p] + ' minor, ' + C.majflt[p] + ' major (~' + C.faultms[p].toFixed(2) + ' ms)'),
			kv('mmap / munmap / brk', fmtBytes(C.mapped[p]) + ' / ' + fmtBytes(C.unmapped[p]) + ' / ' + fmtBytes(C.brk[p], true)),
			kv('GC', f & FL.GC_KNOWN ? gcc.join('/') + ' collections' + (gen >= 0 ? ' (oldest gen' + gen + ')' : '') +
				', ' + C.collected[p] + ' collected' + (f & FL.GC_TIMED ? ', ' + C.gcms[p].toFixed(2) + ' ms' : '') : 'not known'),
		]);
		for (const ty of A.types) {
			const lf = A.loadfree[ty];
			if (Number.isNaN(A.bytes[ty][p])) continue;
			grid.appendChild(kv(ty, A.live[ty][p] + ' live, ' + fmtBytes(A.bytes[ty][p]) +
				(lf[2 * p] || lf[2 * p + 1] ? ' (+' + lf[2 * p] + ' −' + lf[2 * p + 1] + ' this frame)' : '')));
		}
		detailBox.appendChild(grid);
		// Growth sites.
		if (growthAt.has(p)) {
			const rows = [];
			for (let k = growthAt.get(p); k < D.growth.sites.length && D.growth.sites[k][0] === p; k++) {
				const s = D.growth.sites[k];
				rows.push({ cells: [fmtBytes(s[3]), fmtBytes(s[4]), stackEl(D.growth.stacks[s[1]], s[5] ? ' (partial)' : '')] });
			}
			detailBox.appendChild(el('h3', { text: 'Growth sites (memory first touched or mapped by Python code, innermost first)' }));
			detailBox.appendChild(table(['touched', 'mapped', 'stack'], rows, [true, true, false]));
		} else if (f & FL.GROWTH) {
			detailBox.appendChild(el('div', { cls: 'muted', text: 'Growth sites: not embedded (the report keeps the first ' + D.growth.sites.length + ').' }));
		}
		// Trace record.
		const tr = (D.traces || {})[String(frame)];
		if (tr) {
			detailBox.appendChild(el('h3', { text: 'Traced: ' + tr.allocs + ' allocations (' + fmtBytes(tr.alloc_bytes) + '), ' + tr.frees + ' frees; trigger ' + tr.trigger }));
			const rows = (tr.top_by_bytes || []).map(function (s) {
				return { cells: [fmtBytes(s.bytes), s.allocs, stackEl(s.stack, s.partial ? ' (partial)' : '')] };
			});
			detailBox.appendChild(table(['bytes', 'allocs', 'allocation site (by bytes)'], rows, [true, true, false]));
			const rows2 = (tr.top_by_count || []).map(function (s) {
				return { cells: [s.allocs, fmtBytes(s.bytes), stackEl(s.stack)] };
			});
			detailBox.appendChild(table(['allocs', 'bytes', 'allocation site (by count)'], rows2, [true, true, false]));
		} else if (f & FL.TRACED) {
			detailBox.appendChild(el('div', { cls: 'muted', text: 'Traced; its record was not embedded.' }));
		}
	}

	function frameLists() {
		const s = section('events', 'Spikes and drops');
		s.appendChild(detailBox);
		const spikes = [], drops = [];
		for (let p = 0; p < N; p++) {
			if (C.flags[p] & (FL.MEM | FL.TIME)) spikes.push(p);
			if (C.flags[p] & FL.DROP) drops.push(p);
		}
		const MAX = 5000;
		function list(id, title, ps, cls) {
			s.appendChild(el('h3', { text: title + ' (' + ps.length + ')' }));
			const box = el('div', { cls: 'framelist', id: id });
			for (const p of ps.slice(0, MAX)) {
				const b = el('button', { text: '#' + C.index[p], 'data-frame': String(C.index[p]), cls: cls(p) });
				b.addEventListener('click', function () { select(p, true); });
				box.appendChild(b);
			}
			if (ps.length > MAX) box.appendChild(el('span', { cls: 'muted', text: '… and ' + (ps.length - MAX) + ' more (use the timeline)' }));
			s.appendChild(box);
		}
		list('spike-list', 'Spike frames', spikes, function (p) { return C.flags[p] & FL.MEM ? 'memory' : 'time'; });
		list('drop-list', 'Dropped frames, by cause', drops, function (p) { return causeOf(C.cause[p]); });
	}

	// ---- growth, assets, pools, budgets, platforms, trace, intervals ------------------
	function growth() {
		if (!D.growth || !D.growth.run.length) return;
		const s = section('growth', 'Growth sites over the whole run');
		s.appendChild(el('div', { cls: 'sub', text: 'Python code that first touched (page faults) or mapped memory, innermost frame first.' }));
		const rows = D.growth.run.map(function (g) {
			return { cells: [fmtBytes(g[2]), fmtBytes(g[3]), g[4], stackEl(D.growth.stacks[g[0]], g[5] ? ' (partial)' : '')] };
		});
		s.appendChild(table(['touched', 'mapped', 'frames', 'stack'], rows, [true, true, true, false]));
	}
	function assetRow(a) {
		return { attrs: { 'data-bytes': String(a.bytes), 'data-path': a.path || '' }, cells: [fmtBytes(a.bytes), a.type,
			a.width || a.height ? a.width + '×' + a.height : '', a.path || '–', el('span', { cls: 'stack', text: a.site ? shortFrame(a.site) : '–' }),
			a.load_frame === undefined ? '' : frameLink(a.load_frame)], cls: [null, null, null, 'path'] };
	}
	function assets() {
		const R = D.assets_record;
		if (!R && !A.types.length) return;
		const s = section('assets', 'Assets');
		if (R) {
			s.appendChild(el('div', { cls: 'sub', text: R.live + ' live assets at frame ' + R.frame + (R.scope === 'final' ? ' (the end of the run)' : ' (the last report)') + '.' }));
			const rows = TYPES.filter(function (ty) { const b = R.by_type[ty]; return b && (b.live || b.loads); }).map(function (ty) {
				const b = R.by_type[ty];
				return { cells: [ty, b.live, fmtBytes(b.bytes), fmtBytes(b.peak_bytes), b.loads, b.frees, b.churn_frames ? (b.churn / Math.max(1, R.frame)).toFixed(1) + '/frame' : ''] };
			});
			s.appendChild(table(['type', 'live', 'bytes', 'peak', 'loads', 'frees', 'churn'], rows, [false, true, true, true, true, true, true]));
			s.appendChild(el('h3', { text: 'Largest live assets' }));
			const top = table(['bytes', 'type', 'size', 'file', 'loaded at', 'frame'], (R.top || []).map(assetRow), [true]);
			top.id = 'top-assets';
			s.appendChild(top);
			const two = el('div', { cls: 'two' });
			const leaks = el('div', { id: 'leaks' }, [el('h3', { text: 'Leaking load sites' })]);
			leaks.appendChild((R.leaks || []).length ? table(['load site', 'type', 'live', 'bytes', 'live at the last reports'], R.leaks.map(function (l) {
				return { cells: [el('span', { cls: 'stack', text: shortFrame(l.site || '?') }), l.type, l.live, fmtBytes(l.live_bytes), (l.live_history || []).join(' → ')] };
			}), [false, false, true, true, false]) : el('div', { cls: 'muted', text: 'none: no load site kept more assets live report after report' }));
			const dups = el('div', { id: 'duplicates' }, [el('h3', { text: 'Duplicates (one file held more than once)' })]);
			dups.appendChild((R.duplicates || []).length ? table(['file', 'type', 'copies', 'bytes', 'wasted'], R.duplicates.map(function (d) {
				return { cells: [d.path, d.type, d.copies, fmtBytes(d.bytes), fmtBytes(d.wasted_bytes)], cls: ['path'] };
			}), [false, false, true, true, true]) : el('div', { cls: 'muted', text: 'none' }));
			two.appendChild(leaks); two.appendChild(dups);
			s.appendChild(two);
			const orph = el('div', { id: 'orphans' }, [el('h3', { text: 'Orphans (loaded, never used)' })]);
			if (R.orphans === null || R.orphans === undefined)
				orph.appendChild(el('div', { cls: 'muted', text: 'not measured: run with --track-use to find assets never drawn' }));
			else
				orph.appendChild(R.orphans.length ? table(['bytes', 'type', 'size', 'file', 'loaded at', 'frame'], R.orphans.map(assetRow), [true]) :
					el('div', { cls: 'muted', text: 'none: every live asset was used' }));
			s.appendChild(orph);
			if (R.use_sites && R.use_sites.length) {
				s.appendChild(el('h3', { text: 'Where assets are used' }));
				s.appendChild(table(['uses', 'live assets', 'their bytes', 'use site'], R.use_sites.map(function (u) {
					return { cells: [u.uses, u.live_assets, fmtBytes(u.live_bytes), el('span', { cls: 'stack', text: shortFrame(u.site) })] };
				}), [true, true, true, false]));
			}
			if (R.files && R.files.length) {
				s.appendChild(el('h3', { text: 'Files loaded (' + R.files.length + ')' }));
				const box = el('div', { cls: 'scroll' });
				box.appendChild(table(['file', 'type', 'loads', 'live copies', 'bytes', 'first frame'], R.files.map(function (fl) {
					return { cells: [fl.path, fl.type, fl.loads, fl.live_copies, fmtBytes(fl.bytes), frameLink(fl.first_frame)], cls: ['path'] };
				}), [false, false, true, true, true, true]));
				s.appendChild(box);
			}
		}
	}
	// Records this report does not know field by field (pools, snapshots): shown as tables.
	function value(v) {
		if (v === null || v === undefined) return '–';
		if (Array.isArray(v)) {
			if (v.length && typeof v[0] === 'object' && v[0] !== null && !Array.isArray(v[0])) return objTable(v);
			return v.map(function (x) { return typeof x === 'object' ? JSON.stringify(x) : String(x); }).join(', ');
		}
		if (typeof v === 'object') {
			return table(['field', 'value'], Object.keys(v).map(function (k) { return { cells: [k, value(v[k])] }; }));
		}
		return String(v);
	}
	function objTable(list) {
		const keys = [];
		for (const o of list) for (const k of Object.keys(o)) if (keys.indexOf(k) < 0) keys.push(k);
		return table(keys, list.slice(0, 200).map(function (o) {
			return { cells: keys.map(function (k) {
				const v = o[k];
				if (typeof v === 'number' && /bytes$/.test(k)) return fmtBytes(v);
				return v !== null && typeof v === 'object' ? value(v) : (v === undefined || v === null ? '–' : String(v));
			}) };
		}));
	}
	function generic() {
		const recs = D.generic || [];
		if (!recs.length) return;
		const byType = {};
		for (const r of recs) (byType[r.type] = byType[r.type] || []).push(r);
		for (const ty of Object.keys(byType)) {
			const s = section('rec-' + ty, ty === 'pools' ? 'Object pools' : ty === 'snapshot' ? 'Snapshots' : ty);
			const list = byType[ty];
			// The latest record in full; earlier ones listed by frame.
			for (const r of list.slice(-3)) {
				s.appendChild(el('h3', { text: ty + ' after frame ' + Math.max(0, r.frame - 1) }));
				const rec = r.record || {};
				s.appendChild(table(['field', 'value'], Object.keys(rec).filter(function (k) { return k !== 'type' && k !== 'schema_version'; }).map(function (k) {
					const v = rec[k];
					return { cells: [k, typeof v === 'number' && /bytes$/.test(k) ? fmtBytes(v) + ' (' + v + ')' : value(v)] };
				})));
			}
			if (list.length > 3) s.appendChild(el('div', { cls: 'muted', text: (list.length - 3) + ' earlier ' + ty + ' record(s) not shown' }));
		}
	}
	function budgets() {
		const recs = D.budgets || [], alerts = D.alerts || [];
		if (!recs.length && !alerts.length) return;
		const s = section('budgets', 'Budgets');
		if (recs.length) {
			const lastRec = recs[recs.length - 1];
			const peak = {};
			for (const r of recs) for (const b of r.budgets) peak[b.path] = Math.max(peak[b.path] || 0, b.usage);
			for (const a of alerts) peak[a.budget] = Math.max(peak[a.budget] || 0, a.usage);
			s.appendChild(el('div', { cls: 'sub', text: lastRec.violations + ' violation(s); usage at the last report, and the highest usage seen at reports and alerts.' }));
			s.appendChild(table(['budget', 'usage', 'limit', 'of limit', '', 'peak seen', 'state'], lastRec.budgets.map(function (b) {
				const pct = b.limit ? b.usage / b.limit * 100 : 0;
				const bar = el('div', { cls: 'bar' }, [el('span', { style: 'width:' + Math.min(100, pct).toFixed(1) + '%;background:' + (b.state === 'exceeded' ? '#d62728' : b.state === 'approaching' ? '#d9a400' : '#2e9d4f') }),
					b.warn ? el('b', { style: 'left:' + Math.min(100, b.warn) + '%' }) : null]);
				return { attrs: { 'data-budget': b.path }, cells: [b.path, fmtBytes(b.usage), fmtBytes(b.limit), pct.toFixed(1) + ' %', bar, fmtBytes(peak[b.path] || b.usage), el('span', { cls: 'state-' + b.state, text: b.state })] };
			}), [false, true, true, true, false, true, false]));
		}
		s.appendChild(el('h3', { text: 'Alerts (' + alerts.length + ')' }));
		s.appendChild(alerts.length ? table(['frame', 'budget', 'change', 'usage', 'limit', '%', 'eviction plan'], alerts.map(function (a) {
			const p = a.plan;
			const plan = p ? p.strategy + ': release ' + p.count + ' assets, ' + fmtBytes(p.bytes_freed) + ' of ' + fmtBytes(p.bytes_needed) + ' needed (' + p.status + ')' +
				(p.release.length ? ' — ' + p.release.slice(0, 3).map(function (x) { return fmtBytes(x.bytes) + ' ' + (x.path || x.type); }).join(', ') : '') : '';
			return { cells: [frameLink(a.frame), a.budget, a.from + ' → ' + a.state, fmtBytes(a.usage), fmtBytes(a.limit), a.percent, plan], cls: [null, null, 'state-' + a.state] };
		}), [false, false, false, true, true, true, false]) : el('div', { cls: 'muted', text: 'none' }));
	}
	function platforms() {
		const P = D.platforms;
		if (!P) return;
		const s = section('platforms', 'Will it fit? Platforms');
		s.appendChild(el('div', { cls: 'sub', text: 'Peak RSS ' + fmtBytes(P.peak_bytes) + (P.python_heap_peak_bytes ? ', Python heap peak ' + fmtBytes(P.python_heap_peak_bytes) : '') + ', against each platform\'s memory for a game.' }));
		const box = el('div', { cls: 'scroll' });
		box.appendChild(table(['platform', 'verdict', 'used', 'available', 'recommended', 'over by'], P.profiles.map(function (x) {
			return { attrs: { 'data-platform': x.id }, cells: [x.id + (x.id === P.platform ? ' (chosen)' : ''), el('span', { cls: 'v-' + x.verdict, text: x.verdict }), fmtBytes(x.used_bytes),
				x.available_bytes === undefined ? '?' : fmtBytes(x.available_bytes), x.recommended_bytes === undefined ? '?' : fmtBytes(x.recommended_bytes),
				x.over_bytes ? fmtBytes(x.over_bytes) : ''] };
		}), [false, false, true, true, true, true]));
		s.appendChild(box);
		if (P.advice && P.advice.length) {
			s.appendChild(el('h3', { text: 'Advice for ' + (P.platform_name || P.platform) }));
			s.appendChild(el('ul', null, P.advice.map(function (a) { return el('li', { text: a }); })));
		}
	}
	function trace() {
		const T = D.trace_summary;
		if (!T) return;
		const s = section('trace', 'Trace mode');
		if (T.off_reason) { s.appendChild(el('div', { cls: 'muted', text: 'off: ' + T.off_reason })); return; }
		s.appendChild(el('div', { cls: 'sub', text: T.frames_traced + ' frame(s) traced, ' + T.allocs + ' allocations (' + fmtBytes(T.alloc_bytes) + '), ' +
			T.frees + ' frees; cost ' + Number(T.overhead_pct).toFixed(2) + ' % of run time (limit ' + T.max_overhead_pct + ' %).' }));
		s.appendChild(table(['bytes', 'allocs', 'allocation site over every traced frame'], (T.top_by_bytes || []).map(function (x) {
			return { cells: [fmtBytes(x.bytes), x.allocs, stackEl(x.stack, x.partial ? ' (partial)' : '')] };
		}), [true, true, false]));
	}
	function intervals() {
		const R = D.reports || [];
		if (!R.length) return;
		const s = section('intervals', 'Report intervals');
		const box = el('div', { cls: 'scroll' });
		box.appendChild(table(['frames', 'fps', 'p50', 'p95', 'p99', 'max', 'RSS', 'peak', 'spikes', 'drops', 'gc 0/1/2'], R.map(function (r) {
			return { cells: [r.first_frame + '–' + (r.first_frame + r.frames - 1), (r.fps || 0).toFixed(1), fmtMs(r.p50), fmtMs(r.p95), fmtMs(r.p99), fmtMs(r.max),
				fmtBytes(r.rss), fmtBytes(r.rss_peak), r.spikes, r.dropped, r.gc.join('/')] };
		}), [false, true, true, true, true, true, true, true, true, true, true]));
		s.appendChild(box);
	}
	function runInfo() {
		const s = section('run', 'The run');
		const a = attached || {}, fin = D.final || {}, h = D.host || {};
		const rows = [];
		function row(k, v) { if (v !== undefined && v !== null && v !== '') rows.push({ cells: [k, String(v)] }); }
		row('command line', a.cmdline); row('executable', a.executable); row('pid', a.pid); row('mode', a.mode);
		if (a.python) row('Python', a.python.version + ' (' + a.python.build + ') ' + a.python.path);
		if (a.frame_marker) row('frame marker', a.frame_marker.symbol + ' in ' + a.frame_marker.library + ' [' + a.frame_marker.instruction + ']');
		row('frame thread', a.frame_tid); row('GC timing', a.gc_timing); row('tool', a.tool || D.tool);
		row('exit reason', fin.exit_reason); row('target exit code', fin.target_exit_code);
		row('lost events', fin.lost_events); row('lost frames', fin.lost_frames);
		if (h.os) row('host', h.os + ' ' + h.arch + ' ' + (h.kernel || '') + ', ' + fmtBytes(h.total_bytes) + ' total, ' + fmtBytes(h.available_bytes) + ' available' +
			(h.cgroup_limit_bytes ? ', cgroup limit ' + fmtBytes(h.cgroup_limit_bytes) : ''));
		row('report made from', D.source); row('written', new Date(D.written_unix * 1000).toISOString());
		s.appendChild(table(['', ''], rows));
		if (a.options) {
			s.appendChild(el('h3', { text: 'Options' }));
			s.appendChild(table(['option', 'value'], Object.keys(a.options).map(function (k) {
				const v = a.options[k];
				return { cells: [k, v === null ? '–' : Array.isArray(v) ? v.join('–') :
					typeof v === 'object' ? Object.keys(v).map(function (x) { return x + '=' + v[x]; }).join(', ') : String(v)] };
			})));
		}
	}

	// ---- live runs: reload, keeping the view ------------------------------------------
	const viewKey = 'pmt-view:' + (D.source || location.pathname);
	function saveView() {
		try { sessionStorage.setItem(viewKey, JSON.stringify({ view: view, full: full, selected: selected, paused: paused })); } catch (e) { /* storage off */ }
	}
	function restoreView() {
		try {
			const s = JSON.parse(sessionStorage.getItem(viewKey) || 'null');
			if (!s) return;
			paused = !!s.paused;
			// A view that showed the end of the run follows it as it grows.
			if (s.view && s.full && s.view.t1 >= s.full.t1 - 1e-6) {
				const span = s.view.t1 - s.view.t0;
				view = { t0: Math.max(full.t0, full.t1 - span), t1: full.t1 };
			} else if (s.view) view = { t0: Math.max(full.t0, s.view.t0), t1: Math.min(full.t1, s.view.t1) };
			if (view.t1 <= view.t0) view = { t0: full.t0, t1: full.t1 };
			if (s.selected >= 0 && s.selected < N) selected = s.selected;
		} catch (e) { /* storage off */ }
	}
	function scheduleReload() {
		if (!D.live || !(D.refresh_s > 0)) return;
		setTimeout(function () { if (!paused) { saveView(); location.reload(); } }, D.refresh_s * 1000);
	}

	// ---- build the page ----------------------------------------------------------------
	if (D.live) restoreView();
	header();
	summary();
	timeline();
	frameLists();
	growth();
	assets();
	generic();
	budgets();
	platforms();
	trace();
	intervals();
	runInfo();
	bind();
	PMT.view = view;
	PMT.xOfFrame = function (p) { return xOf(C.t[p]); };
	PMT.colOfFrame = function (p) { return Math.min(Math.floor(layout.plotW) - 1, Math.max(0, Math.floor((C.t[p] - view.t0) * Math.max(1, Math.floor(layout.plotW)) / (view.t1 - view.t0)))); };
	PMT.frameAtX = frameAtX;
	PMT.select = function (p) { select(p, false); };
	PMT.setView = setView;
	PMT.zoomAt = zoomAt;
	PMT.full = full;
	PMT.index = function (p) { return C.index[p]; };
	PMT.flags = function (p) { return C.flags[p]; };
	PMT.layout = function () { return layout; };
	draw();
	if (selected >= 0) detail(selected);
	PMT.loadMs = loadMs;      // reading the data block (inflate, JSON)
	PMT.buildMs = performance.now() - T0; // columns, page and first drawing
	PMT.readyMs = performance.now();     // since navigation started
	PMT.ready = true;
	document.documentElement.setAttribute('data-ready', '1');
	if (D.live && !paused) scheduleReload();
}
