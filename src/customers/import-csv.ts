/**
 * Bulk first contact (§2.3 step 1) from a CSV file: every row becomes one createCustomer call, the
 * same use case the API runs, so each row is validated, encrypted (§3.1), audited and handed to the
 * audit team exactly as a single entry is. Each row commits on its own (no half-imported row); a bad
 * row is reported (`row <n>, <column>: <reason>`, the header being row 1) and skipped, good rows land.
 *
 * Pure parts (readCustomerCsv, mapCsvRow) are separate from the loop (importCustomerRows), which takes
 * its side effects as deps so it is tested without a database.
 *
 * §3.1: reports carry row numbers, column names and reasons only, never cell values (the reasons of
 * identity and date-of-birth checks never echo the value either). An import file is personal data:
 * the report file is not.
 */
import { parse } from 'csv-parse/sync';
import type { FieldIssue } from '../shared/errors';
import { ConflictError, ValidationError } from '../shared/errors';

// ---------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------

/** Columns of both kinds of row. */
export const COMMON_COLUMNS = ['type', 'email', 'phone', 'identityKind', 'identityNumber', 'totalAssetsUsd'] as const;
/** Columns only an INDIVIDUAL row may fill. */
export const INDIVIDUAL_COLUMNS = ['firstName', 'lastName', 'dateOfBirth', 'identityCountry'] as const;
/** Columns only an ENTERPRISE row may fill. */
export const ENTERPRISE_COLUMNS = ['legalName', 'registrationState', 'naicsCode', 'employees', 'annualRevenueUsd', 'identityState'] as const;
export const CSV_COLUMNS = [...COMMON_COLUMNS, ...INDIVIDUAL_COLUMNS, ...ENTERPRISE_COLUMNS] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

const NUMBER_COLUMNS: ReadonlySet<string> = new Set(['totalAssetsUsd', 'employees', 'annualRevenueUsd']);
/** Code columns are upper-cased (`individual` → INDIVIDUAL); the schema checks the values. */
const CODE_COLUMNS: ReadonlySet<string> = new Set(['type', 'identityKind', 'registrationState']);
const TYPES = ['INDIVIDUAL', 'ENTERPRISE'] as const;
type CustomerTypeCode = (typeof TYPES)[number];

const ONLY_FOR: Readonly<Record<string, CustomerTypeCode>> = {
  ...Object.fromEntries(INDIVIDUAL_COLUMNS.map((c) => [c, 'INDIVIDUAL'])),
  ...Object.fromEntries(ENTERPRISE_COLUMNS.map((c) => [c, 'ENTERPRISE'])),
};

/** A CSV file that cannot be imported at all (no header, unknown column, broken quoting): nothing is imported. */
export class CsvFormatError extends Error {
  override name = 'CsvFormatError';
}

/** One data row: its line number in the file (header = 1) and its cells by column name. */
export interface CsvRow {
  row: number;
  cells: Partial<Record<CsvColumn, string>>;
  /** Set when the row cannot be mapped at all (wrong number of cells). */
  problem?: string;
}

// ---------------------------------------------------------------------------------------------
// Reading the file
// ---------------------------------------------------------------------------------------------

/** Where each line starts, so a record's number is the line it starts on (quoted cells may span lines). */
function lineCounter(bytes: Buffer) {
  let pos = 0;
  let line = 1;
  /** The line number at byte `offset` after skipping blank lines there (offsets only grow). */
  return (offset: number): number => {
    const advance = (to: number) => {
      for (; pos < to; pos++) {
        const b = bytes[pos];
        if (b === 0x0a || (b === 0x0d && bytes[pos + 1] !== 0x0a)) line++;
      }
    };
    advance(offset);
    while (pos < bytes.length && (bytes[pos] === 0x0a || bytes[pos] === 0x0d)) advance(pos + 1);
    return line;
  };
}

