/**
 * The regular expressions of `matches` conditions, run by a matcher whose time is linear in the
 * text (a Thompson NFA simulated one character at a time), never by the backtracking RegExp
 * engine: a pattern such as `^([a-z0-9]+-?)+$` would otherwise freeze n8n on a crafted webhook.
 * Matching follows JavaScript's syntax and case-insensitive semantics (flag `i`, no `u`); what a
 * linear matcher cannot do (backreferences, lookarounds) is refused when the model is validated.
 */

/** Longest pattern a model may hold. */
export const MAX_PATTERN_LENGTH = 1000;
/** Most steps a compiled pattern may have (counted repetition such as `(ab){50}` multiplies them). */
export const MAX_PATTERN_STEPS = 2000;
/**
 * A text longer than this is matched on its first MAX_MATCHED_TEXT characters: time per event
 * stays bounded whatever a webhook sends (names, emails, titles and URLs are far shorter).
 */
export const MAX_MATCHED_TEXT = 10_000;
/**
 * Matching costs at most (steps of the pattern) x (characters read); a pattern of more than
 * MAX_MATCH_WORK / MAX_MATCHED_TEXT = 100 steps reads fewer characters, so one condition never
 * holds the event loop for more than a few tens of milliseconds.
 */
export const MAX_MATCH_WORK = 1_000_000;

/** A pattern the package refuses; the message says why, for the model's validation issue. */
export class PatternError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'PatternError';
	}
}

/** Inclusive UTF-16 code unit ranges, e.g. [48, 57] for \d. */
type Ranges = number[];
interface CharSet {
	ranges: Ranges;
	negated: boolean;
}

type AssertionKind = 'start' | 'end' | 'wordBoundary' | 'notWordBoundary';

type PatternNode =
	| { type: 'set'; set: CharSet }
	| { type: 'seq'; items: PatternNode[] }
	| { type: 'alt'; options: PatternNode[] }
	| { type: 'repeat'; node: PatternNode; min: number; max: number }
	| { type: 'assert'; kind: AssertionKind };

const DIGITS: Ranges = [48, 57];
const WORD: Ranges = [48, 57, 65, 90, 95, 95, 97, 122];
const SPACE: Ranges = [
	9, 13, 32, 32, 160, 160, 5760, 5760, 8192, 8202, 8232, 8233, 8239, 8239, 8287, 8287, 12288, 12288,
	65279, 65279,
];
const LINE_TERMINATORS: Ranges = [10, 10, 13, 13, 8232, 8233];

const literal = (code: number): CharSet => ({ ranges: [code, code], negated: false });

class Parser {
	private pos = 0;

	constructor(private readonly source: string) {}

	parse(): PatternNode {
		const node = this.alternation();
		if (this.pos < this.source.length) throw new PatternError(`unexpected "${this.peek()}"`);
		return node;
	}

	private peek(offset = 0): string {
		return this.source.charAt(this.pos + offset);
	}

	private alternation(): PatternNode {
		const options = [this.sequence()];
		while (this.peek() === '|') {
			this.pos++;
			options.push(this.sequence());
		}
		return options.length === 1 ? options[0] : { type: 'alt', options };
	}

	private sequence(): PatternNode {
		const items: PatternNode[] = [];
		while (this.pos < this.source.length && this.peek() !== '|' && this.peek() !== ')') {
			items.push(this.quantified(this.term()));
		}
		return items.length === 1 ? items[0] : { type: 'seq', items };
	}

