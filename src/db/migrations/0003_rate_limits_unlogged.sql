-- Rate-limit counters are throttles, not records: they skip the write-ahead log, so a sign-in's
-- first statement commits without a disk flush. A PostgreSQL crash or a failover to a replica
-- starts every window afresh (decision 0013).
ALTER TABLE "rate_limits" SET UNLOGGED;
