import type { Reason } from '../scoring/engine';
import { escapeHtml } from './html';

/** What the dashboard page shows, all of it computed by the store's aggregates. */
export interface Dashboard {
	scoreName: string;
	generatedAt: string;
	threshold: number;
	totalLeads: number;
	/** The model's tiers in ascending order, then any stored tier the model no longer has. */
	tiers: Array<{ tier: string; min: number | null; count: number; share: number }>;
	distribution: Array<{ from: number; to: number | null; count: number }>;
	/** Oldest day first, the last one being today (UTC). */
	days: Array<{
		date: string;
		/** Score changes committed that day. */
		changes: number;
		crossings: number;
		tierChanges: number;
		/** Events counted that day. */
		events: number;
	}>;
	topLeads: Array<{
		leadId: string;
		score: number;
		tier: string;
		lastChangeAt: string;
		reasons: Reason[];
	}>;
	modelVersions: Array<{ version: string | null; count: number; share: number }>;
}

// The dashboard as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched.
// Every value from the data goes through `text()`, so a lead id like `<img onerror=...>` stays text.

const TIER_COLOURS = ['#94a3b8', '#60a5fa', '#f59e0b', '#ef4444', '#8b5cf6', '#10b981', '#ec4899'];
const ACCENT = '#ff6d5a';
const SECOND = '#3b82f6';

const number = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 2 });
const text = (value: string | number) =>
	escapeHtml(typeof value === 'number' ? number(value) : value);
const fixed = (value: number) => value.toFixed(1);

function tierColour(index: number): string {
	return TIER_COLOURS[index % TIER_COLOURS.length];
}

function reasonsText(reasons: Reason[]): string {
	if (reasons.length === 0) return '—';
	return reasons
		.map(
			(reason) =>
				`${reason.rule} ${reason.points >= 0 ? '+' : ''}${number(reason.points)}${reason.note ? ` (${reason.note})` : ''}`,
		)
		.join(', ');
}

function tiersSection(dashboard: Dashboard): string {
	const width = 640;
	let x = 0;
	const segments = dashboard.tiers
		.filter((tier) => tier.count > 0)
		.map((tier) => {
			const index = dashboard.tiers.indexOf(tier);
			const w = (tier.count / dashboard.totalLeads) * width;
			const rect = `<rect x="${fixed(x)}" y="0" width="${fixed(w)}" height="28" fill="${tierColour(index)}"><title>${text(tier.tier)}: ${text(tier.count)} (${text(tier.share)}%)</title></rect>`;
			x += w;
			return rect;
		});
	const rows = dashboard.tiers
		.map(
			(tier, index) =>
				`<tr><td><span class="swatch" style="background:${tierColour(index)}"></span>${text(tier.tier)}</td><td class="num">${tier.min === null ? '—' : text(tier.min)}</td><td class="num tier-count">${text(tier.count)}</td><td class="num">${text(tier.share)}%</td></tr>`,
		)
		.join('');
	const bar =
		dashboard.totalLeads === 0
			? '<p class="empty">No leads yet.</p>'
			: `<svg viewBox="0 0 ${width} 28" width="100%" height="28" preserveAspectRatio="none" role="img" aria-label="Leads per tier">${segments.join('')}</svg>`;
	return `<section class="card" id="tiers"><h2>Tiers now</h2>${bar}
<table><thead><tr><th>Tier</th><th class="num">From score</th><th class="num">Leads</th><th class="num">Share</th></tr></thead><tbody>${rows}</tbody>
<tfoot><tr><td>All leads</td><td></td><td class="num">${text(dashboard.totalLeads)}</td><td class="num">100%</td></tr></tfoot></table></section>`;
}

/** Vertical bars with a label under each; `series` share the slot of each label side by side. */
function barChart(
	labels: string[],
	series: Array<{ name: string; colour: string; values: number[] }>,
	options: { label: string; everyNthLabel?: number; height?: number },
): string {
	const width = 640;
	const height = options.height ?? 220;
	const pad = { left: 44, right: 8, top: 16, bottom: 30 };
	const plotHeight = height - pad.top - pad.bottom;
	const slot = (width - pad.left - pad.right) / labels.length;
	const barWidth = (slot * 0.8) / series.length;
	const max = Math.max(1, ...series.flatMap((s) => s.values));
	const y = (value: number) => pad.top + plotHeight - (value / max) * plotHeight;
	const bars = series.flatMap((s, si) =>
		s.values.map((value, i) => {
			const x = pad.left + i * slot + slot * 0.1 + si * barWidth;
			return `<rect x="${fixed(x)}" y="${fixed(y(value))}" width="${fixed(barWidth)}" height="${fixed(pad.top + plotHeight - y(value))}" fill="${s.colour}"><title>${text(labels[i])} ${text(s.name)}: ${text(value)}</title></rect>`;
		}),
	);
	const every = options.everyNthLabel ?? 1;
	const ticks = labels
		.map((label, i) =>
			i % every === 0 || i === labels.length - 1
				? `<text x="${fixed(pad.left + i * slot + slot / 2)}" y="${height - 10}" text-anchor="middle">${text(label)}</text>`
				: '',
		)
		.join('');
	const axis = [0, max / 2, max]
		.map(
			(value) =>
				`<text x="${pad.left - 6}" y="${fixed(y(value) + 4)}" text-anchor="end">${text(Math.round(value))}</text><line x1="${pad.left}" x2="${width - pad.right}" y1="${fixed(y(value))}" y2="${fixed(y(value))}" class="grid"/>`,
		)
		.join('');
	const legend =
		series.length > 1
			? `<p class="legend">${series.map((s) => `<span class="swatch" style="background:${s.colour}"></span>${text(s.name)}`).join(' ')}</p>`
			: '';
	return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${text(options.label)}">${axis}${bars.join('')}${ticks}</svg>${legend}`;
}

