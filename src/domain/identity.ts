/**
 * §2.3 step 1: at first contact the identity number is collected "complete and accurate": an
 * individual's SSN, ITIN or passport, an enterprise's EIN or state business registration.
 *
 * About "checksums": SSNs, ITINs and EINs carry NO check digit (SSA and IRS publish none; any
 * 9-digit string has the right "checksum"), so nothing here can prove a number was issued. What can
 * be checked is the structure and the ranges the issuers have never used or never will use, which
 * catches typos, placeholders and made-up numbers. Whether a well-formed number really belongs to
 * the customer is the §2.3 step 3 review's job (SSA CBSV / IRS TIN matching), not this module's.
 *
 * Pure and deterministic, free of Node built-ins: workflows may import it. Error reasons never echo
 * the number itself (it is personal data, §3.1).
 *
 * Sources:
 * - SSN: SSA, "Social Security Number Randomization" (ssa.gov/employer/randomization.html): area
 *   000, 666 and 900–999, group 00 and serial 0000 are never assigned; SSA history, "Social
 *   Security Cards Issued by Woolworth" / "misused SSNs" (ssa.gov/history/ssn/misused.html):
 *   078-05-1120 (Woolworth wallet insert, 1938) and 219-09-9999 (SSA pamphlet sample, 1940).
 * - ITIN: IRS, "Individual Taxpayer Identification Number (ITIN)": nine digits beginning with 9,
 *   fourth and fifth digits 50–65, 70–88, 90–92 or 94–99.
 * - EIN: IRS, "How EINs are assigned and valid EIN prefixes" (the campus / Internet / SBA table).
 * - Passport: US Department of State: a US passport book/card number is 9 characters, either 9
 *   digits (older books) or a letter followed by 8 digits (Next Generation Passport, cards "C…");
 *   other countries: ICAO Doc 9303 document number field, up to 9 characters, taken as 6–9 letters
 *   and digits. Issuing country: ISO 3166-1 (list below from Debian iso-codes 4.15, 249 entries).
 * - Business registration: issued by a state's Secretary of State; formats differ by state, so only
 *   the jurisdiction (50 states, DC, 5 inhabited territories) and a safe character set are checked.
 */
import { z } from 'zod';
import { parseInput } from '../shared/errors';

/** A check's outcome: the normalized value, or why the input was refused (and which field). */
export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string; field?: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = (reason: string, field?: string): { ok: false; reason: string; field?: string } =>
  field === undefined ? { ok: false, reason } : { ok: false, reason, field };

// ---------------------------------------------------------------------------------------------
// SSN, ITIN, EIN
// ---------------------------------------------------------------------------------------------

/** 123-45-6789 or 123456789 (an SSN or ITIN written either way; mixed dashes are refused). */
const TIN_3_2_4 = /^(?:\d{3}-\d{2}-\d{4}|\d{9})$/;
const TIN_FORMAT_REASON = 'must be 9 digits, written 123-45-6789 or 123456789';

function digitsOf324(input: string): string | undefined {
  const s = input.trim();
  return TIN_3_2_4.test(s) ? s.replace(/-/g, '') : undefined;
}

/**
 * Published, never-valid SSNs (SSA history). 987-65-4320…4329, SSA's advertising block, is already
 * refused by the 900–999 area rule.
 */
const KNOWN_INVALID_SSNS: ReadonlySet<string> = new Set(['078051120', '219099999']);

/** §2.3: an SSN, normalized to 9 digits. */
export function validateSsn(input: string): Checked<string> {
  const digits = digitsOf324(input);
  if (digits === undefined) return fail(TIN_FORMAT_REASON);
  const area = digits.slice(0, 3);
  if (area === '000') return fail('area number (first 3 digits) 000 is never assigned');
  if (area === '666') return fail('area number (first 3 digits) 666 is never assigned');
  if (area.startsWith('9')) return fail('area number (first 3 digits) 900–999 is never assigned to an SSN (9XX numbers are ITINs)');
  if (digits.slice(3, 5) === '00') return fail('group number (digits 4–5) 00 is never assigned');
  if (digits.slice(5) === '0000') return fail('serial number (last 4 digits) 0000 is never assigned');
  if (KNOWN_INVALID_SSNS.has(digits)) return fail('a publicly known sample number (advertising / misuse), never valid for a person');
  return ok(digits);
}

