/** Values of a JSON request body, checked before they leave: what JSON.stringify would drop or mangle is refused. */

export type JsonValue =
	| string
	| number
	| boolean
	| null
	| JsonValue[]
	| { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * Turns an expression result into the JSON the API will receive, or says where it is not
 * JSON: NaN, Infinity, undefined, BigInt, functions and circular references would otherwise
 * be dropped or mangled silently by JSON.stringify.
 */
export function toJsonValue(value: unknown, path: string, ancestors: object[] = []): JsonValue {
	if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
	if (typeof value === 'number') {
		if (!Number.isFinite(value))
			throw new Error(`${path} is ${value}, which JSON cannot represent`);
		return value;
	}
	if (value === undefined) throw new Error(`${path} has no value (undefined)`);
	if (typeof value !== 'object')
		throw new Error(`${path} is a ${typeof value}, which JSON cannot represent`);
	if (ancestors.includes(value))
		throw new Error(`${path} refers back to itself (a circular reference)`);
	if (value instanceof Date) {
		if (Number.isNaN(value.getTime())) throw new Error(`${path} is an invalid date`);
		return value.toISOString();
	}
	const withToJson = value as { toJSON?: () => unknown };
	if (typeof withToJson.toJSON === 'function')
		return toJsonValue(withToJson.toJSON(), path, [...ancestors, value]);
	const inside = [...ancestors, value];
	if (Array.isArray(value))
		return value.map((entry, index) => toJsonValue(entry, `${path}[${index}]`, inside));
	const result: JsonObject = {};
	for (const [key, entry] of Object.entries(value))
		result[key] = toJsonValue(entry, `${path}.${key}`, inside);
	return result;
}

/** Epoch milliseconds of a number, Date, ISO text or Luxon DateTime ($now); NaN for anything else. */
export function epochMillisOf(raw: unknown): number {
	if (typeof raw === 'number') return raw;
	if (raw instanceof Date) return raw.getTime();
	if (typeof raw === 'string') return Date.parse(raw);
	// Luxon DateTime ($now, DateTime.fromISO) serialises to ISO text.
	const json = (raw as { toJSON?: () => unknown } | null | undefined)?.toJSON?.();
	return typeof json === 'string' ? Date.parse(json) : Number.NaN;
}
