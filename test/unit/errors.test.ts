/**
 * src/shared/errors.ts: parseInput turns a schema failure into a ValidationError that tells the caller
 * which field is wrong, what it was and why; the API returns these issues as a 400 body.
 */
import { z } from 'zod';
import { ConflictError, NotFoundError, parseInput, ValidationError, type FieldIssue } from '../../src/shared/errors';

const reminderLike = z.strictObject({
  key: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and -'),
  subject: z.string().trim().min(1, 'must not be empty'),
  dueAt: z.iso.datetime({ offset: true, message: 'an ISO-8601 date-time with offset' }),
  owner: z.strictObject({
    staffId: z.string().min(1, 'must not be empty'),
    contact: z.strictObject({ email: z.email('an email address') }),
  }),
  tags: z.array(z.strictObject({ name: z.string().min(1, 'must not be empty') })).optional(),
});

const VALID = {
  key: 'case-42',
  subject: '  Call the customer back  ',
  dueAt: '2026-12-01T09:00:00Z',
  owner: { staffId: 's-1', contact: { email: 'ann@bank.example' } },
};

function issuesOf(schema: z.ZodType, input: unknown): FieldIssue[] {
  try {
    parseInput(schema, input);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error('parseInput accepted invalid input');
}

describe('parseInput', () => {
  it('returns the parsed (transformed) value for valid input', () => {
    expect(parseInput(reminderLike, VALID)).toEqual({ ...VALID, subject: 'Call the customer back' });
  });

  it.each<[string, unknown, FieldIssue[]]>([
    [
      'a bad top-level value',
      { ...VALID, key: 'Case 42' },
      [{ field: 'key', value: 'Case 42', reason: 'lower-case letters, digits and -' }],
    ],
    [
      'a value that fails after trimming',
      { ...VALID, subject: '   ' },
      [{ field: 'subject', value: '   ', reason: 'must not be empty' }],
    ],
    [
      'a date-time without offset',
      { ...VALID, dueAt: '2026-12-01 09:00' },
      [{ field: 'dueAt', value: '2026-12-01 09:00', reason: 'an ISO-8601 date-time with offset' }],
    ],
    [
      'a nested value, path joined with "."',
      { ...VALID, owner: { staffId: '', contact: { email: 'ann@bank.example' } } },
      [{ field: 'owner.staffId', value: '', reason: 'must not be empty' }],
    ],
    [
      'a doubly nested value',
      { ...VALID, owner: { staffId: 's-1', contact: { email: 'ann' } } },
      [{ field: 'owner.contact.email', value: 'ann', reason: 'an email address' }],
    ],
    [
      'an array element, index in the path',
      { ...VALID, tags: [{ name: 'vip' }, { name: '' }] },
      [{ field: 'tags.1.name', value: '', reason: 'must not be empty' }],
    ],
    [
      'one unknown top-level key',
      { ...VALID, priority: 'high' },
      [{ field: 'priority', reason: 'unknown field' }],
    ],
    [
      'several unknown keys: one issue per key',
      { ...VALID, priority: 'high', channel: 'sms' },
      [
        { field: 'priority', reason: 'unknown field' },
        { field: 'channel', reason: 'unknown field' },
      ],
    ],
    [
      'an unknown nested key, path joined with "."',
      { ...VALID, owner: { ...VALID.owner, contact: { email: 'ann@bank.example', phone: '555' } } },
      [{ field: 'owner.contact.phone', reason: 'unknown field' }],
    ],
    [
      'an unknown key inside an array element',
      { ...VALID, tags: [{ name: 'vip', colour: 'gold' }] },
      [{ field: 'tags.0.colour', reason: 'unknown field' }],
    ],
  ])('%s', (_name, input, expected) => {
    expect(issuesOf(reminderLike, input)).toEqual(expected);
  });

  it('a missing field is named, with no value', () => {
    const { subject: _omitted, ...withoutSubject } = VALID;
    const issues = issuesOf(reminderLike, withoutSubject);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'subject', value: undefined });
    expect(issues[0]?.reason).toEqual(expect.any(String));
    expect(() => parseInput(reminderLike, withoutSubject)).toThrow(/^subject: [^;]+$/);
    expect(() => parseInput(reminderLike, withoutSubject)).not.toThrow(/\(got/);
  });

  it('a wrong type reports the value received', () => {
    expect(issuesOf(reminderLike, { ...VALID, key: 42 })).toEqual([
      { field: 'key', value: 42, reason: expect.stringMatching(/string/) },
    ]);
  });

  it('reports every bad field at once (bad values and unknown keys together)', () => {
    const issues = issuesOf(reminderLike, {
      ...VALID,
      key: 'BAD',
      owner: { staffId: '', contact: { email: 'x' } },
      extra: true,
    });
    expect(issues.map((i) => i.field).sort()).toEqual(['extra', 'key', 'owner.contact.email', 'owner.staffId']);
  });

  it.each<[string, unknown]>([
    ['a string', 'key=case-42'],
    ['null', null],
    ['an array', [VALID]],
  ])('a body that is %s is reported against (body)', (_name, body) => {
    expect(issuesOf(reminderLike, body)).toEqual([{ field: '(body)', value: body, reason: expect.any(String) }]);
  });

  it('unknown keys are reported even when the body is otherwise empty', () => {
    const issues = issuesOf(z.strictObject({ a: z.string().optional() }), { b: 1 });
    expect(issues).toEqual([{ field: 'b', reason: 'unknown field' }]);
  });
});