	private quantified(node: PatternNode): PatternNode {
		let bounds: [number, number] | undefined;
		const c = this.peek();
		if (c === '*') bounds = [0, Infinity];
		else if (c === '+') bounds = [1, Infinity];
		else if (c === '?') bounds = [0, 1];
		else if (c === '{') {
			const counted = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.pos));
			if (!counted) return node;
			const min = Number(counted[1]);
			const max =
				counted[2] === undefined ? min : counted[3] === '' ? Infinity : Number(counted[3]);
			if (min > MAX_PATTERN_STEPS || (max !== Infinity && max > MAX_PATTERN_STEPS)) {
				throw new PatternError(
					`the repetition ${counted[0]} is too large (at most ${MAX_PATTERN_STEPS})`,
				);
			}
			this.pos += counted[0].length - 1;
			bounds = [min, max];
		}
		if (!bounds) return node;
		this.pos++;
		// A lazy quantifier matches the same texts; only which part is captured differs.
		if (this.peek() === '?') this.pos++;
		return { type: 'repeat', node, min: bounds[0], max: bounds[1] };
	}

	private term(): PatternNode {
		const c = this.source.charAt(this.pos++);
		switch (c) {
			case '(':
				return this.group();
			case '[':
				return { type: 'set', set: this.charClass() };
			case '.':
				return { type: 'set', set: { ranges: LINE_TERMINATORS, negated: true } };
			case '^':
				return { type: 'assert', kind: 'start' };
			case '$':
				return { type: 'assert', kind: 'end' };
			case '\\':
				return this.escape();
			default:
				return { type: 'set', set: literal(c.charCodeAt(0)) };
		}
	}

	private group(): PatternNode {
		if (this.peek() === '?') {
			const opener = this.source.slice(this.pos, this.pos + 3);
			if (opener.startsWith('?:')) this.pos += 2;
			else if (opener.startsWith('?=') || opener.startsWith('?!') || /^\?<[=!]/.test(opener)) {
				throw new PatternError(
					'lookaheads and lookbehinds such as (?=...) are not supported: they can make matching slow',
				);
			} else if (opener.startsWith('?<')) {
				const end = this.source.indexOf('>', this.pos);
				this.pos = end + 1;
			} else {
				throw new PatternError(`"(${opener}" is not supported: use (...) or (?:...)`);
			}
		}
		const node = this.alternation();
		if (this.peek() !== ')') throw new PatternError('a group is not closed with ")"');
		this.pos++;
		return node;
	}

	/** The character (code) or class of an escape; `inClass` changes \b to backspace. */
	private escapeValue(inClass: boolean): number | CharSet {
		const c = this.source.charAt(this.pos++);
		switch (c) {
			case 'd':
				return { ranges: DIGITS, negated: false };
			case 'D':
				return { ranges: DIGITS, negated: true };
			case 'w':
				return { ranges: WORD, negated: false };
			case 'W':
				return { ranges: WORD, negated: true };
			case 's':
				return { ranges: SPACE, negated: false };
			case 'S':
				return { ranges: SPACE, negated: true };
			case 't':
				return 9;
			case 'n':
				return 10;
			case 'v':
				return 11;
			case 'f':
				return 12;
			case 'r':
				return 13;
			case 'b':
				if (inClass) return 8;
				break;
			case 'c': {
				const letter = this.peek();
				if (!/[a-z]/i.test(letter))
					throw new PatternError('\\c must be followed by a letter, e.g. \\cJ');
				this.pos++;
				return letter.charCodeAt(0) % 32;
			}
			case 'x':
			case 'u': {
				const digits = c === 'x' ? 2 : 4;
				const hex = this.source.slice(this.pos, this.pos + digits);
				if (new RegExp(`^[0-9a-f]{${digits}}$`, 'i').test(hex)) {
					this.pos += digits;
					return parseInt(hex, 16);
				}
				if (c === 'u' && this.peek() === '{')
					throw new PatternError('\\u{...} escapes are not supported: use \\uXXXX');
				return c.charCodeAt(0);
			}
			case 'p':
			case 'P':
				throw new PatternError(`\\${c}{...} Unicode property escapes are not supported`);
			case 'k':
				throw new PatternError(
					'backreferences such as \\k<name> are not supported: they can make matching slow',
				);
		}
		if (c >= '0' && c <= '9') {
			if (c === '0' && !/[0-9]/.test(this.peek())) return 0;
			throw new PatternError(
				`backreferences and octal escapes such as \\${c} are not supported: they can make matching slow`,
			);
		}
		return c.charCodeAt(0);
	}

	private escape(): PatternNode {
		const c = this.peek();
		if (c === 'b' || c === 'B') {
			this.pos++;
			return { type: 'assert', kind: c === 'b' ? 'wordBoundary' : 'notWordBoundary' };
		}
		const value = this.escapeValue(false);
		return { type: 'set', set: typeof value === 'number' ? literal(value) : value };
	}

	private classAtom(): number | CharSet {
		const c = this.source.charAt(this.pos++);
		if (c === '\\') return this.escapeValue(true);
		return c.charCodeAt(0);
	}

	private charClass(): CharSet {
		const negated = this.peek() === '^';
		if (negated) this.pos++;
		const ranges: Ranges = [];
		const add = (atom: number | CharSet) => {
			if (typeof atom === 'number') ranges.push(atom, atom);
			else ranges.push(...(atom.negated ? complement(atom.ranges) : atom.ranges));
		};
		while (this.peek() !== ']') {
			if (this.pos >= this.source.length)
				throw new PatternError('a character class is not closed with "]"');
			const from = this.classAtom();
			if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '') {
				this.pos++;
				const to = this.classAtom();
				if (typeof from === 'number' && typeof to === 'number') {
					ranges.push(from, to);
					continue;
				}
				// [\d-z] is \d, "-" and "z" in JavaScript.
				add(from);
				add(45);
				add(to);
				continue;
			}
			add(from);
		}
		this.pos++;
		return { ranges, negated };
	}
}

