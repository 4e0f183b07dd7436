/**
 * src/policy/policy.ts: the bank's policy (/work/shared/policy.md) as one validated configuration.
 * The defaults must be exactly the numbers policy.md gives, clause by clause; a policy file that
 * breaks the schema or the policy's own ordering rules must be refused with a message that names
 * the offending path; POLICY_FILE problems must name the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_POLICY,
  loadPolicy,
  parsePolicy,
  PolicyError,
  policySchema,
  reminderEscalationDelayMs,
  type Policy,
} from '../../src/policy/policy';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A deep copy of the defaults with one change applied. */
function withChange(change: (p: Record<string, any>) => void): Record<string, any> {
  const copy = structuredClone(DEFAULT_POLICY) as Record<string, any>;
  change(copy);
  return copy;
}

function policyErrorOf(input: unknown): PolicyError {
  try {
    parsePolicy(input);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return err as PolicyError;
  }
  throw new Error('parsePolicy accepted an invalid policy');
}

describe('DEFAULT_POLICY carries policy.md defaults', () => {
  const get = (p: Policy, dotted: string): unknown =>
    dotted.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], p);

  it.each<[clause: string, path: string, value: number]>([
    ['§2.1 under 18 not onboarded as a primary customer', 'individual.minimumAgeYears', 18],
    ['§2.1 young 18–35', 'individual.ageGroups.youngMaxAge', 35],
    ['§2.1 middle-aged 36–60, senior over 60', 'individual.ageGroups.middleAgedMaxAge', 60],
    ['§2.1 VIP from USD 100,000', 'individual.assetTiers.vipFromUsd', 100_000],
    ['§2.1 HIGH_NET_WORTH from USD 1,000,000', 'individual.assetTiers.highNetWorthFromUsd', 1_000_000],
    ['§2.2 LARGE when employees ≥ 1,000', 'enterprise.large.employeesFrom', 1_000],
    ['§2.2 LARGE when revenue ≥ USD 500M', 'enterprise.large.revenueFromUsd', 500_000_000],
    ['§2.2 LARGE when assets ≥ USD 500M', 'enterprise.large.assetsFromUsd', 500_000_000],
    ['§2.2 SMALL when employees < 100', 'enterprise.small.employeesBelow', 100],
    ['§2.2 SMALL when revenue < USD 10M', 'enterprise.small.revenueBelowUsd', 10_000_000],
    ['§3.2 individual review every 6 months', 'review.individualEveryMonths', 6],
    ['§3.2 enterprise review every quarter', 'review.enterpriseEveryMonths', 3],
    ['§5.2 individual response within 24 hours', 'feedback.individualResponseHours', 24],
    ['§5.2 enterprise target 3 business days', 'feedback.enterpriseTargetBusinessDays', 3],
    ['§5.2 enterprise hard limit 5 business days', 'feedback.enterpriseLimitBusinessDays', 5],
    ['§6.2 MEDIUM/C re-assessed monthly', 'risk.closeMonitoringEveryMonths', 1],
    ['§6.2 everyone re-assessed quarterly', 'risk.everyoneEveryMonths', 3],
  ])('%s: %s = %d', (_clause, dotted, value) => {
    expect(get(DEFAULT_POLICY, dotted)).toBe(value);
  });

  it('§5.2 escalation of an unacknowledged reminder after 2 days', () => {
    expect(DEFAULT_POLICY.reminders.escalateAfter).toBe('P2D');
    expect(reminderEscalationDelayMs(DEFAULT_POLICY)).toBe(2 * DAY_MS);
  });

  it('has a version in the YYYY.MM-N form', () => {
    expect(DEFAULT_POLICY.version).toMatch(/^\d{4}\.(0[1-9]|1[0-2])-\d+$/);
  });

  it('passes its own schema unchanged', () => {
    expect(parsePolicy(DEFAULT_POLICY)).toEqual(DEFAULT_POLICY);
    expect(policySchema.safeParse(DEFAULT_POLICY).success).toBe(true);
  });

  it('has no keys beyond the ones checked here (every value is traced to a clause)', () => {
    expect(Object.keys(DEFAULT_POLICY).sort()).toEqual(
      ['enterprise', 'feedback', 'individual', 'reminders', 'review', 'risk', 'version'].sort(),
    );
  });
});