/**
 * Parses a customer CSV: a header row naming columns from CSV_COLUMNS (any order, any subset that
 * includes `type`; names match case-insensitively), then one customer per row. Blank rows (every cell
 * empty) are skipped. A row with the wrong number of cells comes back with `problem` set.
 * @throws CsvFormatError for broken CSV syntax or a bad header.
 */
export function readCustomerCsv(input: Buffer | string): { columns: CsvColumn[]; rows: CsvRow[] } {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  let records: { record: string[]; info: { bytes: number } }[];
  try {
    // With `info`, each record comes as { record, info } (csv-parse's typings do not model that option).
    records = parse(bytes, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n', '\r'] }) as unknown as typeof records;
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new CsvFormatError(`not a readable CSV file${e.lines ? ` (line ${e.lines})` : ''}: ${e.message.split(':')[0]}`);
  }
  const [header, ...data] = records;
  if (!header) throw new CsvFormatError('the file is empty: expected a header row naming the columns, e.g. type,firstName,lastName,…');
  const known = new Map(CSV_COLUMNS.map((c) => [c.toLowerCase(), c]));
  const columns: CsvColumn[] = [];
  for (const name of header.record) {
    const column = known.get(name.trim().toLowerCase());
    if (!column) throw new CsvFormatError(`unknown column ${JSON.stringify(name.trim())} in the header; known columns: ${CSV_COLUMNS.join(', ')}`);
    if (columns.includes(column)) throw new CsvFormatError(`column ${column} appears twice in the header`);
    columns.push(column);
  }
  if (!columns.includes('type')) throw new CsvFormatError('the header has no "type" column (INDIVIDUAL or ENTERPRISE per row)');

  const lineAt = lineCounter(bytes);
  const rows: CsvRow[] = [];
  let previousEnd = header.info.bytes;
  for (const { record, info } of data) {
    const row = lineAt(previousEnd);
    previousEnd = info.bytes;
    if (record.every((cell) => cell.trim() === '')) continue;
    if (record.length !== columns.length) {
      rows.push({ row, cells: {}, problem: `has ${record.length} cells, the header has ${columns.length}` });
      continue;
    }
    const cells: CsvRow['cells'] = {};
    columns.forEach((column, i) => (cells[column] = record[i]));
    rows.push({ row, cells });
  }
  return { columns, rows };
}

// ---------------------------------------------------------------------------------------------
// One row → the createCustomer DTO
// ---------------------------------------------------------------------------------------------

/** A problem with one cell (or the whole row: field `(row)`); no value, by design (§3.1). */
export interface CellIssue {
  field: string;
  reason: string;
}

export interface RowMapping {
  /** The createCustomer body, without the cells that could not be read (undefined when the type is unusable). */
  body?: Record<string, unknown>;
  /** What the mapping itself refused: unknown type, unreadable numbers, cells of the other kind of row. */
  issues: CellIssue[];
}

/** 1234, 1234.5, -5, 1,234,567.89 (thousands separators in groups of three). */
const NUMBER = /^[-+]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$/;

/** A number cell, or why not. */
export function parseNumberCell(text: string): { value: number } | { reason: string } {
  if (!NUMBER.test(text)) return { reason: 'not a number: expected digits such as 250000 or 1,250,000.50' };
  const value = Number(text.replace(/,/g, ''));
  return Number.isFinite(value) ? { value } : { reason: 'not a finite number' };
}

/**
 * Maps one row's cells to the createCustomer DTO (pure). Empty cells are absent; numbers are parsed;
 * `identityKind`, `identityNumber` and `identityCountry` (PASSPORT) / `identityState`
 * (BUSINESS_REGISTRATION) become the `identity` object. Whether the values are acceptable is the
 * DTO schema's call (newCustomerSchema), not this function's.
 */
export function mapCsvRow(cells: Readonly<Partial<Record<string, string>>>, channel: string): RowMapping {
  const cell = (column: string): string | undefined => {
    const v = cells[column]?.trim();
    if (!v) return undefined;
    return CODE_COLUMNS.has(column) ? v.toUpperCase() : v;
  };
  const type = cell('type');
  if (!type) return { issues: [{ field: 'type', reason: 'required: INDIVIDUAL or ENTERPRISE' }] };
  if (!(TYPES as readonly string[]).includes(type)) return { issues: [{ field: 'type', reason: 'must be INDIVIDUAL or ENTERPRISE' }] };

  const issues: CellIssue[] = [];
  const body: Record<string, unknown> = { type, channel };
  for (const column of CSV_COLUMNS) {
    if (column === 'type' || column.startsWith('identity')) continue;
    const text = cell(column);
    if (text === undefined) continue;
    const only = ONLY_FOR[column];
    if (only && only !== type) {
      issues.push({ field: column, reason: `applies to ${only} rows only: leave it empty for ${type}` });
      continue;
    }
    if (NUMBER_COLUMNS.has(column)) {
      const n = parseNumberCell(text);
      if ('reason' in n) issues.push({ field: column, reason: n.reason });
      else body[column] = n.value;
    } else {
      body[column] = text;
    }
  }

  const kind = cell('identityKind');
  const number = cell('identityNumber');
  const country = cell('identityCountry');
  const state = cell('identityState');
  for (const [column, value, wants] of [
    ['identityCountry', country, 'PASSPORT'],
    ['identityState', state, 'BUSINESS_REGISTRATION'],
  ] as const) {
    if (value === undefined) continue;
    const only = ONLY_FOR[column];
    if (only !== type) issues.push({ field: column, reason: `applies to ${only} rows only: leave it empty for ${type}` });
    else if (kind !== wants) issues.push({ field: column, reason: `only for identityKind ${wants}` });
  }
  if (!kind) {
    issues.push({ field: 'identityKind', reason: `required: ${type === 'INDIVIDUAL' ? 'SSN, ITIN or PASSPORT' : 'EIN or BUSINESS_REGISTRATION'}` });
  } else {
    body.identity = {
      kind,
      ...(number !== undefined ? { number } : {}),
      ...(kind === 'PASSPORT' && country !== undefined ? { country } : {}),
      ...(kind === 'BUSINESS_REGISTRATION' && state !== undefined ? { state } : {}),
    };
  }
  return { body, issues };
}

/** The CSV column a DTO field path (from a ValidationError) came from. */
export function columnOf(field: string): string {
  switch (field) {
    case 'identity':
    case 'identity.kind':
      return 'identityKind';
    case 'identity.number':
      return 'identityNumber';
    case 'identity.country':
      return 'identityCountry';
    case 'identity.state':
      return 'identityState';
    case '(body)':
      return '(row)';
    default:
      return field;
  }
}

/** A schema issue in the file's terms: the column, and "required" where the cell was empty. */
export function toCellIssue(issue: FieldIssue, cells: Readonly<Partial<Record<string, string>>>): CellIssue {
  const field = columnOf(issue.field);
  const empty = (CSV_COLUMNS as readonly string[]).includes(field) && !cells[field]?.trim();
  return { field, reason: empty && /^Invalid input: expected/.test(issue.reason) ? 'required (the cell is empty)' : issue.reason };
}

// ---------------------------------------------------------------------------------------------
// The import loop
// ---------------------------------------------------------------------------------------------

export interface ImportDeps {
  /** createCustomer with the actor and its dependencies bound. */
  createCustomer(body: Record<string, unknown>): Promise<{ id: string }>;
  /**
   * The DTO schema check on its own (parseInput with newCustomerSchema), run on rows the mapping
   * already refused, so one report names every bad cell of a row. Returns [] when the body is valid.
   */
  validate?(body: Record<string, unknown>): FieldIssue[];
}

export interface ImportProgress {
  done: number;
  total: number;
  imported: number;
  skipped: number;
}

export interface ImportOptions {
  channel: string;
  /** Rows in flight at once (each its own transaction and workflow start). */
  concurrency: number;
  onProgress?: (progress: ImportProgress) => void;
}

export interface RowError extends CellIssue {
  row: number;
}

export interface ImportReport {
  /** Data rows in the file (blank rows not counted). */
  rows: number;
  imported: number;
  /** Rows refused: bad cells or a duplicate identity. */
  skipped: number;
  /** Of `skipped`: identity number already on file (or earlier in this file). */
  duplicates: number;
  /** Rows neither imported nor skipped because the import stopped (see `aborted`). */
  notAttempted: number;
  /** One entry per bad cell, by row then column order of discovery. */
  errors: RowError[];
  /** The customer created for each imported row. */
  customers: { row: number; id: string }[];
  /** Set when an error that is not about the row (database or Temporal down, missing role) stopped the import. */
  aborted?: { row: number; reason: string };
}

/** One line for an unexpected error: Prisma messages can quote the query's arguments, so only their last line. */
export function errorLine(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const lines = e.message.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = (e.name.startsWith('PrismaClient') ? lines.at(-1) : lines[0]) ?? e.name;
  return `${e.name === 'Error' ? '' : `${e.name}: `}${line}`.slice(0, 500);
}

/**
 * Imports `rows` through deps.createCustomer, `concurrency` at a time. A ValidationError or a
 * duplicate (ConflictError) skips the row; any other error stops the import (rows in flight finish,
 * no new row starts): it is not about the row, and a re-run skips what landed as duplicates.
 */
export async function importCustomerRows(rows: readonly CsvRow[], deps: ImportDeps, options: ImportOptions): Promise<ImportReport> {
  const report: ImportReport = { rows: rows.length, imported: 0, skipped: 0, duplicates: 0, notAttempted: 0, errors: [], customers: [] };
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  let next = 0;
  let done = 0;
  const skip = (row: number, issues: CellIssue[], duplicate = false) => {
    report.skipped++;
    if (duplicate) report.duplicates++;
    for (const issue of issues) report.errors.push({ row, ...issue });
  };

  async function importRow({ row, cells, problem }: CsvRow): Promise<void> {
    if (problem) return skip(row, [{ field: '(row)', reason: problem }]);
    const mapped = mapCsvRow(cells, options.channel);
    if (mapped.issues.length || !mapped.body) {
      const issues = [...mapped.issues];
      if (mapped.body && deps.validate) {
        for (const issue of deps.validate(mapped.body).map((i) => toCellIssue(i, cells))) {
          if (!issues.some((i) => i.field === issue.field)) issues.push(issue);
        }
      }
      return skip(row, issues);
    }
    try {
      const customer = await deps.createCustomer(mapped.body);
      report.imported++;
      report.customers.push({ row, id: customer.id });
    } catch (err) {
      if (err instanceof ValidationError) return skip(row, err.issues.map((i) => toCellIssue(i, cells)));
      if (err instanceof ConflictError) return skip(row, [{ field: 'identityNumber', reason: `duplicate: ${err.message}` }], true);
      if (!report.aborted || row < report.aborted.row) report.aborted = { row, reason: errorLine(err) };
    }
  }

  async function lane(): Promise<void> {
    while (!report.aborted && next < rows.length) {
      const current = rows[next++]!;
      await importRow(current);
      done++;
      options.onProgress?.({ done, total: rows.length, imported: report.imported, skipped: report.skipped });
    }
  }

  await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, lane));
  report.notAttempted = rows.length - report.imported - report.skipped;
  report.errors.sort((a, b) => a.row - b.row);
  report.customers.sort((a, b) => a.row - b.row);
  return report;
}

/** The lines a person reads: `row <n>, <field>: <reason>` per error, then the summary. */
export function formatImportReport(report: ImportReport): string[] {
  const lines = report.errors.map((e) => `row ${e.row}, ${e.field}: ${e.reason}`);
  if (report.aborted) {
    lines.push(`import stopped at row ${report.aborted.row}: ${report.aborted.reason} (${report.notAttempted} rows not imported; a re-run skips the imported ones as duplicates)`);
  }
  lines.push(`imported ${report.imported}, skipped ${report.skipped} (duplicates ${report.duplicates})`);
  return lines;
}