function complement(ranges: Ranges): Ranges {
	const sorted: Array<[number, number]> = [];
	for (let i = 0; i < ranges.length; i += 2) sorted.push([ranges[i], ranges[i + 1]]);
	sorted.sort((a, b) => a[0] - b[0]);
	const result: Ranges = [];
	let next = 0;
	for (const [from, to] of sorted) {
		if (from > next) result.push(next, from - 1);
		next = Math.max(next, to + 1);
	}
	if (next <= 0xffff) result.push(next, 0xffff);
	return result;
}

// Program steps.
const CHAR = 0;
const SPLIT = 1;
const JUMP = 2;
const ASSERT = 3;
const MATCH = 4;

interface Program {
	ops: number[];
	/** CHAR: unused; SPLIT: first branch; JUMP: target; ASSERT: index into ASSERTIONS. */
	a: number[];
	/** SPLIT: second branch. */
	b: number[];
	sets: Array<CharSet | undefined>;
}

const ASSERTIONS: AssertionKind[] = ['start', 'end', 'wordBoundary', 'notWordBoundary'];

function compile(node: PatternNode): Program {
	const program: Program = { ops: [], a: [], b: [], sets: [] };
	const emit = (op: number, a = 0, b = 0, set?: CharSet): number => {
		if (program.ops.length >= MAX_PATTERN_STEPS) {
			throw new PatternError(
				`the pattern is too complex (more than ${MAX_PATTERN_STEPS} steps once repetitions are counted out)`,
			);
		}
		program.ops.push(op);
		program.a.push(a);
		program.b.push(b);
		program.sets.push(set);
		return program.ops.length - 1;
	};
	const here = () => program.ops.length;
	const walk = (n: PatternNode): void => {
		switch (n.type) {
			case 'set':
				emit(CHAR, 0, 0, n.set);
				return;
			case 'assert':
				emit(ASSERT, ASSERTIONS.indexOf(n.kind));
				return;
			case 'seq':
				n.items.forEach(walk);
				return;
			case 'alt': {
				const jumps: number[] = [];
				n.options.forEach((option, index) => {
					if (index === n.options.length - 1) return walk(option);
					const split = emit(SPLIT);
					program.a[split] = here();
					walk(option);
					jumps.push(emit(JUMP));
					program.b[split] = here();
				});
				for (const jump of jumps) program.a[jump] = here();
				return;
			}
			case 'repeat': {
				for (let i = 0; i < n.min; i++) walk(n.node);
				if (n.max === Infinity) {
					const split = emit(SPLIT);
					program.a[split] = here();
					walk(n.node);
					emit(JUMP, split);
					program.b[split] = here();
					return;
				}
				for (let i = n.min; i < n.max; i++) {
					const split = emit(SPLIT);
					program.a[split] = here();
					walk(n.node);
					program.b[split] = here();
				}
				return;
			}
		}
	};
	walk(node);
	emit(MATCH);
	return program;
}