/** IRS ITIN ranges for the 4th and 5th digits (inclusive). */
export const ITIN_GROUP_RANGES: ReadonlyArray<readonly [number, number]> = [
  [50, 65],
  [70, 88],
  [90, 92],
  [94, 99],
];

/** §2.3: an ITIN (9XX-XX-XXXX), normalized to 9 digits. */
export function validateItin(input: string): Checked<string> {
  const digits = digitsOf324(input);
  if (digits === undefined) return fail('must be 9 digits, written 9XX-XX-XXXX or 9XXXXXXXX');
  if (!digits.startsWith('9')) return fail('an ITIN starts with 9');
  const group = Number(digits.slice(3, 5));
  if (!ITIN_GROUP_RANGES.some(([lo, hi]) => group >= lo && group <= hi)) {
    return fail('digits 4–5 of an ITIN must be in 50–65, 70–88, 90–92 or 94–99');
  }
  return ok(digits);
}

/**
 * Every prefix the IRS lists as valid ("How EINs are assigned and valid EIN prefixes"), by where
 * it is assigned. Prefixes appear under more than one location (e.g. 46, 82–88); the set is the union.
 */
export const EIN_PREFIXES_BY_LOCATION: Readonly<Record<string, readonly string[]>> = {
  Andover: ['10', '12'],
  Atlanta: ['60', '67'],
  Austin: ['50', '53'],
  Brookhaven: ['01', '02', '03', '04', '05', '06', '11', '13', '14', '16', '21', '22', '23', '25', '34', '51', '52', '54', '55', '56', '57', '58', '59', '65'],
  Cincinnati: ['30', '32', '35', '36', '37', '38', '61'],
  Fresno: ['15', '24'],
  'Kansas City': ['40', '44'],
  Memphis: ['94', '95'],
  Ogden: ['80', '90'],
  Philadelphia: ['33', '39', '41', '42', '43', '46', '48', '62', '63', '64', '66', '68', '71', '72', '73', '74', '75', '76', '77', '82', '83', '84', '85', '86', '87', '88', '91', '92', '93', '98', '99'],
  Internet: ['20', '26', '27', '45', '46', '47', '81', '82', '83', '84', '85', '86', '87', '88'],
  'Small Business Administration': ['31'],
};

/** The 83 valid EIN prefixes: 01–06, 10–16, 20–27, 30–48, 50–68, 71–77, 80–88, 90–95, 98, 99. */
export const VALID_EIN_PREFIXES: ReadonlySet<string> = new Set(Object.values(EIN_PREFIXES_BY_LOCATION).flat());

const EIN_FORMAT = /^(?:\d{2}-\d{7}|\d{9})$/;

/** §2.3: an EIN (XX-XXXXXXX; 9 plain digits accepted too), normalized to 9 digits. */
export function validateEin(input: string): Checked<string> {
  const s = input.trim();
  if (!EIN_FORMAT.test(s)) return fail('must be 9 digits, written 12-3456789 or 123456789');
  const digits = s.replace('-', '');
  if (!VALID_EIN_PREFIXES.has(digits.slice(0, 2))) return fail('the first two digits are not an IRS-assigned EIN prefix');
  return ok(digits);
}

// ---------------------------------------------------------------------------------------------
// Passport
// ---------------------------------------------------------------------------------------------

