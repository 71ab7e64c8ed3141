import { z } from 'zod';

import { pathSegments } from './paths';
import { compilePattern } from './pattern';

/** Operators a `when` condition can use; see DESIGN.md. */
export const CONDITION_OPERATORS = [
	'equals',
	'notEquals',
	'contains',
	'startsWith',
	'matches',
	'gt',
	'gte',
	'lt',
	'lte',
	'exists',
	'in',
] as const;

const NUMERIC_OPERATORS = new Set(['gt', 'gte', 'lt', 'lte']);

// Names every JavaScript object inherits: as a rule id or a path segment they would reach the
// object machinery instead of the data (a `once` rule that never remembers, a field that always exists).
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const RESERVED_MESSAGE =
	'is reserved in JavaScript (__proto__, constructor and prototype cannot be used)';

const ConditionSchema = z
	.object({
		path: z
			.string()
			.trim()
			.min(1, 'path must name a field, e.g. "properties.url"')
			.superRefine((path, ctx) => {
				for (const segment of pathSegments(path)) {
					if (RESERVED_NAMES.has(segment))
						ctx.addIssue({
							code: 'custom',
							message: `the path segment "${segment}" ${RESERVED_MESSAGE}`,
						});
				}
			}),
		op: z.enum(CONDITION_OPERATORS),
		value: z.unknown().optional(),
	})
	.strict()
	.superRefine((condition, ctx) => {
		const { op, value } = condition;
		if (op === 'exists') {
			if (value !== undefined && typeof value !== 'boolean') {
				ctx.addIssue({
					code: 'custom',
					path: ['value'],
					message: '"exists" takes true, false or no value',
				});
			}
			return;
		}
		if (value === undefined) {
			ctx.addIssue({ code: 'custom', path: ['value'], message: `"${op}" needs a value` });
			return;
		}
		if (op === 'in' && !Array.isArray(value)) {
			ctx.addIssue({
				code: 'custom',
				path: ['value'],
				message: '"in" needs a list of values, e.g. ["US", "CA"]',
			});
		}
		if (NUMERIC_OPERATORS.has(op) && (typeof value !== 'number' || !Number.isFinite(value))) {
			ctx.addIssue({ code: 'custom', path: ['value'], message: `"${op}" needs a number` });
		}
		if ((op === 'contains' || op === 'startsWith') && typeof value !== 'string') {
			ctx.addIssue({ code: 'custom', path: ['value'], message: `"${op}" needs a text value` });
		}
		if (op === 'matches') {
			if (typeof value !== 'string') {
				ctx.addIssue({
					code: 'custom',
					path: ['value'],
					message: '"matches" needs a regular expression as text',
				});
			} else {
				try {
					compilePattern(value);
				} catch (error) {
					ctx.addIssue({ code: 'custom', path: ['value'], message: (error as Error).message });
				}
			}
		}
	});

const ruleId = z
	.string()
	.trim()
	.min(1, 'id must not be empty')
	.max(100, 'id must be at most 100 characters')
	.refine((id) => !RESERVED_NAMES.has(id), {
		message: `this rule id ${RESERVED_MESSAGE}`,
	});

// Far above any lead score, and far enough below the largest double that sums of points stay finite.
export const MAX_POINTS = 1_000_000;
const points = z
	.number()
	.finite()
	.min(-MAX_POINTS, `points must be at least -${MAX_POINTS}`)
	.max(MAX_POINTS, `points must be at most ${MAX_POINTS}`);

export const MAX_LIMIT = 1000;

const BehaviourRuleSchema = z
	.object({
		id: ruleId,
		event: z.string().trim().min(1, 'event must name the event, e.g. "Viewed Page"'),
		when: z.array(ConditionSchema).default([]),
		points,
		frequency: z.enum(['every', 'once']).default('every'),
		limit: z
			.object({
				// Each counted hit of a window is kept in the lead's state; more than this is no cap.
				max: z.number().int().positive().max(MAX_LIMIT, `limit.max can be at most ${MAX_LIMIT}`),
				perDays: z.number().positive().finite(),
			})
			.strict()
			.optional(),
	})
	.strict();

const FitRuleSchema = z
	.object({
		id: ruleId,
		when: z.array(ConditionSchema).min(1, 'a fit rule needs at least one condition'),
		points,
	})
	.strict();

const DecaySchema = z.discriminatedUnion('type', [
	z.object({ type: z.literal('none') }).strict(),
	z.object({ type: z.literal('halfLife'), days: z.number().positive().finite() }).strict(),
	z
		.object({
			type: z.literal('linear'),
			pointsPerDay: z.number().positive().finite(),
			graceDays: z.number().nonnegative().finite().default(0),
		})
		.strict(),
	z.object({ type: z.literal('expire'), days: z.number().positive().finite() }).strict(),
]);

