/**
 * src/mail/render.ts: times as the bank's people read them (local time, 24-hour clock, zone
 * abbreviation; EST/EDT across the DST changes; the local day, not the UTC one), and the two parts
 * of an email: plain text without markup, HTML self-contained with every value escaped.
 */
import { escapeHtml, formatBankDate, formatBankTime, renderEmail, type EmailContent } from '../../src/mail/render';

const NY = 'America/New_York';

describe('formatBankTime', () => {
  it.each<[iso: string, shown: string]>([
    ['2027-03-01T14:00:00Z', 'Mon 1 Mar 2027, 09:00 EST'],
    ['2027-01-15T14:30:00Z', 'Fri 15 Jan 2027, 09:30 EST'],
    ['2027-07-15T13:30:00Z', 'Thu 15 Jul 2027, 09:30 EDT'],
    ['2027-01-15T23:05:00Z', 'Fri 15 Jan 2027, 18:05 EST'], // 24-hour clock
    ['2027-01-15T05:00:00Z', 'Fri 15 Jan 2027, 00:00 EST'], // midnight is 00, not 24
  ])('%s in New York → %s', (iso, shown) => {
    expect(formatBankTime(new Date(iso), NY)).toBe(shown);
  });

  it.each<[iso: string, shown: string]>([
    // 14 Mar 2027: 02:00 EST → 03:00 EDT (07:00 UTC)
    ['2027-03-14T06:59:00Z', 'Sun 14 Mar 2027, 01:59 EST'],
    ['2027-03-14T07:00:00Z', 'Sun 14 Mar 2027, 03:00 EDT'],
    // 7 Nov 2027: 02:00 EDT → 01:00 EST (06:00 UTC): 01:30 happens twice, told apart by the abbreviation
    ['2027-11-07T05:30:00Z', 'Sun 7 Nov 2027, 01:30 EDT'],
    ['2027-11-07T06:30:00Z', 'Sun 7 Nov 2027, 01:30 EST'],
  ])('DST change day: %s → %s', (iso, shown) => {
    expect(formatBankTime(new Date(iso), NY)).toBe(shown);
  });

  it('shortly after midnight UTC is still the previous day in New York', () => {
    expect(formatBankTime(new Date('2027-03-01T02:30:00Z'), NY)).toBe('Sun 28 Feb 2027, 21:30 EST');
    expect(formatBankTime(new Date('2027-01-01T00:00:00Z'), NY)).toBe('Thu 31 Dec 2026, 19:00 EST');
  });

  it('uses the zone it is given', () => {
    expect(formatBankTime(new Date('2027-01-15T14:30:00Z'), 'UTC')).toBe('Fri 15 Jan 2027, 14:30 UTC');
  });

  it('refuses an invalid date or time zone instead of printing "Invalid Date"', () => {
    expect(() => formatBankTime(new Date('nonsense'), NY)).toThrow(RangeError);
    expect(() => formatBankTime(new Date(), 'Not/AZone')).toThrow(RangeError);
  });
});

describe('formatBankDate', () => {
  it.each<[iso: string, shown: string]>([
    ['2027-03-01T14:00:00Z', 'Mon 1 Mar 2027'],
    ['2027-07-15T13:30:00Z', 'Thu 15 Jul 2027'],
    ['2027-03-01T03:59:00Z', 'Sun 28 Feb 2027'], // previous local day
    ['2027-03-01T05:00:00Z', 'Mon 1 Mar 2027'],
    ['2027-01-01T04:59:59Z', 'Thu 31 Dec 2026'], // previous local year
  ])('%s in New York → %s', (iso, shown) => {
    expect(formatBankDate(new Date(iso), NY)).toBe(shown);
  });
});

