import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import type { FieldValue } from '../../lib/salesforce/client';
import type { MarkMqlRequest } from '../../lib/salesforce/markMql';
import type { ObjectChoice, RecordLookup } from '../../lib/salesforce/records';
import type { SyncScoreRequest } from '../../lib/salesforce/syncScore';
import { ItemParameters } from '../shared/parameters';

/** Reads one item's parameters into the requests of lib/salesforce; bad values fail that item. */
export class RequestReader {
	private readonly parameters: ItemParameters;

	constructor(private readonly context: IExecuteFunctions) {
		this.parameters = new ItemParameters(context);
	}

	private text(name: string, itemIndex: number): string {
		const value = this.parameters.get(name, itemIndex, '');
		return value === null || value === undefined ? '' : String(value);
	}

	private lookup(itemIndex: number, object: ObjectChoice): RecordLookup {
		const findBy = this.parameters.get<RecordLookup['findBy']>('findBy', itemIndex);
		switch (findBy) {
			case 'id':
				return {
					findBy,
					recordId: this.text(object === 'contact' ? 'contactId' : 'leadId', itemIndex),
				};
			case 'externalId':
				return {
					findBy,
					field: this.text('externalIdField', itemIndex).trim(),
					value: this.text('externalIdValue', itemIndex),
				};
			default:
				return { findBy: 'email', email: this.text('email', itemIndex) };
		}
	}

	private extraFields(itemIndex: number): Record<string, FieldValue> {
		const extra = (this.parameters.get<{ field?: unknown }>('extraFields', itemIndex, {}).field ??
			[]) as Array<{ name: string; value: unknown }>;
		const fields: Record<string, FieldValue> = {};
		for (const { name, value } of extra) {
			if (!name.trim()) continue;
			if (value !== null && typeof value === 'object') {
				throw new NodeOperationError(
					this.context.getNode(),
					`The value of extra field ${name} must be text, a number or true/false`,
					{
						itemIndex,
					},
				);
			}
			fields[name.trim()] = (value ?? null) as FieldValue;
		}
		return fields;
	}

	private object(itemIndex: number): ObjectChoice {
		return this.parameters.get<ObjectChoice>('object', itemIndex, 'lead');
	}

	markMql(itemIndex: number): MarkMqlRequest {
		const object = this.object(itemIndex);
		return {
			lookup: this.lookup(itemIndex, object),
			object,
			statusField: this.text('statusField', itemIndex).trim() || 'Status',
			mqlStatus: (object === 'contact' ? 'MQL' : this.text('mqlStatus', itemIndex)).trim(),
			contactStatusField:
				object === 'lead' ? undefined : this.text('contactStatusField', itemIndex).trim(),
			contactMqlStatus:
				object === 'lead' ? undefined : this.text('contactMqlStatus', itemIndex).trim(),
			skipStatuses: this.text('skipStatuses', itemIndex)
				.split(',')
				.map((status) => status.trim())
				.filter(Boolean),
			respectStatusOrder: this.parameters.get<boolean>('respectStatusOrder', itemIndex, true),
			fields: this.extraFields(itemIndex),
		};
	}

	/** The score as a finite number: never a default, so an item without a score cannot write 0. */
	private score(itemIndex: number): number {
		const value = this.parameters.get<unknown>('score', itemIndex, '');
		const fail = (problem: string) =>
			new NodeOperationError(this.context.getNode(), problem, {
				itemIndex,
				description:
					'Connect this node after Score Event (its output carries leadScore.score), or set Score to the value to write.',
			});
		if (value === null || value === undefined || (typeof value === 'string' && !value.trim()))
			throw fail('The score is empty');
		const score =
			typeof value === 'number'
				? value
				: typeof value === 'string'
					? Number(value.trim())
					: Number.NaN;
		if (!Number.isFinite(score)) throw fail(`The score ${JSON.stringify(value)} is not a number`);
		return score;
	}

	syncScore(itemIndex: number): SyncScoreRequest {
		const object = this.object(itemIndex);
		const fields: Record<string, FieldValue> = {};
		const scoreField = this.text('scoreField', itemIndex).trim();
		if (scoreField) fields[scoreField] = this.score(itemIndex);
		const tierField = this.text('tierField', itemIndex).trim();
		if (tierField) {
			const tier = this.text('tier', itemIndex).trim();
			if (!tier) {
				throw new NodeOperationError(this.context.getNode(), 'The tier is empty', {
					itemIndex,
					description:
						'Connect this node after Score Event (its output carries leadScore.tier), set Tier, or clear Tier Field to leave the tier out.',
				});
			}
			fields[tierField] = tier;
		}
		Object.assign(fields, this.extraFields(itemIndex));
		const create =
			object !== 'contact' && this.parameters.get<boolean>('createIfMissing', itemIndex, false)
				? { lastName: this.text('lastName', itemIndex), company: this.text('company', itemIndex) }
				: undefined;
		return { lookup: this.lookup(itemIndex, object), object, fields, create };
	}
}
