import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** One saved execution as n8n stores it (tables `execution_entity` and `execution_data`). */
export interface Execution {
	id: number;
	workflowId: string;
	mode: string;
	status: string;
	startedAt: string | null;
	stoppedAt: string | null;
	/** n8n's run data, decoded: `resultData.runData[nodeName][run].data.main[output][item].json`. */
	data: ExecutionData;
}

export interface ExecutionData {
	resultData: {
		runData: Record<
			string,
			Array<{ data?: { main: Array<Array<{ json: Record<string, unknown> }> | null> } }>
		>;
		lastNodeExecuted?: string;
		error?: { message?: string; name?: string };
	};
}

/** A row as SQLite returns it: the run data still flatted text. */
type ExecutionRow = Omit<Execution, 'data'> & { data: string };

/**
 * The executions n8n saved in `userFolder`, oldest first, optionally of one workflow. Readable
 * while n8n runs; executions are saved just after the webhook has answered, so poll briefly.
 * `n8nDir` is where n8n is installed: its `flatted` package decodes the run data.
 */
export function readExecutions(
	userFolder: string,
	n8nDir: string,
	workflowId?: string,
): Execution[] {
	const requireFromN8n = createRequire(join(n8nDir, 'node_modules', 'n8n', 'package.json'));
	const flatted = requireFromN8n('flatted') as { parse: (text: string) => unknown };
	const db = new DatabaseSync(join(userFolder, '.n8n', 'database.sqlite'), { readOnly: true });
	try {
		const where = workflowId === undefined ? '' : 'WHERE e.workflowId = ?';
		const rows = db
			.prepare(
				`SELECT e.id, e.workflowId, e.mode, e.status, e.startedAt, e.stoppedAt, d.data
				 FROM execution_entity e JOIN execution_data d ON d.executionId = e.id ${where} ORDER BY e.id`,
			)
			.all(...(workflowId === undefined ? [] : [workflowId])) as unknown as ExecutionRow[];
		return rows.map((row) => ({ ...row, data: flatted.parse(row.data) as ExecutionData }));
	} finally {
		db.close();
	}
}

/** The items a node output in an execution's first run of that node (output 0 unless given). */
export function nodeOutput(
	execution: Execution,
	nodeName: string,
	outputIndex = 0,
): Array<Record<string, unknown>> {
	const run = execution.data.resultData.runData[nodeName]?.[0];
	return (run?.data?.main[outputIndex] ?? []).map((item) => item.json);
}
