import ArgumentParser

/// The `ticktape` root command: a namespace for the subcommands.
public struct Ticktape: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ticktape",
        abstract: "Record exchange WebSocket sessions to an append-only SQLite tape and replay them deterministically.",
        subcommands: []
    )

    public init() {}
}
