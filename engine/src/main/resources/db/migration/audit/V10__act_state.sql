-- The durable state of long acts (rollbackOnAlert's window and counts, an RDS snapshot wait), one
-- row per host-given run id. Outside the hash chain: it is progress, not history, and is replaced
-- on every save. Every statement can run again (two processes may migrate a new store at once).
CREATE TABLE IF NOT EXISTS act_state (
    run_id     VARCHAR(512) NOT NULL PRIMARY KEY,
    state      VARCHAR(65536) NOT NULL,
    updated_ms BIGINT       NOT NULL
);