describe('parsePolicy accepts valid variations', () => {
  it.each<[string, (p: Record<string, any>) => void]>([
    ['§5.2 target equal to the hard limit', (p) => { p.feedback.enterpriseTargetBusinessDays = 5; }],
    ['§2.1 VIP one dollar below HIGH_NET_WORTH', (p) => { p.individual.assetTiers.vipFromUsd = 999_999; }],
    ['§2.1 VIP from USD 0 (everyone is at least VIP)', (p) => { p.individual.assetTiers.vipFromUsd = 0; }],
    ['§2.1 young band one year below middle-aged', (p) => { p.individual.ageGroups.youngMaxAge = 59; }],
    ['a two-digit revision', (p) => { p.version = '2027.01-12'; }],
    ['escalation after PT90M', (p) => { p.reminders.escalateAfter = 'PT90M'; }],
    ['escalation after P1DT12H', (p) => { p.reminders.escalateAfter = 'P1DT12H'; }],
  ])('%s', (_name, change) => {
    const input = withChange(change);
    expect(parsePolicy(input)).toEqual(input);
  });
});

describe('parsePolicy rejects invalid policies with a message naming the path', () => {
  it.each<[string, (p: Record<string, any>) => void, string]>([
    ['an unknown top-level key', (p) => { p.extra = 1; }, '(root): Unrecognized key: "extra"'],
    ['an unknown key in individual', (p) => { p.individual.maximumAgeYears = 99; }, 'individual: Unrecognized key: "maximumAgeYears"'],
    ['an unknown key in enterprise.large', (p) => { p.enterprise.large.branches = 10; }, 'enterprise.large: Unrecognized key: "branches"'],
    ['an unknown key in reminders', (p) => { p.reminders.remindBefore = 'PT1H'; }, 'reminders: Unrecognized key: "remindBefore"'],
    ['version without the revision', (p) => { p.version = '2026.11'; }, 'version: YYYY.MM-N'],
    ['version with a one-digit month', (p) => { p.version = '2026.1-1'; }, 'version: YYYY.MM-N'],
    ['version with a two-digit year', (p) => { p.version = '26.11-1'; }, 'version: YYYY.MM-N'],
    ['version with dashes', (p) => { p.version = '2026-11-1'; }, 'version: YYYY.MM-N'],
    ['an empty version', (p) => { p.version = ''; }, 'version: YYYY.MM-N'],
    ['a version with a suffix', (p) => { p.version = '2026.11-1-beta'; }, 'version: YYYY.MM-N'],
    ['§5.2 target above the hard limit', (p) => { p.feedback.enterpriseTargetBusinessDays = 6; }, 'feedback: the target may not exceed the hard limit'],
    ['§2.1 VIP threshold equal to HIGH_NET_WORTH', (p) => { p.individual.assetTiers.vipFromUsd = 1_000_000; }, 'individual.assetTiers: vipFromUsd must be below highNetWorthFromUsd'],
    ['§2.1 VIP threshold above HIGH_NET_WORTH', (p) => { p.individual.assetTiers.vipFromUsd = 2_000_000; }, 'individual.assetTiers: vipFromUsd must be below highNetWorthFromUsd'],
    ['§2.1 young max age equal to middle-aged max age', (p) => { p.individual.ageGroups.youngMaxAge = 60; }, 'individual.ageGroups: youngMaxAge must be below middleAgedMaxAge'],
    ['§2.1 young max age above middle-aged max age', (p) => { p.individual.ageGroups.youngMaxAge = 61; }, 'individual.ageGroups: youngMaxAge must be below middleAgedMaxAge'],
    ['zero months between §3.2 reviews', (p) => { p.review.individualEveryMonths = 0; }, 'review.individualEveryMonths:'],
    ['a fractional §3.2 review period', (p) => { p.review.enterpriseEveryMonths = 2.5; }, 'review.enterpriseEveryMonths:'],
    ['a negative §5.2 response time', (p) => { p.feedback.individualResponseHours = -24; }, 'feedback.individualResponseHours:'],
    ['§5.2 response hours as a string', (p) => { p.feedback.individualResponseHours = '24'; }, 'feedback.individualResponseHours:'],
    ['a negative §2.2 revenue bound', (p) => { p.enterprise.small.revenueBelowUsd = -1; }, 'enterprise.small.revenueBelowUsd:'],
    ['fractional dollars in a §2.1 threshold', (p) => { p.individual.assetTiers.highNetWorthFromUsd = 1_000_000.5; }, 'individual.assetTiers.highNetWorthFromUsd:'],
    ['a missing §6.2 cadence', (p) => { delete p.risk.everyoneEveryMonths; }, 'risk.everyoneEveryMonths:'],
    ['a missing section', (p) => { delete p.feedback; }, 'feedback:'],
    ['a zero escalation delay', (p) => { p.reminders.escalateAfter = 'PT0S'; }, 'reminders.escalateAfter: a positive ISO-8601 duration'],
    ['an escalation delay in weeks', (p) => { p.reminders.escalateAfter = 'P1W'; }, 'reminders.escalateAfter: a positive ISO-8601 duration'],
    ['an escalation delay as milliseconds', (p) => { p.reminders.escalateAfter = 172_800_000; }, 'reminders.escalateAfter:'],
  ])('%s', (_name, change, expected) => {
    const err = policyErrorOf(withChange(change));
    expect(err.name).toBe('PolicyError');
    expect(err.message.startsWith('invalid policy: ')).toBe(true);
    expect(err.message).toContain(expected);
    expect(err.message).not.toContain('\n');
  });

  it.each([[null], ['policy'], [42], [[]]])('rejects a non-object document %j at (root)', (input) => {
    expect(policyErrorOf(input).message).toMatch(/^invalid policy: \(root\): /);
  });

  it('lists every bad field, separated by "; "', () => {
    const err = policyErrorOf(
      withChange((p) => {
        p.version = 'v1';
        p.feedback.enterpriseTargetBusinessDays = 9;
        p.individual.assetTiers.vipFromUsd = 5_000_000;
      }),
    );
    const parts = err.message.replace(/^invalid policy: /, '').split('; ');
    expect(parts.map((part) => part.split(':')[0]).sort()).toEqual(['feedback', 'individual.assetTiers', 'version']);
  });

  it('does not mutate its input', () => {
    const input = withChange(() => {});
    const before = structuredClone(input);
    parsePolicy(input);
    expect(input).toEqual(before);
  });
});

