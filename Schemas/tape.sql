-- ticktape tape, format version 2 (TapeLog's documentation states its invariants).
-- This file is the single source of truth for the schema: the writer executes exactly this
-- text on a new tape (TapeLog's TapeSchema.sql; a test proves the two are identical).
-- Log tables (session, event, block, frame) are append-only: triggers abort UPDATE and DELETE.
-- stream and frame_facts are derived from the payloads at record time and rebuilt by `ticktape reindex`.
-- Read frames through the `frames` view: it restores recv_ns and names streams, opcodes and directions.

PRAGMA application_id = 1414807888; -- 0x54544150, "TTAP"
PRAGMA user_version = 2;

CREATE TABLE session (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    tool_version TEXT    NOT NULL,
    url          TEXT    NOT NULL, -- without userinfo, query or fragment: never a secret
    subscription TEXT,             -- the first request sent, as sent
    started_ns   INTEGER NOT NULL, -- Unix nanoseconds
    sync         TEXT    NOT NULL CHECK (sync IN ('normal', 'full')),
    commit_ms    INTEGER NOT NULL,
    chaos        TEXT              -- JSON: seed, schedule, source and ticktape version, when faults were injected
);

-- Lifecycle facts, positioned in the frame order: after frame (epoch, after_seq).
-- connect opens epoch E at after_seq 0; connect_failed carries the last epoch (0 before any).
-- loss: `count` frames are missing right after after_seq, for the reason in `detail`.
CREATE TABLE event (
    id         INTEGER PRIMARY KEY,
    epoch      INTEGER NOT NULL,
    after_seq  INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN
                   ('connect', 'connect_failed', 'subscribe', 'disconnect', 'error', 'loss', 'session_end')),
    wall_ns    INTEGER NOT NULL,
    mono_ns    INTEGER NOT NULL,
    close_code INTEGER,
    count      INTEGER,
    detail     TEXT
);

-- Payload storage: the payloads of one commit window, in blocks of about 512 KiB (a commit
-- closes the open block). codec 0 = stored as is, 1 = raw deflate (RFC 1951), level 1 by default.
-- crc32 is the CRC-32 (zlib's crc32) of the raw, inflated bytes, so a reader proves every payload
-- byte (format 1 tapes have no crc32 column). Inside a block the payloads are grouped by stream
-- (deflate then finds each message's shape within its window); every frame row says where its bytes are.
CREATE TABLE block (
    id      INTEGER PRIMARY KEY,
    codec   INTEGER NOT NULL,
    raw_len INTEGER NOT NULL,
    crc32   INTEGER NOT NULL, -- 0 … 4294967295
    data    BLOB    NOT NULL
);

-- One row per WebSocket message (fragments reassembled) or control frame, in and out.
-- dir: 0 in, 1 out. opcode: RFC 6455 (1 text, 2 binary, 8 close, 9 ping, 10 pong).
-- The payload is bytes [offset, offset + length) of the inflated block.
-- Times are kept small: recv_ns (wall clock at arrival, Unix ns) = session.started_ns + mono_ns + recv_off,
-- so recv_off is the wall clock's drift from the monotonic clock, usually a few bytes.
CREATE TABLE frame (
    epoch     INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    dir       INTEGER NOT NULL,
    opcode    INTEGER NOT NULL,
    fragments INTEGER NOT NULL,
    mono_ns   INTEGER NOT NULL, -- monotonic nanoseconds since the session started
    recv_off  INTEGER NOT NULL, -- recv_ns - session.started_ns - mono_ns
    block     INTEGER NOT NULL,
    offset    INTEGER NOT NULL,
    length    INTEGER NOT NULL,
    PRIMARY KEY (epoch, seq)
) WITHOUT ROWID;

-- Streams (stream key = (type, code)) met in frame_facts, numbered as first seen.
CREATE TABLE stream (
    id   INTEGER PRIMARY KEY,
    type TEXT    NOT NULL,
    code TEXT
);

-- Extracted at record time from inbound data frames (Upbit DEFAULT or SIMPLE keys), so that
-- plain SQL and the checks need no decompression. snapshot: 1 SNAPSHOT, 0 REALTIME, NULL when
-- the message has no stream type. event_ms is the event time as sent: milliseconds, or
-- microseconds or nanoseconds when the exchange sent those (readers tell by magnitude). idem is
-- the 64-bit idempotency key, stored as its two's-complement signed value.
CREATE TABLE frame_facts (
    epoch    INTEGER NOT NULL,
    seq      INTEGER NOT NULL,
    stream   INTEGER NOT NULL REFERENCES stream (id),
    event_ms INTEGER,
    snapshot INTEGER,
    sid      INTEGER,
    idem     INTEGER,
    PRIMARY KEY (epoch, seq)
) WITHOUT ROWID;

CREATE TRIGGER session_append_only_update BEFORE UPDATE ON session
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER session_append_only_delete BEFORE DELETE ON session
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER event_append_only_update BEFORE UPDATE ON event
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER event_append_only_delete BEFORE DELETE ON event
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER block_append_only_update BEFORE UPDATE ON block
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER block_append_only_delete BEFORE DELETE ON block
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER frame_append_only_update BEFORE UPDATE ON frame
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
CREATE TRIGGER frame_append_only_delete BEFORE DELETE ON frame
BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;

-- Readable view for plain SQL.
CREATE VIEW frames AS
SELECT f.epoch, f.seq,
       CASE f.dir WHEN 0 THEN 'in' ELSE 'out' END AS dir,
       CASE f.opcode WHEN 1 THEN 'text' WHEN 2 THEN 'binary' WHEN 8 THEN 'close'
                     WHEN 9 THEN 'ping' WHEN 10 THEN 'pong' ELSE 'op' || f.opcode END AS opcode,
       s.started_ns + f.mono_ns + f.recv_off AS recv_ns, f.mono_ns, f.length,
       st.type, st.code, x.event_ms,
       CASE x.snapshot WHEN 1 THEN 'SNAPSHOT' WHEN 0 THEN 'REALTIME' END AS stream_type,
       x.sid, printf('%016x', x.idem) AS idem_key
FROM session AS s CROSS JOIN frame AS f
LEFT JOIN frame_facts AS x ON x.epoch = f.epoch AND x.seq = f.seq
LEFT JOIN stream AS st ON st.id = x.stream;
