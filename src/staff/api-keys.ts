/**
 * §3.1 "access is granted by role and need": a staff member's API keys — issued with an expiry,
 * revoked by an ADMIN, listed without their secret (issue 13). One use case per action, shared by the
 * API (POST/GET /staff/:id/keys, DELETE /staff/:id/keys/:keyId; src/api/routes/staff.ts) and the CLI
 * (`ccm staff key issue|revoke|list`; src/cli/staff.ts). Authentication refuses expired and revoked
 * keys (src/security/auth.ts).
 *
 * - The plain key is returned once, by `issueStaffApiKey`; only its SHA-256 is stored, no view shows it.
 * - Lifetime: `expiresIn` (`90d`, `12h` or ISO-8601 `P90D`), default and maximum from the policy
 *   (`security.apiKeys`); every key issued here expires.
 * - Each issue and revocation writes one audit record (§3.1 every change recorded) in the change's
 *   transaction; revoking a revoked key changes nothing and records nothing.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import type { ApiKey } from '../db/generated/client';
import { parseDurationMs } from '../policy/duration';
import type { Policy } from '../policy/policy';
import { newApiKey, requireRole, type Actor } from '../security/auth';
import { NotFoundError, parseInput, ValidationError } from '../shared/errors';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** `90d`, `12h`, or an ISO-8601 duration of days/hours/minutes/seconds (`P90D`); undefined when none of these. */
export function parseExpiresIn(text: string): number | undefined {
  const short = /^(\d{1,5})([dh])$/.exec(text.trim());
  if (short) return Number(short[1]) * (short[2] === 'd' ? DAY_MS : HOUR_MS);
  return parseDurationMs(text.trim());
}

export const issueApiKeyInput = z.strictObject({
  label: z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters'),
  /** How long the key lives: `90d`, `12h` or `P90D`; default the policy's `security.apiKeys.defaultExpiresIn`. */
  expiresIn: z
    .string()
    .refine((v) => (parseExpiresIn(v) ?? 0) > 0, { error: 'a duration such as 90d, 12h or P90D' })
    .optional(),
});
export type IssueApiKeyInput = z.infer<typeof issueApiKeyInput>;

export type ApiKeyStatus = 'ACTIVE' | 'EXPIRED' | 'REVOKED';

/** A key as an ADMIN sees it: never the key, never its hash. */
export interface ApiKeyView {
  id: string;
  staffId: string;
  label: string;
  status: ApiKeyStatus;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

/** The issued key: the view and, this once, the key itself. */
export interface IssuedApiKey extends ApiKeyView {
  key: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function apiKeyStatus(row: Pick<ApiKey, 'revokedAt' | 'expiresAt'>, now: Date): ApiKeyStatus {
  if (row.revokedAt) return 'REVOKED';
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  return 'ACTIVE';
}

export const apiKeyView = (row: ApiKey, now: Date): ApiKeyView => ({
  id: row.id,
  staffId: row.staffId,
  label: row.label,
  status: apiKeyStatus(row, now),
  createdAt: row.createdAt.toISOString(),
  expiresAt: iso(row.expiresAt),
  lastUsedAt: iso(row.lastUsedAt),
  revokedAt: iso(row.revokedAt),
  revokedBy: row.revokedBy,
});

export interface ApiKeyDeps {
  db: Db;
  policy: Policy;
}

/** §3.1 ADMIN: a new key for an active staff member, expiring after `expiresIn` (≤ the policy's maximum). */
export async function issueStaffApiKey(deps: ApiKeyDeps, actor: Actor, staffId: string, body: unknown, now: Date): Promise<IssuedApiKey> {
  requireRole(actor, 'ADMIN');
  const input = parseInput(issueApiKeyInput, body);
  const { defaultExpiresIn, maxExpiresIn } = deps.policy.security.apiKeys;
  const lifetimeMs = input.expiresIn === undefined ? parseExpiresIn(defaultExpiresIn)! : parseExpiresIn(input.expiresIn)!;
  const maxMs = parseExpiresIn(maxExpiresIn)!;
  if (lifetimeMs > maxMs) {
    throw new ValidationError([{ field: 'expiresIn', value: input.expiresIn, reason: `at most ${maxExpiresIn} (policy security.apiKeys.maxExpiresIn, §3.1)` }]);
  }
  const { key, keyHash } = newApiKey();
  const row = await deps.db.$transaction(async (tx) => {
    const staff = await tx.staffMember.findUnique({ where: { id: staffId }, select: { active: true } });
    if (!staff?.active) throw new NotFoundError(`active staff member ${staffId} does not exist`);
    const created = await tx.apiKey.create({ data: { staffId, label: input.label, keyHash, expiresAt: new Date(now.getTime() + lifetimeMs) } });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'staff.api_key.issue',
      entity: 'ApiKey',
      entityId: created.id,
      changes: { staffId: { before: null, after: staffId }, label: { before: null, after: input.label }, expiresAt: { before: null, after: iso(created.expiresAt) } },
    });
    return created;
  });
  return { ...apiKeyView(row, now), key };
}

/**
 * §3.1 ADMIN: revokes a key at once; a key revoked before keeps its first revocation. `staffId`: the
 * key must be that staff member's (the API's path); undefined: any staff member's (the CLI's `revoke <keyId>`).
 */
export async function revokeStaffApiKey(deps: ApiKeyDeps, actor: Actor, staffId: string | undefined, keyId: string, now: Date): Promise<ApiKeyView> {
  requireRole(actor, 'ADMIN');
  if (!z.uuid().safeParse(keyId).success) throw new ValidationError([{ field: 'keyId', value: keyId, reason: 'an API key id (a UUID, see ccm staff key list)' }]);
  const row = await deps.db.$transaction(async (tx) => {
    const existing = await tx.apiKey.findFirst({ where: { id: keyId, ...(staffId === undefined ? {} : { staffId }) } });
    if (!existing) throw new NotFoundError(staffId === undefined ? `there is no API key ${keyId}` : `staff member ${staffId} has no API key ${keyId}`);
    if (existing.revokedAt) return existing;
    const revoked = await tx.apiKey.update({ where: { id: keyId }, data: { revokedAt: now, revokedBy: actor.staffId } });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'staff.api_key.revoke',
      entity: 'ApiKey',
      entityId: keyId,
      changes: { revokedAt: { before: null, after: now.toISOString() }, revokedBy: { before: null, after: actor.staffId } },
    });
    return revoked;
  });
  return apiKeyView(row, now);
}

/** §3.1 ADMIN: the staff member's keys (undefined: every staff member's), newest first (status, expiry, last use; never the key). */
export async function listStaffApiKeys(deps: ApiKeyDeps, actor: Actor, staffId: string | undefined, now: Date): Promise<ApiKeyView[]> {
  requireRole(actor, 'ADMIN');
  if (staffId !== undefined) {
    const staff = await deps.db.staffMember.findUnique({ where: { id: staffId }, select: { id: true } });
    if (!staff) throw new NotFoundError(`staff member ${staffId} does not exist`);
  }
  const rows = await deps.db.apiKey.findMany({ where: staffId === undefined ? {} : { staffId }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
  return rows.map((r) => apiKeyView(r, now));
}
