// The set-up step of `npm test` and `npm run dev` (package.json's pretest and predev): installs what
// the command needs and is missing, and only checks what is there, so a second run starts at once.
// On a fresh clone npm runs it on the machine's Node (20.17 or newer, package.json's devEngines)
// before Node 24 exists, so it is plain JavaScript without dependencies that runs on Node 20. The
// command itself then runs in a new shell, where `node` is node_modules/.bin/node, Node 24.
//
//   node scripts/setup.mjs dev    dependencies (npm ci), Node 24 (the `node` devDependency), n8n
//   node scripts/setup.mjs test   the same, then PostgreSQL 15, Redis and Chromium from Debian's packages
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const purpose = process.argv[2];
const npmCommand = { dev: 'npm run dev', test: 'npm test' }[purpose];
if (npmCommand === undefined) {
	console.error('usage: node scripts/setup.mjs dev|test');
	process.exit(2);
}

/** Ends the run with one message saying what is missing and what to do; the command does not start. */
function stop(message) {
	console.error(`\n${npmCommand} cannot start: ${message}\n`);
	process.exit(1);
}

function say(message) {
	console.error(`${npmCommand}: ${message}`);
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** Runs a command with its output on the terminal (stdout too, unless `quiet`); true when it succeeded. */
function run(command, args, { quiet = false } = {}) {
	const result = spawnSync(command, args, {
		cwd: repoRoot,
		stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'],
	});
	return result.status === 0;
}

/**
 * Which of package.json's dependencies package-lock.json does not record, or undefined. A range
 * matches when the lockfile's root lists the same one or locked exactly that version (npm may
 * write `^8.21.0` into the lockfile's root for a pinned `8.21.0`). npm ci is the judge of anything
 * else: it installs, or says package.json and package-lock.json are out of sync.
 */
function manifestOutOfDate() {
	const manifest = readJson(join(repoRoot, 'package.json'));
	const locked = readJson(join(repoRoot, 'package-lock.json')).packages;
	for (const field of [
		'dependencies',
		'devDependencies',
		'optionalDependencies',
		'peerDependencies',
	]) {
		const lockedRanges = locked[''][field] ?? {};
		for (const [name, range] of Object.entries(manifest[field] ?? {})) {
			if (lockedRanges[name] === range || locked[`node_modules/${name}`]?.version === range)
				continue;
			return `package.json's ${field} ${name}@${range} is not in package-lock.json`;
		}
		const dropped = Object.keys(lockedRanges).find((name) => !(name in (manifest[field] ?? {})));
		if (dropped !== undefined)
			return `package-lock.json has ${field} ${dropped}, which package.json no longer lists`;
	}
	return undefined;
}

/**
 * Why node_modules does not match package-lock.json, or undefined when it does. npm records what it
 * installed in node_modules/.package-lock.json; every lockfile entry must be there with the same
 * version and integrity (optional ones may be absent: other platforms' binaries), and nothing else.
 */
function nodeModulesOutOfDate() {
	const installedFile = join(repoRoot, 'node_modules', '.package-lock.json');
	if (!existsSync(installedFile)) return 'node_modules is missing';
	const locked = readJson(join(repoRoot, 'package-lock.json')).packages;
	const installed = readJson(installedFile).packages ?? {};
	for (const [path, entry] of Object.entries(locked)) {
		if (path === '') continue;
		const present = installed[path];
		if (present === undefined) {
			if (entry.optional) continue;
			return `${path} is not installed`;
		}
		if (present.version !== entry.version || present.integrity !== entry.integrity) {
			return `${path} is ${present.version}, package-lock.json has ${entry.version}`;
		}
		if (!existsSync(join(repoRoot, path))) return `${path} is not installed`;
	}
	const extra = Object.keys(installed).find((path) => !(path in locked));
	return extra === undefined ? undefined : `${extra} is not in package-lock.json`;
}

function installDependencies() {
	const reason = nodeModulesOutOfDate() ?? manifestOutOfDate();
	if (reason === undefined) return;
	say(`installing the dependencies with npm ci (${reason})...`);
	// Errors only: on a fresh machine this npm runs on the machine's Node 20, and npm warns that
	// isolated-vm and a ref-parser want a newer Node, which they get: they run on Node 24.
	if (!run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']))
		stop('"npm ci" failed (its output is above).');
	const still = nodeModulesOutOfDate();
	if (still !== undefined)
		stop(`after "npm ci", node_modules still does not match package-lock.json: ${still}.`);
	if (manifestOutOfDate() !== undefined) {
		stop(
			`"npm ci" accepted package.json, but package-lock.json's own list differs (${manifestOutOfDate()}). Run "npm install" to record it.`,
		);
	}
}

/** The Node the `node` devDependency put in node_modules/.bin, or undefined. */
function localNodeVersion() {
	const result = spawnSync(
		join(repoRoot, 'node_modules', '.bin', 'node'),
		['-p', 'process.versions.node'],
		{ encoding: 'utf8' },
	);
	return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The `node` devDependency downloads Node 24 in its install script; an install without scripts lacks it. */
function ensureNode24() {
	const wanted = readJson(join(repoRoot, 'package.json')).devDependencies.node;
	if (localNodeVersion() === wanted) return;
	say(`installing Node ${wanted} (the "node" devDependency's install script)...`);
	run('npm', ['rebuild', 'node', '--no-audit', '--no-fund']);
	const found = localNodeVersion();
	if (found !== wanted) {
		stop(
			`node_modules/.bin/node is ${found === undefined ? 'missing' : `Node ${found}`}, not Node ${wanted}. ` +
				`The "node" devDependency's install script downloads it; npm 11 runs it because package.json's allowScripts ` +
				`approves it. Check that npm is version 11 or newer and that scripts are not turned off (ignore-scripts).`,
		);
	}
}

function ensureN8n() {
	// Prints nothing when the pinned n8n is in the cache; else installs it (minutes, once) with progress on stderr.
	if (!run('bash', [join(repoRoot, 'scripts', 'install-n8n.sh')], { quiet: true })) {
		stop(
			'installing n8n into the cache failed (its output is above). LEAD_SCORING_CACHE moves the cache.',
		);
	}
}

const onPath = (command) =>
	(process.env.PATH ?? '')
		.split(delimiter)
		.some((dir) => dir !== '' && existsSync(join(dir, command)));

/** PostgreSQL 15, Redis and Chromium: each service script knows its Debian package and whether it is installed. */
function ensureDebianPackages() {
	const missing = ['postgres.sh', 'redis.sh', 'chromium.sh']
		.map((name) => {
			const script = join(repoRoot, 'scripts', 'services', name);
			const result = spawnSync('bash', [script, 'missing'], {
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'inherit'],
			});
			if (result.status !== 0)
				stop(`scripts/services/${name} missing failed (its output is above).`);
			return { script, debianPackage: result.stdout.trim() };
		})
		.filter((service) => service.debianPackage !== '');
	if (missing.length === 0) return;
	const names = missing.map((service) => service.debianPackage);
	const packages = names.join(' ');
	const [plural, them] = names.length > 1 ? ['s', 'them'] : ['', 'it'];
	const what = `the tests need Debian's package${plural} ${names.join(', ').replace(/, ([^,]*)$/, ' and $1')}`;
	if (!onPath('apt-get')) {
		stop(
			`${what}, and this machine has no apt-get to install ${them}. Run the tests on Debian or Ubuntu.`,
		);
	}
	if (process.getuid?.() !== 0) {
		stop(
			`${what}, and installing ${them} needs root: sudo apt-get install ${packages} (or run ${npmCommand} as root, which installs what is missing).`,
		);
	}
	for (const service of missing) {
		if (!run('bash', [service.script, 'install']))
			stop(`installing ${service.debianPackage} failed (apt-get's output is above).`);
	}
}

installDependencies();
ensureNode24();
ensureN8n();
if (purpose === 'test') ensureDebianPackages();
