/// Extracts ``FrameFacts`` from an Upbit DEFAULT or SIMPLE payload without a full parse.
public enum UpbitScanner {
    /// The facts of one payload. Never fails: unknown or malformed input gives empty facts.
    public static func facts(of bytes: UnsafeRawBufferPointer) -> FrameFacts {
        // STUB: replaced by the targeted scanner (Upbit module owner).
        FrameFacts()
    }

    /// Convenience for arrays.
    public static func facts(of bytes: [UInt8]) -> FrameFacts {
        bytes.withUnsafeBytes { facts(of: $0) }
    }
}
