import CZlib

/// Raw deflate (RFC 1951, no zlib header) of payload blocks.
///
/// Raw deflate is chosen because the block row already stores the raw length and SQLite
/// checksums nothing we would need Adler-32 for; `windowBits` -15 selects it ("windowBits can
/// also be -8..-15 for raw deflate", zlib.h). Level 1: already most of the gain on Upbit's
/// repetitive JSON, and levels above 1 cost more CPU than the write path can spare.
struct Deflater {
    private var stream = z_stream()
    private var initialised = false
    let level: Int32

    init(level: Int32 = 1) { self.level = level }

    /// Compresses `input` into a new array. Resets the stream per block so each block inflates
    /// on its own (reading one frame costs at most one block's inflate).
    mutating func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        if !initialised {
            let rc = czlib_deflateInit2(&stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY)
            precondition(rc == Z_OK, "deflateInit2 failed: \(rc)")
            initialised = true
        } else {
            deflateReset(&stream)
        }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        // Uninitialised: deflate writes every byte it reports, and zero-filling a block's worth
        // of output for every block would be a visible cost on the write path.
        return [UInt8](unsafeUninitializedCapacity: bound) { out, count in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = out.baseAddress
            stream.avail_out = uInt(out.count)
            // With avail_out >= deflateBound, "deflate() … with Z_FINISH … will return Z_STREAM_END" in one call.
            let rc = deflate(&stream, Z_FINISH)
            precondition(rc == Z_STREAM_END, "deflate did not finish: \(rc)")
            count = out.count - Int(stream.avail_out)
        }
    }

    mutating func end() {
        if initialised { deflateEnd(&stream) }
        initialised = false
    }
}

/// Inflates raw deflate blocks; the output length is known from the block row.
struct Inflater {
    private var stream = z_stream()
    private var initialised = false

    /// Inflates `input` into exactly `rawLength` bytes; nil when the data is corrupt or the length differs.
    mutating func inflate(_ input: UnsafeRawBufferPointer, rawLength: Int) -> [UInt8]? {
        var output: [UInt8] = []
        return inflate(input, rawLength: rawLength, into: &output) ? output : nil
    }

    /// Inflates `input` into `output`, which ends up holding exactly `rawLength` bytes (its
    /// storage is reused from call to call); false when the data is corrupt, the length
    /// differs, or either length is beyond what zlib takes in one call.
    mutating func inflate(_ input: UnsafeRawBufferPointer, rawLength: Int, into output: inout [UInt8]) -> Bool {
        guard rawLength >= 0, let outLength = uInt(exactly: rawLength), let inLength = uInt(exactly: input.count)
        else { return false }
        if !initialised {
            guard czlib_inflateInit2(&stream, -15) == Z_OK else { return false }
            initialised = true
        } else {
            inflateReset(&stream)
        }
        if output.count != rawLength {
            // One allocation, zero-filled by the standard library (an element-by-element append
            // would cost a loop per byte in unoptimised builds).
            output = [UInt8](repeating: 0, count: rawLength)
        }
        return output.withUnsafeMutableBytes { out -> Bool in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = inLength
            stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = outLength
            if outLength == 0 {
                // An empty block: the stream must still end, with no output and no input left over.
                var probe: UInt8 = 0
                let rc = withUnsafeMutablePointer(to: &probe) { byte -> Int32 in
                    stream.next_out = byte
                    stream.avail_out = 1
                    return CZlib.inflate(&stream, Z_FINISH)
                }
                return rc == Z_STREAM_END && stream.avail_out == 1 && stream.avail_in == 0
            }
            let rc = CZlib.inflate(&stream, Z_FINISH)
            return rc == Z_STREAM_END && stream.avail_out == 0 && stream.avail_in == 0
        }
    }

    mutating func end() {
        if initialised { inflateEnd(&stream) }
        initialised = false
    }
}

/// CRC-32 (zlib's `crc32`: the ISO-HDLC polynomial, as in gzip and PNG) of a block's raw bytes,
/// stored in `block.crc32` from format 2 on so that a reader proves a payload byte for byte.
enum BlockChecksum {
    /// The CRC-32 of `bytes`, fed to zlib in pieces its `uInt` length takes.
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CZlib.crc32(0, nil, 0)
        var rest = bytes
        while let base = rest.baseAddress, !rest.isEmpty {
            let piece = min(rest.count, 1 << 30)
            crc = CZlib.crc32(crc, base.assumingMemoryBound(to: Bytef.self), uInt(piece))
            rest = UnsafeRawBufferPointer(rebasing: rest[piece...])
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
