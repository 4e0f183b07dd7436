/**
 * src/domain/identity.ts: §2.3 step 1 "identity number complete and accurate". SSN, ITIN and EIN
 * have no check digit, so these tests pin the structure and every published range boundary; the
 * passport and business-registration checks, the one schema with field-level messages, and the
 * canonical value used for the blind index and de-duplication.
 */
import {
  canonicalIdentity,
  identitySchema,
  normalizeIdentity,
  toAlpha3,
  US_JURISDICTIONS,
  validateBusinessRegistration,
  validateEin,
  validateItin,
  validatePassport,
  validateSsn,
  type Checked,
} from '../../src/domain/identity';
import { parseInput, ValidationError, type FieldIssue } from '../../src/shared/errors';

function reasonOf<T>(result: Checked<T>): string {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
  return result.reason;
}

function issuesOf(input: unknown): FieldIssue[] {
  try {
    parseInput(identitySchema, input);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error(`identitySchema accepted ${JSON.stringify(input)}`);
}

describe('§2.3 validateSsn', () => {
  it.each([
    ['123-45-6789', '123456789'],
    ['123456789', '123456789'],
    ['  123-45-6789 ', '123456789'],
    ['001-01-0001', '001010001'], // lowest assignable area, group and serial
    ['665-99-9999', '665999999'], // just below 666
    ['667-01-0001', '667010001'], // just above 666
    ['899-99-9999', '899999999'], // highest assignable area
    ['734-12-3456', '734123456'], // formerly unassigned, assignable since the 2011 randomization
    ['078-05-1121', '078051121'], // next to the Woolworth number
  ])('accepts %j as %s', (input, normalized) => {
    expect(validateSsn(input)).toEqual({ ok: true, value: normalized });
  });

  it.each([
    ['', /9 digits/],
    ['12345678', /9 digits/],
    ['1234567890', /9 digits/],
    ['123-456789', /9 digits/],
    ['12-345-6789', /9 digits/],
    ['123 45 6789', /9 digits/],
    ['123-45-678a', /9 digits/],
    ['000-12-3456', /000/],
    ['666-12-3456', /666/],
    ['900-12-3456', /900–999/],
    ['999-99-9999', /900–999/],
    ['987-65-4320', /900–999/], // SSA's advertising block
    ['123-00-4567', /group number .*00/],
    ['123-45-0000', /serial number .*0000/],
    ['078-05-1120', /publicly known/], // Woolworth wallet insert
    ['219-09-9999', /publicly known/], // SSA pamphlet sample
    ['219099999', /publicly known/],
  ])('refuses %j (%s)', (input, reason) => {
    expect(reasonOf(validateSsn(input))).toMatch(reason);
  });

  it('§3.1 never echoes the number in its reason', () => {
    expect(reasonOf(validateSsn('078-05-1120'))).not.toMatch(/078|1120/);
  });
});

describe('§2.3 validateItin', () => {
  it.each(['50', '65', '70', '88', '90', '92', '94', '99'])('accepts group %s (a range boundary)', (group) => {
    expect(validateItin(`912-${group}-3456`)).toEqual({ ok: true, value: `912${group}3456` });
  });

  it('accepts 9 plain digits', () => {
    expect(validateItin('912783456')).toEqual({ ok: true, value: '912783456' });
  });

  it.each(['00', '49', '66', '69', '89', '93'])('refuses group %s (outside 50–65, 70–88, 90–92, 94–99)', (group) => {
    expect(reasonOf(validateItin(`912-${group}-3456`))).toMatch(/digits 4–5/);
  });

  it.each([
    ['812-78-3456', /starts with 9/],
    ['123-78-3456', /starts with 9/],
    ['912-78-345', /9 digits/],
    ['91278-3456', /9 digits/],
  ])('refuses %j', (input, reason) => {
    expect(reasonOf(validateItin(input))).toMatch(reason);
  });
});

describe('§2.3 validateEin', () => {
  // The IRS table "How EINs are assigned and valid EIN prefixes", written out independently.
  const IRS_VALID = (
    '01 02 03 04 05 06 10 11 12 13 14 15 16 20 21 22 23 24 25 26 27 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 ' +
    '50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 71 72 73 74 75 76 77 80 81 82 83 84 85 86 87 88 90 91 92 93 94 95 98 99'
  ).split(' ');
  const NEVER_VALID = ['00', '07', '08', '09', '17', '18', '19', '28', '29', '49', '69', '70', '78', '79', '89', '96', '97'];

  it('the two lists cover 00–99 exactly once (83 valid + 17 invalid)', () => {
    const all = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
    expect([...IRS_VALID, ...NEVER_VALID].sort()).toEqual(all);
  });

  it.each(IRS_VALID)('accepts IRS prefix %s', (prefix) => {
    expect(validateEin(`${prefix}-1234567`)).toEqual({ ok: true, value: `${prefix}1234567` });
  });

  it.each(NEVER_VALID)('refuses prefix %s (not IRS-assigned)', (prefix) => {
    expect(reasonOf(validateEin(`${prefix}-1234567`))).toMatch(/not an IRS-assigned EIN prefix/);
  });

  it.each([
    ['12-3456789', '123456789'],
    ['123456789', '123456789'],
    [' 31-0000001 ', '310000001'],
  ])('accepts %j as %s', (input, normalized) => {
    expect(validateEin(input)).toEqual({ ok: true, value: normalized });
  });

  it.each(['123-45-6789', '1-23456789', '12-345678', '12-34567890', '12 3456789', 'AB-1234567', ''])('refuses the format %j', (input) => {
    expect(reasonOf(validateEin(input))).toMatch(/12-3456789/);
  });
});

describe('§2.3 validatePassport', () => {
  it.each([
    [{ country: 'US', number: 'A12345678' }, { country: 'USA', number: 'A12345678' }],
    [{ country: 'usa', number: 'a12345678' }, { country: 'USA', number: 'A12345678' }],
    [{ country: 'USA', number: '123456789' }, { country: 'USA', number: '123456789' }], // older US book
    [{ country: 'USA', number: 'C12345678' }, { country: 'USA', number: 'C12345678' }], // passport card
    [{ country: 'GB', number: '123456789' }, { country: 'GBR', number: '123456789' }],
    [{ country: 'DEU', number: 'C01X00T47' }, { country: 'DEU', number: 'C01X00T47' }],
    [{ country: 'CA', number: 'AB123456' }, { country: 'CAN', number: 'AB123456' }],
    [{ country: 'IN', number: 'J8369854' }, { country: 'IND', number: 'J8369854' }],
    [{ country: 'FR', number: '12AB34' }, { country: 'FRA', number: '12AB34' }], // 6: shortest
    [{ country: ' jp ', number: ' TK 1234567 ' }, { country: 'JPN', number: 'TK1234567' }],
  ])('accepts %j', (input, value) => {
    expect(validatePassport(input)).toEqual({ ok: true, value });
  });

  it.each([
    [{ country: 'US', number: 'AB1234567' }, 'number', /US passport/],
    [{ country: 'USA', number: '12345678' }, 'number', /US passport/],
    [{ country: 'USA', number: 'A1234567' }, 'number', /US passport/],
    [{ country: 'GB', number: '12345' }, 'number', /6–9/],
    [{ country: 'GB', number: '1234567890' }, 'number', /6–9/],
    [{ country: 'GB', number: 'AB-12345' }, 'number', /6–9/],
    [{ country: 'UK', number: '123456789' }, 'country', /ISO 3166-1/], // GB is the code
    [{ country: 'XK', number: '123456789' }, 'country', /ISO 3166-1/], // Kosovo: user-assigned, not ISO
    [{ country: 'AN', number: '123456789' }, 'country', /ISO 3166-1/], // withdrawn (Netherlands Antilles)
    [{ country: 'ZZZ', number: '123456789' }, 'country', /ISO 3166-1/],
    [{ country: 'U', number: '123456789' }, 'country', /ISO 3166-1/],
    [{ country: '', number: '123456789' }, 'country', /ISO 3166-1/],
  ])('refuses %j on %s', (input, field, reason) => {
    const result = validatePassport(input);
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ field });
    expect(reasonOf(result)).toMatch(reason);
  });

  it.each([
    ['SS', 'SSD'],
    ['ax', 'ALA'],
    ['CW', 'CUW'],
    ['TW', 'TWN'],
    ['PSE', 'PSE'],
    ['xx', undefined],
    ['EU', undefined],
  ])('toAlpha3(%j) = %j', (code, alpha3) => {
    expect(toAlpha3(code)).toBe(alpha3);
  });
});

