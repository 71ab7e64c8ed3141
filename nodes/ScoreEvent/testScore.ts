/** Editor test runs work on a test score beside the live one (Options → Editor Test Runs). */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

export const TEST_SCORE_SUFFIX = '~test';

/** Whether this execution is an editor test run that keeps away from the live scores (Options → Editor Test Runs). */
export function usesTestScore(this: IExecuteFunctions): boolean {
	if (this.getMode() !== 'manual') return false;
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	return options.testRuns !== 'live';
}

/** The score a run works on: a test run in the editor works on `<name>~test`, never the live score. */
export function scoreNameOfRun(this: IExecuteFunctions, scoreName: string): string {
	return usesTestScore.call(this) ? `${scoreName}${TEST_SCORE_SUFFIX}` : scoreName;
}
