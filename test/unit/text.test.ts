/**
 * src/shared/text.ts, the one text rule (issue 7 defect 2; §2.3 step 1 complete and accurate): no
 * control characters and no lone surrogates in any string, checked by parseInput for every use case
 * (API and CLI) before the schema runs, at any depth and without recursion.
 */
import { z } from 'zod';
import { parseInput, ValidationError, type FieldIssue } from '../../src/shared/errors';
import { controlCharacterIssue, MAX_INPUT_ISSUES, MAX_NESTING_DEPTH, plainText } from '../../src/shared/text';

const ch = (unit: number) => String.fromCharCode(unit);

describe('controlCharacterIssue: the boundaries of the rule', () => {
  it.each<[string, number, string]>([
    ['NUL', 0x00, 'contains a control character (U+0000)'],
    ['U+0001', 0x01, 'contains a control character (U+0001)'],
    ['backspace U+0008', 0x08, 'contains a control character (U+0008)'],
    ['vertical tab U+000B', 0x0b, 'contains a control character (U+000B)'],
    ['form feed U+000C', 0x0c, 'contains a control character (U+000C)'],
    ['U+000E', 0x0e, 'contains a control character (U+000E)'],
    ['ESC U+001B', 0x1b, 'contains a control character (U+001B)'],
    ['the last C0, U+001F', 0x1f, 'contains a control character (U+001F)'],
    ['DEL U+007F', 0x7f, 'contains a control character (U+007F)'],
    ['the first C1, U+0080', 0x80, 'contains a control character (U+0080)'],
    ['the last C1, U+009F', 0x9f, 'contains a control character (U+009F)'],
    ['a lone high surrogate', 0xd83d, 'contains a lone surrogate (U+D83D)'],
    ['a lone low surrogate', 0xde00, 'contains a lone surrogate (U+DE00)'],
    ['the first high surrogate', 0xd800, 'contains a lone surrogate (U+D800)'],
    ['the last low surrogate', 0xdfff, 'contains a lone surrogate (U+DFFF)'],
  ])('%s is refused, with its code point', (_name, unit, reason) => {
    expect(controlCharacterIssue(ch(unit))).toBe(reason);
    expect(controlCharacterIssue(`Call back ${ch(unit)} tomorrow`)).toBe(reason);
    expect(controlCharacterIssue(`${ch(unit)}x`)).toBe(reason);
    expect(controlCharacterIssue(`x${ch(unit)}`)).toBe(reason);
  });

  it.each<[string, string]>([
    ['TAB', 'a\tb'],
    ['LF', 'line 1\nline 2'],
    ['CR LF', 'line 1\r\nline 2'],
    ['space U+0020', ' '],
    ['tilde U+007E, just below DEL', '~'],
    ['no-break space U+00A0, just above C1', '\u00a0'],
    ['accented letters', 'Zoë Ångström'],
    ['a valid surrogate pair (emoji)', 'thanks 😀'],
    ['two emoji in a row', '😀👍'],
    ['U+FFFD itself', '\ufffd'],
    ['the empty string', ''],
  ])('%s is allowed', (_name, value) => {
    expect(controlCharacterIssue(value)).toBeUndefined();
  });

  it('a high surrogate followed by another high surrogate is refused (neither forms a pair)', () => {
    expect(controlCharacterIssue('\ud83d\ud83d')).toBe('contains a lone surrogate (U+D83D)');
  });

  it('a pair in the wrong order (low, high) is refused', () => {
    expect(controlCharacterIssue('\ude00\ud83d')).toBe('contains a lone surrogate (U+DE00)');
  });

  it('names the first offending character', () => {
    expect(controlCharacterIssue('a\u0007b\u0000')).toBe('contains a control character (U+0007)');
  });
});

describe('plainText: the rule inside a zod schema', () => {
  const reason = plainText(z.string().trim().max(10, 'at most 10 characters'));

  it('keeps the schema (trim, max) and adds the rule', () => {
    expect(reason.parse('  ok  ')).toBe('ok');
    expect(reason.safeParse('x'.repeat(11)).error?.issues[0]?.message).toBe('at most 10 characters');
    expect(reason.safeParse('a\u0000').error?.issues).toEqual([expect.objectContaining({ code: 'custom', message: 'contains a control character (U+0000)' })]);
  });
});

