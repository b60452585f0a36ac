/// A small, fast, seedable random number generator (SplitMix64).
///
/// Used wherever ticktape needs randomness that a test or a replay must be able to reproduce
/// (backoff jitter). Not cryptographic. Algorithm: Steele, Lea, Flood, "Fast splittable
/// pseudorandom number generators" (OOPSLA 2014); constants as in Vigna's reference code.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose output depends only on `seed`.
    public init(seed: UInt64) {
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
