import Primitives
import Replay
import Upbit

/// Server-side message faults on what one connection is sent (`simulate --chaos`):
/// `drop P`, `dup P[,window:K]`, `reorder K`, `delay D[,jitter:J]`. Pure and seeded: the same
/// seed and the same input frames give the same output, whatever the timing.
///
/// Order of application: drop, then reorder (frames are held until K have gathered, then
/// released in a seeded shuffle), then dup (a copy follows 1…K frames later), then delay (each
/// frame's due time is `now + D + U(0…J)`, never earlier than the previous frame's: arrival order
/// is kept). Frames still held by reorder or dup when the connection ends are never sent. Only
/// market data goes through here; replies (`{"status":"UP"}`, errors, lists) are never faulted.
struct ConnectionFaults: Sendable {
    private let drop: Double
    private let dup: Double
    private let dupWindow: Int
    private let reorder: Int
    private let delayNs: Int64
    private let jitterNs: Int64
    private var rng: SplitMix64
    private var held: [OutboundFrame] = []
    private var pendingDups: [(remaining: Int, frame: OutboundFrame)] = []
    private var lastDue: Int64 = 0

    /// Faults from `spec` (its cut, blackhole, gap, stale-epoch and stale-snapshot parts are the
    /// source's business and ignored here), seeded with `seed`.
    init(spec: ChaosSpec, seed: UInt64) {
        self.drop = spec.drop
        self.dup = spec.dup
        self.dupWindow = max(1, spec.dupWindow)
        self.reorder = spec.reorder
        self.delayNs = spec.delayNs
        self.jitterNs = spec.jitterNs
        self.rng = SplitMix64(seed: seed)
    }

    /// No faults at all: frames pass unchanged.
    static let none = ConnectionFaults(spec: ChaosSpec(), seed: 0)

    /// Whether any fault is active.
    var isActive: Bool { drop > 0 || dup > 0 || reorder > 1 || delayNs > 0 || jitterNs > 0 }

    /// The frames to queue, in order, after `frame` arrives at monotonic time `now`.
    mutating func process(_ frame: OutboundFrame, now: Int64) -> [OutboundFrame] {
        guard self.isActive else { return [frame] }
        if self.drop > 0, self.chance(self.drop) { return [] }
        var released: [OutboundFrame]
        if self.reorder > 1 {
            self.held.append(frame)
            guard self.held.count >= self.reorder else { return [] }
            released = self.held
            self.held.removeAll(keepingCapacity: true)
            for i in stride(from: released.count - 1, to: 0, by: -1) {
                released.swapAt(i, Int(self.rng.below(UInt64(i + 1))))
            }
        } else {
            released = [frame]
        }
        var out: [OutboundFrame] = []
        out.reserveCapacity(released.count)
        for f in released {
            out.append(f)
            for index in self.pendingDups.indices { self.pendingDups[index].remaining -= 1 }
            while let due = self.pendingDups.firstIndex(where: { $0.remaining <= 0 }) {
                out.append(self.pendingDups.remove(at: due).frame)
            }
            if self.dup > 0, self.chance(self.dup) {
                self.pendingDups.append((remaining: 1 + Int(self.rng.below(UInt64(self.dupWindow))), frame: f))
            }
        }
        if self.delayNs > 0 || self.jitterNs > 0 {
            for index in out.indices {
                let jitter = self.jitterNs > 0 ? Int64(self.rng.below(UInt64(self.jitterNs) + 1)) : 0
                self.lastDue = max(self.lastDue, now + self.delayNs + jitter)
                out[index].dueNanos = self.lastDue
            }
        }
        return out
    }

    private mutating func chance(_ p: Double) -> Bool {
        Double(self.rng.next() >> 11) / 9_007_199_254_740_992.0 < p
    }
}