describe('§2.3 validateBusinessRegistration', () => {
  it('knows 56 jurisdictions: 50 states, DC and 5 territories', () => {
    expect(US_JURISDICTIONS).toHaveLength(56);
    expect(new Set(US_JURISDICTIONS).size).toBe(56);
  });

  it.each([
    [{ state: 'DE', number: '1234567' }, { state: 'DE', number: '1234567' }],
    [{ state: 'ca', number: 'c1234567' }, { state: 'CA', number: 'C1234567' }],
    [{ state: 'DC', number: 'L00001234567' }, { state: 'DC', number: 'L00001234567' }],
    [{ state: 'PR', number: '123-456' }, { state: 'PR', number: '123-456' }],
    [{ state: 'GU', number: '1' }, { state: 'GU', number: '1' }],
    [{ state: 'NY', number: 'A'.repeat(20) }, { state: 'NY', number: 'A'.repeat(20) }],
  ])('accepts %j', (input, value) => {
    expect(validateBusinessRegistration(input)).toEqual({ ok: true, value });
  });

  it.each([
    [{ state: 'ZZ', number: '1' }, 'state', /state, DC or territory/],
    [{ state: 'UM', number: '1' }, 'state', /state, DC or territory/], // uninhabited, no registry
    [{ state: 'AE', number: '1' }, 'state', /state, DC or territory/], // military mail code
    [{ state: 'Delaware', number: '1' }, 'state', /state, DC or territory/],
    [{ state: 'DE', number: '' }, 'number', /must not be empty/],
    [{ state: 'DE', number: '   ' }, 'number', /must not be empty/],
    [{ state: 'DE', number: 'A'.repeat(21) }, 'number', /1–20/],
    [{ state: 'DE', number: 'ABC_123' }, 'number', /1–20/],
    [{ state: 'DE', number: 'ABC 123' }, 'number', /1–20/],
    [{ state: 'DE', number: '--' }, 'number', /letter or digit/],
  ])('refuses %j on %s', (input, field, reason) => {
    const result = validateBusinessRegistration(input);
    expect(result).toMatchObject({ ok: false, field });
    expect(reasonOf(result)).toMatch(reason);
  });
});

