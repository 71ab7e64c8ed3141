import { DatabaseError } from 'pg';

import { StoreDataError, StoreError } from '../scoreStore';
import { CONNECT_TIMEOUT_MS, type PostgresConnection } from './pool';

/** Where a store lives, for messages: never the password. */
export function describeConnection(connection: PostgresConnection): string {
	return `PostgreSQL at ${connection.host}:${connection.port}, database "${connection.database}", user "${connection.user}"`;
}

/** Turns a driver or server failure into a message an operator can act on, without the password. */
export function storeError(
	error: Error & { code?: string },
	connection: PostgresConnection,
	schema: string,
): StoreError {
	if (error instanceof StoreError) return error;
	const { host, port, database, user } = connection;
	const detail = error.message;
	let message: string;
	switch (error.code) {
		case '28P01':
			message = `PostgreSQL refused the password for user "${user}" (database "${database}" at ${host}:${port}): check the user and password of the Postgres credential.`;
			break;
		case '28000':
			message = `PostgreSQL refused user "${user}" for database "${database}" at ${host}:${port}: ${detail}.`;
			break;
		case '3D000':
			message = `The database "${database}" does not exist on PostgreSQL at ${host}:${port}: create it, or fix the database name of the Postgres credential.`;
			break;
		case '42501':
			message = `The PostgreSQL user "${user}" lacks a permission the lead score store needs (schema "${schema}"): ${detail}. It needs USAGE and CREATE on the schema (or CREATE on the database when the schema does not exist yet) for the first start, then SELECT, INSERT, UPDATE and DELETE on the store's tables.`;
			break;
		case '22021':
		case '22P05':
			message = `PostgreSQL cannot store text that contains a NUL character (U+0000), as in this lead id, event id or event name: ${detail}.`;
			break;
		case 'ECONNREFUSED':
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
		case 'ETIMEDOUT':
		case 'ECONNRESET':
			message = `Cannot reach PostgreSQL at ${host}:${port} (${error.code}): check the host and port of the Postgres credential and that the server accepts connections from this machine.`;
			break;
		default:
			if (
				/timeout exceeded when trying to connect|Connection terminated due to connection timeout/i.test(
					detail,
				)
			) {
				message = `Cannot reach PostgreSQL at ${host}:${port}: no answer within ${CONNECT_TIMEOUT_MS / 1000} s.`;
			} else if (/does not support SSL/i.test(detail)) {
				message = `PostgreSQL at ${host}:${port} does not accept SSL connections: set SSL to Disable in the Postgres credential.`;
			} else {
				message = `${describeConnection(connection)}: ${detail}${error.code ? ` (${error.code})` : ''}`;
			}
	}
	// Data exceptions (22), constraint violations (23) and limits such as an index row too large (54):
	// the database refused a value of this step, not the step as a whole.
	const refused = /^(22|23|54)/.test(error.code ?? '');
	const Failure = refused ? StoreDataError : StoreError;
	return new Failure(redact(message, connection.password), {
		cause: redactError(error, connection.password),
	});
}

function redact(text: string, password: string): string {
	return password.length > 0 ? text.split(password).join('***') : text;
}

/** The driver's error as the cause, with the password removed from anything it says. */
function redactError(error: Error & { code?: string }, password: string): Error {
	const copy = new Error(redact(error.message, password));
	copy.name = error instanceof DatabaseError ? 'DatabaseError' : error.name;
	Object.assign(copy, { code: error.code });
	return copy;
}
