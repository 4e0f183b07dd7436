/**
 * activities/notifications.ts messageIdFor: the Message-ID an email carries is derived from its
 * idempotency key, so a retried send after a crash carries the same id and mail systems drop the
 * duplicate. It must be stable, distinct per key, in the sender's domain and in RFC 5322 form.
 */
import { createHash } from 'node:crypto';
import { messageIdFor } from '../../activities/notifications';

/** RFC 5322 msg-id: "<" id-left "@" id-right ">", dot-atom text on both sides, no spaces. */
const RFC5322_MSG_ID = /^<[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*>$/;

describe('messageIdFor', () => {
  it.each<[key: string, mailFrom: string, domain: string]>([
    ['reminder:case-42:due', 'customer-care@bank.example', 'bank.example'],
    ['reminder:case-42:escalation', 'customer-care@bank.example', 'bank.example'],
    ['reminder:case-42:due', 'noreply@mail.eu.bank.example', 'mail.eu.bank.example'],
    ['', 'care@bank.example', 'bank.example'],
    ['key with spaces <and> @ signs', 'care@bank.example', 'bank.example'],
    ['ünïcödé ключ', 'care@bank.example', 'bank.example'],
  ])('key %j from %s → <32 hex digits @%s> in RFC 5322 form', (key, mailFrom, domain) => {
    const id = messageIdFor(key, mailFrom);
    expect(id).toMatch(RFC5322_MSG_ID);
    expect(id).toMatch(new RegExp(`^<[0-9a-f]{32}@${domain.replace(/\./g, '\\.')}>$`));
  });

  it('is the first 128 bits of the SHA-256 of the key (documented derivation)', () => {
    const key = 'reminder:case-42:due';
    const hex = createHash('sha256').update(key).digest('hex').slice(0, 32);
    expect(messageIdFor(key, 'care@bank.example')).toBe(`<${hex}@bank.example>`);
  });

  it('is stable: the same key always gives the same id (a retry carries the same Message-ID)', () => {
    const key = 'reminder:case-42:due';
    const ids = Array.from({ length: 5 }, () => messageIdFor(key, 'care@bank.example'));
    expect(new Set(ids).size).toBe(1);
  });

  it('differs for different keys, including near-identical ones', () => {
    const keys = [
      'reminder:case-42:due',
      'reminder:case-42:escalation',
      'reminder:case-43:due',
      'reminder:case-42:due ',
      'Reminder:case-42:due',
      'reminder:case-4:due',
    ];
    const ids = keys.map((k) => messageIdFor(k, 'care@bank.example'));
    expect(new Set(ids).size).toBe(keys.length);
  });

  it('the local part depends only on the key; the domain only on MAIL_FROM', () => {
    const a = messageIdFor('k', 'care@bank.example');
    const b = messageIdFor('k', 'alerts@other.example');
    expect(a.split('@')[0]).toBe(b.split('@')[0]);
    expect(a.endsWith('@bank.example>')).toBe(true);
    expect(b.endsWith('@other.example>')).toBe(true);
  });

  it('falls back to localhost when MAIL_FROM has no domain', () => {
    expect(messageIdFor('k', 'care')).toMatch(/^<[0-9a-f]{32}@localhost>$/);
  });
});
