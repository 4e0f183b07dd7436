-- The audit chain's trigger reads the head of the chain (`ORDER BY seq DESC LIMIT 1`) by the unique
-- index on seq, whatever the table's statistics said when a connection first ran it. PL/pgSQL plans
-- that query once per connection and keeps the plan: planned while "AuditLog" was empty and freshly
-- VACUUM ANALYZEd (a new deployment, a scratch database), it was a sequential scan and a sort, kept as
-- the table grew — every audit record then read the whole table (issue 12: bench:api's list fell to
-- 27 requests/s, one PostgreSQL backend at 100 % in that scan; 100 records took 52 ms with 5,000
-- records in the table and 122 ms with 10,000). With sequential scans off inside the function the
-- plan is the index's at any size; the setting costs about 2.5 µs per record (pgbench, 20-row inserts).
ALTER FUNCTION audit_log_chain() SET enable_seqscan = off;