describe('loadPolicy', () => {
  let dir: string;
  const savedPolicyFile = process.env.POLICY_FILE;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ccm-policy-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    if (savedPolicyFile === undefined) delete process.env.POLICY_FILE;
    else process.env.POLICY_FILE = savedPolicyFile;
  });

  const write = (name: string, content: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  it('returns the defaults when no file is given and POLICY_FILE is unset', () => {
    delete process.env.POLICY_FILE;
    expect(loadPolicy()).toEqual(DEFAULT_POLICY);
    expect(loadPolicy(undefined)).toEqual(DEFAULT_POLICY);
  });

  it('treats an empty POLICY_FILE as unset', () => {
    expect(loadPolicy('')).toEqual(DEFAULT_POLICY);
  });

  it('reads a complete policy file with overridden values', () => {
    const custom = withChange((p) => {
      p.version = '2027.02-3';
      p.reminders.escalateAfter = 'PT12H';
      p.feedback.enterpriseTargetBusinessDays = 4;
    });
    const file = write('custom.json', JSON.stringify(custom, null, 2));
    const policy = loadPolicy(file);
    expect(policy).toEqual(custom);
    expect(policy.version).toBe('2027.02-3');
    expect(reminderEscalationDelayMs(policy)).toBe(12 * HOUR_MS);
  });

  it('reads the file named by POLICY_FILE when called without an argument', () => {
    const file = write('from-env.json', JSON.stringify(withChange((p) => { p.version = '2030.06-1'; })));
    process.env.POLICY_FILE = file;
    expect(loadPolicy().version).toBe('2030.06-1');
  });

  it('reports a missing file with its name', () => {
    const file = path.join(dir, 'does-not-exist.json');
    expect(() => loadPolicy(file)).toThrow(PolicyError);
    expect(() => loadPolicy(file)).toThrow(`POLICY_FILE=${file} could not be read as JSON: `);
    expect(() => loadPolicy(file)).toThrow(/ENOENT/);
  });

  it('reports a directory (unreadable as a file) with its name', () => {
    expect(() => loadPolicy(dir)).toThrow(`POLICY_FILE=${dir} could not be read as JSON: `);
  });

  it.each([
    ['truncated JSON', '{"version": "2026.11-1",'],
    ['YAML instead of JSON', 'version: 2026.11-1\n'],
    ['an empty file', ''],
    ['JSON with a trailing comma', JSON.stringify(DEFAULT_POLICY).replace(/}$/, ',}')],
  ])('reports %s with the file name', (name, content) => {
    const file = write(`${name.replace(/\W+/g, '-')}.json`, content);
    expect(() => loadPolicy(file)).toThrow(PolicyError);
    expect(() => loadPolicy(file)).toThrow(`POLICY_FILE=${file} could not be read as JSON: `);
  });

  it('validates a well-formed JSON file with the policy schema', () => {
    const file = write('bad-values.json', JSON.stringify(withChange((p) => { p.feedback.enterpriseTargetBusinessDays = 10; })));
    expect(() => loadPolicy(file)).toThrow(PolicyError);
    expect(() => loadPolicy(file)).toThrow('invalid policy: feedback: the target may not exceed the hard limit');
  });

  it('refuses a partial file (a deployment states the whole policy, so its version covers every value)', () => {
    const file = write('partial.json', JSON.stringify({ version: '2027.01-1', reminders: { escalateAfter: 'P1D' } }));
    expect(() => loadPolicy(file)).toThrow(/^invalid policy: .*individual: /);
  });
});