function inRanges(ranges: Ranges, code: number): boolean {
	for (let i = 0; i < ranges.length; i += 2) {
		if (code >= ranges[i] && code <= ranges[i + 1]) return true;
	}
	return false;
}

// JavaScript's case folding without the u flag: the upper case, unless it is longer than one
// code unit or turns a non-ASCII character into an ASCII one.
function canonical(code: number): number {
	if (code < 128) return code >= 97 && code <= 122 ? code - 32 : code;
	const upper = String.fromCharCode(code).toUpperCase();
	if (upper.length !== 1) return code;
	const upperCode = upper.charCodeAt(0);
	return upperCode < 128 ? code : upperCode;
}

const ASCII_VARIANTS: number[][] = Array.from({ length: 128 }, (_, code) => {
	if (code >= 65 && code <= 90) return [code, code + 32];
	if (code >= 97 && code <= 122) return [code, code - 32];
	return [code];
});
const variantCache = new Map<number, number[]>();
/** The characters that match `code` case-insensitively (itself and its case variants). */
function caseVariants(code: number): number[] {
	if (code < 128) return ASCII_VARIANTS[code];
	let variants = variantCache.get(code);
	if (!variants) {
		const text = String.fromCharCode(code);
		const key = canonical(code);
		variants = [code];
		for (const other of [text.toLowerCase(), text.toUpperCase()]) {
			if (other.length !== 1) continue;
			const otherCode = other.charCodeAt(0);
			if (!variants.includes(otherCode) && canonical(otherCode) === key) variants.push(otherCode);
		}
		if (variantCache.size > 10_000) variantCache.clear();
		variantCache.set(code, variants);
	}
	return variants;
}

const isWordCode = (code: number) => inRanges(WORD, code);

/** A transition that reaches a match. */
const MATCHED = -1;
// What the matcher remembers (sets of steps and transitions between them) is dropped when it
// grows past this many entries, so texts full of different characters cannot fill the memory.
const MAX_REMEMBERED = 20_000;

/** A set of program steps waiting for the next character, with its known transitions. */
interface DfaState {
	steps: Int32Array;
	/** (character code * 2 + whether the character after it is a word character) -> state id or MATCHED. */
	next: Map<number, number>;
}

/**
 * A compiled `matches` pattern: `test` is case-insensitive and linear in the text's length. It
 * runs the NFA one character at a time and remembers each set of active steps and where each
 * character leads from it (a DFA built lazily), so a repeated step costs one lookup.
 */
export class Pattern {
	private readonly ops: Uint8Array;
	private readonly a: Int32Array;
	private readonly b: Int32Array;
	private readonly sets: Array<CharSet | undefined>;
	private readonly hasWordBoundary: boolean;
	private readonly marks: Int32Array;
	private readonly stack: Int32Array;
	private readonly list: Int32Array;
	private generation = 0;
	private states: DfaState[] = [];
	private stateIds = new Map<string, number>();
	private remembered = 0;

	constructor(readonly source: string) {
		if (source.length > MAX_PATTERN_LENGTH) {
			throw new PatternError(
				`the pattern is ${source.length} characters long; at most ${MAX_PATTERN_LENGTH}`,
			);
		}
		const program = compile(new Parser(source).parse());
		this.ops = Uint8Array.from(program.ops);
		this.a = Int32Array.from(program.a);
		this.b = Int32Array.from(program.b);
		this.sets = program.sets;
		// Only \b and \B look at the next character, so only then does it take part in a transition.
		this.hasWordBoundary = program.ops.some(
			(op, pc) =>
				op === ASSERT && ['wordBoundary', 'notWordBoundary'].includes(ASSERTIONS[program.a[pc]]),
		);
		this.marks = new Int32Array(program.ops.length);
		this.stack = new Int32Array(2 * program.ops.length + 2);
		this.list = new Int32Array(program.ops.length);
	}

	/** How many characters of a text `test` reads: MAX_MATCHED_TEXT, fewer for a long pattern. */
	get readLimit(): number {
		return Math.min(MAX_MATCHED_TEXT, Math.floor(MAX_MATCH_WORK / this.ops.length));
	}

