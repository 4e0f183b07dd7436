/**
 * CSV (RFC 4180) for the reports' downloads: a header row, CRLF line ends, a field quoted when it
 * holds a comma, a quote or a line break. Text a spreadsheet would run as a formula (a leading
 * = + - @, tab or CR) is prefixed with ' — numbers are written as they are. Pure.
 */
export type CsvValue = string | number | boolean | null | undefined;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The header and the rows as one CSV document, ending with CRLF. */
export function csvDocument(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return `${[header.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n')}\r\n`;
}
