import type { BacktestResult, ModelResult } from '../scoring/backtest';
import { escapeHtml } from './html';

const COLOURS = ['#ff6d5a', '#3b82f6'];

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

/** Bars of conversion rate per tier, one colour per model, with the base rate as a dashed line. */
function tierChart(result: BacktestResult): string {
	const width = 640;
	const height = 260;
	const pad = { left: 50, bottom: 40, top: 20 };
	const tiers = result.models[0].tiers.map((tier) => tier.tier);
	const maxRate = Math.max(
		result.baseRate,
		...result.models.flatMap((model) => model.tiers.map((tier) => tier.conversionRate)),
		0.01,
	);
	const plotHeight = height - pad.top - pad.bottom;
	const groupWidth = (width - pad.left) / tiers.length;
	const barWidth = (groupWidth * 0.7) / result.models.length;
	const y = (rate: number) => pad.top + plotHeight - (rate / maxRate) * plotHeight;
	const bars = result.models.flatMap((model, m) =>
		model.tiers.map((tier, t) => {
			const x = pad.left + t * groupWidth + groupWidth * 0.15 + m * barWidth;
			return `<rect x="${x.toFixed(1)}" y="${y(tier.conversionRate).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(pad.top + plotHeight - y(tier.conversionRate)).toFixed(1)}" fill="${COLOURS[m]}"><title>${escapeHtml(model.name)} ${escapeHtml(tier.tier)}: ${percent(tier.conversionRate)} (${tier.converted}/${tier.leads}), lift ${tier.lift}</title></rect>`;
		}),
	);
	const labels = tiers.map(
		(tier, t) =>
			`<text x="${(pad.left + t * groupWidth + groupWidth / 2).toFixed(1)}" y="${height - 15}" text-anchor="middle">${escapeHtml(tier)}</text>`,
	);
	const base = y(result.baseRate).toFixed(1);
	return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Conversion rate per tier">
<line x1="${pad.left}" y1="${pad.top + plotHeight}" x2="${width}" y2="${pad.top + plotHeight}" stroke="#999"/>
<line x1="${pad.left}" y1="${base}" x2="${width}" y2="${base}" stroke="#555" stroke-dasharray="4 4"/><text x="${pad.left - 4}" y="${base}" text-anchor="end" font-size="11">base ${percent(result.baseRate)}</text>
${bars.join('\n')}
${labels.join('\n')}
</svg>`;
}

/** Precision and recall of the hand-off as the threshold moves, for one model. */
function thresholdChart(model: ModelResult): string {
	const width = 640;
	const height = 220;
	const pad = { left: 40, bottom: 30, top: 15, right: 10 };
	if (model.curve.length === 0) return '<p>No lead scored above 0.</p>';
	// The curve is in ascending order of threshold.
	const minT = model.curve[0].threshold;
	const maxT = model.curve[model.curve.length - 1].threshold;
	const x = (t: number) =>
		pad.left + (maxT === minT ? 0.5 : (t - minT) / (maxT - minT)) * (width - pad.left - pad.right);
	const y = (v: number) => pad.top + (1 - v) * (height - pad.top - pad.bottom);
	const line = (key: 'precision' | 'recall', colour: string) =>
		`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${model.curve.map((point) => `${x(point.threshold).toFixed(1)},${y(point[key]).toFixed(1)}`).join(' ')}"/>`;
	const suggested = x(model.suggested.threshold).toFixed(1);
	return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Precision and recall by threshold">
<line x1="${pad.left}" y1="${y(0)}" x2="${width - pad.right}" y2="${y(0)}" stroke="#999"/>
${line('precision', '#ff6d5a')}${line('recall', '#3b82f6')}
<line x1="${suggested}" y1="${pad.top}" x2="${suggested}" y2="${y(0)}" stroke="#16a34a" stroke-dasharray="4 3"/>
<text x="${suggested}" y="${pad.top - 3}" text-anchor="middle" font-size="11">suggested ${model.suggested.threshold}</text>
<text x="${pad.left}" y="${height - 8}" font-size="11">threshold ${minT}</text><text x="${width - pad.right}" y="${height - 8}" font-size="11" text-anchor="end">${maxT}</text>
<text x="${width - pad.right}" y="${pad.top + 12}" font-size="11" text-anchor="end" fill="#ff6d5a">precision</text><text x="${width - pad.right}" y="${pad.top + 26}" font-size="11" text-anchor="end" fill="#3b82f6">recall</text>
</svg>`;
}

function tierTable(model: ModelResult): string {
	const rows = model.tiers
		.map(
			(tier) =>
				`<tr><td>${escapeHtml(tier.tier)}</td><td>${tier.min}</td><td>${tier.leads}</td><td>${tier.converted}</td><td>${percent(tier.conversionRate)}</td><td>${tier.lift}</td></tr>`,
		)
		.join('');
	const threshold = (
		label: string,
		t: ModelResult['suggested'] | NonNullable<ModelResult['atThreshold']>,
	) =>
		`<tr><td>${label}</td><td>${t.threshold}</td><td>${t.handedToSales}</td><td>${t.converted}</td><td>${percent(t.precision)}</td><td>${percent(t.recall)}</td><td>${t.f1}</td></tr>`;
	return `<h2>${escapeHtml(model.name)} <small>${escapeHtml(model.modelVersion)}</small></h2>
<table><tr><th>Tier</th><th>From</th><th>Leads</th><th>Converted</th><th>Rate</th><th>Lift</th></tr>${rows}</table>
<table><tr><th></th><th>Threshold</th><th>Handed to sales</th><th>Converted</th><th>Precision</th><th>Recall</th><th>F1</th></tr>
${model.atThreshold ? threshold('Your threshold', model.atThreshold) : ''}${threshold(`Best ${escapeHtml(model.suggested.measure)}`, model.suggested)}</table>
${thresholdChart(model)}`;
}

/** A self-contained HTML page (no scripts, no external files) with the backtest's tables and charts. */
export function backtestReportHtml(result: BacktestResult, title: string): string {
	const label = escapeHtml(
		result.label.kind === 'event' ? `event "${result.label.name}"` : `field "${result.label.path}"`,
	);
	const legend = result.models
		.map((model, m) => `<span style="color:${COLOURS[m]}">■</span> ${escapeHtml(model.name)}`)
		.join(' &nbsp; ');
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ddd;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}small{color:#777;font-weight:normal}svg text{font-family:inherit}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>${result.leads} leads, ${result.events} events; ${result.converted} converted (${label}): base rate ${percent(result.baseRate)}. Scores are taken just before each lead converted, so the conversion never counts towards its own prediction.</p>
<p>${legend}</p>
${tierChart(result)}
${result.models.map(tierTable).join('\n')}
</body></html>`;
}
