/**
 * §2.1 / §2.2 customer classification: age group and asset tier of an individual, size and industry
 * of an enterprise, and the one segment code each customer carries (search attribute `Segment`,
 * key of its §4 service tier).
 *
 * Pure functions over the policy configuration (src/policy/policy.ts): every threshold comes from
 * `policy`, none is written here. Deterministic and free of Node built-ins, so workflows may import
 * this module; it imports the policy's *types* only (policy.ts itself reads files).
 */
import type { EnterpriseSegment, IndividualSegment, Policy, Segment } from '../policy/policy';
import { NAICS_EDITION, naicsSectorForPrefix, type NaicsSector } from './naics';

export type AgeGroup = 'MINOR' | 'YOUNG' | 'MIDDLE_AGED' | 'SENIOR';
export type AssetTier = IndividualSegment;
export type EnterpriseSize = EnterpriseSegment;
export type IndustrySector = NaicsSector;

export interface IndividualProfile {
  /** Calendar date of birth, YYYY-MM-DD. */
  dateOfBirth: string;
  /** §2.1 total assets with the bank, USD (cents allowed). */
  totalAssetsUsd: number;
}

export interface EnterpriseProfile {
  employees: number;
  annualRevenueUsd: number;
  totalAssetsUsd: number;
  /** A 2- to 6-digit NAICS code, e.g. "311" or "541511". */
  naicsCode: string;
}

export interface IndividualClassification {
  customerType: 'INDIVIDUAL';
  /** The asset tier. */
  segment: AssetTier;
  /** Why `segment` is what it is, e.g. "total assets 120000 ≥ VIP threshold 100000". */
  segmentReason: string;
  ageGroup: AgeGroup;
  assetTier: AssetTier;
  /** Every finding, segment first; amounts and age only, never the date of birth. */
  reasons: string[];
  policyVersion: string;
}

export interface EnterpriseClassification {
  customerType: 'ENTERPRISE';
  /** The size. */
  segment: EnterpriseSize;
  segmentReason: string;
  size: EnterpriseSize;
  industry: IndustrySector;
  reasons: string[];
  policyVersion: string;
}

export type Classification = IndividualClassification | EnterpriseClassification;

export interface SegmentChange {
  /** null for a customer's first classification. */
  from: Segment | null;
  to: Segment;
  reason: string;
}

// ---------------------------------------------------------------------------------------------
// §2.1 age

interface CalendarDate {
  year: number;
  month: number; // 1–12
  day: number;
}

