/**
 * The part of SOQL the mock answers: `SELECT f, … FROM Lead [WHERE …] [LIMIT n]`, with
 * `=`, `!=`, `LIKE`, `IN`, `NOT IN`, `AND`, `OR`, `NOT` and parentheses. String literals are
 * read with SOQL's own escapes, so a value that a client forgot to escape changes the query
 * here exactly as it would in Salesforce (an injection test against this mock is meaningful).
 */

export type SoqlValue = string | number | boolean | null;

export type Condition =
	| { kind: 'compare'; field: string; op: '=' | '!=' | 'LIKE'; value: SoqlValue }
	| { kind: 'in'; field: string; negated: boolean; values: SoqlValue[] }
	| { kind: 'and' | 'or'; left: Condition; right: Condition }
	| { kind: 'not'; operand: Condition };

export interface SoqlQuery {
	fields: string[];
	object: string;
	where?: Condition;
	limit?: number;
}

export class SoqlSyntaxError extends Error {}

type Token =
	| { type: 'word'; text: string; at: number }
	| { type: 'string'; value: string; at: number }
	| { type: 'number'; value: number; at: number }
	| { type: 'symbol'; text: string; at: number };

const ESCAPES: Record<string, string> = {
	n: '\n',
	r: '\r',
	t: '\t',
	b: '\b',
	f: '\f',
	'"': '"',
	"'": "'",
	'\\': '\\',
};

function tokenize(soql: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < soql.length) {
		const char = soql[i];
		if (/\s/.test(char)) {
			i++;
		} else if (char === "'") {
			const at = i;
			let value = '';
			i++;
			for (;;) {
				if (i >= soql.length)
					throw new SoqlSyntaxError(`unexpected end of query in a string starting at ${at}`);
				const c = soql[i];
				if (c === '\\') {
					const next = soql[i + 1];
					// SOQL also keeps \% and \_ as escaped LIKE wildcards; anything else is an error.
					if (next === '%' || next === '_') value += `\\${next}`;
					else if (next !== undefined && next in ESCAPES) value += ESCAPES[next];
					else
						throw new SoqlSyntaxError(
							`Invalid string literal '\\${next ?? ''}'. Illegal character sequence`,
						);
					i += 2;
				} else if (c === "'") {
					i++;
					break;
				} else {
					value += c;
					i++;
				}
			}
			tokens.push({ type: 'string', value, at });
		} else if (/[0-9]/.test(char) || (char === '-' && /[0-9]/.test(soql[i + 1] ?? ''))) {
			const match = /^-?[0-9]+(\.[0-9]+)?/.exec(soql.slice(i))!;
			tokens.push({ type: 'number', value: Number(match[0]), at: i });
			i += match[0].length;
		} else if (/[A-Za-z_]/.test(char)) {
			const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(soql.slice(i))!;
			tokens.push({ type: 'word', text: match[0], at: i });
			i += match[0].length;
		} else if (char === '!' && soql[i + 1] === '=') {
			tokens.push({ type: 'symbol', text: '!=', at: i });
			i += 2;
		} else if ('=(),'.includes(char)) {
			tokens.push({ type: 'symbol', text: char, at: i });
			i++;
		} else {
			throw new SoqlSyntaxError(`unexpected character '${char}' at ${i}`);
		}
	}
	return tokens;
}

class Parser {
	private position = 0;
	constructor(private readonly tokens: Token[]) {}

	parseQuery(): SoqlQuery {
		this.expectWord('SELECT');
		const fields = [this.field()];
		while (this.acceptSymbol(',')) fields.push(this.field());
		this.expectWord('FROM');
		const object = this.field();
		let where: Condition | undefined;
		if (this.acceptWord('WHERE')) where = this.orExpression();
		let limit: number | undefined;
		if (this.acceptWord('LIMIT')) {
			const token = this.next();
			if (token?.type !== 'number') throw new SoqlSyntaxError('LIMIT needs a number');
			limit = token.value;
		}
		if (this.peek())
			throw new SoqlSyntaxError(`unexpected token: '${this.describe(this.peek()!)}'`);
		return { fields, object, where, limit };
	}

