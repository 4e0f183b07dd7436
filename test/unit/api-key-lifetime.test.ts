/**
 * §3.1 an API key's lifetime (issue 13, src/staff/api-keys.ts): the `--expires-in` / `expiresIn`
 * grammar, and the policy's security section (default within the maximum).
 */
import { apiKeyStatus, parseExpiresIn } from '../../src/staff/api-keys';
import { DEFAULT_POLICY, parsePolicy, PolicyError } from '../../src/policy/policy';

const DAY = 86_400_000;

test.each([
  ['90d', 90 * DAY],
  ['1d', DAY],
  ['12h', 12 * 3_600_000],
  [' 30d ', 30 * DAY],
  ['P90D', 90 * DAY],
  ['PT36H', 36 * 3_600_000],
  ['P1DT12H', 36 * 3_600_000],
])('%j → %d ms', (text, ms) => {
  expect(parseExpiresIn(text)).toBe(ms);
});

test.each(['', '90', 'd', '2y', '3w', '90 d', '-1d', 'soon', 'P', 'P1M'])('%j is not a lifetime', (text) => {
  expect(parseExpiresIn(text)).toBeUndefined();
});

test('status: REVOKED over EXPIRED over ACTIVE; expired from the instant itself', () => {
  const at = new Date('2026-12-03T12:00:00Z');
  expect(apiKeyStatus({ revokedAt: null, expiresAt: null }, at)).toBe('ACTIVE');
  expect(apiKeyStatus({ revokedAt: null, expiresAt: new Date(at.getTime() + 1) }, at)).toBe('ACTIVE');
  expect(apiKeyStatus({ revokedAt: null, expiresAt: at }, at)).toBe('EXPIRED');
  expect(apiKeyStatus({ revokedAt: at, expiresAt: new Date(0) }, at)).toBe('REVOKED');
});

describe('policy security section (§3.1)', () => {
  test('defaults: keys live 90 days, at most 365; 600 requests a minute per key; 10 failed authentications per 15 minutes per address', () => {
    expect(DEFAULT_POLICY.security).toEqual({
      apiKeys: { defaultExpiresIn: 'P90D', maxExpiresIn: 'P365D' },
      rateLimits: { perApiKey: { max: 600, window: 'PT1M' }, authFailuresPerIp: { max: 10, window: 'PT15M' } },
    });
  });

  test('a policy file without the section gets the defaults', () => {
    const { security: _omitted, ...older } = DEFAULT_POLICY;
    expect(parsePolicy(older).security).toEqual(DEFAULT_POLICY.security);
  });

  test('a default lifetime past the maximum, a zero limit, a bad window: refused with the field', () => {
    const bad = (security: unknown) => () => parsePolicy({ ...DEFAULT_POLICY, security });
    expect(bad({ ...DEFAULT_POLICY.security, apiKeys: { defaultExpiresIn: 'P400D', maxExpiresIn: 'P365D' } })).toThrow(new PolicyError('invalid policy: security.apiKeys.defaultExpiresIn: must not exceed maxExpiresIn'));
    expect(bad({ ...DEFAULT_POLICY.security, rateLimits: { ...DEFAULT_POLICY.security.rateLimits, perApiKey: { max: 0, window: 'PT1M' } } })).toThrow(/security\.rateLimits\.perApiKey\.max/);
    expect(bad({ ...DEFAULT_POLICY.security, rateLimits: { ...DEFAULT_POLICY.security.rateLimits, authFailuresPerIp: { max: 10, window: '15 minutes' } } })).toThrow(/security\.rateLimits\.authFailuresPerIp\.window/);
  });
});
