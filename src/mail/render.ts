/**
 * What an email looks like to the person reading it: a plain-text part and a small HTML part, times
 * in the bank's time zone with its abbreviation ("Mon 1 Mar 2027, 09:00 EST"), never UTC ISO.
 *
 * Pure: no Node built-ins, no I/O, only Intl (present in Temporal's workflow sandbox too), so
 * workflow code may import it. The HTML is self-contained (inline styles, no images, fonts or
 * links other than the action's own) and every interpolated value is HTML-escaped.
 */

export interface EmailContent {
  subject: string;
  /** "Dear Jane Doe," — the first line. */
  greeting: string;
  paragraphs: string[];
  /** A bulleted list, after the paragraphs. */
  items?: string[];
  /** Label/value pairs, after the items (a table in HTML, aligned lines in text). */
  facts?: [label: string, value: string][];
  /** What the reader is asked to do: a link (http, https or mailto) and/or an instruction. */
  action?: { label: string; url?: string; instruction?: string };
  /** Small print at the end. */
  footer?: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes `& < > " '`: safe in element content and in quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

// One formatter per (zone, kind): constructing Intl.DateTimeFormat is the expensive part.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, withTime: boolean): Intl.DateTimeFormat {
  const cacheKey = `${withTime ? 't' : 'd'}|${timeZone}`;
  let f = formatters.get(cacheKey);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      ...(withTime ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' } : {}),
    });
    formatters.set(cacheKey, f);
  }
  return f;
}

function parts(instant: Date, timeZone: string, withTime: boolean): Partial<Record<Intl.DateTimeFormatPartTypes, string>> {
  if (Number.isNaN(instant.getTime())) throw new RangeError('cannot format an invalid date');
  const out: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const p of formatter(timeZone, withTime).formatToParts(instant)) out[p.type] = p.value;
  return out;
}

/** The local calendar day in `timeZone`: "Mon 1 Mar 2027". */
export function formatBankDate(instant: Date, timeZone: string): string {
  const p = parts(instant, timeZone, false);
  return `${p.weekday} ${p.day} ${p.month} ${p.year}`;
}

/** The local time in `timeZone`, 24-hour clock, with the zone's abbreviation: "Mon 1 Mar 2027, 09:00 EST". */
export function formatBankTime(instant: Date, timeZone: string): string {
  const p = parts(instant, timeZone, true);
  return `${p.weekday} ${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

/** Only these schemes become a link; anything else (javascript:, data:, …) is shown as text. */
const isLinkable = (url: string) => /^(https?:|mailto:)/i.test(url.trim());

export function renderEmail(e: EmailContent): RenderedEmail {
  return { subject: e.subject, text: renderText(e), html: renderHtml(e) };
}

function renderText(e: EmailContent): string {
  const blocks: string[] = [e.greeting, ...e.paragraphs];
  if (e.items?.length) blocks.push(e.items.map((item) => `  - ${indentContinuation(item, '    ')}`).join('\n'));
  if (e.facts?.length) {
    const width = Math.max(...e.facts.map(([label]) => label.length)) + 1;
    blocks.push(e.facts.map(([label, value]) => `  ${`${label}:`.padEnd(width)} ${indentContinuation(value, ' '.repeat(width + 3))}`).join('\n'));
  }
  if (e.action) {
    const { label, url, instruction } = e.action;
    const lines = [url ? `${label}: ${url}` : instruction ? `${label}: ${instruction}` : label];
    if (url && instruction) lines.push(instruction);
    blocks.push(lines.join('\n'));
  }
  if (e.footer) blocks.push(`-- \n${e.footer}`);
  return blocks.join('\n\n');
}

const indentContinuation = (value: string, indent: string) => value.replace(/\r?\n/g, `\n${indent}`);

const STYLE = {
  body: 'margin:0;padding:0;background-color:#f3f4f6;',
  card: 'max-width:600px;margin:0 auto;padding:24px 28px;background-color:#ffffff;color:#1f2933;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;',
  p: 'margin:0 0 16px;',
  ul: 'margin:0 0 16px;padding-left:22px;',
  li: 'margin:0 0 4px;',
  table: 'border-collapse:collapse;margin:0 0 16px;',
  th: 'text-align:left;vertical-align:top;padding:4px 16px 4px 0;font-weight:bold;white-space:nowrap;',
  td: 'vertical-align:top;padding:4px 0;',
  button: 'display:inline-block;padding:10px 18px;background-color:#0b5394;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold;',
  footer: 'margin:24px 0 0;padding-top:12px;border-top:1px solid #e4e7eb;color:#52606d;font-size:13px;',
} as const;

/** Escaped, with line breaks kept. */
const html = (value: string) => escapeHtml(value).replace(/\r?\n/g, '<br>');

function renderHtml(e: EmailContent): string {
  const body: string[] = [`<p style="${STYLE.p}">${html(e.greeting)}</p>`, ...e.paragraphs.map((p) => `<p style="${STYLE.p}">${html(p)}</p>`)];
  if (e.items?.length) body.push(`<ul style="${STYLE.ul}">${e.items.map((item) => `<li style="${STYLE.li}">${html(item)}</li>`).join('')}</ul>`);
  if (e.facts?.length) {
    const rows = e.facts.map(([label, value]) => `<tr><th scope="row" style="${STYLE.th}">${html(label)}</th><td style="${STYLE.td}">${html(value)}</td></tr>`);
    body.push(`<table role="presentation" style="${STYLE.table}">${rows.join('')}</table>`);
  }
  if (e.action) {
    const { label, url, instruction } = e.action;
    if (url && isLinkable(url)) {
      body.push(`<p style="${STYLE.p}"><a href="${escapeHtml(url.trim())}" style="${STYLE.button}">${html(label)}</a></p>`);
      if (instruction) body.push(`<p style="${STYLE.p}">${html(instruction)}</p>`);
    } else {
      // Not a link we would let anyone click (or none): the label and what to do, as text.
      const what = [url, instruction].filter((s): s is string => Boolean(s)).map(html).join('<br>');
      body.push(`<p style="${STYLE.p}"><strong>${html(label)}${what ? ':' : ''}</strong>${what ? ` ${what}` : ''}</p>`);
    }
  }
  if (e.footer) body.push(`<p style="${STYLE.footer}">${html(e.footer)}</p>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(e.subject)}</title></head>`,
    `<body style="${STYLE.body}">`,
    `<div style="${STYLE.card}">`,
    ...body,
    '</div>',
    '</body>',
    '</html>',
  ].join('\n');
}