describe('§2.3 identitySchema: one discriminated union, field-level messages', () => {
  it.each([
    [{ kind: 'SSN', number: '666-12-3456' }, 'number', /666/],
    [{ kind: 'ITIN', number: '912-93-3456' }, 'number', /digits 4–5/],
    [{ kind: 'EIN', number: '00-1234567' }, 'number', /prefix/],
    [{ kind: 'PASSPORT', country: 'XX', number: 'A12345678' }, 'country', /ISO 3166-1/],
    [{ kind: 'PASSPORT', country: 'US', number: 'AB1234567' }, 'number', /US passport/],
    [{ kind: 'PASSPORT', country: 'GB', number: '123' }, 'number', /6–9/],
    [{ kind: 'BUSINESS_REGISTRATION', state: 'XX', number: '1' }, 'state', /state/],
    [{ kind: 'BUSINESS_REGISTRATION', state: 'DE', number: '' }, 'number', /empty/],
    [{ kind: 'DRIVER_LICENSE', number: '1' }, 'kind', /SSN/],
    [{ kind: 'SSN' }, 'number', /expected string/],
  ])('%j → the issue names %s', (input, field, reason) => {
    const issues = issuesOf(input);
    expect(issues.map((i) => i.field)).toEqual([field]);
    expect(issues[0]!.reason).toMatch(reason);
  });

  it('names every bad field at once', () => {
    expect(issuesOf({ kind: 'PASSPORT', country: 'XX', number: '1' }).map((i) => i.field).sort()).toEqual(['country', 'number']);
  });

  it('refuses unknown fields', () => {
    expect(issuesOf({ kind: 'SSN', number: '123-45-6789', country: 'US' })).toEqual([{ field: 'country', reason: 'unknown field' }]);
  });

  it('outputs the normalized fields', () => {
    expect(identitySchema.parse({ kind: 'PASSPORT', country: 'us', number: 'a1234 5678' })).toEqual({
      kind: 'PASSPORT',
      country: 'USA',
      number: 'A12345678',
    });
  });
});

