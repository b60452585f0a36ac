// ticktape-fuzz: a seeded random-input driver over the parsers that take untrusted bytes.
//
//   ticktape-fuzz --target NAME [--count N] [--seed S]   run N inputs of one target
//   ticktape-fuzz --target NAME --seed S --index I       rerun input I of that run alone
//   ticktape-fuzz --target NAME --hex HEX                run one given input
//   ticktape-fuzz --list                                 the target names
//
// Prints one summary line per run; on a property failure prints the target, seed, input index
// and the input as hex and exits 1. A trap kills the process after `CrashReport` has printed the
// same details.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let targets = allTargets()

func fail(_ message: String) -> Never {
    print("ticktape-fuzz: \(message)")
    exit(2)
}

var options: [String: String] = [:]
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    guard arg.hasPrefix("--") else { fail("unexpected argument \(arg)") }
    if arg == "--list" {
        options["list"] = ""
    } else {
        guard let value = args.popFirst() else { fail("\(arg) needs a value") }
        options[String(arg.dropFirst(2))] = value
    }
}
if options["list"] != nil {
    for t in targets { print(t.name) }
    exit(0)
}
guard let name = options["target"], let target = targets.first(where: { $0.name == name }) else {
    fail("--target must be one of: \(targets.map(\.name).joined(separator: ", "))")
}
let count = Int(options["count"] ?? "200000") ?? 0
let seed = UInt64(options["seed"] ?? "1") ?? 1
CrashReport.install(target: target.name, seed: seed)

var inputs: [(index: Int, bytes: [UInt8])] = []
if let hex = options["hex"] {
    guard let bytes = [UInt8](hex: hex) else { fail("--hex is not hex") }
    inputs = [(0, bytes)]
} else if let index = options["index"].flatMap({ Int($0) }) {
    inputs = [(index, target.input(seed: seed, index: index))]
}

var findings = 0
var accepted = 0
@MainActor func report(_ index: Int, _ bytes: [UInt8], _ problem: String) {
    findings += 1
    guard findings <= 10 else { return }
    print("FINDING target=\(target.name) seed=\(seed) index=\(index): \(problem)")
    print("  input (\(bytes.count) bytes): \(preview(bytes))")
    print("  hex: \(bytes.hex)")
}

@MainActor func runOne(_ index: Int, _ bytes: [UInt8]) {
    switch CrashReport.current(bytes, index: index, { target.check(bytes) }) {
    case .accepted: accepted += 1
    case .rejected: break
    case .finding(let problem): report(index, bytes, problem)
    }
}

let clock = ContinuousClock()
let start = clock.now
if inputs.isEmpty {
    for index in 0..<count { runOne(index, target.input(seed: seed, index: index)) }
} else {
    for (index, bytes) in inputs { runOne(index, bytes) }
}
let run = inputs.isEmpty ? count : inputs.count
let elapsed = clock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let secondsText = String(Int(seconds * 10) / 10) + "." + String(Int(seconds * 10) % 10)
print(
    "target=\(target.name) seed=\(seed) inputs=\(run) accepted=\(accepted) seconds=\(secondsText) findings=\(findings)"
)
exit(findings == 0 ? 0 : 1)