const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function parseCalendarDate(text: string): CalendarDate {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = m && { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  if (!date || date.month < 1 || date.month > 12 || date.day < 1 || date.day > daysInMonth(date.year, date.month)) {
    throw new RangeError(`date of birth ${JSON.stringify(text)} is not a calendar date YYYY-MM-DD`);
  }
  return date;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const formatDate = (d: CalendarDate): string => `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`;

/**
 * Age in whole years on the calendar day of `asOf`, that day taken in UTC (Y/M/D of the instant
 * in UTC, so the server's local time zone never shifts it). A year is added on the birthday
 * itself. Someone born on 29 February becomes a year older on 1 March in a non-leap year (on
 * 28 February they are still the younger age) and on 29 February in a leap year. This is the
 * bank's chosen convention (US jurisdictions differ; some count 28 February); it is what comparing
 * (month, day) pairs gives, since 28 Feb < 29 Feb < 1 Mar.
 *
 * Throws a RangeError for a malformed or impossible date of birth (e.g. 2023-02-29), an invalid
 * `asOf`, or a birth after `asOf`.
 */
export function ageInYears(dateOfBirth: string, asOf: Date): number {
  const born = parseCalendarDate(dateOfBirth);
  if (Number.isNaN(asOf.getTime())) throw new RangeError('as-of date is an invalid Date');
  const on: CalendarDate = { year: asOf.getUTCFullYear(), month: asOf.getUTCMonth() + 1, day: asOf.getUTCDate() };
  const birthdayPassed = on.month > born.month || (on.month === born.month && on.day >= born.day);
  const age = on.year - born.year - (birthdayPassed ? 0 : 1);
  if (age < 0) {
    throw new RangeError(`date of birth ${dateOfBirth} is after the as-of date ${formatDate(on)}`);
  }
  return age;
}

/**
 * §2.1 age group: MINOR under `minimumAgeYears` (not onboarded as a primary customer), YOUNG up to
 * `youngMaxAge` (18–35), MIDDLE_AGED up to `middleAgedMaxAge` (36–60), SENIOR over it.
 */
export function ageGroup(dateOfBirth: string, asOf: Date, policy: Policy): AgeGroup {
  return ageGroupOfAge(ageInYears(dateOfBirth, asOf), policy);
}

function ageGroupOfAge(age: number, policy: Policy): AgeGroup {
  const { minimumAgeYears, ageGroups } = policy.individual;
  if (age < minimumAgeYears) return 'MINOR';
  if (age <= ageGroups.youngMaxAge) return 'YOUNG';
  if (age <= ageGroups.middleAgedMaxAge) return 'MIDDLE_AGED';
  return 'SENIOR';
}

function ageReason(age: number, group: AgeGroup, policy: Policy): string {
  const { minimumAgeYears, ageGroups } = policy.individual;
  switch (group) {
    case 'MINOR':
      return `age ${age} < minimum age ${minimumAgeYears}: MINOR, not onboarded as a primary customer`;
    case 'YOUNG':
      return `age ${age} in ${minimumAgeYears}–${ageGroups.youngMaxAge}: YOUNG`;
    case 'MIDDLE_AGED':
      return `age ${age} in ${ageGroups.youngMaxAge + 1}–${ageGroups.middleAgedMaxAge}: MIDDLE_AGED`;
    case 'SENIOR':
      return `age ${age} > ${ageGroups.middleAgedMaxAge}: SENIOR`;
  }
}

// ---------------------------------------------------------------------------------------------
// §2.1 assets

function requireAmount(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite non-negative number of USD, got ${String(value)}`);
  }
}

/** §2.1 asset tier: HIGH_NET_WORTH from `highNetWorthFromUsd`, VIP from `vipFromUsd` (both inclusive), else REGULAR. */
export function assetTier(totalAssetsUsd: number, policy: Policy): AssetTier {
  return assetTierWithReason(totalAssetsUsd, policy).tier;
}

function assetTierWithReason(totalAssetsUsd: number, policy: Policy): { tier: AssetTier; reason: string } {
  requireAmount('total assets', totalAssetsUsd);
  const { vipFromUsd, highNetWorthFromUsd } = policy.individual.assetTiers;
  const assets = `total assets ${totalAssetsUsd}`;
  if (totalAssetsUsd >= highNetWorthFromUsd) {
    return { tier: 'HIGH_NET_WORTH', reason: `${assets} ≥ HIGH_NET_WORTH threshold ${highNetWorthFromUsd}` };
  }
  if (totalAssetsUsd >= vipFromUsd) {
    return { tier: 'VIP', reason: `${assets} ≥ VIP threshold ${vipFromUsd} and < HIGH_NET_WORTH threshold ${highNetWorthFromUsd}` };
  }
  return { tier: 'REGULAR', reason: `${assets} < VIP threshold ${vipFromUsd}` };
}

// ---------------------------------------------------------------------------------------------
// §2.2 enterprise size and industry

export interface EnterpriseSizeInput {
  employees: number;
  annualRevenueUsd: number;
  totalAssetsUsd: number;
}

export interface EnterpriseSizeResult {
  size: EnterpriseSize;
  /** The criteria that decided, e.g. "employees 1200 ≥ 1000" (every LARGE criterion met, joined by "; "). */
  reason: string;
}

/**
 * §2.2 size: LARGE when any of employees, annual revenue or total assets reaches its LARGE bound;
 * otherwise SMALL when employees and revenue are both below their SMALL bounds (assets play no part
 * in SMALL); otherwise MEDIUM. The reason names the criteria that decided, with the values.
 */
export function enterpriseSize(input: EnterpriseSizeInput, policy: Policy): EnterpriseSizeResult {
  const { employees, annualRevenueUsd, totalAssetsUsd } = input;
  if (typeof employees !== 'number' || !Number.isInteger(employees) || employees < 0) {
    throw new RangeError(`employees must be a non-negative whole number, got ${String(employees)}`);
  }
  requireAmount('annual revenue', annualRevenueUsd);
  requireAmount('total assets', totalAssetsUsd);
  const { large, small } = policy.enterprise;

  const largeBy = [
    employees >= large.employeesFrom && `employees ${employees} ≥ ${large.employeesFrom}`,
    annualRevenueUsd >= large.revenueFromUsd && `annual revenue ${annualRevenueUsd} ≥ ${large.revenueFromUsd}`,
    totalAssetsUsd >= large.assetsFromUsd && `total assets ${totalAssetsUsd} ≥ ${large.assetsFromUsd}`,
  ].filter((r): r is string => r !== false);
  if (largeBy.length > 0) return { size: 'LARGE', reason: largeBy.join('; ') };

  const employeesSmall = employees < small.employeesBelow;
  const revenueSmall = annualRevenueUsd < small.revenueBelowUsd;
  if (employeesSmall && revenueSmall) {
    return {
      size: 'SMALL',
      reason: `employees ${employees} < ${small.employeesBelow} and annual revenue ${annualRevenueUsd} < ${small.revenueBelowUsd}`,
    };
  }
  const notSmall = [
    !employeesSmall && `employees ${employees} ≥ ${small.employeesBelow}`,
    !revenueSmall && `annual revenue ${annualRevenueUsd} ≥ ${small.revenueBelowUsd}`,
  ].filter((r): r is string => r !== false);
  return { size: 'MEDIUM', reason: `below every LARGE bound and not SMALL: ${notSmall.join('; ')}` };
}

/**
 * §2.2 industry: the 2022 NAICS sector of a 2- to 6-digit NAICS code (its first two digits), e.g.
 * "311" → { code: "31-33", name: "Manufacturing" }. Only the sector is checked: a well-formed code
 * in a real sector is accepted even if no such 6-digit industry exists. Throws a RangeError for a
 * malformed code or one whose first two digits are no sector.
 */
export function industrySector(naicsCode: string): IndustrySector {
  if (typeof naicsCode !== 'string' || !/^\d{2,6}$/.test(naicsCode)) {
    throw new RangeError(`NAICS code ${JSON.stringify(naicsCode)} is not 2 to 6 digits`);
  }
  const prefix = naicsCode.slice(0, 2);
  const sector = naicsSectorForPrefix(prefix);
  if (!sector) {
    throw new RangeError(`NAICS code ${naicsCode} is in no ${NAICS_EDITION} NAICS sector (no sector ${prefix})`);
  }
  return sector;
}

// ---------------------------------------------------------------------------------------------
// Whole classification

/** §2.1: age group and asset tier; the segment is the asset tier. A MINOR is classified, not refused. */
export function classifyIndividual(profile: IndividualProfile, asOf: Date, policy: Policy): IndividualClassification {
  const age = ageInYears(profile.dateOfBirth, asOf);
  const group = ageGroupOfAge(age, policy);
  const tier = assetTierWithReason(profile.totalAssetsUsd, policy);
  return {
    customerType: 'INDIVIDUAL',
    segment: tier.tier,
    segmentReason: tier.reason,
    ageGroup: group,
    assetTier: tier.tier,
    reasons: [tier.reason, ageReason(age, group, policy)],
    policyVersion: policy.version,
  };
}

/** §2.2: size and industry; the segment is the size. */
export function classifyEnterprise(profile: EnterpriseProfile, policy: Policy): EnterpriseClassification {
  const size = enterpriseSize(profile, policy);
  const industry = industrySector(profile.naicsCode);
  return {
    customerType: 'ENTERPRISE',
    segment: size.size,
    segmentReason: size.reason,
    size: size.size,
    industry,
    reasons: [size.reason, `NAICS ${profile.naicsCode} → sector ${industry.code} ${industry.name}`],
    policyVersion: policy.version,
  };
}

/**
 * The segment change between two classifications of one customer, for the record: undefined when
 * the segment stayed the same (other findings may have changed), else from → to with the reason
 * the new segment was reached; a change of policy version is named too. A first classification
 * (no previous one) is a change from null.
 */
export function segmentChange(previous: Classification | undefined, next: Classification): SegmentChange | undefined {
  if (previous && previous.segment === next.segment) return undefined;
  const policyNote =
    previous && previous.policyVersion !== next.policyVersion
      ? ` (policy ${previous.policyVersion} → ${next.policyVersion})`
      : '';
  return {
    from: previous ? previous.segment : null,
    to: next.segment,
    reason: `${next.segmentReason}${policyNote}`,
  };
}
