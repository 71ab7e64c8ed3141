import { CONDITION_OPERATORS, DEFAULT_TIERS } from '../../lib/scoring/model';

// Types, not interfaces: they are also the parameter defaults of version 2 (formRulesOf), which n8n types as INodeParameters.
/** One condition row of the form: text boxes, turned into the model's `when` entry. */
export type EditorCondition = {
	path?: string;
	op?: string;
	value?: string;
};

/** One rule as the Score Event editor lists it: conditions (all must hold), caps as two numbers. */
export type EditorRule = {
	id?: string;
	event?: string;
	points?: number;
	frequency?: string;
	limitMax?: number;
	limitPerDays?: number;
	conditions?: { condition?: EditorCondition[] };
	/** A single condition, as workflows saved before the Conditions list have it. */
	conditionPath?: string;
	conditionOp?: string;
	conditionValue?: string;
};

export type EditorFitRule = {
	id?: string;
	conditionPath?: string;
	conditionOp?: string;
	conditionValue?: string;
	points?: number;
};

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
			when: [
				...conditions(rule.conditionPath, rule.conditionOp, rule.conditionValue),
				...(rule.conditions?.condition ?? []).flatMap((condition) =>
					conditions(condition.path, condition.op, condition.value),
				),
			],
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

/** A model condition as the form's text boxes hold it: lists comma-separated, everything else as text. */
function conditionRow(condition: { path: string; op: string; value?: unknown }): EditorCondition {
	const { path, op, value } = condition;
	return { path, op, value: Array.isArray(value) ? value.join(', ') : String(value ?? '') };
}

// A model's rules as exampleModel.ts writes them (before validation fills in the defaults).
interface ModelRule {
	id: string;
	event: string;
	when?: Array<{ path: string; op: string; value?: unknown }>;
	points: number;
	frequency?: string;
	limit?: { max: number; perDays: number };
}

interface ModelFitRule {
	id: string;
	when: Array<{ path: string; op: string; value?: unknown }>;
	points: number;
}

/**
 * The form's Behaviour Rules and Fit Rules holding a model's rules: what version 2 of the node
 * starts with, so Rules Below begins from the example model. A fit rule keeps its first condition
 * only (the form has one per fit rule).
 */
export function formRulesOf(model: { rules: ModelRule[]; fit: ModelFitRule[] }): {
	rules: { rule: EditorRule[] };
	fitRules: { rule: EditorFitRule[] };
} {
	return {
		rules: {
			rule: model.rules.map((rule) => ({
				event: rule.event,
				conditions: { condition: (rule.when ?? []).map(conditionRow) },
				points: rule.points,
				frequency: rule.frequency ?? 'every',
				limitMax: rule.limit?.max ?? 0,
				limitPerDays: rule.limit?.perDays ?? 1,
				id: rule.id,
			})),
		},
		fitRules: {
			rule: model.fit.map((rule) => {
				const { path, op, value } = conditionRow(rule.when[0]);
				return {
					conditionPath: path,
					conditionOp: op,
					conditionValue: value,
					points: rule.points,
					id: rule.id,
				};
			}),
		},
	};
}

const FIELD_NAMES: Record<string, string> = {
	event: 'Event Name',
	points: 'Points',
	frequency: 'Frequency',
	id: 'Rule ID',
	max: 'Cap (Times)',
	perDays: 'Cap Window (Days)',
	name: 'Name',
	min: 'Minimum Score',
	days: 'Days',
	pointsPerDay: 'Points Per Day',
	graceDays: 'Grace Days',
	type: 'Decay',
};

/**
 * A model path (`rules[1].when[0].path`) as the form shows it ("Behaviour Rules → 2 → Condition 1 →
 * Field"), so an error in a model built in the form names the fields the operator sees.
 */
export function formPath(path: string): string {
	const parts = path.split(/\.|\[(\d+)\]/).filter((part) => part !== undefined && part !== '');
	const names: string[] = [];
	const section = parts[0];
	for (let index = 0; index < parts.length; index++) {
		const part = parts[index];
		const next = parts[index + 1];
		if (index === 0) {
			names.push(
				{
					rules: 'Behaviour Rules',
					fit: 'Fit Rules',
					tiers: 'Tiers',
					decay: 'Decay',
					bounds: 'Score Bounds',
				}[part] ?? part,
			);
			if (section === 'bounds' && next) {
				names[0] = next === 'min' ? 'Minimum Score' : 'Maximum Score';
				break;
			}
			continue;
		}
		if (/^\d+$/.test(part)) {
			names.push(String(Number(part) + 1));
			continue;
		}
		if (part === 'limit') continue;
		if (part === 'when') {
			// A fit rule has one condition, shown as fields of the rule itself.
			if (section === 'rules') names.push(`Condition ${Number(next ?? 0) + 1}`);
			index++;
			continue;
		}
		if (['path', 'op', 'value'].includes(part)) {
			const field = { path: 'Field', op: 'Operator', value: 'Value' }[part]!;
			names.push(section === 'rules' ? field : `Condition ${field}`);
			continue;
		}
		names.push(FIELD_NAMES[part] ?? part);
	}
	return names.join(' → ');
}
