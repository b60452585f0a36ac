-- ticktape merged tape: the tables `ticktape merge` adds to a tape (format 2, tape.sql).
-- This file is the single source of truth for them: the merge executes exactly this text after
-- the merged frames are committed (TapeLog's MergeSchema.sql; a test proves the two are identical).
-- A tape without these tables was recorded directly. All four are append-only.

-- The recordings merged, numbered 1, 2, 3 … in the order given.
CREATE TABLE merge_source (
    id           INTEGER PRIMARY KEY,
    path         TEXT    NOT NULL, -- as given to merge (or recorder:session for pull)
    url          TEXT    NOT NULL,
    subscription TEXT,
    started_ns   INTEGER NOT NULL,
    epochs       INTEGER NOT NULL,
    frames       INTEGER NOT NULL, -- inbound data frames read from the source
    kept         INTEGER NOT NULL  -- of those, frames the merged tape took from this source
);

-- Provenance: where each frame of the merged tape came from.
CREATE TABLE merge_frame (
    epoch     INTEGER NOT NULL, -- the frame in this tape
    seq       INTEGER NOT NULL,
    source    INTEGER NOT NULL REFERENCES merge_source (id),
    src_epoch INTEGER NOT NULL, -- the frame in its source tape
    src_seq   INTEGER NOT NULL,
    PRIMARY KEY (epoch, seq)
) WITHOUT ROWID;

-- Coverage: every gap of every source (before it connected, between two of its connections,
-- a loss it recorded, after it stopped), in wall-clock Unix ns, with the frames the other
-- sources gave inside it and whether another source was connected for all of it.
CREATE TABLE merge_gap (
    id         INTEGER PRIMARY KEY,
    source     INTEGER NOT NULL REFERENCES merge_source (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('before_start', 'reconnect', 'loss', 'after_end')),
    epoch      INTEGER NOT NULL, -- the source's epoch the gap follows (0: before its first)
    after_seq  INTEGER NOT NULL, -- and its last frame there
    from_ns    INTEGER NOT NULL,
    to_ns      INTEGER NOT NULL,
    missing    INTEGER,          -- for loss: the frames the source said it lost
    frames     INTEGER NOT NULL, -- frames of this tape from other sources inside [from_ns, to_ns)
    covered    INTEGER NOT NULL CHECK (covered IN (0, 1))
);

-- Conflicts: the same idempotency key with different payloads in two sources. The first copy
-- in merge order is kept (the row names it); the other is reported here, never silently dropped.
CREATE TABLE merge_conflict (
    id           INTEGER PRIMARY KEY,
    idem         INTEGER NOT NULL, -- the key, as frame_facts.idem
    kept_source  INTEGER NOT NULL,
    kept_epoch   INTEGER NOT NULL,
    kept_seq     INTEGER NOT NULL,
    other_source INTEGER NOT NULL,
    other_epoch  INTEGER NOT NULL,
    other_seq    INTEGER NOT NULL
);

CREATE TRIGGER merge_source_append_only_update BEFORE UPDATE ON merge_source
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER merge_source_append_only_delete BEFORE DELETE ON merge_source
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER merge_frame_append_only_update BEFORE UPDATE ON merge_frame
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER merge_frame_append_only_delete BEFORE DELETE ON merge_frame
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER merge_gap_append_only_update BEFORE UPDATE ON merge_gap
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER merge_gap_append_only_delete BEFORE DELETE ON merge_gap
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER merge_conflict_append_only_update BEFORE UPDATE ON merge_conflict
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER merge_conflict_append_only_delete BEFORE DELETE ON merge_conflict
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
