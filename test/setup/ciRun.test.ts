import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

/** The commands of the README's top code block, without their comments. */
function readmeTopCommands(): string[] {
	const block = /```bash\n([\s\S]*?)```/.exec(read('README.md'));
	if (block === null) throw new Error('README.md has no bash code block');
	return block[1]
		.split('\n')
		.map((line) => line.replace(/\s#.*$/, '').trim())
		.filter((line) => line !== '');
}

/** What .ci/run runs: every line but the shebang, comments, blank lines, shell options and the cd into the repository. */
function ciRunCommands(): string[] {
	return read('.ci/run')
		.split('\n')
		.map((line) => line.trim())
		.filter(
			(line) =>
				line !== '' &&
				!line.startsWith('#') &&
				line !== 'set -euo pipefail' &&
				line !== 'cd "$(dirname "$0")/.."',
		);
}

describe('the README is the way in', () => {
	it('has exactly two commands at the top: the main job and the tests', () => {
		expect(readmeTopCommands()).toEqual(['npm run dev', 'npm test']);
	});

	it("CI (.ci/run) runs the README's test command and nothing else", () => {
		const [, testCommand] = readmeTopCommands();
		expect(ciRunCommands()).toEqual([testCommand]);
	});

	it('npm test and npm run dev each run the set-up step first', () => {
		const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
		expect(scripts.pretest).toBe('node scripts/setup.mjs test');
		expect(scripts.predev).toBe('node scripts/setup.mjs dev');
	});

	it('the set-up step on an installed checkout installs nothing and prints nothing', () => {
		const installRecord = join(REPO_ROOT, 'node_modules', '.package-lock.json');
		const before = statSync(installRecord).mtimeMs;
		const result = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'setup.mjs'), 'test'], {
			cwd: REPO_ROOT,
			encoding: 'utf8',
		});
		expect({ status: result.status, stderr: result.stderr, stdout: result.stdout }).toEqual({
			status: 0,
			stderr: '',
			stdout: '',
		});
		expect(statSync(installRecord).mtimeMs).toBe(before);
	});
});