	private orExpression(): Condition {
		let left = this.andExpression();
		while (this.acceptWord('OR')) left = { kind: 'or', left, right: this.andExpression() };
		return left;
	}

	private andExpression(): Condition {
		let left = this.notExpression();
		while (this.acceptWord('AND')) left = { kind: 'and', left, right: this.notExpression() };
		return left;
	}

	private notExpression(): Condition {
		if (this.acceptWord('NOT')) return { kind: 'not', operand: this.notExpression() };
		if (this.acceptSymbol('(')) {
			const inner = this.orExpression();
			this.expectSymbol(')');
			return inner;
		}
		return this.comparison();
	}

	private comparison(): Condition {
		const field = this.field();
		if (this.acceptSymbol('=')) return { kind: 'compare', field, op: '=', value: this.literal() };
		if (this.acceptSymbol('!=')) return { kind: 'compare', field, op: '!=', value: this.literal() };
		if (this.acceptWord('LIKE'))
			return { kind: 'compare', field, op: 'LIKE', value: this.literal() };
		const negated = this.acceptWord('NOT');
		if (this.acceptWord('IN')) {
			this.expectSymbol('(');
			const values = [this.literal()];
			while (this.acceptSymbol(',')) values.push(this.literal());
			this.expectSymbol(')');
			return { kind: 'in', field, negated, values };
		}
		const token = this.peek();
		throw new SoqlSyntaxError(
			`unexpected token: '${token ? this.describe(token) : 'end of query'}'`,
		);
	}

	private literal(): SoqlValue {
		const token = this.next();
		if (!token) throw new SoqlSyntaxError('unexpected end of query');
		if (token.type === 'string' || token.type === 'number') return token.value;
		if (token.type === 'word') {
			const word = token.text.toLowerCase();
			if (word === 'null') return null;
			if (word === 'true') return true;
			if (word === 'false') return false;
		}
		throw new SoqlSyntaxError(`unexpected token: '${this.describe(token)}'`);
	}

	private field(): string {
		const token = this.next();
		if (token?.type !== 'word')
			throw new SoqlSyntaxError(
				`unexpected token: '${token ? this.describe(token) : 'end of query'}'`,
			);
		return token.text;
	}

	private describe(token: Token): string {
		return token.type === 'word' || token.type === 'symbol' ? token.text : String(token.value);
	}

	private peek(): Token | undefined {
		return this.tokens[this.position];
	}

	private next(): Token | undefined {
		return this.tokens[this.position++];
	}

	private acceptWord(word: string): boolean {
		const token = this.peek();
		if (token?.type === 'word' && token.text.toUpperCase() === word) {
			this.position++;
			return true;
		}
		return false;
	}

	private expectWord(word: string): void {
		if (!this.acceptWord(word)) throw new SoqlSyntaxError(`expected ${word}`);
	}

	private acceptSymbol(symbol: string): boolean {
		const token = this.peek();
		if (token?.type === 'symbol' && token.text === symbol) {
			this.position++;
			return true;
		}
		return false;
	}

	private expectSymbol(symbol: string): void {
		if (!this.acceptSymbol(symbol)) throw new SoqlSyntaxError(`expected '${symbol}'`);
	}
}

export function parseSoql(soql: string): SoqlQuery {
	return new Parser(tokenize(soql)).parseQuery();
}

/** Every field a condition names, for the "No such column" check. */
export function conditionFields(condition: Condition | undefined): string[] {
	if (!condition) return [];
	switch (condition.kind) {
		case 'compare':
		case 'in':
			return [condition.field];
		case 'not':
			return conditionFields(condition.operand);
		default:
			return [...conditionFields(condition.left), ...conditionFields(condition.right)];
	}
}

/** SOQL LIKE: `%` any run, `_` one character, case-insensitive; `\%` and `\_` are literal. */
export function likeMatches(value: string, pattern: string): boolean {
	let regex = '';
	for (let i = 0; i < pattern.length; i++) {
		const char = pattern[i];
		if (char === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
			regex += pattern[i + 1];
			i++;
		} else if (char === '%') regex += '.*';
		else if (char === '_') regex += '.';
		else regex += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	}
	return new RegExp(`^${regex}$`, 'is').test(value);
}