describe('§2.3 normalizeIdentity: the canonical value for the blind index and de-duplication', () => {
  it.each([
    [{ kind: 'SSN', number: '123-45-6789' }, { kind: 'SSN', value: 'SSN:123456789', last4: '6789' }],
    [{ kind: 'ITIN', number: '912-70-3456' }, { kind: 'ITIN', value: 'ITIN:912703456', last4: '3456' }],
    [{ kind: 'EIN', number: '12-3456789' }, { kind: 'EIN', value: 'EIN:123456789', last4: '6789' }],
    [
      { kind: 'PASSPORT', country: 'us', number: 'a12345678' },
      { kind: 'PASSPORT', value: 'PASSPORT:USA:A12345678', last4: '5678', issuer: 'USA' },
    ],
    [
      { kind: 'BUSINESS_REGISTRATION', state: 'de', number: 'ab-123' },
      { kind: 'BUSINESS_REGISTRATION', value: 'BUSINESS_REGISTRATION:DE:AB-123', last4: '-123', issuer: 'DE' },
    ],
  ])('%j → %j', (input, expected) => {
    expect(normalizeIdentity(input)).toEqual(expected);
  });

  it.each([
    [{ kind: 'SSN', number: '123-45-6789' }, { kind: 'SSN', number: ' 123456789 ' }],
    [{ kind: 'EIN', number: '12-3456789' }, { kind: 'EIN', number: '123456789' }],
    [
      { kind: 'PASSPORT', country: 'GB', number: '123 456 789' },
      { kind: 'PASSPORT', country: 'gbr', number: '123456789' },
    ],
  ])('the same identity written two ways has one value: %j, %j', (a, b) => {
    expect(normalizeIdentity(a).value).toBe(normalizeIdentity(b).value);
  });

  it('an SSN and an EIN with the same nine digits do not collide', () => {
    expect(normalizeIdentity({ kind: 'SSN', number: '123456789' }).value).not.toBe(normalizeIdentity({ kind: 'EIN', number: '123456789' }).value);
  });

  it('the same passport number from two countries does not collide', () => {
    expect(normalizeIdentity({ kind: 'PASSPORT', country: 'GB', number: '123456789' }).value).not.toBe(
      normalizeIdentity({ kind: 'PASSPORT', country: 'IE', number: '123456789' }).value,
    );
  });

  it('throws a ValidationError naming the field', () => {
    expect(() => normalizeIdentity({ kind: 'SSN', number: '000-12-3456' })).toThrow(ValidationError);
    expect(() => normalizeIdentity({ kind: 'SSN', number: '000-12-3456' })).toThrow(/^number: area number/);
  });

  it('canonicalIdentity works on an identity parsed inside a larger DTO', () => {
    const parsed = identitySchema.parse({ kind: 'ITIN', number: '912-70-3456' });
    expect(canonicalIdentity(parsed)).toEqual({ kind: 'ITIN', value: 'ITIN:912703456', last4: '3456' });
  });
});
