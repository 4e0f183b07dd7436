/**
 * src/api/body.ts `nestsDeeperThan`: the API's JSON parser measures nesting on the text, in one pass
 * and without recursion, before anything parses or walks the value (issue 7 defect 8: JSON nested
 * 5,000 deep answered 500). What the API answers is proven on the real stack in
 * test/integration/fuzz.test.ts.
 */
import { nestsDeeperThan } from '../../src/api/body';
import { MAX_NESTING_DEPTH } from '../../src/shared/text';

const objects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const arrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('nestsDeeperThan', () => {
  it.each([
    ['objects', objects],
    ['arrays', arrays],
  ])(`%s: ${MAX_NESTING_DEPTH} levels pass, ${MAX_NESTING_DEPTH + 1} do not`, (_name, nest) => {
    expect(nestsDeeperThan(nest(MAX_NESTING_DEPTH), MAX_NESTING_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nest(MAX_NESTING_DEPTH + 1), MAX_NESTING_DEPTH)).toBe(true);
  });

  it('mixed objects and arrays count together', () => {
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 4)).toBe(false);
  });

  it('siblings do not add up: depth is the deepest path, not the number of brackets', () => {
    expect(nestsDeeperThan(JSON.stringify(Array.from({ length: 1000 }, () => ({ a: [1] }))), 3)).toBe(false);
  });

  it('brackets inside strings do not count, escaped quotes do not end a string', () => {
    expect(nestsDeeperThan(JSON.stringify({ a: '[[[[{{{{' }), 1)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ a: 'say \\"[[[[\\" \\\\' }), 1)).toBe(false);
    expect(nestsDeeperThan('{"a":"\\\\"}', 1)).toBe(false); // an escaped backslash, then the closing quote
    expect(nestsDeeperThan('{"a":"\\\\","b":[[1]]}', 2)).toBe(true);
  });

  it('a 5,000-deep body is caught at once, and a megabyte of brackets without a stack', () => {
    expect(nestsDeeperThan(arrays(5000), MAX_NESTING_DEPTH)).toBe(true);
    expect(nestsDeeperThan('['.repeat(1_000_000), MAX_NESTING_DEPTH)).toBe(true);
  });

  it('scalars and empty text are depth 0', () => {
    expect(nestsDeeperThan('42', 0)).toBe(false);
    expect(nestsDeeperThan('"x"', 0)).toBe(false);
    expect(nestsDeeperThan('', 0)).toBe(false);
    expect(nestsDeeperThan('{}', 0)).toBe(true);
  });
});
