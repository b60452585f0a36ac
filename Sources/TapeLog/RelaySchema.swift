/// The tables a relay tape adds to the tape schema: exactly the text of `Schemas/relay.sql` (a
/// test compares them byte for byte). Only `ticktape relay` creates them, when it creates its tape.
enum RelaySchema {
    static let sql = #"""
        -- ticktape relay tape: the tables `ticktape relay` adds to a tape (format 2, tape.sql).
        -- This file is the single source of truth for them: the relay executes exactly this text when it
        -- creates its tape (TapeLog's RelaySchema.sql; a test proves the two are identical).
        -- They hold every input that decided what a live consumer received, beyond the frames: so that
        -- `ticktape replay --as-recorded` reproduces each consumer's deliveries and `check` proves it (L1).
        -- Rows are committed in the same transactions as the frames they follow. All are append-only.

        -- The rule options the relay ran: the reproduction runs the same.
        CREATE TABLE relay_session (
            id    INTEGER PRIMARY KEY CHECK (id = 1),
            rules TEXT    NOT NULL -- e.g. dedup_window_ms=60000,disabled=
        );

        -- A consumer's opens, requests and closes, positioned in the frame order: after the relay had
        -- taken in inbound frame (epoch, after_seq) (0, 0 before any) and before the next.
        CREATE TABLE relay_event (
            id        INTEGER PRIMARY KEY,
            consumer  INTEGER NOT NULL, -- 1, 2, 3 … in open order
            kind      TEXT    NOT NULL CHECK (kind IN ('open', 'request', 'close')),
            epoch     INTEGER NOT NULL,
            after_seq INTEGER NOT NULL,
            wall_ns   INTEGER NOT NULL,
            mono_ns   INTEGER NOT NULL,
            spec      TEXT,             -- open: name=…,types=…,codes=…,capacity=…,policy=…,service=…
            request   TEXT,             -- open, request: realtime=type:code|…,snapshots=type:code|… (* = the spec's filter)
            detail    TEXT              -- open: the client's address or in-process; request: the message; close: why
        );

        -- How far each consumer had taken its queue. Every operation on a consumer's queue (an event
        -- offered, a request, the close) is numbered 1, 2, 3 … per consumer; `marks` holds, for the
        -- operations from_op + 1 … to_op whose queue depth before them differs from the previous
        -- operation's, pairs of unsigned LEB128 varints (operation − previous one marked or from_op, depth).
        -- Then a checkpoint: after to_op and what it took since, the consumer had `delivered` events in
        -- all, `depth` still queued, and `digest` = SHA-256 over the delivered (epoch u32, seq u64), big-endian.
        CREATE TABLE relay_mark (
            id        INTEGER PRIMARY KEY,
            consumer  INTEGER NOT NULL,
            from_op   INTEGER NOT NULL,
            to_op     INTEGER NOT NULL,
            marks     BLOB    NOT NULL,
            delivered INTEGER NOT NULL,
            dropped   INTEGER NOT NULL,
            coalesced INTEGER NOT NULL,
            depth     INTEGER NOT NULL,
            digest    TEXT    NOT NULL  -- hex
        );

        CREATE TRIGGER relay_session_append_only_update BEFORE UPDATE ON relay_session
        BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
        CREATE TRIGGER relay_session_append_only_delete BEFORE DELETE ON relay_session
        BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
        CREATE TRIGGER relay_event_append_only_update BEFORE UPDATE ON relay_event
        BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
        CREATE TRIGGER relay_event_append_only_delete BEFORE DELETE ON relay_event
        BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
        CREATE TRIGGER relay_mark_append_only_update BEFORE UPDATE ON relay_mark
        BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
        CREATE TRIGGER relay_mark_append_only_delete BEFORE DELETE ON relay_mark
        BEGIN SELECT RAISE(ABORT, 'ticktape tape is append-only'); END;
        """#
}
