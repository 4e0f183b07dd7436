/**
 * §6.1 the risk inputs of the deeper profile (src/customers/update-profile.ts): an individual's credit
 * bureau figures (§3.1 sensitive: never echoed), employment type and since when, income variability;
 * an enterprise's founding date — validated at their boundaries; dates not in the future on the
 * bank's calendar (profileDateIssues); and §6 which changed fields make a re-assessment due
 * (src/domain/risk-inputs.ts). Policy: ../shared/policy.md §6.1, §6, §3.1.
 */
import { canonicalCreditBureau, decryptCreditBureau, encryptCreditBureau } from '../../src/customers/credit-bureau';
import { enterpriseProfileInput, individualProfileInput, profileDateIssues, SENSITIVE_PROFILE_FIELDS } from '../../src/customers/update-profile';
import { RISK_INPUT_FIELDS, riskInputsAmong } from '../../src/domain/risk-inputs';
import { EMPLOYMENT_TYPES } from '../../src/domain/risk-scorecard';
import { developmentKeyRing } from '../../src/security/keyring';
import { DecryptionError } from '../../src/security/crypto';
import { parseInput, ValidationError, type FieldIssue } from '../../src/shared/errors';

const TODAY = '2026-12-03';
const bureau = { score: 712, delinquencies: 1, defaults: 0, reportedOn: '2026-11-20' };

