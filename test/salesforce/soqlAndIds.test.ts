import { recordIdProblem, toId18 } from '../../lib/salesforce/ids';
import { isFieldApiName, soqlString } from '../../lib/salesforce/soql';
import { parseSoql } from '../../sandbox/salesforce/soqlParser';

describe('Salesforce IDs', () => {
	it.each([
		// Pairs as Salesforce shows them (15-character ID in the UI, 18-character ID in the API).
		['001A0000006Vm9r', '001A0000006Vm9rIAC'],
		['003A0000005QB3A', '003A0000005QB3AIAW'],
		['00Q5e000001abcd', '00Q5e000001abcdEAA'],
	])('turns %s into %s', (id15, id18) => {
		expect(toId18(id15)).toBe(id18);
		expect(toId18(id18.toLowerCase().slice(0, 15) + id18.slice(15).toLowerCase())).not.toBe(id18);
	});

	it('accepts 15- and 18-character Lead IDs', () => {
		expect(recordIdProblem('00Q5e000001abcd', ['Lead'])).toBeUndefined();
		expect(recordIdProblem('00Q5e000001abcdEAA', ['Lead'])).toBeUndefined();
		expect(recordIdProblem('00Q5e000001abcdeaa', ['Lead'])).toBeUndefined();
	});

	it.each([
		['00Q5e000001abc', 'not a Salesforce ID'],
		["00Q5e000001abc'", 'not a Salesforce ID'],
		['00Q5e000001abcd/../x', 'not a Salesforce ID'],
		['00Q5e000001abcdAAA', 'last 3 characters do not match'],
		['001A0000006Vm9rIAC', 'not a Lead ID'],
	])('rejects %s', (value, problem) => {
		expect(recordIdProblem(value, ['Lead'])).toContain(problem);
	});

	it('accepts Contact IDs where contacts are meant, and names both prefixes where either is', () => {
		expect(recordIdProblem('003A0000005QB3AIAW', ['Contact'])).toBeUndefined();
		expect(recordIdProblem('003A0000005QB3AIAW', ['Lead', 'Contact'])).toBeUndefined();
		expect(recordIdProblem('001A0000006Vm9rIAC', ['Lead', 'Contact'])).toBe(
			'"001A0000006Vm9rIAC" is not a Lead or Contact ID: Lead IDs start with 00Q, Contact IDs start with 003, this one with 001',
		);
	});
});

describe('SOQL building', () => {
	it.each([
		['Status', true],
		['Lead_Score__c', true],
		['ns__Score__c', true],
		['Status, Name', false],
		["Status' OR", false],
		['1Field', false],
		['Owner.Name', false],
		['', false],
	])('field API name %j is valid: %s', (name, valid) => {
		expect(isFieldApiName(name as string)).toBe(valid);
	});

	it.each([
		["x' OR Name LIKE '%", "'x\\' OR Name LIKE \\'%'"],
		['back\\slash', "'back\\\\slash'"],
		['line\nbreak', "'line\\nbreak'"],
		['say "hi"', '\'say \\"hi\\"\''],
	])('escapes %j as one literal', (value, literal) => {
		expect(soqlString(value)).toBe(literal);
		// Read back by SOQL's grammar (the mock's parser), the literal is exactly the value again.
		const query = parseSoql(`SELECT Id FROM Lead WHERE Email = ${soqlString(value)}`);
		expect(query.where).toEqual({ kind: 'compare', field: 'Email', op: '=', value });
	});

	it('shows what an unescaped value would do', () => {
		const query = parseSoql("SELECT Id FROM Lead WHERE Email = 'x' OR Name LIKE '%'");
		expect(query.where?.kind).toBe('or');
	});
});
