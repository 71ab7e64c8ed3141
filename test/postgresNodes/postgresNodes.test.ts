import { join } from 'node:path';

import { loadWorkflow, outputOf, runWorkflow } from '../../sandbox/n8nWorkflow';
import { usePostgres } from '../helpers/postgres';

const server = usePostgres('lead_scoring_nodes');
const workflow = loadWorkflow(join(__dirname, 'score-and-threshold-postgres.json'));

function credentials() {
	const { host, port, database, user, password } = server().connection();
	// The fields of n8n's built-in Postgres credential.
	return {
		postgres: {
			host,
			port,
			database,
			user,
			password,
			ssl: 'disable',
			allowUnauthorizedCerts: false,
			sshTunnel: false,
		},
	};
}

const demo = (email: string, id: string) => ({
	json: { email, event: 'Requested Demo', id, scoreName: 'pg' },
});
const pricing = (email: string, id: string) => ({
	json: { email, event: 'Viewed Page', id, properties: { url: '/pricing' }, scoreName: 'pg' },
});

describe('Score Event and Check Threshold with store: postgres (in-process n8n, real PostgreSQL)', () => {
	it('keeps scores and crossing state in the schema and tables the operator chose, across executions', async () => {
		// Demo 30 once, pricing 10 each (bounds 0..100): 30, 40, ..., crossing 76 at the 6th event.
		const events = [
			demo('ada@example.com', 'p1'),
			...[2, 3, 4, 5, 6, 7].map((n) => pricing('ada@example.com', `p${n}`)),
		];
		const first = await runWorkflow(workflow, {
			input: events.slice(0, 4),
			credentials: credentials(),
		});
		expect(first.status).toBe('success');
		const second = await runWorkflow(workflow, {
			input: [...events.slice(3), events[6]],
			credentials: credentials(),
		});
		expect(second.status).toBe('success');
		const scored = outputOf(second, 'Score Event').map((item) => [
			(item.json.leadScore as { score: number }).score,
			(item.json.leadScore as { duplicate: boolean }).duplicate,
		]);
		expect(scored).toEqual([
			[60, true],
			[70, false],
			[80, false],
			[90, false],
			[90, true],
		]);
		expect(
			outputOf(second, 'Check Threshold', 0).map(
				(item) => (item.json.leadScore as { score: number }).score,
			),
		).toEqual([80]);

		const rows = await server().sql(
			'SELECT lead_id, score FROM lead_scores.ls_leads WHERE score_name = $1',
			['pg'],
		);
		expect(rows).toEqual([{ lead_id: 'ada@example.com', score: 90 }]);
		const crossing = await server().sql('SELECT crossed FROM lead_scores.ls_threshold_states');
		expect(crossing).toEqual([{ crossed: true }]);
	});

	it('keeps each item in the tables its own expression names, when items of one execution name different ones', async () => {
		const perTenant = structuredClone(workflow);
		for (const node of perTenant.nodes) {
			if (node.name === 'Score Event' || node.name === 'Check Threshold')
				node.parameters.postgresTablePrefix = '={{ $json.tenant }}';
		}
		const tenantEvent = (tenant: string, email: string) => ({
			json: { ...demo(email, `${tenant}-1`).json, scoreName: 'tenants', tenant },
		});
		const run = await runWorkflow(perTenant, {
			input: [tenantEvent('ta_', 'ada@example.com'), tenantEvent('tb_', 'bob@example.com')],
			credentials: credentials(),
		});
		expect(run.status).toBe('success');
		const leadsOf = async (prefix: string) =>
			(
				await server().sql(
					`SELECT lead_id FROM lead_scores.${prefix}leads WHERE score_name = $1 ORDER BY lead_id`,
					['tenants'],
				)
			).map((row) => row.lead_id);
		expect(await leadsOf('ta_')).toEqual(['ada@example.com']);
		expect(await leadsOf('tb_')).toEqual(['bob@example.com']);
	});

	it('fails the items with a clear message, never the password, when the credential is wrong', async () => {
		const wrong = credentials();
		const wrongPassword = `wrong-${process.pid}-x9`;
		wrong.postgres.password = wrongPassword;
		const run = await runWorkflow(
			{
				...workflow,
				nodes: workflow.nodes.map((node) =>
					node.name === 'Score Event'
						? { ...node, onError: 'continueRegularOutput' as const }
						: node,
				),
			},
			{ input: [demo('bob@example.com', 'w1')], credentials: wrong },
		);
		const [item] = outputOf(run, 'Score Event');
		expect(item.json.error).toMatch(/password|authentication/i);
		expect(JSON.stringify(item.json)).not.toContain(wrongPassword);
	});
});
