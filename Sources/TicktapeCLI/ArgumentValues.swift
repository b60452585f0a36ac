import ArgumentParser
import TapeLog
import Upbit

// Options that take one of a fixed set of words, as enums: argument-parser lists the values in
// --help and refuses any other with one line (exit 2). "Format" means three different things,
// so each meaning has its own type.

/// `--sync`: how durable the tape's commits are (README, "Durability levels").
enum SyncMode: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// `synchronous=NORMAL`: survives a crash of ticktape.
    case normal
    /// `synchronous=FULL`: survives power loss and an OS crash.
    case full

    /// The writer's level.
    var level: SyncLevel {
        switch self {
        case .normal: .normal
        case .full: .full
        }
    }
}

/// `check --format`: how the check report is rendered.
enum ReportFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// Plain text for a terminal.
    case text
    /// JSON following Schemas/check-report.schema.json.
    case json
    /// One self-contained HTML page with an SVG timeline.
    case html
}

/// `export --format`: how a tape is written out (JSONL only, so far).
enum ExportFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// One JSON object per line, the session first.
    case jsonl
}

/// `import --from`: which capture shape to read, or `auto` to tell by the first line.
enum ImportSource: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// A `kind` member: ticktape's export; `localTimestamp` and `message`: tardis-machine; else raw.
    case auto
    /// ticktape's own export (`ticktape export`).
    case ticktape
    /// tardis-machine replay output: `{"localTimestamp": …, "message": {…}}` per line.
    case tardis
    /// One raw exchange message per line.
    case raw
}

/// `--format` of Upbit messages: full key names (DEFAULT) or abbreviated ones (SIMPLE), in any
/// case (as `record --format` has always taken them).
enum MessageFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// Full key names, e.g. `trade_price`.
    case `default` = "DEFAULT"
    /// Abbreviated keys, e.g. `tp`.
    case simple = "SIMPLE"

    init?(argument: String) { self.init(rawValue: argument.uppercased()) }

    /// The `format` field of a subscription request.
    var subscription: UpbitSubscription.Format {
        switch self {
        case .default: .default
        case .simple: .simple
        }
    }

    /// The key names of generated payloads.
    var payloads: UpbitFormat.Format {
        switch self {
        case .default: .default
        case .simple: .simple
        }
    }
}
