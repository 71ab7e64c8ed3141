import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const REPOSITORY = 'https://github.com/n8n-nodes-lead-scoring/n8n-nodes-lead-scoring';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
	const anchors = new Set<string>();
	const seen = new Map<string, number>();
	let fenced = false;
	for (const line of markdown.split('\n')) {
		if (line.startsWith('```')) fenced = !fenced;
		const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
		if (!heading) continue;
		const slug = heading[1]
			.trim()
			.toLowerCase()
			.replace(/[^\p{L}\p{N}\s_-]/gu, '')
			.replace(/\s/g, '-');
		const count = seen.get(slug) ?? 0;
		seen.set(slug, count + 1);
		anchors.add(count === 0 ? slug : `${slug}-${count}`);
	}
	return anchors;
}

/** Every documentation link the editor shows: node codex files and credential classes. */
function documentationLinks(): Array<[string, string]> {
	const links: Array<[string, string]> = [];
	for (const folder of readdirSync(join(ROOT, 'nodes'))) {
		const codex = join(ROOT, 'nodes', folder, `${folder}.node.json`);
		if (!existsSync(codex)) continue;
		const resources = (
			JSON.parse(readFileSync(codex, 'utf8')) as {
				resources: Record<string, Array<{ url: string }>>;
			}
		).resources;
		for (const [kind, entries] of Object.entries(resources))
			for (const { url } of entries) links.push([`${folder} ${kind}`, url]);
	}
	for (const file of readdirSync(join(ROOT, 'credentials')).filter((name) =>
		name.endsWith('.ts'),
	)) {
		const match = /documentationUrl\s*=\s*'([^']+)'/.exec(
			readFileSync(join(ROOT, 'credentials', file), 'utf8'),
		);
		links.push([`${file} documentationUrl`, match?.[1] ?? '(none)']);
	}
	return links;
}

describe('documentation links in the editor point to something that exists', () => {
	const links = documentationLinks();

	it('every node and credential has one', () => {
		const nodes = readdirSync(join(ROOT, 'nodes')).filter((folder) =>
			existsSync(join(ROOT, 'nodes', folder, `${folder}.node.json`)),
		);
		expect(nodes.length).toBeGreaterThanOrEqual(4);
		for (const node of nodes)
			expect(links.map(([source]) => source)).toContain(`${node} primaryDocumentation`);
		for (const [source, url] of links) expect([source, url]).not.toEqual([source, '(none)']);
	});

	it.each(links)('%s: %s', (_source, url) => {
		// The repository's README (or a file in it, /blob/main/<path>), with an anchor of one of its headings.
		const match = new RegExp(`^${REPOSITORY}(?:/blob/main/([^#]+))?(?:#(.+))?$`).exec(url);
		expect(match).not.toBeNull();
		const file = join(ROOT, match![1] ?? 'README.md');
		expect(existsSync(file)).toBe(true);
		if (match![2]) expect([...anchorsOf(readFileSync(file, 'utf8'))]).toContain(match![2]);
	});
});