function issues(schema: typeof individualProfileInput | typeof enterpriseProfileInput, body: unknown): FieldIssue[] {
  try {
    parseInput(schema, body, SENSITIVE_PROFILE_FIELDS);
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  return [];
}
const individual = (body: unknown) => issues(individualProfileInput, body);

describe('§6.1 creditBureau { score, delinquencies, defaults, reportedOn } — §3.1 values never echoed', () => {
  test('valid figures, and null (clear them), are accepted', () => {
    expect(individual({ creditBureau: bureau })).toEqual([]);
    expect(individual({ creditBureau: null })).toEqual([]);
  });

  test.each([
    ['score 300 (lowest)', { score: 300 }, []],
    ['score 850 (highest)', { score: 850 }, []],
    ['score 299', { score: 299 }, [{ field: 'creditBureau.score', reason: 'a credit score is 300–850' }]],
    ['score 851', { score: 851 }, [{ field: 'creditBureau.score', reason: 'a credit score is 300–850' }]],
    ['score 700.5', { score: 700.5 }, [{ field: 'creditBureau.score', reason: 'a whole number 300–850' }]],
    ['score as text', { score: '712' }, [{ field: 'creditBureau.score', reason: 'a whole number 300–850' }]],
    ['delinquencies 0', { delinquencies: 0 }, []],
    ['delinquencies -1', { delinquencies: -1 }, [{ field: 'creditBureau.delinquencies', reason: 'must not be negative' }]],
    ['delinquencies 1.5', { delinquencies: 1.5 }, [{ field: 'creditBureau.delinquencies', reason: 'a whole number of late payments (0 or more)' }]],
    ['defaults 999', { defaults: 999 }, []],
    ['defaults 1000', { defaults: 1000 }, [{ field: 'creditBureau.defaults', reason: 'at most 999' }]],
    ['defaults -1', { defaults: -1 }, [{ field: 'creditBureau.defaults', reason: 'must not be negative' }]],
    ['reportedOn not a date', { reportedOn: '2026-13-01' }, [{ field: 'creditBureau.reportedOn', reason: 'not a real calendar date' }]],
    ['reportedOn 1899', { reportedOn: '1899-12-31' }, [{ field: 'creditBureau.reportedOn', reason: 'must not be before 1900-01-01' }]],
    ['an unknown field', { bureauName: 'Equifax' }, [{ field: 'creditBureau.bureauName', reason: 'unknown field' }]],
  ])('%s', (_name, change, expected) => {
    const found = individual({ creditBureau: { ...bureau, ...change } });
    expect(found).toEqual(expected);
    for (const issue of found) expect(issue).not.toHaveProperty('value'); // §3.1 never echoed
  });

  test('a missing figure is named; the whole field as a string is refused without echoing it', () => {
    const { defaults: _omitted, ...partial } = bureau;
    expect(individual({ creditBureau: partial })).toEqual([{ field: 'creditBureau.defaults', reason: 'a whole number of defaults (0 or more)' }]);
    const secret = individual({ creditBureau: 'score 712, no defaults' });
    expect(secret).toHaveLength(1);
    expect(secret[0]).toMatchObject({ field: 'creditBureau' });
    expect(JSON.stringify(secret)).not.toContain('712');
  });

  test('control characters in it are refused without the value', () => {
    expect(individual({ creditBureau: { ...bureau, reportedOn: '2026-11-20\u0000' } })).toEqual([{ field: 'creditBureau.reportedOn', reason: expect.stringMatching(/control character/) }]);
  });
});

describe('§6.1 income stability: employmentType, employmentSince, incomeVariability', () => {
  test.each(EMPLOYMENT_TYPES)('employmentType %s accepted', (type) => {
    expect(individual({ employmentType: type })).toEqual([]);
  });

  test('an unknown employment type is refused with the value and the choices', () => {
    expect(individual({ employmentType: 'permanent' })).toEqual([{ field: 'employmentType', value: 'permanent', reason: `one of ${EMPLOYMENT_TYPES.join(', ')}` }]);
  });

  test.each([
    ['2019-04-01', []],
    ['1900-01-01', []],
    ['1899-12-31', [{ field: 'employmentSince', value: '1899-12-31', reason: 'must not be before 1900-01-01' }]],
    ['2019-4-1', [{ field: 'employmentSince', value: '2019-4-1', reason: 'a date written YYYY-MM-DD' }]],
    ['2023-02-29', [{ field: 'employmentSince', value: '2023-02-29', reason: 'not a real calendar date' }]],
  ])('employmentSince %s', (date, expected) => {
    expect(individual({ employmentSince: date })).toEqual(expected);
  });

  test.each([
    [0, []],
    [10, []],
    [0.1234, []],
    [-0.0001, [{ field: 'incomeVariability', value: -0.0001, reason: 'must not be negative' }]],
    [10.0001, [{ field: 'incomeVariability', value: 10.0001, reason: 'at most 10' }]],
    [0.12345, [{ field: 'incomeVariability', value: 0.12345, reason: 'at most 4 decimal places' }]],
    ['0.2', [{ field: 'incomeVariability', value: '0.2', reason: 'a number 0–10 (standard deviation ÷ mean of the monthly income)' }]],
  ])('incomeVariability %p', (value, expected) => {
    expect(individual({ incomeVariability: value })).toEqual(expected);
  });

  test('an enterprise has none of them; an individual has no establishedOn', () => {
    expect(issues(enterpriseProfileInput, { employmentType: 'PERMANENT' })).toEqual([{ field: 'employmentType', reason: 'unknown field' }]);
    expect(individual({ establishedOn: '2001-01-01' })).toEqual([{ field: 'establishedOn', reason: 'unknown field' }]);
  });
});

describe('§6.1 operating risk: establishedOn', () => {
  test.each([
    ['1998-06-15', []],
    ['1600-01-01', []],
    ['1599-12-31', [{ field: 'establishedOn', value: '1599-12-31', reason: 'must not be before 1600-01-01' }]],
    ['June 1998', [{ field: 'establishedOn', value: 'June 1998', reason: 'a date written YYYY-MM-DD' }]],
  ])('%s', (date, expected) => {
    expect(issues(enterpriseProfileInput, { establishedOn: date })).toEqual(expected);
  });
  test('null clears it', () => {
    expect(issues(enterpriseProfileInput, { establishedOn: null })).toEqual([]);
  });
});

describe('dates not in the future, on the bank calendar (profileDateIssues)', () => {
  test('today is accepted, tomorrow refused; the credit report’s date is not echoed (§3.1)', () => {
    expect(profileDateIssues({ creditBureau: { reportedOn: TODAY }, employmentSince: TODAY, establishedOn: TODAY }, TODAY)).toEqual([]);
    expect(profileDateIssues({ creditBureau: { reportedOn: '2026-12-04' }, employmentSince: '2026-12-04', establishedOn: '2027-01-01' }, TODAY)).toEqual([
      { field: 'creditBureau.reportedOn', reason: `must not be in the future (today is ${TODAY})` },
      { field: 'employmentSince', value: '2026-12-04', reason: `must not be in the future (today is ${TODAY})` },
      { field: 'establishedOn', value: '2027-01-01', reason: `must not be in the future (today is ${TODAY})` },
    ]);
  });
  test('absent or null dates have nothing to check', () => {
    expect(profileDateIssues({}, TODAY)).toEqual([]);
    expect(profileDateIssues({ creditBureau: null, employmentSince: null, establishedOn: null }, TODAY)).toEqual([]);
  });
});

describe('§3.1 stored encrypted, bound to its column and customer', () => {
  const ring = developmentKeyRing();
  test('round trip in one key order; another customer’s AAD does not decrypt', () => {
    const token = encryptCreditBureau(ring, 'cus_a', { reportedOn: bureau.reportedOn, defaults: 0, score: 712, delinquencies: 1 });
    expect(token).not.toContain('712');
    expect(decryptCreditBureau(ring, 'cus_a', token)).toEqual(bureau);
    expect(JSON.stringify(canonicalCreditBureau({ reportedOn: 'x', defaults: 0, score: 1, delinquencies: 2 }))).toBe('{"score":1,"delinquencies":2,"defaults":0,"reportedOn":"x"}');
    expect(() => decryptCreditBureau(ring, 'cus_b', token)).toThrow(DecryptionError);
  });
});

describe('§6 "re-assessed at once when its inputs change": which fields are risk inputs', () => {
  test('the new profile fields and the financial statements are', () => {
    expect(riskInputsAmong('INDIVIDUAL', ['email', 'creditBureau', 'employmentType', 'employmentSince', 'incomeVariability', 'savingsGoal'])).toEqual([
      'creditBureau',
      'employmentType',
      'employmentSince',
      'incomeVariability',
    ]);
    expect(riskInputsAmong('ENTERPRISE', ['establishedOn', 'purposeOfFunds', 'financialStatements'])).toEqual(['establishedOn', 'financialStatements']);
  });
  test('every individual risk input is a field of the individual profile update, and every enterprise one of the enterprise profile or financialStatements', () => {
    const individualFields = Object.keys(individualProfileInput.shape);
    const enterpriseFields = [...Object.keys(enterpriseProfileInput.shape), 'financialStatements'];
    expect(RISK_INPUT_FIELDS.INDIVIDUAL.filter((f) => !individualFields.includes(f))).toEqual([]);
    expect(RISK_INPUT_FIELDS.ENTERPRISE.filter((f) => !enterpriseFields.includes(f))).toEqual([]);
  });
});
