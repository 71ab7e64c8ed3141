/** Reads one item's parameters into the requests of lib/salesforce; bad values fail that item. */
import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import type { FieldValue } from '../../lib/salesforce/client';
import type { MarkMqlRequest } from '../../lib/salesforce/markMql';
import type { ObjectChoice, RecordLookup } from '../../lib/salesforce/records';
import type { SyncScoreRequest } from '../../lib/salesforce/syncScore';

function text(context: IExecuteFunctions, name: string, itemIndex: number): string {
	const value = context.getNodeParameter(name, itemIndex, '') as unknown;
	return value === null || value === undefined ? '' : String(value);
}

function readLookup(context: IExecuteFunctions, itemIndex: number, object: ObjectChoice): RecordLookup {
	const findBy = context.getNodeParameter('findBy', itemIndex) as RecordLookup['findBy'];
	switch (findBy) {
		case 'id':
			return { findBy, recordId: text(context, object === 'contact' ? 'contactId' : 'leadId', itemIndex) };
		case 'externalId':
			return { findBy, field: text(context, 'externalIdField', itemIndex).trim(), value: text(context, 'externalIdValue', itemIndex) };
		default:
			return { findBy: 'email', email: text(context, 'email', itemIndex) };
	}
}

function readExtraFields(context: IExecuteFunctions, itemIndex: number): Record<string, FieldValue> {
	const extra = context.getNodeParameter('extraFields.field', itemIndex, []) as Array<{ name: string; value: unknown }>;
	const fields: Record<string, FieldValue> = {};
	for (const { name, value } of extra) {
		if (!name.trim()) continue;
		if (value !== null && typeof value === 'object') {
			throw new NodeOperationError(context.getNode(), `The value of extra field ${name} must be text, a number or true/false`, {
				itemIndex,
			});
		}
		fields[name.trim()] = (value ?? null) as FieldValue;
	}
	return fields;
}

const readObject = (context: IExecuteFunctions, itemIndex: number) =>
	context.getNodeParameter('object', itemIndex, 'lead') as ObjectChoice;

export function readMarkMqlRequest(context: IExecuteFunctions, itemIndex: number): MarkMqlRequest {
	const object = readObject(context, itemIndex);
	return {
		lookup: readLookup(context, itemIndex, object),
		object,
		statusField: text(context, 'statusField', itemIndex).trim() || 'Status',
		mqlStatus: (object === 'contact' ? 'MQL' : text(context, 'mqlStatus', itemIndex)).trim(),
		contactStatusField: object === 'lead' ? undefined : text(context, 'contactStatusField', itemIndex).trim(),
		contactMqlStatus: object === 'lead' ? undefined : text(context, 'contactMqlStatus', itemIndex).trim(),
		skipStatuses: text(context, 'skipStatuses', itemIndex)
			.split(',')
			.map((status) => status.trim())
			.filter(Boolean),
		respectStatusOrder: context.getNodeParameter('respectStatusOrder', itemIndex, true) as boolean,
		fields: readExtraFields(context, itemIndex),
	};
}

/** The score as a finite number: never a default, so an item without a score cannot write 0. */
function readScore(context: IExecuteFunctions, itemIndex: number): number {
	const value = context.getNodeParameter('score', itemIndex, '') as unknown;
	const fail = (problem: string) =>
		new NodeOperationError(context.getNode(), problem, {
			itemIndex,
			description: 'Connect this node after Score Event (its output carries leadScore.score), or set Score to the value to write.',
		});
	if (value === null || value === undefined || (typeof value === 'string' && !value.trim())) throw fail('The score is empty');
	const score = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
	if (!Number.isFinite(score)) throw fail(`The score ${JSON.stringify(value)} is not a number`);
	return score;
}

export function readSyncScoreRequest(context: IExecuteFunctions, itemIndex: number): SyncScoreRequest {
	const object = readObject(context, itemIndex);
	const fields: Record<string, FieldValue> = {};
	const scoreField = text(context, 'scoreField', itemIndex).trim();
	if (scoreField) fields[scoreField] = readScore(context, itemIndex);
	const tierField = text(context, 'tierField', itemIndex).trim();
	if (tierField) {
		const tier = text(context, 'tier', itemIndex).trim();
		if (!tier) {
			throw new NodeOperationError(context.getNode(), 'The tier is empty', {
				itemIndex,
				description: "Connect this node after Score Event (its output carries leadScore.tier), set Tier, or clear Tier Field to leave the tier out.",
			});
		}
		fields[tierField] = tier;
	}
	Object.assign(fields, readExtraFields(context, itemIndex));
	const create =
		object !== 'contact' && (context.getNodeParameter('createIfMissing', itemIndex, false) as boolean)
			? { lastName: text(context, 'lastName', itemIndex), company: text(context, 'company', itemIndex) }
			: undefined;
	return { lookup: readLookup(context, itemIndex, object), object, fields, create };
}
