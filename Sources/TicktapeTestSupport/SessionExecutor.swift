import Wire

/// Threads for the recorders, relays, simulators and clients that tests run in their own process.
///
/// Swift Testing runs every test on the cooperative pool (one thread per core, two on CI), and
/// the CPU-bound tests keep it busy for seconds at a time. A recorder, relay or WebSocket client
/// on that pool stops reading and writing meanwhile, which a test of its timing would take for a
/// fault of its own (a server closes a client that stopped reading; a relay's drain runs out).
/// Only tasks that never block a thread belong here: a test body that waits synchronously (a
/// blocking socket read, a child process polled in place) stays on the pool, which makes up for
/// blocked threads and this executor does not.
public let sessionExecutor = DedicatedExecutor(threads: 2, name: "session")