/** ISO 3166-1 alpha-2:alpha-3 pairs, all 249 officially assigned code elements. */
const ISO_3166_1 = `
  AD:AND AE:ARE AF:AFG AG:ATG AI:AIA AL:ALB AM:ARM AO:AGO AQ:ATA AR:ARG AS:ASM AT:AUT AU:AUS AW:ABW
  AX:ALA AZ:AZE BA:BIH BB:BRB BD:BGD BE:BEL BF:BFA BG:BGR BH:BHR BI:BDI BJ:BEN BL:BLM BM:BMU BN:BRN
  BO:BOL BQ:BES BR:BRA BS:BHS BT:BTN BV:BVT BW:BWA BY:BLR BZ:BLZ CA:CAN CC:CCK CD:COD CF:CAF CG:COG
  CH:CHE CI:CIV CK:COK CL:CHL CM:CMR CN:CHN CO:COL CR:CRI CU:CUB CV:CPV CW:CUW CX:CXR CY:CYP CZ:CZE
  DE:DEU DJ:DJI DK:DNK DM:DMA DO:DOM DZ:DZA EC:ECU EE:EST EG:EGY EH:ESH ER:ERI ES:ESP ET:ETH FI:FIN
  FJ:FJI FK:FLK FM:FSM FO:FRO FR:FRA GA:GAB GB:GBR GD:GRD GE:GEO GF:GUF GG:GGY GH:GHA GI:GIB GL:GRL
  GM:GMB GN:GIN GP:GLP GQ:GNQ GR:GRC GS:SGS GT:GTM GU:GUM GW:GNB GY:GUY HK:HKG HM:HMD HN:HND HR:HRV
  HT:HTI HU:HUN ID:IDN IE:IRL IL:ISR IM:IMN IN:IND IO:IOT IQ:IRQ IR:IRN IS:ISL IT:ITA JE:JEY JM:JAM
  JO:JOR JP:JPN KE:KEN KG:KGZ KH:KHM KI:KIR KM:COM KN:KNA KP:PRK KR:KOR KW:KWT KY:CYM KZ:KAZ LA:LAO
  LB:LBN LC:LCA LI:LIE LK:LKA LR:LBR LS:LSO LT:LTU LU:LUX LV:LVA LY:LBY MA:MAR MC:MCO MD:MDA ME:MNE
  MF:MAF MG:MDG MH:MHL MK:MKD ML:MLI MM:MMR MN:MNG MO:MAC MP:MNP MQ:MTQ MR:MRT MS:MSR MT:MLT MU:MUS
  MV:MDV MW:MWI MX:MEX MY:MYS MZ:MOZ NA:NAM NC:NCL NE:NER NF:NFK NG:NGA NI:NIC NL:NLD NO:NOR NP:NPL
  NR:NRU NU:NIU NZ:NZL OM:OMN PA:PAN PE:PER PF:PYF PG:PNG PH:PHL PK:PAK PL:POL PM:SPM PN:PCN PR:PRI
  PS:PSE PT:PRT PW:PLW PY:PRY QA:QAT RE:REU RO:ROU RS:SRB RU:RUS RW:RWA SA:SAU SB:SLB SC:SYC SD:SDN
  SE:SWE SG:SGP SH:SHN SI:SVN SJ:SJM SK:SVK SL:SLE SM:SMR SN:SEN SO:SOM SR:SUR SS:SSD ST:STP SV:SLV
  SX:SXM SY:SYR SZ:SWZ TC:TCA TD:TCD TF:ATF TG:TGO TH:THA TJ:TJK TK:TKL TL:TLS TM:TKM TN:TUN TO:TON
  TR:TUR TT:TTO TV:TUV TW:TWN TZ:TZA UA:UKR UG:UGA UM:UMI US:USA UY:URY UZ:UZB VA:VAT VC:VCT VE:VEN
  VG:VGB VI:VIR VN:VNM VU:VUT WF:WLF WS:WSM YE:YEM YT:MYT ZA:ZAF ZM:ZMB ZW:ZWE
`;

