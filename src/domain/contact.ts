/**
 * §2.3 step 1 "name, contact details … complete and accurate" and §5.1 contact channels: zod
 * schemas for a person's name, email, phone, date of birth and US postal address, and the
 * customer's contact preferences. Each schema trims and normalizes what it accepts, so what is
 * stored is canonical (E.164 phone, lower-case email domain, ZIP+4 with a hyphen, upper-case state).
 *
 * Pure: no clock is read here (the date-of-birth schema is given today's date), no Node built-ins.
 * Phone numbers are checked by libphonenumber-js with its full ("max") metadata, which validates
 * the digits against each region's numbering plan, not only the length.
 */
import { isValidPhoneNumber, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import { isIsoDate } from './business-calendar';
import { US_STATES, US_TERRITORIES } from './identity';

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/**
 * Letters of any script (incl. accented, precomposed or combining), spaces, hyphen, apostrophe
 * (ASCII ' or typographic ’) and period: "José", "O'Brien", "Anne-Marie", "St. John", "'t Hooft".
 */
const NAME_CHARS = /^[\p{L}\p{M} '’.-]+$/u;

/** Trimmed, NFC-normalised, single-spaced text of name characters, 1 to `max` long (names, cities). */
function nameLikeText(max: number, refine: (text: z.ZodString) => z.ZodString = (t) => t) {
  return z
    .string()
    .trim()
    .transform((s) => s.normalize('NFC').replace(/ {2,}/g, ' '))
    .pipe(
      refine(
        z
          .string()
          .min(1, { message: 'must not be empty', abort: true })
          .max(max, `at most ${max} characters`)
          .regex(NAME_CHARS, 'only letters, spaces, hyphens, apostrophes and periods'),
      ),
    );
}

/**
 * A person's name (given, family or full): trimmed, Unicode NFC, runs of spaces collapsed; 1–100
 * characters; letters, spaces, - ' ’ and . only, with at least one letter. Digits, control
 * characters (tabs, newlines), emoji and other symbols are refused.
 */
export const personNameSchema = nameLikeText(100, (t) => t.regex(/\p{L}/u, 'must contain a letter'));

// ---------------------------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------------------------

/**
 * An email address: trimmed, at most 254 characters (RFC 5321 path limit), zod's address syntax;
 * the domain is lower-cased (domains are case-insensitive), the local part is kept as typed
 * (RFC 5321 leaves its case to the receiving server).
 */
export const emailSchema = z
  .string()
  .trim()
  .max(254, 'at most 254 characters')
  .pipe(z.email('an email address such as name@example.com'))
  .transform((address) => {
    const at = address.lastIndexOf('@');
    return address.slice(0, at) + address.slice(at).toLowerCase();
  });

// ---------------------------------------------------------------------------------------------
// Phone
// ---------------------------------------------------------------------------------------------

/**
 * A phone number, normalized to E.164 (+12133734253). Numbers without a leading + are read in
 * `defaultRegion`'s national format. The number must be valid in its region's numbering plan
 * (libphonenumber-js `isValidPhoneNumber` with full metadata); text around it ("Call: …") and
 * extensions are refused, since E.164 cannot carry an extension and dropping it would lose it.
 */
export function phoneSchemaFor(defaultRegion: CountryCode) {
  return z
    .string()
    .trim()
    .transform((text, ctx) => {
      const parsed = isValidPhoneNumber(text, defaultRegion) ? parsePhoneNumberFromString(text, defaultRegion) : undefined;
      if (!parsed) {
        ctx.addIssue({ code: 'custom', message: `a valid phone number: +<country code> <number>, or a ${defaultRegion} number` });
        return z.NEVER;
      }
      if (parsed.ext !== undefined) {
        ctx.addIssue({ code: 'custom', message: 'extensions are not supported; give the number without "ext."' });
        return z.NEVER;
      }
      return parsed.number;
    });
}

/** A phone number, default region US (see phoneSchemaFor). */
export const phoneSchema = phoneSchemaFor('US');

// ---------------------------------------------------------------------------------------------
// Date of birth
// ---------------------------------------------------------------------------------------------

export const EARLIEST_DATE_OF_BIRTH = '1900-01-01';

/**
 * A date of birth: YYYY-MM-DD, a real calendar date (no 29 Feb in a non-leap year), not before
 * 1900-01-01 and not after `today`. `today` is the caller's current date (YYYY-MM-DD), e.g.
 * `calendarDateIn(clock.now(), 'America/New_York')` from ./business-calendar; this module reads no
 * clock. The §2.1 minimum age is a policy rule and is checked by the classification, not here.
 */
export function dateOfBirthSchema(today: string) {
  if (!isIsoDate(today)) throw new RangeError(`today must be a calendar date (YYYY-MM-DD), got ${JSON.stringify(today)}`);
  return z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date written YYYY-MM-DD', abort: true })
    .refine(isIsoDate, { message: 'not a real calendar date', abort: true })
    .refine((d) => d >= EARLIEST_DATE_OF_BIRTH, `must not be before ${EARLIEST_DATE_OF_BIRTH}`)
    .refine((d) => d <= today, 'must not be in the future');
}

// ---------------------------------------------------------------------------------------------
// US postal address
// ---------------------------------------------------------------------------------------------

/**
 * USPS state and territory codes (USPS Publication 28, Appendix B): the 50 states, DC, the
 * territories, the Freely Associated States (FM, MH, PW, served by USPS) and the armed forces
 * codes AA, AE, AP (APO/FPO/DPO addresses).
 */
export const US_POSTAL_STATE_CODES = [...US_STATES, 'DC', ...US_TERRITORIES, 'FM', 'MH', 'PW', 'AA', 'AE', 'AP'] as const;
export type UsPostalStateCode = (typeof US_POSTAL_STATE_CODES)[number];

/** Trimmed, spaces collapsed, no control or format characters. */
function textLine(max: number) {
  return z
    .string()
    .trim()
    .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control characters')
    .transform((s) => s.normalize('NFC').replace(/ {2,}/g, ' '))
    .pipe(z.string().min(1, 'must not be empty').max(max, `at most ${max} characters`));
}

/** ZIP (12345) or ZIP+4 (12345-6789; 123456789 is accepted and written with the hyphen). */
const zipSchema = z
  .string()
  .trim()
  .regex(/^\d{5}(?:-?\d{4})?$/, 'a ZIP code: 12345 or 12345-6789')
  .transform((zip) => (zip.length === 9 ? `${zip.slice(0, 5)}-${zip.slice(5)}` : zip));

export const usPostalAddressSchema = z.strictObject({
  line1: textLine(100),
  /** Optional; an empty string counts as absent. */
  line2: z
    .string()
    .optional()
    .transform((s) => (s === undefined || s.trim() === '' ? undefined : s))
    .pipe(textLine(100).optional()),
  city: nameLikeText(50),
  state: z
    .string()
    .trim()
    .toUpperCase()
    .pipe(z.enum(US_POSTAL_STATE_CODES, { message: 'a USPS state or territory code such as NY, DC or PR' })),
  zip: zipSchema,
});

export type UsPostalAddress = z.output<typeof usPostalAddressSchema>;

// ---------------------------------------------------------------------------------------------
// Contact preferences (§5.1)
// ---------------------------------------------------------------------------------------------

/**
 * §5.1 channels the customer may be contacted on, and the marketing opt-out. Defaults: email and
 * phone on (service contact), SMS off until the customer agrees (TCPA: texts need prior express
 * consent), not opted out of marketing. Every field may be omitted; unknown fields are refused.
 */
export const contactPreferencesSchema = z.strictObject({
  email: z.boolean().default(true),
  sms: z.boolean().default(false),
  phone: z.boolean().default(true),
  marketingOptOut: z.boolean().default(false),
});

export type ContactPreferences = z.output<typeof contactPreferencesSchema>;
