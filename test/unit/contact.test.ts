/**
 * src/domain/contact.ts: §2.3 step 1 "name, contact details … complete and accurate" and the §5.1
 * contact channels. Each schema is tried at its boundaries; what it accepts comes out normalized.
 */
import { type z } from 'zod';
import {
  contactPreferencesSchema,
  dateOfBirthSchema,
  emailSchema,
  personNameSchema,
  phoneSchema,
  phoneSchemaFor,
  US_POSTAL_STATE_CODES,
  usPostalAddressSchema,
} from '../../src/domain/contact';

/** The messages of a refusal, each prefixed with its path ("zip: …"); fails the test on success. */
function refusal(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`accepted ${JSON.stringify(input)} as ${JSON.stringify(result.data)}`);
  return result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
}

describe('§2.3 personNameSchema', () => {
  it.each([
    ['Ann', 'Ann'],
    ['  Ann  ', 'Ann'],
    ['José', 'José'],
    ['Jose\u0301', 'José'], // combining accent → composed (NFC)
    ['Zoë Ångström', 'Zoë Ångström'],
    ['Nguyễn Thị Minh', 'Nguyễn Thị Minh'],
    ["O'Brien", "O'Brien"],
    ['O’Brien', 'O’Brien'],
    ['Anne-Marie', 'Anne-Marie'],
    ['St. John', 'St. John'],
    ['Martin Luther King Jr.', 'Martin Luther King Jr.'],
    ["'t Hooft", "'t Hooft"],
    ['Mary   Ann', 'Mary Ann'],
    ['李小龍', '李小龍'],
    ['Владимир', 'Владимир'],
    ['A', 'A'],
    ['a'.repeat(100), 'a'.repeat(100)],
  ])('accepts %j as %j', (input, output) => {
    expect(personNameSchema.parse(input)).toBe(output);
  });

  it.each([
    ['', /must not be empty/],
    ['   ', /must not be empty/],
    ['a'.repeat(101), /at most 100/],
    ['R2D2', /only letters/],
    ['Henry 8', /only letters/],
    ['John\tSmith', /only letters/],
    ['John\nSmith', /only letters/],
    ['John\u0000', /only letters/],
    ['Ann_Lee', /only letters/],
    ['Ann, Lee', /only letters/],
    ['Ann 😀', /only letters/],
    ['<script>', /only letters/],
    ["-'.", /must contain a letter/],
  ])('refuses %j', (input, reason) => {
    expect(refusal(personNameSchema, input).join('; ')).toMatch(reason);
  });

  it('refuses a non-string', () => {
    expect(refusal(personNameSchema, 42).join()).toMatch(/expected string/);
  });
});

