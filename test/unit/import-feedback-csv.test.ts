/**
 * §5.2 the suggestion box from a CSV file: how `ccm feedback import` reads the file (pure) and names
 * bad cells — `row <n>, <column>: <reason>`, never a value (§3.1).
 */
import { csvIssueLines, FeedbackCsvFormatError, readFeedbackCsv } from '../../src/feedback/import-feedback-csv';

describe('readFeedbackCsv', () => {
  test('columns in any order and case; codes upper-cased; empty cells absent; contact cells become contact; blank rows skipped; rows numbered by the line they start on', () => {
    const rows = readFeedbackCsv(
      'SUMMARY,category,Severity,complexity,contactName,contactEmail,customerType,customerId\n' +
        'App crashes,digital,low,simple,Ann Box,ann@example.com,individual,\n' +
        '\n' +
        '"Login ""slow""\non Mondays",DIGITAL,LOW,SIMPLE,,,,cus_1\n' +
        'Fees,fees,high,complex,,,,cus_2\n',
    );
    expect(rows).toEqual([
      { row: 2, item: { summary: 'App crashes', category: 'DIGITAL', severity: 'LOW', complexity: 'SIMPLE', customerType: 'INDIVIDUAL', contact: { name: 'Ann Box', email: 'ann@example.com' } } },
      { row: 4, item: { customerId: 'cus_1', summary: 'Login "slow"\non Mondays', category: 'DIGITAL', severity: 'LOW', complexity: 'SIMPLE' } },
      { row: 6, item: { customerId: 'cus_2', summary: 'Fees', category: 'FEES', severity: 'HIGH', complexity: 'COMPLEX' } },
    ]);
  });

  test('a row with the wrong number of cells is reported, not guessed', () => {
    expect(readFeedbackCsv('category,severity,complexity,summary\nCARD,LOW,SIMPLE\n')).toEqual([{ row: 2, item: {}, problem: 'has 3 cells, the header has 4' }]);
  });

  test.each([
    ['', /the file is empty/],
    ['category,severity,complexity,summary,colour\n', /unknown column "colour"/],
    ['category,severity,complexity,summary,Summary\n', /column summary appears twice/],
    ['category,severity\n', /the header has no complexity, summary columns/],
    ['category,severity,complexity,summary\n"CARD,LOW\n', /not a readable CSV file/],
  ])('%j → FeedbackCsvFormatError (nothing registered)', (text, message) => {
    expect(() => readFeedbackCsv(text)).toThrow(FeedbackCsvFormatError);
    expect(() => readFeedbackCsv(text)).toThrow(message);
  });
});

test('csvIssueLines: the batch’s items.<i>.<field> as the file’s rows and columns, without values', () => {
  const rows = readFeedbackCsv('category,severity,complexity,summary,contactEmail\nCARD,LOW,SIMPLE,a,x@example.com\n\nCARD,LOW,SIMPLE,b,not-an-email\n');
  const lines = csvIssueLines(rows, [
    { field: 'items.1.contact.email', value: 'not-an-email', reason: 'an email address such as name@example.com' },
    { field: 'items.0.customerType', reason: 'required for someone who is not a customer' },
    { field: 'items', reason: 'at most 500 items per batch' },
  ]);
  expect(lines).toEqual(['row 4, contactEmail: an email address such as name@example.com', 'row 2, customerType: required for someone who is not a customer', 'items: at most 500 items per batch']);
  expect(lines.join('\n')).not.toContain('not-an-email');
});