const ALPHA2_TO_ALPHA3: ReadonlyMap<string, string> = new Map(
  ISO_3166_1.trim()
    .split(/\s+/)
    .map((pair) => pair.split(':') as [string, string]),
);
const ALPHA3: ReadonlySet<string> = new Set(ALPHA2_TO_ALPHA3.values());

/** ISO 3166-1 alpha-2 or alpha-3 code (any case) → the alpha-3 code; undefined when not assigned. */
export function toAlpha3(code: string): string | undefined {
  const c = code.trim().toUpperCase();
  if (c.length === 2) return ALPHA2_TO_ALPHA3.get(c);
  return c.length === 3 && ALPHA3.has(c) ? c : undefined;
}

function checkCountry(input: string): Checked<string> {
  const alpha3 = toAlpha3(input);
  return alpha3 === undefined ? fail('must be an ISO 3166-1 country code, alpha-2 (US) or alpha-3 (USA)', 'country') : ok(alpha3);
}

/** Upper-case, spaces removed. */
const compactUpper = (s: string): string => s.replace(/\s+/g, '').toUpperCase();

function checkPassportNumberShape(input: string): Checked<string> {
  const n = compactUpper(input);
  return /^[A-Z0-9]{6,9}$/.test(n) ? ok(n) : fail('must be 6–9 letters and digits', 'number');
}

const US_PASSPORT_NUMBER = /^(?:[A-Z]\d{8}|\d{9})$/;
const US_PASSPORT_REASON = 'a US passport number is 9 digits or a letter followed by 8 digits';

export interface Passport {
  /** ISO 3166-1 alpha-3 code of the issuing country. */
  country: string;
  number: string;
}

/** §2.3: a passport, country normalized to alpha-3 and number to upper case without spaces. */
export function validatePassport(input: { country: string; number: string }): Checked<Passport> {
  const country = checkCountry(input.country);
  if (!country.ok) return country;
  const number = checkPassportNumberShape(input.number);
  if (!number.ok) return number;
  if (country.value === 'USA' && !US_PASSPORT_NUMBER.test(number.value)) return fail(US_PASSPORT_REASON, 'number');
  return ok({ country: country.value, number: number.value });
}

// ---------------------------------------------------------------------------------------------
// US jurisdictions and business registration
// ---------------------------------------------------------------------------------------------

/** The 50 states (USPS codes). */
export const US_STATES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY',
  'LA', 'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND',
  'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
] as const;

/** The inhabited US territories with their own business registries. */
export const US_TERRITORIES = ['AS', 'GU', 'MP', 'PR', 'VI'] as const;

/** Where a US business can be registered: 50 states, DC and the territories (56 codes). */
export const US_JURISDICTIONS = [...US_STATES, 'DC', ...US_TERRITORIES] as const;
export type UsJurisdiction = (typeof US_JURISDICTIONS)[number];
const US_JURISDICTION_SET: ReadonlySet<string> = new Set(US_JURISDICTIONS);

function checkJurisdiction(input: string): Checked<string> {
  const code = input.trim().toUpperCase();
  return US_JURISDICTION_SET.has(code) ? ok(code) : fail('must be a US state, DC or territory code (e.g. DE, DC, PR)', 'state');
}

function checkRegistrationNumber(input: string): Checked<string> {
  const n = input.trim().toUpperCase();
  if (n === '') return fail('must not be empty', 'number');
  if (!/^[A-Z0-9-]{1,20}$/.test(n)) return fail('must be 1–20 letters, digits and hyphens', 'number');
  if (!/[A-Z0-9]/.test(n)) return fail('must contain a letter or digit', 'number');
  return ok(n);
}

export interface BusinessRegistration {
  state: UsJurisdiction;
  number: string;
}