describe('reminderEscalationDelayMs', () => {
  it.each<[string, number]>([
    ['P2D', 2 * DAY_MS],
    ['PT24H', DAY_MS],
    ['PT90M', 90 * 60_000],
    ['PT2S', 2000],
    ['P1DT12H', 36 * HOUR_MS],
  ])('escalateAfter %s → %d ms', (escalateAfter, ms) => {
    const policy = parsePolicy(withChange((p) => { p.reminders.escalateAfter = escalateAfter; }));
    expect(reminderEscalationDelayMs(policy)).toBe(ms);
  });

  it('throws for a policy object that bypassed validation', () => {
    const unvalidated = { ...DEFAULT_POLICY, reminders: { escalateAfter: 'P1W' } };
    expect(() => reminderEscalationDelayMs(unvalidated)).toThrow('not an ISO-8601 duration: P1W');
  });
});

describe('fixed defects (regression tests)', () => {
  // was a bug in src/policy/policy.ts:18 — /^\d{4}\.\d{2}-\d+$/ lets a month that does not exist through.
  it('version with month 13 is rejected (YYYY.MM-N)', () => {
    expect(() => parsePolicy(withChange((p) => { p.version = '2026.13-1'; }))).toThrow('version: YYYY.MM-N');
  });

  // GAP src/policy/policy.ts:47-57 (superRefine) — no check that §2.1's minimum age lies below the young band's top.
  it('§2.1 minimumAgeYears at or above youngMaxAge is rejected (the young band would be empty)', () => {
    expect(() => parsePolicy(withChange((p) => { p.individual.minimumAgeYears = 40; }))).toThrow(PolicyError);
  });
});
