/**
 * src/customers/import-csv.ts (§2.3 step 1 bulk entry): CSV rows → the createCustomer DTO, row
 * numbers as in the file, and the import loop's bookkeeping (skips, duplicates, abort, concurrency)
 * with fake dependencies. The DTO schema itself is the real one (newCustomerSchema).
 */
import { newCustomerSchema } from '../../src/customers/customer-dto';
import {
  CsvFormatError,
  formatImportReport,
  importCustomerRows,
  mapCsvRow,
  readCustomerCsv,
  type CsvRow,
  type ImportDeps,
} from '../../src/customers/import-csv';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { ConflictError, parseInput, ValidationError, type FieldIssue } from '../../src/shared/errors';

const policy = parsePolicy(DEFAULT_POLICY);
const schema = newCustomerSchema('2026-11-30', policy);
const validate = (body: Record<string, unknown>): FieldIssue[] => {
  try {
    parseInput(schema, body, ['identity', 'dateOfBirth']);
    return [];
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
};

const INDIVIDUAL = {
  type: 'INDIVIDUAL',
  firstName: 'Ada',
  lastName: 'Lovelace',
  dateOfBirth: '1985-12-10',
  email: 'ada@example.com',
  phone: '+1 212 555 0100',
  identityKind: 'SSN',
  identityNumber: '123-45-6789',
  identityCountry: '',
  totalAssetsUsd: '250000',
};
const ENTERPRISE = {
  type: 'ENTERPRISE',
  legalName: 'Acme Widgets LLC',
  registrationState: 'DE',
  naicsCode: '332710',
  employees: '120',
  annualRevenueUsd: '12,500,000.50',
  totalAssetsUsd: '9000000',
  email: 'cfo@acme.example',
  phone: '',
  identityKind: 'EIN',
  identityNumber: '12-3456789',
  identityState: '',
};

describe('mapCsvRow', () => {
  test('an individual row: every column lands in its DTO field, numbers parsed, identity built', () => {
    const { body, issues } = mapCsvRow(INDIVIDUAL, 'IMPORT');
    expect(issues).toEqual([]);
    expect(body).toEqual({
      type: 'INDIVIDUAL',
      channel: 'IMPORT',
      firstName: 'Ada',
      lastName: 'Lovelace',
      dateOfBirth: '1985-12-10',
      email: 'ada@example.com',
      phone: '+1 212 555 0100',
      totalAssetsUsd: 250000,
      identity: { kind: 'SSN', number: '123-45-6789' },
    });
    expect(validate(body!)).toEqual([]);
  });

  test('an enterprise row: every column lands, thousands separators and decimals read', () => {
    const { body, issues } = mapCsvRow(ENTERPRISE, 'BRANCH');
    expect(issues).toEqual([]);
    expect(body).toEqual({
      type: 'ENTERPRISE',
      channel: 'BRANCH',
      legalName: 'Acme Widgets LLC',
      registrationState: 'DE',
      naicsCode: '332710',
      employees: 120,
      annualRevenueUsd: 12500000.5,
      totalAssetsUsd: 9000000,
      email: 'cfo@acme.example',
      identity: { kind: 'EIN', number: '12-3456789' },
    });
    expect(validate(body!)).toEqual([]);
  });

  test('identity by kind: PASSPORT takes identityCountry, BUSINESS_REGISTRATION takes identityState', () => {
    expect(mapCsvRow({ ...INDIVIDUAL, identityKind: 'passport', identityNumber: 'X1234567', identityCountry: 'fra' }, 'IMPORT').body?.identity).toEqual({
      kind: 'PASSPORT',
      number: 'X1234567',
      country: 'fra',
    });
    expect(
      mapCsvRow({ ...ENTERPRISE, identityKind: 'BUSINESS_REGISTRATION', identityNumber: '7654321', identityState: 'de' }, 'IMPORT').body?.identity,
    ).toEqual({ kind: 'BUSINESS_REGISTRATION', number: '7654321', state: 'de' });
  });

  test('empty and blank cells are absent, not empty strings; codes are upper-cased', () => {
    const { body, issues } = mapCsvRow({ type: ' individual ', firstName: 'Ada', lastName: 'L', dateOfBirth: '1980-01-01', email: '  ', phone: '2125550100', identityKind: 'ssn', identityNumber: '123456789', totalAssetsUsd: '' }, 'IMPORT');
    expect(issues).toEqual([]);
    expect(body).toEqual({
      type: 'INDIVIDUAL',
      channel: 'IMPORT',
      firstName: 'Ada',
      lastName: 'L',
      dateOfBirth: '1980-01-01',
      phone: '2125550100',
      identity: { kind: 'SSN', number: '123456789' },
    });
    expect(body).not.toHaveProperty('email');
    expect(body).not.toHaveProperty('totalAssetsUsd');
  });

  test.each([
    ['totalAssetsUsd', 'lots'],
    ['totalAssetsUsd', '1e6'],
    ['totalAssetsUsd', '12,34'],
    ['totalAssetsUsd', 'NaN'],
    ['totalAssetsUsd', '$100'],
  ])('a bad number in %s (%j) is a field error and the cell is left out', (column, value) => {
    const { body, issues } = mapCsvRow({ ...INDIVIDUAL, [column]: value }, 'IMPORT');
    expect(issues).toEqual([{ field: column, reason: expect.stringMatching(/^not a number/) }]);
    expect(body).not.toHaveProperty(column);
  });

  test('bad numbers in every enterprise number column are each reported', () => {
    const { issues } = mapCsvRow({ ...ENTERPRISE, employees: 'many', annualRevenueUsd: '1.2.3', totalAssetsUsd: 'x' }, 'IMPORT');
    expect(issues.map((i) => i.field)).toEqual(['totalAssetsUsd', 'employees', 'annualRevenueUsd']);
  });

  test('a fractional employee count is read and then refused by the schema (a whole number)', () => {
    const { body, issues } = mapCsvRow({ ...ENTERPRISE, employees: '12.5' }, 'IMPORT');
    expect(issues).toEqual([]);
    expect(validate(body!)).toEqual([expect.objectContaining({ field: 'employees', reason: 'a whole number' })]);
  });

  test('a date of birth after today is one field error, not a crash of the age rule (§2.1)', () => {
    const { body } = mapCsvRow({ ...INDIVIDUAL, dateOfBirth: '2026-12-01' }, 'IMPORT');
    expect(validate(body!)).toEqual([expect.objectContaining({ field: 'dateOfBirth', reason: 'must not be in the future' })]);
  });

  test.each([
    ['', 'required: INDIVIDUAL or ENTERPRISE'],
    ['PERSON', 'must be INDIVIDUAL or ENTERPRISE'],
    ['trust', 'must be INDIVIDUAL or ENTERPRISE'],
  ])('type %j → one error on type and no body', (type, reason) => {
    expect(mapCsvRow({ ...INDIVIDUAL, type }, 'IMPORT')).toEqual({ issues: [{ field: 'type', reason }] });
  });

  test('cells of the other kind of row are refused by name', () => {
    const { issues } = mapCsvRow({ ...INDIVIDUAL, legalName: 'Acme', employees: '3', identityState: 'DE' }, 'IMPORT');
    expect(issues).toEqual([
      { field: 'legalName', reason: 'applies to ENTERPRISE rows only: leave it empty for INDIVIDUAL' },
      { field: 'employees', reason: 'applies to ENTERPRISE rows only: leave it empty for INDIVIDUAL' },
      { field: 'identityState', reason: 'applies to ENTERPRISE rows only: leave it empty for INDIVIDUAL' },
    ]);
    expect(mapCsvRow({ ...ENTERPRISE, firstName: 'Ada' }, 'IMPORT').issues).toEqual([
      { field: 'firstName', reason: 'applies to INDIVIDUAL rows only: leave it empty for ENTERPRISE' },
    ]);
  });

  test('identityCountry without PASSPORT, and a missing identityKind, are field errors', () => {
    expect(mapCsvRow({ ...INDIVIDUAL, identityCountry: 'FRA' }, 'IMPORT').issues).toEqual([{ field: 'identityCountry', reason: 'only for identityKind PASSPORT' }]);
    const noKind = mapCsvRow({ ...INDIVIDUAL, identityKind: '' }, 'IMPORT');
    expect(noKind.issues).toEqual([{ field: 'identityKind', reason: 'required: SSN, ITIN or PASSPORT' }]);
    expect(noKind.body).not.toHaveProperty('identity');
  });
});

describe('readCustomerCsv', () => {
  test('row numbers are lines of the file (header = 1), across blank lines, CRLF and quoted line breaks', () => {
    const csv = 'type,firstName,lastName\r\nINDIVIDUAL,Ada,Lovelace\r\n\r\nINDIVIDUAL,"Anne\r\nMarie",Smith\r\n,,\r\nENTERPRISE,x\r\nINDIVIDUAL,José,Núñez';
    const { columns, rows } = readCustomerCsv(Buffer.from(csv, 'utf8'));
    expect(columns).toEqual(['type', 'firstName', 'lastName']);
    expect(rows.map((r) => r.row)).toEqual([2, 4, 7, 8]);
    expect(rows[1]!.cells.firstName).toBe('Anne\r\nMarie');
    expect(rows[2]).toEqual({ row: 7, cells: {}, problem: 'has 2 cells, the header has 3' });
    expect(rows[3]!.cells).toEqual({ type: 'INDIVIDUAL', firstName: 'José', lastName: 'Núñez' });
  });

  test('a byte-order mark and header case are tolerated', () => {
    const { columns } = readCustomerCsv('\uFEFFTYPE,FirstName,identitynumber\n');
    expect(columns).toEqual(['type', 'firstName', 'identityNumber']);
  });

  test.each([
    ['', /empty/],
    ['type,favouriteColour\n', /unknown column "favouriteColour"/],
    ['type,email,EMAIL\n', /email appears twice/],
    ['firstName,lastName\n', /no "type" column/],
    ['type,firstName\nINDIVIDUAL,"Ada\n', /not a readable CSV file \(line \d+\): Quote Not Closed$/],
  ])('%j → CsvFormatError', (csv, message) => {
    expect(() => readCustomerCsv(csv)).toThrow(CsvFormatError);
    expect(() => readCustomerCsv(csv)).toThrow(message);
  });
});

describe('importCustomerRows', () => {
  const row = (n: number, over: Record<string, string> = {}): CsvRow => ({ row: n, cells: { ...INDIVIDUAL, ...over } });
  /** A distinct valid last name per index (names may not contain digits). */
  const nameOf = (i: number) => `N${'abcdefghijklmnopqrstuvwxyz'[i % 26]}${'abcdefghijklmnopqrstuvwxyz'[Math.floor(i / 26)]}`;

  function fakeDeps(behaviour: (body: Record<string, unknown>) => Promise<{ id: string }>) {
    let inFlight = 0;
    let maxInFlight = 0;
    const bodies: Record<string, unknown>[] = [];
    const deps: ImportDeps = {
      validate,
      async createCustomer(body) {
        bodies.push(body);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          await new Promise((r) => setTimeout(r, 2));
          const issues = validate(body); // createCustomer parses with the same schema first
          if (issues.length) throw new ValidationError(issues);
          return await behaviour(body);
        } finally {
          inFlight--;
        }
      },
    };
    return { deps, bodies, maxInFlight: () => maxInFlight };
  }

  test('good rows land, bad rows are reported by row and column, duplicates counted; identity values never in the report', async () => {
    const { deps, bodies } = fakeDeps(async (body) => {
      const identity = body.identity as { number: string };
      if (identity.number === '111-22-3333') throw new ConflictError('a customer with this identity number already exists: cus_1');
      if (body.firstName === 'Minor') throw new ValidationError([{ field: 'dateOfBirth', reason: '§2.1: a primary customer must be at least 18' }]);
      return { id: `cus_${String(body.lastName)}` };
    });
    const report = await importCustomerRows(
      [
        row(2, { lastName: 'A' }),
        row(3, { identityNumber: '000-12-3456', totalAssetsUsd: 'lots' }),
        row(4, { firstName: 'Minor' }),
        row(5, { identityNumber: '111-22-3333' }),
        { row: 6, cells: {}, problem: 'has 2 cells, the header has 10' },
        row(7, { lastName: 'B', firstName: '' }),
        row(8, { lastName: 'C' }),
      ],
      deps,
      { channel: 'IMPORT', concurrency: 3 },
    );
    expect(report).toMatchObject({ rows: 7, imported: 2, skipped: 5, duplicates: 1, notAttempted: 0 });
    expect(report.customers).toEqual([
      { row: 2, id: 'cus_A' },
      { row: 8, id: 'cus_C' },
    ]);
    expect(report.errors).toEqual([
      { row: 3, field: 'totalAssetsUsd', reason: expect.stringMatching(/^not a number/) },
      { row: 3, field: 'identityNumber', reason: 'area number (first 3 digits) 000 is never assigned' },
      { row: 4, field: 'dateOfBirth', reason: '§2.1: a primary customer must be at least 18' },
      { row: 5, field: 'identityNumber', reason: 'duplicate: a customer with this identity number already exists: cus_1' },
      { row: 6, field: '(row)', reason: 'has 2 cells, the header has 10' },
      { row: 7, field: 'firstName', reason: 'required (the cell is empty)' },
    ]);
    // Row 3 never reached createCustomer (the mapping refused it); the schema check named its SSN too.
    expect(bodies.map((b) => b.lastName)).not.toContain(undefined);
    expect(bodies).toHaveLength(5);
    const text = formatImportReport(report).join('\n');
    expect(text).toContain('row 3, identityNumber: area number (first 3 digits) 000 is never assigned');
    expect(text.split('\n').at(-1)).toBe('imported 2, skipped 5 (duplicates 1)');
    expect(text).not.toMatch(/000-12-3456|111-22-3333|123-45-6789|1985-12-10/);
    expect(JSON.stringify(report)).not.toMatch(/000-12-3456|111-22-3333|123-45-6789|1985-12-10/);
  });

  test('runs `concurrency` rows at once and no more', async () => {
    const { deps, maxInFlight } = fakeDeps(async (body) => ({ id: String(body.lastName) }));
    const rows = Array.from({ length: 40 }, (_, i) => row(i + 2, { lastName: nameOf(i) }));
    const progress: number[] = [];
    const report = await importCustomerRows(rows, deps, { channel: 'IMPORT', concurrency: 5, onProgress: (p) => progress.push(p.done) });
    expect(report.imported).toBe(40);
    expect(maxInFlight()).toBe(5);
    expect(progress).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  test('an error that is not about the row stops the import: nothing new starts, the rest is counted', async () => {
    let calls = 0;
    const { deps } = fakeDeps(async (body) => {
      calls++;
      if (body.lastName === nameOf(3)) throw new Error('connect ECONNREFUSED 127.0.0.1:7233');
      return { id: String(body.lastName) };
    });
    const rows = Array.from({ length: 50 }, (_, i) => row(i + 2, { lastName: nameOf(i) }));
    const report = await importCustomerRows(rows, deps, { channel: 'IMPORT', concurrency: 2 });
    expect(report.aborted).toEqual({ row: 5, reason: 'connect ECONNREFUSED 127.0.0.1:7233' });
    expect(calls).toBeLessThan(10);
    expect(report.imported + report.notAttempted).toBe(50);
    expect(formatImportReport(report).join('\n')).toMatch(/import stopped at row 5: connect ECONNREFUSED/);
  });
});