/** §2.3: a state business registration (entity / file number), both fields upper-cased. */
export function validateBusinessRegistration(input: { state: string; number: string }): Checked<BusinessRegistration> {
  const state = checkJurisdiction(input.state);
  if (!state.ok) return state;
  const number = checkRegistrationNumber(input.number);
  if (!number.ok) return number;
  return ok({ state: state.value as UsJurisdiction, number: number.value });
}

// ---------------------------------------------------------------------------------------------
// One schema for every kind, and the canonical form
// ---------------------------------------------------------------------------------------------

export const IDENTITY_KINDS = ['SSN', 'ITIN', 'PASSPORT', 'EIN', 'BUSINESS_REGISTRATION'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

/** A string field validated (and normalized) by one of the checks above; the issue's path is the field. */
function checkedField(check: (value: string) => Checked<string>) {
  return z.string().transform((value, ctx) => {
    const result = check(value);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.reason });
    return z.NEVER;
  });
}

/**
 * §2.3 step 1 identity input, one member per kind (discriminator `kind`). Each field is checked on
 * its own, so a ValidationError (parseInput) names the field: `number`, `country` or `state`.
 * The parsed output is normalized: digits only, upper case, alpha-3 country.
 */
export const identitySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('SSN'), number: checkedField(validateSsn) }),
  z.strictObject({ kind: z.literal('ITIN'), number: checkedField(validateItin) }),
  z.strictObject({ kind: z.literal('EIN'), number: checkedField(validateEin) }),
  z
    .strictObject({ kind: z.literal('PASSPORT'), country: checkedField(checkCountry), number: checkedField(checkPassportNumberShape) })
    .superRefine((p, ctx) => {
      if (p.country === 'USA' && !US_PASSPORT_NUMBER.test(p.number)) {
        ctx.addIssue({ code: 'custom', path: ['number'], message: US_PASSPORT_REASON });
      }
    }),
  z.strictObject({
    kind: z.literal('BUSINESS_REGISTRATION'),
    state: checkedField(checkJurisdiction),
    number: checkedField(checkRegistrationNumber),
  }),
]);

export type IdentityInput = z.input<typeof identitySchema>;
/** A validated, normalized identity (the output of identitySchema). */
export type Identity = z.output<typeof identitySchema>;

export interface NormalizedIdentity {
  kind: IdentityKind;
  /**
   * The canonical string to hash (blind index) and de-duplicate on. It starts with the kind, so an
   * SSN and an EIN with the same nine digits never collide: `SSN:123456789`, `ITIN:912701234`,
   * `EIN:123456789`, `PASSPORT:USA:A12345678`, `BUSINESS_REGISTRATION:DE:1234567`.
   */
  value: string;
  /** The last four characters of the number (for display: "•••-••-6789"). */
  last4: string;
  /** Issuing country (alpha-3) of a passport, or state of a business registration. */
  issuer?: string;
}

/** The canonical form of an already validated identity (e.g. one parsed as part of a larger DTO). */
export function canonicalIdentity(identity: Identity): NormalizedIdentity {
  const last4 = identity.number.slice(-4);
  switch (identity.kind) {
    case 'SSN':
    case 'ITIN':
    case 'EIN':
      return { kind: identity.kind, value: `${identity.kind}:${identity.number}`, last4 };
    case 'PASSPORT':
      return { kind: identity.kind, value: `PASSPORT:${identity.country}:${identity.number}`, last4, issuer: identity.country };
    case 'BUSINESS_REGISTRATION':
      return { kind: identity.kind, value: `BUSINESS_REGISTRATION:${identity.state}:${identity.number}`, last4, issuer: identity.state };
  }
}

/**
 * §2.3 step 1: validates `input` against identitySchema and returns its canonical form; throws a
 * ValidationError naming each bad field (`kind`, `number`, `country`, `state`) otherwise.
 */
export function normalizeIdentity(input: unknown): NormalizedIdentity {
  return canonicalIdentity(parseInput(identitySchema, input));
}