function distributionSection(dashboard: Dashboard): string {
	const labels = dashboard.distribution.map((bucket) =>
		bucket.to === null ? `${number(bucket.from)}+` : `${number(bucket.from)}–${number(bucket.to)}`,
	);
	const chart = barChart(
		labels,
		[
			{
				name: 'leads',
				colour: SECOND,
				values: dashboard.distribution.map((bucket) => bucket.count),
			},
		],
		{
			label: 'Leads per score range',
		},
	);
	return `<section class="card" id="distribution"><h2>Score distribution</h2>${chart}</section>`;
}

function daysSection(dashboard: Dashboard): string {
	const labels = dashboard.days.map((day) => day.date.slice(5));
	const changes = barChart(
		labels,
		[
			{
				name: `crossed ${number(dashboard.threshold)}`,
				colour: ACCENT,
				values: dashboard.days.map((day) => day.crossings),
			},
			{
				name: 'tier changes',
				colour: SECOND,
				values: dashboard.days.map((day) => day.tierChanges),
			},
		],
		{ label: 'Threshold crossings and tier changes per day', everyNthLabel: 5, height: 200 },
	);
	const events = barChart(
		labels,
		[{ name: 'events', colour: '#10b981', values: dashboard.days.map((day) => day.events) }],
		{
			label: 'Events scored per day',
			everyNthLabel: 5,
		},
	);
	const total = (key: 'crossings' | 'tierChanges' | 'events') =>
		dashboard.days.reduce((sum, day) => sum + day[key], 0);
	const days = dashboard.days.length;
	return `<section class="card" id="changes"><h2>Crossings and tier changes per day</h2>
<p class="totals">Last ${text(days)} days: <b>${text(total('crossings'))}</b> crossed ${text(dashboard.threshold)} · <b>${text(total('tierChanges'))}</b> tier changes</p>${changes}</section>
<section class="card" id="events"><h2>Events scored per day</h2>
<p class="totals">Last ${text(days)} days: <b>${text(total('events'))}</b> events scored</p>${events}</section>`;
}

function topSection(dashboard: Dashboard): string {
	const tierIndex = new Map(dashboard.tiers.map((tier, index) => [tier.tier, index]));
	const rows = dashboard.topLeads
		.map(
			(lead, rank) =>
				`<tr><td class="num">${rank + 1}</td><td class="lead">${text(lead.leadId)}</td><td class="num">${text(lead.score)}</td><td><span class="swatch" style="background:${tierColour(tierIndex.get(lead.tier) ?? 0)}"></span>${text(lead.tier)}</td><td>${text(lead.lastChangeAt.slice(0, 16).replace('T', ' '))}</td><td>${text(reasonsText(lead.reasons))}</td></tr>`,
		)
		.join('');
	const body = rows || '<tr><td colspan="6" class="empty">No leads yet.</td></tr>';
	return `<section class="card wide" id="top"><h2>Top ${dashboard.topLeads.length || ''} leads</h2>
<table><thead><tr><th class="num">#</th><th>Lead</th><th class="num">Score</th><th>Tier</th><th>Last change (UTC)</th><th>Latest reasons</th></tr></thead><tbody>${body}</tbody></table></section>`;
}

function modelsSection(dashboard: Dashboard): string {
	const rows = dashboard.modelVersions
		.map(
			(row) =>
				`<tr><td class="lead">${row.version === null ? '(before versions were kept)' : text(row.version)}</td><td class="num">${text(row.count)}</td><td class="num">${text(row.share)}%</td></tr>`,
		)
		.join('');
	const body = rows || '<tr><td colspan="3" class="empty">No leads yet.</td></tr>';
	return `<section class="card" id="models"><h2>Model versions in use</h2>
<table><thead><tr><th>Version</th><th class="num">Leads</th><th class="num">Share</th></tr></thead><tbody>${body}</tbody></table></section>`;
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1e293b;background:#f1f5f9}
header{padding:20px 28px;background:#1e293b;color:#f8fafc}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#cbd5e1}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px;padding:16px 28px 28px}
.card{background:#fff;border-radius:8px;padding:16px 18px;box-shadow:0 1px 2px rgba(15,23,42,.08)}.wide{grid-column:1/-1}
h2{margin:0 0 12px;font-size:16px}h3{margin:14px 0 4px;font-size:13px;color:#475569;font-weight:600}
table{width:100%;border-collapse:collapse;margin-top:10px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e2e8f0;vertical-align:top}
th{font-size:12px;color:#64748b;font-weight:600}tfoot td{font-weight:600;border-bottom:0}.num{text-align:right;font-variant-numeric:tabular-nums}
.lead{word-break:break-all;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 6px 0 0}
svg text{font-size:11px;fill:#64748b}svg .grid{stroke:#e2e8f0}.legend{margin:4px 0 0;font-size:12px;color:#475569}.legend .swatch{margin-left:10px}
.totals{margin:0 0 8px;color:#334155}.empty{color:#94a3b8}`;

export function dashboardPage(dashboard: Dashboard, title: string): string {
	const versions = dashboard.modelVersions.length;
	return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(title)}</title><style>${STYLE}</style></head>
<body><header><h1>${text(title)}</h1>
<p>Score <b>${text(dashboard.scoreName)}</b> · <b>${text(dashboard.totalLeads)}</b> leads · ${text(versions)} model version${versions === 1 ? '' : 's'} · generated ${text(dashboard.generatedAt.slice(0, 19).replace('T', ' '))} UTC</p></header>
<main>${tiersSection(dashboard)}${distributionSection(dashboard)}${daysSection(dashboard)}${topSection(dashboard)}${modelsSection(dashboard)}</main></body></html>
`;
}