	test(input: string): boolean {
		const limit = this.readLimit;
		const text = input.length > limit ? input.slice(0, limit) : input;
		const length = text.length;
		let state = this.advance(null, 0, text, 0);
		for (let position = 0; position < length && state !== MATCHED; position++) {
			const code = text.charCodeAt(position);
			// The step into the end of the text depends on it ($), so it is never cached.
			if (position + 1 === length) {
				state = this.advance(this.states[state].steps, code, text, length);
				break;
			}
			const nextIsWord = this.hasWordBoundary && isWordCode(text.charCodeAt(position + 1));
			const key = code * 2 + (nextIsWord ? 1 : 0);
			const from = this.states[state];
			let to = from.next.get(key);
			if (to === undefined) {
				to = this.advance(from.steps, code, text, position + 1);
				if (to !== MATCHED && ++this.remembered > MAX_REMEMBERED) {
					const steps = this.states[to].steps;
					this.forget();
					to = this.intern(steps);
				} else from.next.set(key, to);
			}
			state = to;
		}
		return state === MATCHED;
	}

	/**
	 * The state after reading `code` from the steps `from` (or the start, when null), at
	 * `position` of `text`: the steps that accepted it, followed through every step that reads
	 * no character, plus a match starting here.
	 */
	private advance(from: Int32Array | null, code: number, text: string, position: number): number {
		if (++this.generation > 2_000_000_000) {
			this.marks.fill(0);
			this.generation = 1;
		}
		let count = 0;
		const add = (start: number): boolean => {
			let top = 0;
			this.stack[top++] = start;
			while (top > 0) {
				const pc = this.stack[--top];
				if (this.marks[pc] === this.generation) continue;
				this.marks[pc] = this.generation;
				switch (this.ops[pc]) {
					case CHAR:
						this.list[count++] = pc;
						break;
					case JUMP:
						this.stack[top++] = this.a[pc];
						break;
					case SPLIT:
						this.stack[top++] = this.b[pc];
						this.stack[top++] = this.a[pc];
						break;
					case ASSERT:
						if (this.holds(ASSERTIONS[this.a[pc]], text, position)) this.stack[top++] = pc + 1;
						break;
					case MATCH:
						return true;
				}
			}
			return false;
		};
		if (from) {
			const variants = caseVariants(code);
			for (const pc of from) if (this.accepts(pc, variants) && add(pc + 1)) return MATCHED;
		}
		// Unanchored: a match may start at any position.
		if (add(0)) return MATCHED;
		return this.intern(this.list.slice(0, count).sort());
	}

	private intern(steps: Int32Array): number {
		const key = steps.join(',');
		let id = this.stateIds.get(key);
		if (id === undefined) {
			if (this.remembered + steps.length > MAX_REMEMBERED) this.forget();
			id = this.states.length;
			this.states.push({ steps, next: new Map() });
			this.stateIds.set(key, id);
			this.remembered += steps.length + 1;
		}
		return id;
	}

	private forget(): void {
		this.states = [];
		this.stateIds = new Map();
		this.remembered = 0;
	}

	private accepts(pc: number, variants: number[]): boolean {
		const set = this.sets[pc]!;
		let found = false;
		for (const code of variants) {
			if (inRanges(set.ranges, code)) {
				found = true;
				break;
			}
		}
		return found !== set.negated;
	}

	private holds(kind: AssertionKind, text: string, position: number): boolean {
		switch (kind) {
			case 'start':
				return position === 0;
			case 'end':
				return position === text.length;
			default: {
				const before = position > 0 && isWordCode(text.charCodeAt(position - 1));
				const after = position < text.length && isWordCode(text.charCodeAt(position));
				return (before !== after) === (kind === 'wordBoundary');
			}
		}
	}
}

/** Compiles a `matches` pattern; throws PatternError saying why a pattern is refused. */
export function compilePattern(source: string): Pattern {
	try {
		new RegExp(source);
	} catch (error) {
		throw new PatternError(`not a valid regular expression: ${(error as Error).message}`);
	}
	return new Pattern(source);
}
