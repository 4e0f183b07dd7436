-- CreateTable
CREATE TABLE "CustomerCountDelta" (
    "id" BIGSERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "segment" TEXT NOT NULL,
    "serviceTier" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "delta" INTEGER NOT NULL,

    CONSTRAINT "CustomerCountDelta_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CustomerCountDelta_type_segment_serviceTier_status_idx" ON "CustomerCountDelta"("type", "segment", "serviceTier", "status");

-- CreateIndex
CREATE INDEX "Customer_createdAt_id_idx" ON "Customer"("createdAt" DESC, "id" DESC);

-- Issue 12 (§3.1 reads are audited, so a list is a write too — and must be cheap): GET /customers'
-- `total` is the sum of CustomerCountDelta over the filter's keys, not a count of every customer per
-- request. These statement-level triggers keep it exact: each statement that inserts, deletes or
-- changes customers appends, in its own transaction, one row per (type, segment, serviceTier, status)
-- it changed with the net change (a bulk insert of 100,000 customers: a handful of rows; an update
-- that changes none of the four columns: none). src/customers/customer-rows.ts folds the rows of a key
-- into one now and then. Prisma's schema language has no triggers, so they live here.
CREATE FUNCTION customer_count_delta() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "CustomerCountDelta" (type, segment, "serviceTier", status, delta)
      SELECT n.type::text, coalesce(n.segment, ''), coalesce(n."serviceTier", ''), n.status::text, count(*)
        FROM new_rows n GROUP BY 1, 2, 3, 4;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "CustomerCountDelta" (type, segment, "serviceTier", status, delta)
      SELECT o.type::text, coalesce(o.segment, ''), coalesce(o."serviceTier", ''), o.status::text, -count(*)
        FROM old_rows o GROUP BY 1, 2, 3, 4;
  ELSE
    INSERT INTO "CustomerCountDelta" (type, segment, "serviceTier", status, delta)
      SELECT type, segment, "serviceTier", status, sum(d)
        FROM (SELECT n.type::text AS type, coalesce(n.segment, '') AS segment, coalesce(n."serviceTier", '') AS "serviceTier", n.status::text AS status, 1 AS d FROM new_rows n
              UNION ALL
              SELECT o.type::text, coalesce(o.segment, ''), coalesce(o."serviceTier", ''), o.status::text, -1 FROM old_rows o) c
       GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0;
  END IF;
  RETURN NULL;
END;
$$;

CREATE FUNCTION customer_count_reset() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "CustomerCountDelta";
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Customer_count_insert" AFTER INSERT ON "Customer"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_count_delta();
CREATE TRIGGER "Customer_count_delete" AFTER DELETE ON "Customer"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_count_delta();
CREATE TRIGGER "Customer_count_update" AFTER UPDATE ON "Customer"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_count_delta();
CREATE TRIGGER "Customer_count_truncate" AFTER TRUNCATE ON "Customer"
  FOR EACH STATEMENT EXECUTE FUNCTION customer_count_reset();

-- The customers already there.
INSERT INTO "CustomerCountDelta" (type, segment, "serviceTier", status, delta)
  SELECT type::text, coalesce(segment, ''), coalesce("serviceTier", ''), status::text, count(*) FROM "Customer" GROUP BY 1, 2, 3, 4;