function issuesOf(schema: z.ZodType, input: unknown, sensitive: string[] = []): FieldIssue[] {
  try {
    parseInput(schema, input, sensitive);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error('parseInput accepted invalid input');
}

describe('parseInput applies the rule to every string before the schema', () => {
  // A schema that would accept anything: the refusals below come from the text rule alone.
  const anything = z.any();
  const decision = z.strictObject({ decision: z.enum(['APPROVE', 'REJECT']), reason: z.string().trim().optional() });

  it('issue 7: a NUL reason is refused, named, with the value', () => {
    expect(issuesOf(decision, { decision: 'REJECT', reason: '\u0000' })).toEqual([
      { field: 'reason', value: '\u0000', reason: 'contains a control character (U+0000)' },
    ]);
  });

  it('a string the schema would trim away is still refused (the rule sees the raw input)', () => {
    expect(issuesOf(decision, { decision: 'REJECT', reason: ' \u001f ' })).toEqual([
      { field: 'reason', value: ' \u001f ', reason: 'contains a control character (U+001F)' },
    ]);
  });

  it('valid text with TAB, LF, CR, U+00A0 and emoji passes through the schema unchanged', () => {
    expect(parseInput(decision, { decision: 'REJECT', reason: 'line 1\r\n\tline 2\u00a0😀' })).toEqual({ decision: 'REJECT', reason: 'line 1\r\n\tline 2\u00a0😀' });
  });

  it('nested arrays and objects: the path names the field (items.3.name)', () => {
    const input = { items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd\u0080' }], owner: { contact: { email: ['x', '\ud800'] } } };
    expect(issuesOf(anything, input)).toEqual([
      { field: 'items.3.name', value: 'd\u0080', reason: 'contains a control character (U+0080)' },
      { field: 'owner.contact.email.1', value: '\ud800', reason: 'contains a lone surrogate (U+D800)' },
    ]);
  });

  it('a bare string input is reported against (body)', () => {
    expect(issuesOf(anything, 'a\u007f')).toEqual([{ field: '(body)', value: 'a\u007f', reason: 'contains a control character (U+007F)' }]);
  });

  it('an object key with a control character is refused, against the object holding it', () => {
    expect(issuesOf(anything, { 'na\u0000me': 'x' })).toEqual([{ field: '(body)', reason: 'a field name contains a control character (U+0000)' }]);
    expect(issuesOf(anything, { owner: { '\u009f': 1 } })).toEqual([{ field: 'owner', reason: 'a field name contains a control character (U+009F)' }]);
  });

  it('sensitive fields are named but their value is never echoed (§3.1)', () => {
    const issues = issuesOf(anything, { identity: { kind: 'SSN', number: '123-45-678\u0000' }, dateOfBirth: '1985\u0001' }, ['identity', 'dateOfBirth']);
    expect(issues).toEqual([
      { field: 'identity.number', reason: 'contains a control character (U+0000)' },
      { field: 'dateOfBirth', reason: 'contains a control character (U+0001)' },
    ]);
    expect(new ValidationError(issues).message).not.toMatch(/123-45/);
  });

  it('every bad string is reported, up to a bound', () => {
    expect(issuesOf(anything, { a: '\u0000', b: 'ok', c: '\u0001' }).map((i) => i.field)).toEqual(['a', 'c']);
    expect(issuesOf(anything, Array.from({ length: 1000 }, () => '\u0000'))).toHaveLength(MAX_INPUT_ISSUES);
  });

  it('numbers, booleans, null and non-plain objects are left to the schema', () => {
    const schema = z.strictObject({ n: z.number(), b: z.boolean(), x: z.null(), d: z.date() });
    const input = { n: 1, b: true, x: null, d: new Date('2026-01-01T00:00:00Z') };
    expect(parseInput(schema, input)).toEqual(input);
  });

  it(`nesting up to ${MAX_NESTING_DEPTH} levels is allowed, one more is refused`, () => {
    const nest = (levels: number): unknown => {
      let v: unknown = 'leaf';
      for (let i = 0; i < levels; i++) v = { a: v };
      return v;
    };
    expect(parseInput(anything, nest(MAX_NESTING_DEPTH))).toEqual(nest(MAX_NESTING_DEPTH));
    expect(issuesOf(anything, nest(MAX_NESTING_DEPTH + 1))).toEqual([{ field: '(body)', reason: `nested deeper than ${MAX_NESTING_DEPTH} levels` }]);
  });

  it('a 5,000-deep input (arrays and objects) is refused without a stack overflow, and the error serialises', () => {
    let deep: unknown = '\u0000';
    for (let i = 0; i < 5000; i++) deep = i % 2 ? [deep] : { a: deep };
    const issues = issuesOf(decision, deep);
    expect(issues).toEqual([{ field: '(body)', reason: `nested deeper than ${MAX_NESTING_DEPTH} levels` }]);
    expect(() => JSON.stringify(issues)).not.toThrow();
  });

  it('a cyclic input ends (refused as too deep) instead of looping', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(issuesOf(anything, cyclic)).toEqual([{ field: '(body)', reason: `nested deeper than ${MAX_NESTING_DEPTH} levels` }]);
  });
});
