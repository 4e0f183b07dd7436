/**
 * src/temporal/dev-server.ts devServerArgs and src/temporal/search-attributes.ts: the command line
 * `temporal server start-dev` gets, and the custom search attributes it registers. A search attribute
 * missing here makes every workflow that sets it fail on the dev server; too many would not register
 * on a PostgreSQL-backed Temporal (10 Keyword, 3 Datetime, 3 Int per namespace).
 */
import { SearchAttributeType } from '@temporalio/common';
import { devServerArgs } from '../../src/temporal/dev-server';
import { SA, SEARCH_ATTRIBUTE_CLI_TYPES } from '../../src/temporal/search-attributes';

const BASE = { ip: '127.0.0.1', port: 7233, namespace: 'default' };

/** The values following every occurrence of `flag`. */
function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? '<missing>'] : []));
}

const CLI_TYPE: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

const SA_ENTRIES = Object.entries(SA).map(([prop, key]) => [prop, key.name, key.type] as const);

describe('devServerArgs', () => {
  const args = devServerArgs({ ...BASE, uiPort: 8233 });

  it('starts the dev server on the given ip, port and namespace', () => {
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(valuesOf(args, '--ip')).toEqual(['127.0.0.1']);
    expect(valuesOf(args, '--port')).toEqual(['7233']);
    expect(valuesOf(args, '--namespace')).toEqual(['default']);
  });

  it.each(SA_ENTRIES)('registers %s as `--search-attribute %s=<type>`', (_prop, name, type) => {
    expect(valuesOf(args, '--search-attribute')).toContain(`${name}=${CLI_TYPE[type]}`);
  });

  it('registers exactly the attributes of SA, each once, and nothing else', () => {
    const registered = valuesOf(args, '--search-attribute');
    expect(registered.sort()).toEqual(SA_ENTRIES.map(([, name, type]) => `${name}=${CLI_TYPE[type]}`).sort());
    expect(new Set(registered).size).toBe(registered.length);
    for (const value of registered) expect(value).toMatch(/^[A-Za-z][A-Za-z0-9]*=(Keyword|Datetime|Int)$/);
  });

  it.each<[string, number | false, string[], string[]]>([
    ['uiPort false → --headless, no --ui-port', false, ['--headless'], ['--ui-port']],
    ['uiPort 8233 → --ui-port 8233, not headless', 8233, ['--ui-port', '8233'], ['--headless']],
    ['uiPort 0 → --ui-port 0 (a number, even zero, is not headless)', 0, ['--ui-port', '0'], ['--headless']],
  ])('%s', (_name, uiPort, present, absent) => {
    const a = devServerArgs({ ...BASE, uiPort });
    const at = a.indexOf(present[0]!);
    expect(at).toBeGreaterThan(-1);
    expect(a.slice(at, at + present.length)).toEqual(present);
    for (const flag of absent) expect(a).not.toContain(flag);
  });

  it.each<[string, string | undefined, string[]]>([
    ['given → --db-filename <file> (state survives restarts)', '/var/lib/ccm/temporal.db', ['/var/lib/ccm/temporal.db']],
    ['omitted → in memory, no --db-filename', undefined, []],
    ['empty → in memory, no --db-filename', '', []],
  ])('dbFilename %s', (_name, dbFilename, expected) => {
    expect(valuesOf(devServerArgs({ ...BASE, uiPort: false, dbFilename }), '--db-filename')).toEqual(expected);
  });

  it('passes free-port numbers and other namespaces through as strings', () => {
    const a = devServerArgs({ ip: '0.0.0.0', port: 41234, namespace: 'ccm-test', uiPort: 41235 });
    expect(valuesOf(a, '--ip')).toEqual(['0.0.0.0']);
    expect(valuesOf(a, '--port')).toEqual(['41234']);
    expect(valuesOf(a, '--ui-port')).toEqual(['41235']);
    expect(valuesOf(a, '--namespace')).toEqual(['ccm-test']);
    expect(a.every((x) => typeof x === 'string')).toBe(true);
  });

  it('keeps the server log quiet and machine-readable', () => {
    expect(valuesOf(args, '--log-level')).toEqual(['warn']);
    expect(valuesOf(args, '--log-format')).toEqual(['json']);
  });

  it('every flag that takes a value is followed by one (no flag swallowed by another)', () => {
    for (const flag of ['--ip', '--port', '--namespace', '--ui-port', '--log-level', '--log-format', '--search-attribute', '--dynamic-config-value']) {
      for (const v of valuesOf(args, flag)) expect(v.startsWith('--')).toBe(false);
    }
  });
});

describe('SEARCH_ATTRIBUTE_CLI_TYPES', () => {
  it.each(SA_ENTRIES)('%s (%s) maps to the CLI type of its key type %s', (_prop, name, type) => {
    expect(SEARCH_ATTRIBUTE_CLI_TYPES[name]).toBe(CLI_TYPE[type]);
  });

  it('has one entry per SA key and no other', () => {
    expect(Object.keys(SEARCH_ATTRIBUTE_CLI_TYPES).sort()).toEqual(SA_ENTRIES.map(([, name]) => name).sort());
  });
});

describe('SA (custom search attributes)', () => {
  const count = (type: string) => SA_ENTRIES.filter(([, , t]) => t === type).length;

  it('stays within the PostgreSQL visibility limit of 10 Keyword attributes', () => {
    expect(count(SearchAttributeType.KEYWORD)).toBeLessThanOrEqual(10);
  });

  it('stays within the PostgreSQL visibility limit of 3 Datetime attributes', () => {
    expect(count(SearchAttributeType.DATETIME)).toBeLessThanOrEqual(3);
  });

  it('stays within the PostgreSQL visibility limit of 3 Int attributes', () => {
    expect(count(SearchAttributeType.INT)).toBeLessThanOrEqual(3);
  });

  it('uses only Keyword, Datetime and Int (the types the CLI mapping knows)', () => {
    const known: string[] = [SearchAttributeType.KEYWORD, SearchAttributeType.DATETIME, SearchAttributeType.INT];
    expect(SA_ENTRIES.filter(([, , t]) => !known.includes(t))).toEqual([]);
  });

  it.each(SA_ENTRIES)('SA.%s is registered under the same name (%s)', (prop, name) => {
    expect(name).toBe(prop);
  });

  it('has unique names', () => {
    const names = SA_ENTRIES.map(([, name]) => name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each([['DueAt'], ['NextReviewAt'], ['SlaDeadline']])('%s is a Datetime (range queries on deadlines)', (name) => {
    expect(SEARCH_ATTRIBUTE_CLI_TYPES[name]).toBe('Datetime');
  });
});
