/**
 * Salesforce record IDs: 15 case-sensitive characters, or 18 with a 3-character suffix that
 * encodes the case of the first 15 (so the 18-character form survives case-insensitive tools).
 * The first 3 characters (the key prefix) name the object: `00Q` a Lead, `003` a Contact.
 */

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The objects the package reads and writes. */
export type RecordObject = 'Lead' | 'Contact';

export const KEY_PREFIXES: Record<RecordObject, string> = { Lead: '00Q', Contact: '003' };

function caseSuffix(id15: string): string {
	let suffix = '';
	for (let chunk = 0; chunk < 3; chunk++) {
		let bits = 0;
		for (let i = 0; i < 5; i++) {
			const char = id15[chunk * 5 + i];
			if (char >= 'A' && char <= 'Z') bits |= 1 << i;
		}
		suffix += SUFFIX_ALPHABET[bits];
	}
	return suffix;
}

/** The 18-character form of a well-formed 15- or 18-character ID. */
export function toId18(id: string): string {
	return id.length === 18 ? id.slice(0, 15) + id.slice(15).toUpperCase() : id + caseSuffix(id);
}

/** The object an ID belongs to, by its key prefix. */
export function objectOfId(id: string): RecordObject | undefined {
	return (Object.keys(KEY_PREFIXES) as RecordObject[]).find((object) =>
		id.startsWith(KEY_PREFIXES[object]),
	);
}

/**
 * Why `value` is not a usable ID of one of `objects`, or undefined when it is one. Checked before
 * an ID goes into a URL or a query: the checksum catches a mistyped 18-character ID, the key
 * prefix an ID of another object (an Account's `001…`), which a query would silently not match.
 */
export function recordIdProblem(value: string, objects: RecordObject[]): string | undefined {
	if (!/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(value)) {
		return `"${value}" is not a Salesforce ID: an ID has 15 or 18 letters and digits`;
	}
	if (value.length === 18 && value.slice(15).toUpperCase() !== caseSuffix(value.slice(0, 15))) {
		return `"${value}" is not a valid 18-character Salesforce ID: its last 3 characters do not match the first 15 (check for a typo or a change of case)`;
	}
	const object = objectOfId(value);
	if (object && objects.includes(object)) return undefined;
	const expected = objects.map((name) => `${name} IDs start with ${KEY_PREFIXES[name]}`).join(', ');
	return `"${value}" is not a ${objects.join(' or ')} ID: ${expected}, this one with ${value.slice(0, 3)}`;
}
