/** One part of `npm run bench`: a title and the lines it prints, figures side by side. */
export interface BenchSection {
	title: string;
	lines: string[];
}

export type BenchFn = () => Promise<BenchSection>;

export function formatRate(perSecond: number): string {
	return `${Math.round(perSecond).toLocaleString('en-US')}/s`;
}

export function megabytes(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
