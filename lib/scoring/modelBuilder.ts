import { CONDITION_OPERATORS, DEFAULT_TIERS } from './model';

/** One rule as the Score Event editor lists it: one optional condition, caps as two numbers. */
export interface EditorRule {
	id?: string;
	event?: string;
	points?: number;
	frequency?: string;
	limitMax?: number;
	limitPerDays?: number;
	conditionPath?: string;
	conditionOp?: string;
	conditionValue?: string;
}

export interface EditorFitRule {
	id?: string;
	conditionPath?: string;
	conditionOp?: string;
	conditionValue?: string;
	points?: number;
}

export interface EditorModel {
	rules: EditorRule[];
	fit: EditorFitRule[];
	decayType: string;
	decayDays?: number;
	decayPointsPerDay?: number;
	decayGraceDays?: number;
	boundsMin?: number | null;
	boundsMax?: number | null;
	tiers?: Array<{ name?: string; min?: number }>;
}

// The editor has text boxes; turn the value into what the operator meant for the operator chosen.
function conditionValue(op: string, value: string | undefined): unknown {
	const text = value ?? '';
	if (op === 'exists') return text.trim().toLowerCase() === 'false' ? false : true;
	if (op === 'in')
		return text
			.split(',')
			.map((part) => part.trim())
			.filter((part) => part !== '');
	if (['gt', 'gte', 'lt', 'lte'].includes(op)) return text.trim() === '' ? text : Number(text);
	return text;
}

function conditions(path: string | undefined, op: string | undefined, value: string | undefined) {
	if (!path || path.trim() === '') return [];
	const operator =
		op && (CONDITION_OPERATORS as readonly string[]).includes(op) ? op : (op ?? 'equals');
	return [{ path: path.trim(), op: operator, value: conditionValue(operator, value) }];
}

function decayOf(editor: EditorModel): Record<string, unknown> {
	switch (editor.decayType) {
		case 'halfLife':
		case 'expire':
			return { type: editor.decayType, days: editor.decayDays };
		case 'linear':
			return {
				type: 'linear',
				pointsPerDay: editor.decayPointsPerDay,
				graceDays: editor.decayGraceDays ?? 0,
			};
		default:
			return { type: 'none' };
	}
}

/** The model document (DESIGN.md) that the editor's rule list describes; validated by `parseModel` like JSON input. */
export function modelFromEditor(editor: EditorModel): Record<string, unknown> {
	const bounds: Record<string, number> = {};
	if (typeof editor.boundsMin === 'number') bounds.min = editor.boundsMin;
	if (typeof editor.boundsMax === 'number') bounds.max = editor.boundsMax;
	return {
		version: 1,
		rules: editor.rules.map((rule, index) => ({
			id: rule.id?.trim() || `rule-${index + 1}`,
			event: rule.event,
			when: conditions(rule.conditionPath, rule.conditionOp, rule.conditionValue),
			points: rule.points,
			frequency: rule.frequency ?? 'every',
			...(rule.limitMax && rule.limitMax > 0
				? { limit: { max: rule.limitMax, perDays: rule.limitPerDays ?? 1 } }
				: {}),
		})),
		fit: editor.fit.map((rule, index) => ({
			id: rule.id?.trim() || `fit-${index + 1}`,
			when: conditions(rule.conditionPath, rule.conditionOp, rule.conditionValue),
			points: rule.points,
		})),
		decay: decayOf(editor),
		bounds,
		tiers: editor.tiers && editor.tiers.length > 0 ? editor.tiers : DEFAULT_TIERS,
	};
}
