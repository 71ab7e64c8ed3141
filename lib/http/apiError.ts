/**
 * What every error an API client throws has in common: it comes from lib (so the n8n adapter
 * hands it back untouched when n8n wraps it), and it carries the HTTP status when there was one.
 */
export class ApiError extends Error {
	constructor(
		message: string,
		readonly status?: number,
	) {
		super(message);
	}
}
