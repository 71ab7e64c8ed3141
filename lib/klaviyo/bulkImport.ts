/**
 * Bulk profile import, the pure parts: splitting profiles into jobs within Klaviyo's limits,
 * and tracing each import error back to the profile (and so the item) it belongs to.
 */
import type { ProfileResource } from './payloads';

/** POST /api/profile-bulk-import-jobs takes at most 10,000 profiles and 5 MB. */
export const MAX_PROFILES_PER_JOB = 10_000;
export const MAX_JOB_BYTES = 5 * 1024 * 1024;
/** Room for the envelope around the profiles. */
const ENVELOPE_BYTES = 1024;

/** Splits resources (profiles, or bulk events) into requests, keeping order: returns the index ranges [start, end). */
export function planJobs(
	profiles: readonly unknown[],
	maxProfiles = MAX_PROFILES_PER_JOB,
	maxBytes = MAX_JOB_BYTES,
): Array<[number, number]> {
	const jobs: Array<[number, number]> = [];
	let start = 0;
	let bytes = ENVELOPE_BYTES;
	profiles.forEach((profile, index) => {
		const size = Buffer.byteLength(JSON.stringify(profile)) + 1;
		if (index > start && (index - start >= maxProfiles || bytes + size > maxBytes)) {
			jobs.push([start, index]);
			start = index;
			bytes = ENVELOPE_BYTES;
		}
		bytes += size;
	});
	if (start < profiles.length) jobs.push([start, profiles.length]);
	return jobs;
}

export interface ImportError {
	id: string;
	code: string;
	title: string;
	detail: string;
	pointer?: string;
	originalPayload?: unknown;
}

function identifierKeys(
	resource: { id?: unknown; attributes?: Record<string, unknown> } | undefined,
): string[] {
	if (!resource || typeof resource !== 'object') return [];
	const keys: string[] = [];
	if (typeof resource.id === 'string') keys.push(`id:${resource.id}`);
	const attributes = resource.attributes ?? {};
	if (typeof attributes.email === 'string')
		keys.push(`email:${attributes.email.trim().toLowerCase()}`);
	if (typeof attributes.phone_number === 'string') keys.push(`phone:${attributes.phone_number}`);
	if (typeof attributes.external_id === 'string') keys.push(`external:${attributes.external_id}`);
	return keys;
}

/**
 * Which profiles of one job each error concerns. The pointer names the profile's position
 * (`/data/attributes/profiles/data/3/...`) when Klaviyo gives one that agrees with the
 * original payload; otherwise the payload's identifiers decide. Errors that match no profile
 * are returned apart, so they are reported rather than lost.
 */
export function matchImportErrors(
	profiles: ProfileResource[],
	errors: ImportError[],
): { byProfile: Map<number, ImportError>; unmatched: ImportError[] } {
	const byKey = new Map<string, number[]>();
	profiles.forEach((profile, index) => {
		for (const key of identifierKeys(profile)) byKey.set(key, [...(byKey.get(key) ?? []), index]);
	});
	const byProfile = new Map<number, ImportError>();
	const unmatched: ImportError[] = [];
	for (const error of errors) {
		const payloadKeys = identifierKeys(error.originalPayload as ProfileResource | undefined);
		const position = /\/profiles\/data\/(\d+)(\/|$)/.exec(error.pointer ?? '');
		const index = position ? Number(position[1]) : -1;
		const pointed = index >= 0 && index < profiles.length ? index : undefined;
		const agrees =
			pointed !== undefined &&
			(payloadKeys.length === 0 ||
				identifierKeys(profiles[pointed]).some((key) => payloadKeys.includes(key)));
		let targets: number[] = [];
		if (agrees) targets = [pointed];
		else {
			const key = payloadKeys.find((candidate) => byKey.has(candidate));
			targets = key ? byKey.get(key)! : [];
		}
		if (targets.length === 0) unmatched.push(error);
		for (const target of targets) if (!byProfile.has(target)) byProfile.set(target, error);
	}
	return { byProfile, unmatched };
}
