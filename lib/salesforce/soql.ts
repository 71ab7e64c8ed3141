/** Building SOQL from values that come from outside: literals escaped, field names checked. */

const FIELD_API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Standard field names, or custom ones ending in `__c` (a managed package adds `ns__`). */
export function isFieldApiName(name: string): boolean {
	return (
		FIELD_API_NAME.test(name) && name.length <= 80 && !name.includes('___') && !name.endsWith('_')
	);
}

const ESCAPES: Record<string, string> = {
	'\\': '\\\\',
	"'": "\\'",
	'"': '\\"',
	'\n': '\\n',
	'\r': '\\r',
	'\t': '\\t',
	'\b': '\\b',
	'\f': '\\f',
};

/**
 * A SOQL string literal for `value`, quotes included. Escaping the quote and the backslash keeps
 * a value such as `x' OR Name LIKE '%` a single literal that matches nothing.
 */
export function soqlString(value: string): string {
	return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (char) => ESCAPES[char])}'`;
}
