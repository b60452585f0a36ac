import Foundation
import TicktapeCLI

// Exit codes: 0 ok, 1 check failed, 2 bad input or usage, 3 runtime failure.
exit(await Ticktape.run(arguments: Array(CommandLine.arguments.dropFirst())))
