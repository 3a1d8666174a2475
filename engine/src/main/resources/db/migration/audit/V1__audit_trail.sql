-- The audit trail. One migration set for H2 and PostgreSQL: only types and statements both share.
-- Every statement can run again: a process killed half-way through the first migration of a new
-- store (H2 commits DDL one statement at a time) leaves a store the next process completes.

CREATE TABLE IF NOT EXISTS audit_record (
    seq            BIGINT       NOT NULL PRIMARY KEY,
    time_ms        BIGINT       NOT NULL,
    actor          VARCHAR(256) NOT NULL,
    origin         VARCHAR(2048) NOT NULL,
    action         VARCHAR(32)  NOT NULL,
    service        VARCHAR(253) NOT NULL,
    environment    VARCHAR(32),
    namespace      VARCHAR(253),
    target         VARCHAR(1024),
    release_name   VARCHAR(256),
    image          VARCHAR(1024),
    previous_image VARCHAR(1024),
    outcome        VARCHAR(16)  NOT NULL,
    reason         VARCHAR(8192),
    details        VARCHAR(65536) NOT NULL,
    prev_hash      CHAR(64)     NOT NULL,
    hash           CHAR(64)     NOT NULL
);

-- History of one service, newest first, paged by seq.
CREATE INDEX IF NOT EXISTS audit_record_service_seq ON audit_record (service, seq);
-- Filters of `audit list`.
CREATE INDEX IF NOT EXISTS audit_record_environment_seq ON audit_record (environment, seq);
CREATE INDEX IF NOT EXISTS audit_record_action_seq ON audit_record (action, seq);
CREATE INDEX IF NOT EXISTS audit_record_time ON audit_record (time_ms);
-- The lifecycle gate: was this digest promoted in that environment?
CREATE INDEX IF NOT EXISTS audit_record_image ON audit_record (image, environment, action);

-- The head of the chain: one row, locked by every append so writers in any process queue up.
CREATE TABLE IF NOT EXISTS audit_head (
    id   INTEGER  NOT NULL PRIMARY KEY,
    seq  BIGINT   NOT NULL,
    hash CHAR(64) NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
    SELECT 1, 0, '0000000000000000000000000000000000000000000000000000000000000000'
    WHERE NOT EXISTS (SELECT 1 FROM audit_head WHERE id = 1);

-- What runs where, kept up to date inside each append so the dashboard reads O(cells) rows.
CREATE TABLE IF NOT EXISTS audit_cell (
    service     VARCHAR(253) NOT NULL,
    environment VARCHAR(32)  NOT NULL,
    last_seq    BIGINT       NOT NULL,
    stable_seq  BIGINT,
    canary_seq  BIGINT,
    PRIMARY KEY (service, environment)
);

CREATE TABLE IF NOT EXISTS audit_checkpoint (
    seq       BIGINT      NOT NULL PRIMARY KEY,
    hash      CHAR(64)    NOT NULL,
    time_ms   BIGINT      NOT NULL,
    key_id    VARCHAR(32) NOT NULL,
    signature VARCHAR(256) NOT NULL
);