describe('ValidationError', () => {
  it('message lists "field: reason (got value)" per issue, separated by "; "', () => {
    const err = new ValidationError([
      { field: 'key', value: 'Case 42', reason: 'lower-case letters' },
      { field: 'owner.staffId', value: 7, reason: 'expected string' },
      { field: 'priority', reason: 'unknown field' },
    ]);
    expect(err.message).toBe('key: lower-case letters (got "Case 42"); owner.staffId: expected string (got 7); priority: unknown field');
    expect(err.name).toBe('ValidationError');
    expect(err).toBeInstanceOf(Error);
  });

  it.each<[unknown, string]>([
    [null, 'f: r (got null)'],
    ['', 'f: r (got "")'],
    [0, 'f: r (got 0)'],
    [false, 'f: r (got false)'],
    [{ a: 1 }, 'f: r (got {"a":1})'],
    [undefined, 'f: r'],
  ])('shows value %j as %j', (value, message) => {
    expect(new ValidationError([{ field: 'f', value, reason: 'r' }]).message).toBe(message);
  });

  it('parseInput errors carry the same issues in the message', () => {
    try {
      parseInput(reminderLike, { ...VALID, key: 'Case 42', x: 1 });
      throw new Error('not thrown');
    } catch (err) {
      expect((err as Error).message).toBe('key: lower-case letters, digits and - (got "Case 42"); x: unknown field');
    }
  });
});

describe('NotFoundError and ConflictError', () => {
  it('NotFoundError keeps its message and name', () => {
    const err = new NotFoundError('reminder case-42 not found');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('NotFoundError');
    expect(err.message).toBe('reminder case-42 not found');
  });

  it('ConflictError carries the existing object for the response body', () => {
    const existing = { key: 'case-42', status: 'SCHEDULED' };
    const err = new ConflictError('reminder case-42 already exists', existing);
    expect(err.name).toBe('ConflictError');
    expect(err.message).toBe('reminder case-42 already exists');
    expect(err.existing).toBe(existing);
    expect(new ConflictError('x').existing).toBeUndefined();
  });
});

describe('fixed defects (regression tests)', () => {
  // was a bug in src/shared/errors.ts:16 — JSON.stringify(value) throws for a BigInt (or a cyclic object), so a
  // caller of parseInput gets a TypeError instead of the ValidationError (→ 500 instead of 400).
  it('a BigInt value still yields a ValidationError', () => {
    expect(() => parseInput(z.object({ n: z.number() }), { n: BigInt(1) })).toThrow(ValidationError);
  });
});