describe('§2.3 emailSchema', () => {
  /** A syntactically valid address of exactly `length` characters (64-character local part). */
  const addressOfLength = (length: number) => {
    const fixed = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.`;
    return `${fixed}${'d'.repeat(length - fixed.length - 4)}.com`;
  };

  it.each([
    ['ann@bank.example', 'ann@bank.example'],
    ['  ann@bank.example ', 'ann@bank.example'],
    ['Ann.Lee@Bank.EXAMPLE', 'Ann.Lee@bank.example'], // domain lower-cased, local part kept
    ['user+tag@sub.example.org', 'user+tag@sub.example.org'],
    ["o'brien@example.ie", "o'brien@example.ie"],
  ])('accepts %j as %j', (input, output) => {
    expect(emailSchema.parse(input)).toBe(output);
  });

  it('accepts 254 characters', () => {
    const address = addressOfLength(254);
    expect(address).toHaveLength(254);
    expect(emailSchema.parse(address)).toBe(address);
  });

  it('refuses 255 characters', () => {
    const address = addressOfLength(255);
    expect(address).toHaveLength(255);
    expect(refusal(emailSchema, address)).toEqual(['at most 254 characters']);
  });

  it.each(['', 'ann', 'ann@', '@bank.example', 'ann@bank', 'ann@@bank.example', 'ann lee@bank.example', 'ann@bank..example', '.ann@bank.example', 'ann.@bank.example'])(
    'refuses %j',
    (input) => {
      expect(refusal(emailSchema, input)).toEqual(['an email address such as name@example.com']);
    },
  );
});

describe('§2.3 phoneSchema (E.164, default region US)', () => {
  it.each([
    ['(213) 373-4253', '+12133734253'],
    ['213-373-4253', '+12133734253'],
    ['213.373.4253', '+12133734253'],
    ['2133734253', '+12133734253'],
    ['1-213-373-4253', '+12133734253'],
    ['+1 213 373 4253', '+12133734253'],
    ['  +1 (213) 373-4253  ', '+12133734253'],
    ['+1 (787) 555-0123', '+17875550123'], // Puerto Rico, NANP
    ['+1 416 555 0199', '+14165550199'], // Canada, NANP
    ['+44 20 7946 0958', '+442079460958'],
    ['+44 7911 123456', '+447911123456'],
    ['011 44 20 7946 0958', '+442079460958'], // US international dialing prefix
    ['+33 6 12 34 56 78', '+33612345678'],
    ['+49 30 901820', '+4930901820'],
    ['+81 3-1234-5678', '+81312345678'],
    ['+55 11 98765-4321', '+5511987654321'],
    ['+91 98765 43210', '+919876543210'],
  ])('accepts %j as %s', (input, e164) => {
    expect(phoneSchema.parse(input)).toBe(e164);
  });

  it.each([
    ['', /valid phone number/],
    ['123', /valid phone number/],
    ['911', /valid phone number/],
    ['213-373-425', /valid phone number/], // too short
    ['+1 213 373 42530', /valid phone number/], // too long
    ['+1 555 555 5555', /valid phone number/], // 555 is not an area code
    ['(000) 000-0000', /valid phone number/],
    ['020 7946 0958', /valid phone number/], // a UK national number read as US
    ['+44 20 7946 095', /valid phone number/],
    ['+999 1234 5678', /valid phone number/], // no such country code
    ['Call: (213) 373-4253', /valid phone number/],
    ['213-373-4253 (mobile)', /valid phone number/],
    ['+1 800 FLOWERS', /valid phone number/],
    ['212 555 0100 ext. 12', /extensions are not supported/],
  ])('refuses %j', (input, reason) => {
    expect(refusal(phoneSchema, input).join()).toMatch(reason);
  });

  it('reads national numbers in another default region when asked', () => {
    expect(phoneSchemaFor('GB').parse('020 7946 0958')).toBe('+442079460958');
    expect(refusal(phoneSchemaFor('GB'), '(213) 373-4253').join()).toMatch(/or a GB number/);
  });
});

describe('§2.3 dateOfBirthSchema(today)', () => {
  const today = '2026-05-15';
  const dob = dateOfBirthSchema(today);

  it.each(['2000-01-31', '2024-02-29', '2000-02-29', '1900-01-01', '1999-12-31', today, ' 1980-06-15 '])('accepts %j', (input) => {
    expect(dob.parse(input)).toBe(input.trim());
  });

  it.each([
    ['2023-02-29', /not a real calendar date/], // 2023 is not a leap year
    ['2025-02-29', /not a real calendar date/],
    ['1900-02-29', /not a real calendar date/], // century, not divisible by 400
    ['2026-04-31', /not a real calendar date/],
    ['2026-13-01', /not a real calendar date/],
    ['2026-00-10', /not a real calendar date/],
    ['2026-01-00', /not a real calendar date/],
    ['1899-12-31', /before 1900-01-01/],
    ['0999-01-01', /before 1900-01-01/],
    ['2026-05-16', /in the future/], // tomorrow
    ['2027-01-01', /in the future/],
    ['2000-1-1', /YYYY-MM-DD/],
    ['01/02/2000', /YYYY-MM-DD/],
    ['2000-01-01T00:00:00Z', /YYYY-MM-DD/],
    ['', /YYYY-MM-DD/],
  ])('refuses %j', (input, reason) => {
    const messages = refusal(dob, input);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(reason);
  });

  it.each(['2026-02-30', '15/05/2026', ''])('refuses to build with an invalid today %j', (bad) => {
    expect(() => dateOfBirthSchema(bad)).toThrow(RangeError);
  });
});

describe('§2.3 usPostalAddressSchema', () => {
  const valid = { line1: '1 Main St', city: 'Springfield', state: 'IL', zip: '62701' };

  it('accepts and normalizes a full address', () => {
    expect(
      usPostalAddressSchema.parse({ line1: '  350  Fifth Avenue ', line2: ' Suite 3300', city: ' New  York ', state: 'ny', zip: '101180110' }),
    ).toEqual({ line1: '350 Fifth Avenue', line2: 'Suite 3300', city: 'New York', state: 'NY', zip: '10118-0110' });
  });

  it.each([
    [{ ...valid }, { ...valid }],
    [{ ...valid, line2: '' }, { ...valid }], // empty line2 counts as absent
    [{ ...valid, line2: '   ' }, { ...valid }],
    [{ ...valid, zip: '62701-1234' }, { ...valid, zip: '62701-1234' }],
    [{ ...valid, zip: '627011234' }, { ...valid, zip: '62701-1234' }],
    [{ ...valid, city: "Coeur d'Alene", state: 'ID', zip: '83814' }, { ...valid, city: "Coeur d'Alene", state: 'ID', zip: '83814' }],
    [{ ...valid, city: 'Mayagüez', state: 'PR', zip: '00680' }, { ...valid, city: 'Mayagüez', state: 'PR', zip: '00680' }],
    [{ ...valid, city: 'St. Louis', state: 'MO' }, { ...valid, city: 'St. Louis', state: 'MO' }],
    [{ ...valid, line1: 'Unit 2050 Box 4190', city: 'APO', state: 'AP', zip: '96278' }, { ...valid, line1: 'Unit 2050 Box 4190', city: 'APO', state: 'AP', zip: '96278' }],
    [{ ...valid, state: 'dc' }, { ...valid, state: 'DC' }],
  ])('accepts %j', (input, output) => {
    expect(usPostalAddressSchema.parse(input)).toEqual(output);
  });

  it('knows the USPS codes: 50 states, DC, 8 territories and freely associated states, 3 military', () => {
    expect(US_POSTAL_STATE_CODES).toHaveLength(62);
    expect(new Set(US_POSTAL_STATE_CODES).size).toBe(62);
  });

  it.each([
    [{ ...valid, zip: '6270' }, 'zip: a ZIP code: 12345 or 12345-6789'],
    [{ ...valid, zip: '627011' }, 'zip: a ZIP code: 12345 or 12345-6789'],
    [{ ...valid, zip: '62701-123' }, 'zip: a ZIP code: 12345 or 12345-6789'],
    [{ ...valid, zip: '62701 1234' }, 'zip: a ZIP code: 12345 or 12345-6789'],
    [{ ...valid, zip: 'ABCDE' }, 'zip: a ZIP code: 12345 or 12345-6789'],
    [{ ...valid, state: 'ZZ' }, 'state: a USPS state or territory code such as NY, DC or PR'],
    [{ ...valid, state: 'Illinois' }, 'state: a USPS state or territory code such as NY, DC or PR'],
    [{ ...valid, line1: '' }, 'line1: must not be empty'],
    [{ ...valid, line1: '1 Main\nSt' }, 'line1: must not contain control characters'],
    [{ ...valid, line1: 'x'.repeat(101) }, 'line1: at most 100 characters'],
    [{ ...valid, line2: 'Apt\u00001' }, 'line2: must not contain control characters'],
    [{ ...valid, city: '' }, 'city: must not be empty'],
    [{ ...valid, city: 'Area 51' }, 'city: only letters, spaces, hyphens, apostrophes and periods'],
    [{ ...valid, city: 'x'.repeat(51) }, 'city: at most 50 characters'],
  ])('refuses %j', (input, message) => {
    expect(refusal(usPostalAddressSchema, input)).toEqual([message]);
  });

  it('refuses missing and unknown fields', () => {
    expect(refusal(usPostalAddressSchema, { line1: '1 Main St', city: 'Springfield', state: 'IL' })).toEqual([
      'zip: Invalid input: expected string, received undefined',
    ]);
    expect(refusal(usPostalAddressSchema, { ...valid, country: 'US' }).join()).toMatch(/country/);
  });
});

describe('§5.1 contactPreferencesSchema', () => {
  it('defaults: email and phone on, SMS off until consented, not opted out of marketing', () => {
    expect(contactPreferencesSchema.parse({})).toEqual({ email: true, sms: false, phone: true, marketingOptOut: false });
  });

  it('keeps what the customer chose', () => {
    expect(contactPreferencesSchema.parse({ email: false, sms: true, marketingOptOut: true })).toEqual({
      email: false,
      sms: true,
      phone: true,
      marketingOptOut: true,
    });
  });

  it.each([
    [{ sms: 'yes' }, /sms/],
    [{ email: 1 }, /email/],
    [{ fax: true }, /fax/],
  ])('refuses %j', (input, field) => {
    expect(refusal(contactPreferencesSchema, input).join()).toMatch(field);
  });
});
