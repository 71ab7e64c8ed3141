import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import * as ts from 'typescript';

/**
 * The package's rooms and what each may import: the map in README's "Finding your way around",
 * checked here so that an import across the rule fails the suite instead of slowly eroding the
 * layout. A room is a folder (or one file); a file may always import files of its own room.
 */
const LIB_ROOMS = [
	'outcome',
	'scoring',
	'store',
	'views',
	'service',
	'http',
	'klaviyo',
	'braze',
	'salesforce',
];

const ROOMS: Record<string, { path: string; mayImport: string[] }> = {
	outcome: { path: 'lib/outcome.ts', mayImport: [] },
	scoring: { path: 'lib/scoring/', mayImport: ['outcome'] },
	store: { path: 'lib/store/', mayImport: ['scoring', 'outcome'] },
	views: { path: 'lib/views/', mayImport: ['scoring', 'outcome'] },
	service: { path: 'lib/service/', mayImport: ['scoring', 'store', 'views', 'outcome'] },
	http: { path: 'lib/http/', mayImport: ['outcome'] },
	// The API clients may use the pure core's meaning of a score (what a crossing is), never a store.
	klaviyo: { path: 'lib/klaviyo/', mayImport: ['http', 'scoring', 'outcome'] },
	braze: { path: 'lib/braze/', mayImport: ['http', 'scoring', 'outcome'] },
	salesforce: { path: 'lib/salesforce/', mayImport: ['http', 'scoring', 'outcome'] },
	credentials: { path: 'credentials/', mayImport: ['edge', 'http', 'salesforce'] },
	edge: { path: 'nodes/shared/', mayImport: LIB_ROOMS },
	// Each node's folder is a room of its own: nodes share code through nodes/shared only.
	node: { path: 'nodes/*/', mayImport: ['edge', ...LIB_ROOMS] },
};

/** n8n's packages: only the edge (nodes/, credentials/) speaks n8n. */
const N8N_PACKAGE = /^(n8n-workflow|n8n-core|@n8n\/)/;

const REPO_ROOT = join(__dirname, '..', '..');
const SOURCE_FOLDERS = ['lib', 'nodes', 'credentials'];

function sourceFiles(folder: string): string[] {
	return readdirSync(join(REPO_ROOT, folder)).flatMap((name) => {
		const path = join(folder, name);
		if (statSync(join(REPO_ROOT, path)).isDirectory()) return sourceFiles(path);
		return path.endsWith('.ts') ? [path] : [];
	});
}

/** The room a file belongs to, and for a node's folder the folder itself. */
function roomOf(file: string): { room: string; folder: string } | undefined {
	const nodeFolder = /^nodes\/(?!shared\/)[^/]+\//.exec(file);
	if (nodeFolder) return { room: 'node', folder: nodeFolder[0] };
	for (const [room, { path }] of Object.entries(ROOMS)) {
		if (path.endsWith('/') ? file.startsWith(path) : file === path) return { room, folder: path };
	}
	return undefined;
}

interface Import {
	from: string;
	specifier: string;
	/** The repository file it names, for a relative import. */
	target?: string;
}

function resolveFile(base: string): string {
	for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
		try {
			if (statSync(join(REPO_ROOT, candidate)).isFile()) return candidate;
		} catch {
			// not this candidate
		}
	}
	return base;
}

function importsOf(file: string): Import[] {
	const text = readFileSync(join(REPO_ROOT, file), 'utf8');
	return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName }) => ({
		from: file,
		specifier: fileName,
		target: fileName.startsWith('.')
			? resolveFile(relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), fileName)))
			: undefined,
	}));
}

/** The imports that cross the rules of the map, each in words. */
function brokenRules(imports: Import[]): string[] {
	return imports.flatMap(({ from, specifier, target }) => {
		const source = roomOf(from);
		// A file outside the map is named by the test above.
		if (target === undefined || source === undefined) return [];
		const destination = roomOf(target);
		if (destination === undefined)
			return [`${from} imports ${specifier}, which is in no room of the map`];
		if (destination.folder === source.folder) return [];
		if (ROOMS[source.room].mayImport.includes(destination.room)) return [];
		return [`${from} (${source.room}) imports ${target} (${destination.room})`];
	});
}

const files = SOURCE_FOLDERS.flatMap(sourceFiles);
const imports = files.flatMap(importsOf);

describe('the rooms of the package', () => {
	it('places every source file in a room of the map', () => {
		expect(files.filter((file) => roomOf(file) === undefined)).toEqual([]);
	});

	it('imports only across the rules of the map', () => {
		expect(brokenRules(imports)).toEqual([]);
	});

	it("keeps n8n's packages out of lib/", () => {
		const n8nInLib = imports.filter(
			({ from, specifier }) => from.startsWith('lib/') && N8N_PACKAGE.test(specifier),
		);
		expect(n8nInLib.map(({ from, specifier }) => `${from} imports ${specifier}`)).toEqual([]);
	});

	it('has no import cycle', () => {
		const edges = new Map<string, string[]>();
		for (const { from, target } of imports) {
			if (target !== undefined) edges.set(from, [...(edges.get(from) ?? []), target]);
		}
		const cycles: string[] = [];
		const state = new Map<string, 'open' | 'done'>();
		const visit = (file: string, path: string[]) => {
			if (state.get(file) === 'done') return;
			if (state.get(file) === 'open') {
				cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
				return;
			}
			state.set(file, 'open');
			for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
			state.set(file, 'done');
		};
		for (const file of files) visit(file, []);
		expect(cycles).toEqual([]);
	});

	it('names an import across the rules, such as the core reaching into a store or one node into another', () => {
		const crossings: Import[] = [
			{
				from: 'lib/scoring/engine.ts',
				specifier: '../store/scoreStore',
				target: 'lib/store/scoreStore.ts',
			},
			{
				from: 'nodes/CheckThreshold/CheckThreshold.node.ts',
				specifier: '../ScoreEvent/description',
				target: 'nodes/ScoreEvent/description.ts',
			},
			{
				from: 'lib/klaviyo/klaviyoClient.ts',
				specifier: '../../test/mocks',
				target: 'test/mocks.ts',
			},
		];
		expect(brokenRules(crossings)).toEqual([
			'lib/scoring/engine.ts (scoring) imports lib/store/scoreStore.ts (store)',
			'nodes/CheckThreshold/CheckThreshold.node.ts (node) imports nodes/ScoreEvent/description.ts (node)',
			'lib/klaviyo/klaviyoClient.ts imports ../../test/mocks, which is in no room of the map',
		]);
	});
});
