/** Workflows of a test folder, adjusted per test, and what a failed run ended with. */
import type { IRun, IWorkflowBase } from 'n8n-workflow';

import { loadWorkflow } from '../../sandbox/n8nWorkflow';

/**
 * The workflow in `path` with `nodeName`'s parameters changed; with `continueOnFail`, the node
 * passes its errors on as items (n8n's On Error: Continue).
 */
export function workflowWith(
	path: string,
	nodeName: string,
	parameters: Record<string, unknown> = {},
	continueOnFail = false,
): IWorkflowBase {
	const base = loadWorkflow(path);
	const node = base.nodes.find((candidate) => candidate.name === nodeName)!;
	Object.assign(node.parameters, parameters);
	if (continueOnFail) node.onError = 'continueRegularOutput';
	return base;
}

/** The error the run stopped with; the test fails if it did not stop with one. */
export function errorOf(result: IRun): Record<string, unknown> {
	const error = result.data.resultData.error as unknown as Record<string, unknown> | undefined;
	expect(error).toBeDefined();
	return error!;
}
