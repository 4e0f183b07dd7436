/**
 * §3.1 "access is granted by role and need": every API request carries a per-staff API key
 * (`Authorization: Bearer ccm_…`). Only a SHA-256 of the key is stored; the key is shown once, when
 * issued. A key may expire and be revoked (issue 13; src/staff/api-keys.ts). The authenticated
 * actor's roles decide what the request may do (see `requireRole`).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/client';
import type { ApiKey, StaffRole } from '../db/generated/client';
import { NotFoundError } from '../shared/errors';

export interface Actor {
  staffId: string;
  roles: StaffRole[];
}

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

const KEY_PREFIX = 'ccm_';

/**
 * How fresh ApiKey.lastUsedAt is kept: a key used again within this of its recorded last use writes
 * nothing (issue 12: every request wrote it, so every read was also a write on one row per key).
 */
export const LAST_USED_RESOLUTION_MS = 60_000;

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** A new random key (`ccm_` + 32 random bytes, base64url) and the hash to store. */
export function newApiKey(): { key: string; keyHash: string } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, keyHash: hashApiKey(key) };
}

/** Issues a new key for an active staff member; returns the plain key (shown once). `expiresAt`: refused from then on. */
export async function issueApiKey(db: Db, staffId: string, label: string, options: { expiresAt?: Date } = {}): Promise<{ id: string; key: string }> {
  const staff = await db.staffMember.findUnique({ where: { id: staffId } });
  if (!staff?.active) throw new NotFoundError(`active staff member ${staffId} does not exist`);
  const { key, keyHash } = newApiKey();
  const row = await db.apiKey.create({ data: { staffId, label, keyHash, expiresAt: options.expiresAt ?? null } });
  return { id: row.id, key };
}

/** Marks a key revoked (once: a second call keeps the first revocation). */
export async function revokeApiKey(db: Db, id: string, at: Date, revokedBy: string | null = null): Promise<void> {
  await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at, revokedBy } });
}

/** The actor and the id of the key that authenticated it (the per-key rate limit counts by key id). */
export interface Authenticated {
  actor: Actor;
  apiKeyId: string;
}

/**
 * §3.1 the staff member behind an Authorization header value, or an AuthenticationError saying why
 * not: no header, not a bearer `ccm_` key, an unknown key, a revoked or expired key (named by its id
 * and when, so its holder knows to ask an ADMIN for a new one), or an inactive staff member.
 * The key itself never appears in a message.
 */
export async function authenticateKey(db: Db, authorization: string | undefined, now: Date): Promise<Authenticated> {
  if (!authorization) throw new AuthenticationError('missing Authorization header (Bearer API key)');
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match?.[1]?.startsWith(KEY_PREFIX)) throw new AuthenticationError('Authorization must be "Bearer ccm_…"');
  const row = await findKeyByHash(db, hashApiKey(match[1]));
  if (!row) throw new AuthenticationError('unknown API key');
  if (row.revokedAt) {
    throw new AuthenticationError(`API key ${row.id} was revoked at ${row.revokedAt.toISOString()}${row.revokedBy ? ` by ${row.revokedBy}` : ''}: ask an ADMIN for a new key`);
  }
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) {
    throw new AuthenticationError(`API key ${row.id} expired at ${row.expiresAt.toISOString()}: ask an ADMIN for a new key`);
  }
  if (!row.staff.active) throw new AuthenticationError('the staff member of this API key is inactive');
  // Issue 12: lastUsedAt to the minute, not a write (and a commit, on one hot row) per request.
  if (row.lastUsedAt === null || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await db.apiKey.updateMany({ where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - LAST_USED_RESOLUTION_MS + 1) } }] }, data: { lastUsedAt: now } });
  }
  return { actor: { staffId: row.staffId, roles: row.staff.roles }, apiKeyId: row.id };
}

/** The actor behind an Authorization header value (see authenticateKey). */
export async function authenticate(db: Db, authorization: string | undefined, now: Date): Promise<Actor> {
  return (await authenticateKey(db, authorization, now)).actor;
}

/**
 * The key with its staff member's active flag and roles, or null: one SQL query (issue 12: every
 * request authenticates; Prisma's include of the staff member cost a second query).
 */
async function findKeyByHash(db: Db, keyHash: string): Promise<(ApiKey & { staff: { active: boolean; roles: StaffRole[] } }) | null> {
  const [found] = await db.$queryRaw<(ApiKey & { staffActive: boolean; staffRoles: StaffRole[] })[]>`
    SELECT k.*, s.active AS "staffActive", s.roles::text[] AS "staffRoles"
      FROM "ApiKey" k JOIN "StaffMember" s ON s.id = k."staffId" WHERE k."keyHash" = ${keyHash}`;
  if (!found) return null;
  const { staffActive, staffRoles, ...key } = found;
  return { ...key, staff: { active: staffActive, roles: staffRoles } };
}

/** Throws ForbiddenError unless the actor holds one of `roles`. */
export function requireRole(actor: Actor, ...roles: StaffRole[]): void {
  if (!roles.some((r) => actor.roles.includes(r))) {
    throw new ForbiddenError(
      `requires one of the roles ${roles.join(', ')}; staff member ${actor.staffId} has ${actor.roles.join(', ') || 'none'}`,
    );
  }
}
