import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { errorDetails, itemProblemError, toNodeError, type ItemInput } from './nodeErrors';

/**
 * Collects each input item's output items, in item order within every output. A failed item stops
 * the node, or with "Continue On Fail" becomes one error item, `{ error, details }`, on the error
 * output; with "Continue (using error output)" n8n moves it to the error output it adds after ours.
 */
export class ItemOutputs {
	private readonly routes: Array<Array<{ output: number; item: INodeExecutionData }> | undefined>;

	constructor(
		private readonly context: IExecuteFunctions,
		count: number,
		/** The output an error item goes to (Check Threshold: the one that triggers the least). */
		private readonly errorOutput = 0,
	) {
		this.routes = new Array(count);
	}

	/** The item's one output item: its JSON, paired with it, on `output`. */
	set(itemIndex: number, json: IDataObject, output = 0): void {
		this.routes[itemIndex] = [{ output, item: { json, pairedItem: { item: itemIndex } } }];
	}

	/** Several output items for one input item (a sweep's changed leads, a page of leads), paired with it. */
	add(itemIndex: number, items: INodeExecutionData[]): void {
		const route = (this.routes[itemIndex] ??= []);
		for (const item of items)
			route.push({ output: 0, item: { ...item, pairedItem: { item: itemIndex } } });
	}

	/**
	 * Fails the item: throws its n8n error, or under Continue On Fail keeps its error item instead of
	 * any output it had. `message` replaces the error's message where a node has more to say to the
	 * operator than the thrown error does; `details` adds to what the error itself holds.
	 */
	fail(
		itemIndex: number,
		error: Error,
		extra: { message?: string; details?: IDataObject } = {},
	): void {
		const nodeError = toNodeError(this.context.getNode(), error, itemIndex);
		if (!this.context.continueOnFail()) throw nodeError;
		const details = {
			...errorDetails(error),
			...extra.details,
			description: nodeError.description ?? null,
		};
		this.routes[itemIndex] = [
			{
				output: this.errorOutput,
				item: {
					json: { error: extra.message ?? nodeError.message, details },
					pairedItem: { item: itemIndex },
				},
			},
		];
	}

	/** A problem of the whole node (a bad option): every item fails with it, nothing is written. */
	failAll(error: Error): void {
		for (let itemIndex = 0; itemIndex < this.routes.length; itemIndex++)
			this.fail(itemIndex, error);
	}

	/** The items of a node with one output. */
	list(): INodeExecutionData[] {
		return this.outputs(1)[0];
	}

	/** At least `count` outputs; more if an item was routed to a later one (per-item tiers from an expression). */
	outputs(count: number): INodeExecutionData[][] {
		let length = count;
		for (const route of this.routes)
			for (const { output } of route ?? []) length = Math.max(length, output + 1);
		const outputs: INodeExecutionData[][] = Array.from({ length }, () => []);
		for (const route of this.routes)
			for (const { output, item } of route ?? []) outputs[output].push(item);
		return outputs;
	}
}

/**
 * Runs `work` once per input item (usually one, from a trigger): the items it returns are paired
 * with that input item, and its failure fails that item alone.
 */
export async function eachItem(
	context: IExecuteFunctions,
	work: (itemIndex: number) => Promise<INodeExecutionData[]>,
): Promise<INodeExecutionData[]> {
	const count = context.getInputData().length;
	const outputs = new ItemOutputs(context, count);
	for (let itemIndex = 0; itemIndex < count; itemIndex++) {
		try {
			outputs.add(itemIndex, await work(itemIndex));
		} catch (error) {
			outputs.fail(itemIndex, error as Error);
		}
	}
	return outputs.list();
}

/**
 * Reads every item before anything is sent to `service`: a bad item fails alone (its error item,
 * or the node stops) and nothing is sent for it. Returns the inputs to send and their items.
 */
export function readItems<T>(
	context: IExecuteFunctions,
	outputs: ItemOutputs,
	service: string,
	read: (itemIndex: number) => ItemInput<T>,
): { inputs: T[]; itemIndexes: number[] } {
	const inputs: T[] = [];
	const itemIndexes: number[] = [];
	for (let itemIndex = 0; itemIndex < context.getInputData().length; itemIndex++) {
		let input: ItemInput<T>;
		try {
			input = read(itemIndex);
		} catch (error) {
			// An expression that throws while n8n evaluates it.
			input = { ok: false, problem: { message: (error as Error).message } };
		}
		if (input.ok) {
			inputs.push(input.value);
			itemIndexes.push(itemIndex);
		} else {
			const error = itemProblemError(context.getNode(), itemIndex, input.problem, service);
			outputs.fail(itemIndex, error, { details: { parameter: input.problem.parameter ?? null } });
		}
	}
	return { inputs, itemIndexes };
}
