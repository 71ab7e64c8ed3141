/**
 * Klaviyo's official OpenAPI document, read from ../shared (or KLAVIYO_OPENAPI_SPEC) and
 * prepared for openapi-backend, so the mock can reject every request the spec rejects.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Document, Request as OpenApiRequest } from 'openapi-backend';

/** Set inside jest (a module-wrapper parameter there, not a global); undefined in the benchmark. */
declare const jest: { mock(moduleName: string, factory: () => unknown): void } | undefined;

/**
 * openapi-backend requires @apidevtools/json-schema-ref-parser, which is ESM-only: Node's own
 * require loads it, jest's CommonJS registry cannot. In quick mode with an in-memory document
 * openapi-backend dereferences with another library, so under jest a pass-through will do.
 */
if (typeof jest !== 'undefined') {
	jest.mock('@apidevtools/json-schema-ref-parser', () => {
		const passThrough = async (document: unknown) => document;
		return {
			__esModule: true,
			default: { parse: passThrough, dereference: passThrough, resolve: passThrough },
		};
	});
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { OpenAPIBackend } = require('openapi-backend') as typeof import('openapi-backend');

export interface SpecRateLimit {
	burst: number;
	steady: number;
}

export interface SpecCheck {
	operationId?: string;
	errors: string[];
}

export interface KlaviyoSpec {
	/** The operation a request maps to and everything the spec finds wrong with it. */
	checkRequest(request: OpenApiRequest): SpecCheck;
	/** What the spec finds wrong with a response the mock is about to send. */
	checkResponse(operationId: string, status: number, body: unknown): string[];
	/** The `x-klaviyo-ratelimit` of every operation, per second and per minute. */
	rateLimits: Record<string, SpecRateLimit>;
	revision: string;
}

/** KLAVIYO_OPENAPI_SPEC, or shared/klaviyo-openapi.json beside the repository (from tests or compiled benchmarks). */
export function specPath(): string {
	const fromEnvironment = process.env.KLAVIYO_OPENAPI_SPEC;
	const candidates: string[] = [];
	if (fromEnvironment) candidates.push(resolve(fromEnvironment));
	else {
		for (
			let directory = __dirname;
			dirname(directory) !== directory;
			directory = dirname(directory)
		) {
			candidates.push(join(directory, 'shared', 'klaviyo-openapi.json'));
		}
	}
	const found = candidates.find((candidate) => existsSync(candidate));
	if (!found) {
		throw new Error(
			`Klaviyo's OpenAPI spec was not found (looked for ${fromEnvironment ?? 'shared/klaviyo-openapi.json above ' + __dirname}). ` +
				'Set KLAVIYO_OPENAPI_SPEC to the path of klaviyo/openapi openapi/stable.json.',
		);
	}
	return found;
}

type Json = Record<string, unknown>;

/**
 * The raw document puts `nullable` without `type` and siblings beside `$ref`, both of which
 * Ajv rejects; rewrite them into the equivalent JSON Schema (api-facts.md section 6).
 */
function makeAjvCompatible(node: unknown): void {
	if (Array.isArray(node)) {
		node.forEach(makeAjvCompatible);
		return;
	}
	if (!node || typeof node !== 'object') return;
	const schema = node as Json;
	Object.values(schema).forEach(makeAjvCompatible);
	if (schema.nullable && !schema.type) {
		delete schema.nullable;
		if (typeof schema.$ref === 'string') {
			const ref = schema.$ref;
			for (const key of Object.keys(schema)) delete schema[key];
			schema.anyOf = [{ $ref: ref }, { type: 'null' }];
		} else {
			const alternatives = (schema.oneOf ?? schema.anyOf) as Json[] | undefined;
			alternatives?.push({ type: 'null' });
		}
	} else if (typeof schema.$ref === 'string' && Object.keys(schema).length > 1) {
		const ref = schema.$ref;
		for (const key of Object.keys(schema)) delete schema[key];
		schema.$ref = ref;
	}
}

/** openapi-backend validates bodies only under application/json; Klaviyo declares vnd.api+json. */
function aliasJsonApiMediaType(document: Json): void {
	for (const pathItem of Object.values(document.paths as Record<string, Json>)) {
		for (const operation of Object.values(pathItem)) {
			if (!operation || typeof operation !== 'object') continue;
			const { requestBody, responses } = operation as {
				requestBody?: Json;
				responses?: Record<string, Json>;
			};
			for (const holder of [requestBody, ...Object.values(responses ?? {})]) {
				const content = holder?.content as Record<string, unknown> | undefined;
				if (content?.['application/vnd.api+json'] && !content['application/json']) {
					content['application/json'] = content['application/vnd.api+json'];
				}
			}
		}
	}
}

function perUnit(limit: string | undefined, unit: 's' | 'm'): number {
	const match = /^(\d+)\/([sm])$/.exec(limit ?? '');
	if (!match || match[2] !== unit)
		throw new Error(`Unexpected x-klaviyo-ratelimit value "${limit}"`);
	return Number(match[1]);
}

function collectRateLimits(document: Json): Record<string, SpecRateLimit> {
	const limits: Record<string, SpecRateLimit> = {};
	for (const pathItem of Object.values(document.paths as Record<string, Json>)) {
		for (const operation of Object.values(pathItem)) {
			const op = operation as {
				operationId?: string;
				'x-klaviyo-ratelimit'?: { burst?: string; steady?: string };
			};
			if (!op?.operationId || !op['x-klaviyo-ratelimit']) continue;
			limits[op.operationId] = {
				burst: perUnit(op['x-klaviyo-ratelimit'].burst, 's'),
				steady: perUnit(op['x-klaviyo-ratelimit'].steady, 'm'),
			};
		}
	}
	return limits;
}

function describeAjvErrors(
	errors: Array<{ instancePath?: string; message?: string; params?: unknown }> | null | undefined,
) {
	return (errors ?? []).map(
		(error) =>
			`${error.instancePath || '/'} ${error.message ?? 'is invalid'} ${JSON.stringify(error.params ?? {})}`,
	);
}

const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

async function loadSpec(): Promise<KlaviyoSpec> {
	const document = JSON.parse(readFileSync(specPath(), 'utf8')) as Json;
	makeAjvCompatible(document);
	aliasJsonApiMediaType(document);
	const rateLimits = collectRateLimits(document);
	const revision = String((document.info as Json).version);
	const api = new OpenAPIBackend({
		definition: document as unknown as Document,
		// The raw document fails OpenAPI meta-validation on points Ajv no longer cares about.
		strict: false,
		quick: true,
		validate: true,
		ajvOpts: { strict: false },
		customizeAjv: (ajv) => {
			ajv.addFormat('date-time', {
				type: 'string',
				validate: (value: string) => isoDateTime.test(value) && !Number.isNaN(Date.parse(value)),
			});
			ajv.addFormat('uri', { type: 'string', validate: (value: string) => URL.canParse(value) });
			ajv.addFormat('email', {
				type: 'string',
				validate: (value: string) => /^[^\s@]+@[^\s@]+$/.test(value),
			});
			return ajv;
		},
	});
	await api.init();
	// The router rebuilds its list of 345 operations several times per request (about 3 ms);
	// the document never changes, so build it once.
	const operations = api.router.getOperations();
	api.router.getOperations = () => operations;

	return {
		rateLimits,
		revision,
		checkRequest(request) {
			const operation = api.matchOperation(request);
			if (!operation)
				return {
					errors: [
						`${request.method.toUpperCase()} ${request.path} is not an operation of the spec`,
					],
				};
			const result = api.validateRequest(request, operation);
			return {
				operationId: operation.operationId,
				errors: result.valid ? [] : describeAjvErrors(result.errors),
			};
		},
		checkResponse(operationId, status, body) {
			const result = api.validateResponse(body, operationId, status);
			return result.valid ? [] : describeAjvErrors(result.errors);
		},
	};
}

let loaded: Promise<KlaviyoSpec> | undefined;

/** Parsing and preparing the 3 MB document takes a moment: do it once per process. */
export async function klaviyoSpec(): Promise<KlaviyoSpec> {
	loaded ??= loadSpec();
	return await loaded;
}
