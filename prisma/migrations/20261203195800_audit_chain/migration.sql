-- AlterTable
ALTER TABLE "AuditLog" ADD COLUMN     "hash" TEXT,
ADD COLUMN     "prevHash" TEXT,
ADD COLUMN     "seq" BIGINT;

-- CreateIndex
CREATE UNIQUE INDEX "AuditLog_seq_key" ON "AuditLog"("seq");

-- §3.1 "every access to and change of customer data is recorded" — and the record cannot be changed
-- or removed unseen (issue 13): every AuditLog row carries its place in one chain (seq 1, 2, …), the
-- hash of the record before it (prevHash; 64 zeros for the first) and its own hash, SHA-256 over a
-- canonical JSON array of its content and prevHash. src/audit/chain.ts computes the same hash in
-- TypeScript (`auditRecordHash`, unit-tested) and `ccm audit verify` walks the chain with it.
--
-- The chain is made here, in a BEFORE INSERT trigger, so that every writer takes part whatever path it
-- writes by (writeAudit, the group commit of reads, the single-statement customer create, the risk
-- run's bulk insert, a migration) and any number of API and worker processes make one chain: the
-- trigger takes a transaction-level advisory lock, reads the last record of the chain (committed: in
-- READ COMMITTED each statement of the function sees what committed before the lock was granted) and
-- links to it. The lock is held until the writing transaction ends, so audit-writing transactions
-- commit one at a time from their first audit row on (see the README's performance section).
-- A rolled-back insert leaves no trace in the chain (the next writer links to the committed head).

-- A text value as a JSON string literal, or null: the same text as JSON.stringify gives.
CREATE FUNCTION audit_log_json(value text) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(to_json(value)::text, 'null') $$;

-- The hash of a record: keep in step with canonicalAuditRecord in src/audit/chain.ts. `changes` enters
-- as the text of its jsonb value (PostgreSQL's normal form: keys ordered, no duplicate keys).
CREATE FUNCTION audit_log_hash(r "AuditLog") RETURNS text
  LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to('[' || concat_ws(',',
      audit_log_json('ccm.audit.v1'),
      audit_log_json(r.seq::text),
      audit_log_json(r."prevHash"),
      audit_log_json(r.id::text),
      audit_log_json(to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
      audit_log_json(r."actorStaffId"),
      audit_log_json(r.action),
      audit_log_json(r.entity),
      audit_log_json(r."entityId"),
      audit_log_json(r."customerId"),
      audit_log_json(r.changes::text),
      audit_log_json(r."requestId"),
      audit_log_json(r."idempotencyKey")
    ) || ']', 'UTF8')), 'hex')
$$;

-- Existing records, sealed in id order (the order they were written in) before the chain goes live.
ALTER TABLE "AuditLog" DISABLE TRIGGER "AuditLog_append_only";
DO $$
DECLARE
  r "AuditLog";
  n bigint := 0;
  prev text := repeat('0', 64);
BEGIN
  FOR r IN SELECT * FROM "AuditLog" ORDER BY id LOOP
    n := n + 1;
    r.seq := n;
    r."prevHash" := prev;
    r.hash := audit_log_hash(r);
    UPDATE "AuditLog" SET seq = r.seq, "prevHash" = r."prevHash", hash = r.hash WHERE id = r.id;
    prev := r.hash;
  END LOOP;
END;
$$;
ALTER TABLE "AuditLog" ENABLE TRIGGER "AuditLog_append_only";

CREATE FUNCTION audit_log_chain() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  last_seq bigint;
  last_hash text;
BEGIN
  -- Under REPEATABLE READ or SERIALIZABLE the read below would see the chain as it was when the
  -- transaction began, and two writers could link to the same record.
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'AuditLog records are chained in READ COMMITTED transactions only (this one is %)', current_setting('transaction_isolation')
      USING ERRCODE = 'feature_not_supported';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('AuditLog'));
  SELECT seq, hash INTO last_seq, last_hash FROM "AuditLog" WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last_seq, 0) + 1;
  NEW."prevHash" := coalesce(last_hash, repeat('0', 64));
  NEW.hash := audit_log_hash(NEW);
  RETURN NEW;
END;
$$;

CREATE TRIGGER "AuditLog_chain"
  BEFORE INSERT ON "AuditLog"
  FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
