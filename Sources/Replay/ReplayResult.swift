import Rules

/// Everything a replay found: totals, rule counts with witnesses, per-consumer metrics and
/// delivery digests. The Reports module renders it as deterministic JSON (`json()`) or a text
/// summary (`text()`).
public struct ReplayResult: Sendable {
    public var options: ReplayOptions
    public var totals: ReplayTotals
    public var rules: RuleCounts
    /// Sample witnesses, grouped by kind, each group in input order.
    public var witnesses: [Witness]
    /// Distinct (type, code) stream keys seen.
    public var streamKeys: Int
    public var consumers: [ConsumerMetrics]

    public init(
        options: ReplayOptions,
        totals: ReplayTotals,
        rules: RuleCounts,
        witnesses: [Witness],
        streamKeys: Int,
        consumers: [ConsumerMetrics]
    ) {
        self.options = options
        self.totals = totals
        self.rules = rules
        self.witnesses = witnesses
        self.streamKeys = streamKeys
        self.consumers = consumers
    }
}
