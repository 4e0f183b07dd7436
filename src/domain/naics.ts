/**
 * §2.2 industry: the 20 sectors of the North American Industry Classification System, 2022 edition
 * (US Census Bureau, https://www.census.gov/naics/), with their official titles. A NAICS code's
 * first two digits name its sector; three sectors span several two-digit codes (31-33
 * Manufacturing, 44-45 Retail Trade, 48-49 Transportation and Warehousing).
 *
 * This is a published standard, not a policy choice, so it lives here rather than in the policy
 * configuration. Pure data: deterministic, no imports (workflows may use it).
 *
 * "Fintech" (named in §2.2) is not a NAICS sector. A fintech firm is classified by what it does,
 * usually under 52 Finance and Insurance (e.g. 5223 Activities Related to Credit Intermediation,
 * 522320 Financial Transactions Processing, Reserve, and Clearinghouse Activities) or, when it
 * sells software and IT services, under 54 Professional, Scientific, and Technical Services
 * (5415 Computer Systems Design and Related Services). Classification stops at the sector: there is
 * no separate "fintech" flag.
 */

export interface NaicsSector {
  /** The sector code as NAICS writes it: "52", or a range such as "31-33". */
  readonly code: string;
  /** The official 2022 title. */
  readonly name: string;
}

interface SectorEntry extends NaicsSector {
  /** The two-digit codes that belong to the sector. */
  readonly prefixes: readonly string[];
}

export const NAICS_EDITION = '2022';

/** The 2022 NAICS sectors, in NAICS order. */
export const NAICS_2022_SECTORS: readonly SectorEntry[] = Object.freeze(
  [
    { code: '11', name: 'Agriculture, Forestry, Fishing and Hunting', prefixes: ['11'] },
    { code: '21', name: 'Mining, Quarrying, and Oil and Gas Extraction', prefixes: ['21'] },
    { code: '22', name: 'Utilities', prefixes: ['22'] },
    { code: '23', name: 'Construction', prefixes: ['23'] },
    { code: '31-33', name: 'Manufacturing', prefixes: ['31', '32', '33'] },
    { code: '42', name: 'Wholesale Trade', prefixes: ['42'] },
    { code: '44-45', name: 'Retail Trade', prefixes: ['44', '45'] },
    { code: '48-49', name: 'Transportation and Warehousing', prefixes: ['48', '49'] },
    { code: '51', name: 'Information', prefixes: ['51'] },
    { code: '52', name: 'Finance and Insurance', prefixes: ['52'] },
    { code: '53', name: 'Real Estate and Rental and Leasing', prefixes: ['53'] },
    { code: '54', name: 'Professional, Scientific, and Technical Services', prefixes: ['54'] },
    { code: '55', name: 'Management of Companies and Enterprises', prefixes: ['55'] },
    { code: '56', name: 'Administrative and Support and Waste Management and Remediation Services', prefixes: ['56'] },
    { code: '61', name: 'Educational Services', prefixes: ['61'] },
    { code: '62', name: 'Health Care and Social Assistance', prefixes: ['62'] },
    { code: '71', name: 'Arts, Entertainment, and Recreation', prefixes: ['71'] },
    { code: '72', name: 'Accommodation and Food Services', prefixes: ['72'] },
    { code: '81', name: 'Other Services (except Public Administration)', prefixes: ['81'] },
    { code: '92', name: 'Public Administration', prefixes: ['92'] },
  ].map((entry) => Object.freeze({ ...entry, prefixes: Object.freeze(entry.prefixes) })),
);

/** The sector whose two-digit codes include `twoDigits`, or undefined when NAICS has none. */
export function naicsSectorForPrefix(twoDigits: string): NaicsSector | undefined {
  const entry = NAICS_2022_SECTORS.find((s) => s.prefixes.includes(twoDigits));
  return entry && { code: entry.code, name: entry.name };
}
