/**
 * §3.1 "every access to … customer data is recorded": reads record who looked, and the data leaves
 * only once its record is committed (no record, no data). Committing one transaction per read made
 * every list a write of its own (issue 12); here the records of concurrent reads in one process are
 * written together — group commit: one multi-row INSERT, which is one transaction and one commit,
 * and every read awaits the commit that holds its records before it answers. Never fire-and-forget:
 * a failed write fails every read in that group (their callers answer with an error, not data).
 *
 * While one group is being written the next one gathers, so under load groups grow and commits per
 * second stay few; alone, a read's records are written at once (no waiting for company). The chain
 * of issue 13 (trigger "AuditLog_chain") links the rows in the order given.
 */
import type { Db } from '../db/client';
import { isEmptyChange, type AuditEntry } from './audit-log';

/** Records written per INSERT at most (a larger backlog is written in several, in order). */
export const MAX_GROUP_RECORDS = 2000;

interface Waiting {
  entries: AuditEntry[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Writes `entries` (in order) in one INSERT outside any transaction: committed when it returns. */
export async function insertAuditRecords(db: Db, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const col = <T>(pick: (e: AuditEntry) => T) => entries.map(pick);
  await db.$executeRaw`
    INSERT INTO "AuditLog" ("actorStaffId", action, entity, "entityId", "customerId", changes, "requestId", "idempotencyKey")
    SELECT a.actor, a.action, a.entity, a.entity_id, a.customer_id, a.changes::jsonb, a.request_id, a.idempotency_key
      FROM unnest(${col((e) => e.actorStaffId)}::text[], ${col((e) => e.action)}::text[], ${col((e) => e.entity)}::text[], ${col((e) => e.entityId)}::text[],
                  ${col((e) => e.customerId ?? null)}::text[], ${col((e) => (e.changes === undefined ? null : JSON.stringify(e.changes)))}::text[],
                  ${col((e) => e.requestId ?? null)}::text[], ${col((e) => e.idempotencyKey ?? null)}::text[])
           WITH ORDINALITY AS a(actor, action, entity, entity_id, customer_id, changes, request_id, idempotency_key, n)
     ORDER BY a.n
    ON CONFLICT ("idempotencyKey") DO NOTHING`;
}

/** One process's group committer for one database client. */
export class AuditGroupCommit {
  #waiting: Waiting[] = [];
  #writing = false;
  /** Groups written so far (how many commits the reads cost). */
  groups = 0;

  constructor(private readonly db: Db) {}

  /** Resolves once `entries` are committed; rejects when their group could not be written. */
  record(entries: readonly AuditEntry[]): Promise<void> {
    const real = entries.filter((e) => !isEmptyChange(e));
    if (real.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ entries: real, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#waiting.length > 0) {
        const group: Waiting[] = [];
        let records = 0;
        while (this.#waiting.length > 0 && (group.length === 0 || records + this.#waiting[0]!.entries.length <= MAX_GROUP_RECORDS)) {
          const next = this.#waiting.shift()!;
          group.push(next);
          records += next.entries.length;
        }
        try {
          await insertAuditRecords(this.db, group.flatMap((w) => w.entries));
          this.groups += 1;
          for (const w of group) w.resolve();
        } catch (err) {
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}

const committers = new WeakMap<Db, AuditGroupCommit>();

/** The group committer of `db` (one per client, so per process). */
export function auditGroupCommit(db: Db): AuditGroupCommit {
  let committer = committers.get(db);
  if (!committer) {
    committer = new AuditGroupCommit(db);
    committers.set(db, committer);
  }
  return committer;
}

/**
 * Records reads of customer data (§3.1) and resolves once they are committed; the caller shows the
 * data only after this resolves.
 */
export const recordReads = (db: Db, entries: readonly AuditEntry[]): Promise<void> => auditGroupCommit(db).record(entries);