describe('escapeHtml', () => {
  it('escapes & < > " \'', () => {
    expect(escapeHtml(`<a href="x" title='y'>Tom & Jerry</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;');
  });

  it('escapes an already escaped text again (it is text, not markup)', () => {
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });
});

describe('renderEmail', () => {
  const email: EmailContent = {
    subject: 'Your statement',
    greeting: 'Dear Jane Doe,',
    paragraphs: ['Your statement is ready.', 'Please check it.'],
    items: ['Current account', 'Savings account'],
    facts: [
      ['Period', 'Jan 2027'],
      ['Available from', 'Mon 1 Feb 2027, 09:00 EST'],
    ],
    action: { label: 'Open it', url: 'https://bank.example/statements/1', instruction: 'Or ask your branch for a printed copy.' },
    footer: 'Sent by the customer-care system.',
  };

  it('renders a plain-text part a person can read', () => {
    expect(renderEmail(email).text).toBe(
      [
        'Dear Jane Doe,',
        '',
        'Your statement is ready.',
        '',
        'Please check it.',
        '',
        '  - Current account',
        '  - Savings account',
        '',
        '  Period:         Jan 2027',
        '  Available from: Mon 1 Feb 2027, 09:00 EST',
        '',
        'Open it: https://bank.example/statements/1',
        'Or ask your branch for a printed copy.',
        '',
        '-- ',
        'Sent by the customer-care system.',
      ].join('\n'),
    );
  });

  it('keeps the subject as given', () => {
    expect(renderEmail(email).subject).toBe('Your statement');
  });

  it('the text part has no HTML tags or entities', () => {
    const { text } = renderEmail(email);
    expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
    expect(text).not.toMatch(/&[a-z#0-9]+;/i);
  });

  it('items and facts appear in both parts', () => {
    const { text, html } = renderEmail(email);
    for (const value of ['Current account', 'Savings account', 'Period', 'Jan 2027', 'Available from', 'Mon 1 Feb 2027, 09:00 EST']) {
      expect(text).toContain(value);
      expect(html).toContain(value);
    }
    expect(html).toMatch(/<li[^>]*>Current account<\/li>/);
    expect(html).toMatch(/<th[^>]*>Period<\/th><td[^>]*>Jan 2027<\/td>/);
  });

  it('the HTML part is a complete, self-contained document with inline styles', () => {
    const { html } = renderEmail(email);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<title>Your statement</title>');
    expect(html).toMatch(/<\/html>$/);
    expect(html).not.toMatch(/<(script|link|img|style|iframe)\b/i);
    expect(html).not.toMatch(/\bsrc=|url\(|@import/i);
    // the only reference out of the document is the action's own link
    expect(html.match(/https?:\/\//g)).toEqual(['https://']);
    expect(html).toMatch(/<a href="https:\/\/bank\.example\/statements\/1" style="[^"]+">Open it<\/a>/);
  });

  it('leaves out what is not given', () => {
    const { text, html } = renderEmail({ subject: 's', greeting: 'Hello,', paragraphs: ['One line.'] });
    expect(text).toBe('Hello,\n\nOne line.');
    expect(html).not.toMatch(/<(ul|table|a)\b/);
  });

  it('an action without a link shows its instruction in both parts', () => {
    const { text, html } = renderEmail({ ...email, action: { label: 'To acknowledge it', instruction: 'POST /reminders/k/acknowledge' } });
    expect(text).toContain('To acknowledge it: POST /reminders/k/acknowledge');
    expect(html).toContain('<strong>To acknowledge it:</strong> POST /reminders/k/acknowledge');
    expect(html).not.toContain('<a ');
  });

  it('never links a javascript: (or other non-web) URL', () => {
    const { html } = renderEmail({ ...email, action: { label: 'Click', url: 'javascript:alert(1)' } });
    expect(html).not.toContain('href=');
    expect(html).toContain('javascript:alert(1)'); // shown as text
  });

  it('keeps line breaks of a multi-line value in both parts', () => {
    const { text, html } = renderEmail({ subject: 's', greeting: 'Hi,', paragraphs: ['line one\nline two'], items: ['a\nb'], facts: [['Address', '1 Main St\nSpringfield']] });
    expect(text).toContain('line one\nline two');
    expect(text).toContain('  - a\n    b');
    expect(text).toContain('  Address: 1 Main St\n           Springfield');
    expect(html).toContain('line one<br>line two');
    expect(html).toContain('1 Main St<br>Springfield');
  });

  describe('escapes every interpolated value in the HTML part', () => {
    const evil = `<script>alert("x")</script> Tom & Jerry's`;
    const escaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Tom &amp; Jerry&#39;s';
    const fields: [name: string, content: EmailContent][] = [
      ['subject', { ...email, subject: evil }],
      ['greeting', { ...email, greeting: evil }],
      ['paragraph', { ...email, paragraphs: ['ok', evil] }],
      ['item', { ...email, items: [evil] }],
      ['fact label', { ...email, facts: [[evil, 'v']] }],
      ['fact value', { ...email, facts: [['l', evil]] }],
      ['action label', { ...email, action: { label: evil, url: 'https://bank.example/' } }],
      ['action instruction', { ...email, action: { label: 'Do', instruction: evil } }],
      ['action url (not linkable)', { ...email, action: { label: 'Do', url: evil } }],
      ['footer', { ...email, footer: evil }],
    ];

    it.each(fields)('%s', (_name, content) => {
      const { text, html } = renderEmail(content);
      expect(html).toContain(escaped);
      expect(html).not.toContain('<script');
      expect(html).not.toMatch(/&(?!(amp|lt|gt|quot|#39);)/); // no bare ampersand anywhere
      if (content.subject !== evil) expect(text).toContain(evil); // the text part shows it as written (the subject is the Subject header)
    });

    it('a linkable URL is escaped inside its attribute', () => {
      const { html } = renderEmail({ ...email, action: { label: 'Open', url: 'https://bank.example/a?x=1&y="><script>' } });
      expect(html).toContain('href="https://bank.example/a?x=1&amp;y=&quot;&gt;&lt;script&gt;"');
      expect(html).not.toContain('<script');
    });
  });
});
