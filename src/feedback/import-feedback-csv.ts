/**
 * §5.2 the suggestion box from a CSV file (`ccm feedback import <file>`): one slip per row, all
 * registered through the batch use case (register-feedback-batch.ts) — so all or nothing: a file
 * with one bad row registers nothing, and the report names every bad cell as `row <n>, <column>:
 * <reason>` (the header being row 1), never a cell's value (§3.1: the file is personal data, the
 * report is not).
 *
 * Columns (any order, names case-insensitive, any subset with category, severity, complexity and
 * summary): customerId | contactName, contactEmail, contactPhone; category, severity, complexity,
 * customerType, summary, description, handlerStaffId. Code columns are upper-cased. Empty cells are absent.
 */
import { parse } from 'csv-parse/sync';
import type { FieldIssue } from '../shared/errors';

export const FEEDBACK_CSV_COLUMNS = [
  'customerId',
  'contactName',
  'contactEmail',
  'contactPhone',
  'category',
  'severity',
  'complexity',
  'customerType',
  'summary',
  'description',
  'handlerStaffId',
] as const;
export type FeedbackCsvColumn = (typeof FEEDBACK_CSV_COLUMNS)[number];
const REQUIRED: FeedbackCsvColumn[] = ['category', 'severity', 'complexity', 'summary'];
const CODE_COLUMNS: ReadonlySet<string> = new Set(['category', 'severity', 'complexity', 'customerType']);

/** A file that cannot be read at all (no header, unknown column, broken quoting): nothing is registered. */
export class FeedbackCsvFormatError extends Error {
  override name = 'CsvFormatError';
}

export interface FeedbackCsvRow {
  /** The line the record starts on (header = 1). */
  row: number;
  /** The item for POST /feedback/batch (without the channel). */
  item: Record<string, unknown>;
  /** Set when the row has the wrong number of cells. */
  problem?: string;
}

/** Reads the file into batch items, in file order; blank rows skipped. @throws FeedbackCsvFormatError */
export function readFeedbackCsv(input: Buffer | string): FeedbackCsvRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(input, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n', '\r'] }) as unknown as typeof records;
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new FeedbackCsvFormatError(`not a readable CSV file${e.lines ? ` (line ${e.lines})` : ''}: ${e.message.split(':')[0]}`);
  }
  const [header, ...data] = records;
  if (!header) throw new FeedbackCsvFormatError(`the file is empty: expected a header row naming the columns, e.g. ${REQUIRED.join(',')},customerId`);
  const known = new Map(FEEDBACK_CSV_COLUMNS.map((c) => [c.toLowerCase(), c]));
  const columns: FeedbackCsvColumn[] = [];
  for (const name of header.record) {
    const column = known.get(name.trim().toLowerCase());
    if (!column) throw new FeedbackCsvFormatError(`unknown column ${JSON.stringify(name.trim())} in the header; known columns: ${FEEDBACK_CSV_COLUMNS.join(', ')}`);
    if (columns.includes(column)) throw new FeedbackCsvFormatError(`column ${column} appears twice in the header`);
    columns.push(column);
  }
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length) throw new FeedbackCsvFormatError(`the header has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}`);

  const rows: FeedbackCsvRow[] = [];
  for (const { record, info } of data) {
    // info.lines is the line the record ends on; a quoted cell may span lines.
    const row = info.lines - record.reduce((n, cell) => n + (cell.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
    if (record.every((cell) => cell.trim() === '')) continue;
    if (record.length !== columns.length) {
      rows.push({ row, item: {}, problem: `has ${record.length} cells, the header has ${columns.length}` });
      continue;
    }
    const cells = new Map<FeedbackCsvColumn, string>();
    columns.forEach((c, i) => {
      const v = record[i]!.trim();
      if (v) cells.set(c, CODE_COLUMNS.has(c) ? v.toUpperCase() : v);
    });
    const item: Record<string, unknown> = {};
    for (const c of ['customerId', 'category', 'severity', 'complexity', 'customerType', 'summary', 'description', 'handlerStaffId'] as const) {
      if (cells.has(c)) item[c] = cells.get(c);
    }
    if (cells.has('contactName') || cells.has('contactEmail') || cells.has('contactPhone')) {
      item.contact = {
        ...(cells.has('contactName') ? { name: cells.get('contactName') } : {}),
        ...(cells.has('contactEmail') ? { email: cells.get('contactEmail') } : {}),
        ...(cells.has('contactPhone') ? { phone: cells.get('contactPhone') } : {}),
      };
    }
    rows.push({ row, item });
  }
  return rows;
}

/** The CSV column of an item's field path (`contact.email` → contactEmail). */
const columnOf = (field: string): string =>
  ({ contact: 'contactName', 'contact.name': 'contactName', 'contact.email': 'contactEmail', 'contact.phone': 'contactPhone', '(body)': '(row)' })[field] ?? field;

/** The batch's issues (`items.<i>.<field>`) as lines of the file: `row <n>, <column>: <reason>`, no values. */
export function csvIssueLines(rows: readonly FeedbackCsvRow[], issues: readonly FieldIssue[]): string[] {
  return issues.map((issue) => {
    const m = /^items\.(\d+)(?:\.(.+))?$/.exec(issue.field);
    if (!m) return `${issue.field}: ${issue.reason}`;
    const row = rows[Number(m[1])]?.row ?? '?';
    return `row ${row}, ${columnOf(m[2] ?? '(body)')}: ${issue.reason}`;
  });
}