const TierSchema = z
	.object({
		name: z.string().trim().min(1, 'a tier needs a name'),
		min: z.number().finite(),
	})
	.strict();

export const DEFAULT_TIERS = [
	{ name: 'nurture', min: 0 },
	{ name: 'warming', min: 26 },
	{ name: 'engaged', min: 51 },
	{ name: 'hot', min: 76 },
];

export const TiersSchema = z
	.array(TierSchema)
	.min(1, 'at least one tier is needed')
	.superRefine((tiers, ctx) => {
		const names = new Set<string>();
		tiers.forEach((tier, index) => {
			if (names.has(tier.name)) {
				ctx.addIssue({
					code: 'custom',
					path: [index, 'name'],
					message: `tier name "${tier.name}" is used twice`,
				});
			}
			names.add(tier.name);
			if (index > 0 && tier.min <= tiers[index - 1].min) {
				ctx.addIssue({
					code: 'custom',
					path: [index, 'min'],
					message: `tiers must be in ascending order of min: ${tier.min} is not above ${tiers[index - 1].min}`,
				});
			}
		});
	});

export const ModelSchema = z
	.object({
		version: z.literal(1, { errorMap: () => ({ message: 'version must be 1' }) }),
		/** Optional name shown beside the content hash in model versions, e.g. "2026-q4". */
		label: z.string().trim().min(1).max(100).optional(),
		rules: z.array(BehaviourRuleSchema).default([]),
		fit: z.array(FitRuleSchema).default([]),
		decay: DecaySchema.default({ type: 'none' }),
		bounds: z
			.object({ min: z.number().finite().optional(), max: z.number().finite().optional() })
			.strict()
			.default({}),
		tiers: TiersSchema.default(DEFAULT_TIERS),
	})
	.strict()
	.superRefine((model, ctx) => {
		const ids = new Map<string, string>();
		const checkId = (id: string, path: (string | number)[]) => {
			const seenAt = ids.get(id);
			if (seenAt) {
				ctx.addIssue({
					code: 'custom',
					path,
					message: `rule id "${id}" is already used by ${seenAt}`,
				});
			} else {
				ids.set(id, path.slice(0, 2).join('[') + ']');
			}
		};
		model.rules.forEach((rule, index) => checkId(rule.id, ['rules', index, 'id']));
		model.fit.forEach((rule, index) => checkId(rule.id, ['fit', index, 'id']));
		const { min, max } = model.bounds;
		if (min !== undefined && max !== undefined && min > max) {
			ctx.addIssue({
				code: 'custom',
				path: ['bounds', 'min'],
				message: `bounds.min (${min}) is above bounds.max (${max})`,
			});
		}
	});

export type ScoringModel = z.infer<typeof ModelSchema>;
export type BehaviourRule = ScoringModel['rules'][number];
export type FitRule = ScoringModel['fit'][number];
export type Condition = BehaviourRule['when'][number];
export type Decay = ScoringModel['decay'];
export type Tier = ScoringModel['tiers'][number];

export interface ModelIssue {
	/** JSON path of the problem, e.g. `rules[0].points`. */
	path: string;
	message: string;
}

/** A scoring model that failed validation; `issues` lists every problem with its JSON path. */
export class ModelError extends Error {
	constructor(
		readonly issues: ModelIssue[],
		/** The parameter that holds the model. */
		readonly field = 'model',
	) {
		super(
			`Invalid scoring model: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
		);
		this.name = 'ModelError';
	}
}

export function formatPath(path: (string | number)[]): string {
	return path.reduce<string>((text, part) => {
		if (typeof part === 'number') return `${text}[${part}]`;
		return text ? `${text}.${part}` : part;
	}, '');
}

export function issuesOf(error: z.ZodError): ModelIssue[] {
	return error.issues.map((issue) => ({
		path: formatPath(issue.path) || '(model)',
		message: issue.message,
	}));
}

/** Validates a model (an object or its JSON text) and returns it with defaults filled in; `field` names the parameter in errors. */
export function parseModel(input: unknown, field = 'model'): ScoringModel {
	let value = input;
	if (typeof input === 'string') {
		try {
			value = JSON.parse(input);
		} catch (error) {
			throw new ModelError(
				[{ path: '(model)', message: `not valid JSON: ${(error as Error).message}` }],
				field,
			);
		}
	}
	const result = ModelSchema.safeParse(value);
	if (!result.success) throw new ModelError(issuesOf(result.error), field);
	return result.data;
}
