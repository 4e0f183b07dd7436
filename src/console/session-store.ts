/**
 * §3.1 the console's session store, in PostgreSQL (model ConsoleSession), for @fastify/session: a
 * session really ends — at sign-out its row is deleted; when idle past the idle timeout its row has
 * expired and is never read again (and is swept) — whichever API process serves the next request.
 *
 * - The row's key is the SHA-256 of the session id, never the id itself: the id is the bearer
 *   credential in the cookie (signed by the session plugin), and a copy of this table signs nobody in.
 * - `expiresAt` = last request + idle timeout, moved forward on each save (@fastify/session saves
 *   every request with a session: `rolling`). A row past it is treated as absent.
 * - `get` also reads the staff member's roles and whether they are active (one query, a join), as
 *   `staff` on the session; `set` never stores it. So a role change or a deactivation takes effect
 *   on the next page, as it does for an API key.
 */
import { createHash } from 'node:crypto';
import type { Session } from 'fastify';
import type { Db } from '../db/client';
import type { Prisma, StaffRole } from '../db/generated/client';
import type { Clock } from '../shared/clock';

/** The staff member behind a signed-in session, read fresh with the session on each request. */
export interface SessionStaff {
  roles: StaffRole[];
  active: boolean;
}

/** What the console keeps in a session (besides @fastify/session's `cookie`). */
export interface ConsoleSessionData {
  /** Signed in as (absent: not signed in). */
  staffId?: string;
  /** Epoch ms of sign-in: the session's absolute lifetime counts from it. */
  signedInAt?: number;
  /** How they signed in (the provider id, e.g. 'api-key', 'email-link'). */
  signInMethod?: string;
  /** One-time messages for the next page (flash). */
  flash?: { kind: 'info' | 'error'; text: string }[];
  /** @fastify/csrf-protection's secret. */
  _csrf?: string;
}

declare module 'fastify' {
  interface Session extends ConsoleSessionData {
    /** Read with the session, never stored (see the module comment). */
    staff?: SessionStaff;
  }
}

type Callback<T = void> = (err?: Error | null, value?: T) => void;

export const hashSessionId = (sessionId: string) => createHash('sha256').update(sessionId).digest('hex');

/** Keys never written to the row: read-only joins. */
const TRANSIENT_KEYS = new Set(['staff']);

export class PrismaSessionStore {
  constructor(
    private readonly db: Db,
    private readonly idleTimeoutMs: number,
    private readonly clock: Clock,
  ) {}

  /** The session with its staff member, or undefined when there is none or it expired (idle). */
  async read(sessionId: string): Promise<(Record<string, unknown> & { staff?: SessionStaff }) | undefined> {
    const row = await this.db.consoleSession.findUnique({
      where: { id: hashSessionId(sessionId) },
      select: { data: true, expiresAt: true, staff: { select: { roles: true, active: true } } },
    });
    if (!row || row.expiresAt.getTime() <= this.clock.now().getTime()) return undefined;
    const data = (row.data ?? {}) as Record<string, unknown>;
    return row.staff ? { ...data, staff: row.staff } : data;
  }

  async write(sessionId: string, session: object): Promise<void> {
    const data = Object.fromEntries(Object.entries(JSON.parse(JSON.stringify(session)) as Record<string, unknown>).filter(([k]) => !TRANSIENT_KEYS.has(k)));
    const staffId = typeof data.staffId === 'string' ? data.staffId : null;
    const expiresAt = new Date(this.clock.now().getTime() + this.idleTimeoutMs);
    const id = hashSessionId(sessionId);
    await this.db.consoleSession.upsert({
      where: { id },
      create: { id, staffId, data: data as Prisma.InputJsonValue, expiresAt },
      update: { staffId, data: data as Prisma.InputJsonValue, expiresAt },
    });
  }

  async remove(sessionId: string): Promise<void> {
    await this.db.consoleSession.deleteMany({ where: { id: hashSessionId(sessionId) } });
  }

  /** Deletes every session of a staff member (e.g. when deactivated); returns how many. */
  async removeAllOf(staffId: string): Promise<number> {
    return (await this.db.consoleSession.deleteMany({ where: { staffId } })).count;
  }

  /** Deletes expired rows; called now and then by the console (they are never read anyway). */
  async sweep(): Promise<number> {
    return (await this.db.consoleSession.deleteMany({ where: { expiresAt: { lte: this.clock.now() } } })).count;
  }

  // The callback interface @fastify/session (and express-session) expects.
  get = (sessionId: string, callback: (err: unknown, result?: Session | null) => void): void => {
    this.read(sessionId).then(
      (s) => callback(null, (s ?? null) as Session | null),
      (err: Error) => callback(err),
    );
  };

  set = (sessionId: string, session: object, callback: Callback): void => {
    this.write(sessionId, session).then(
      () => callback(null),
      (err: Error) => callback(err),
    );
  };

  destroy = (sessionId: string, callback: Callback): void => {
    this.remove(sessionId).then(
      () => callback(null),
      (err: Error) => callback(err),
    );
  };
}
