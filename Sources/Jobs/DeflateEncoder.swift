/// A streaming DEFLATE (RFC 1951) compressor: LZ77 over a 32 KiB window with hash chains and greedy
/// matching, coded in one block with the fixed Huffman codes. Foundation on Linux has no zlib, and
/// the project links no compression library, so this small encoder produces gzip-compatible files
/// (any `gunzip` reads them); dynamic Huffman tables would compress about a fifth better.
struct DeflateEncoder {
    private static let windowSize = 32_768
    private static let hashBits = 15
    private static let maxChain = 48
    private static let maxMatch = 258
    static let lengthBase: [Int] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    static let lengthExtra: [Int] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    static let distanceBase: [Int] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtra: [Int] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    private var buffer: [UInt8] = []
    private var base = 0
    private var position = 0
    private var head: [Int]
    private var previous: [Int]
    private var bits = BitWriter()

    init() {
        head = [Int](repeating: -1, count: 1 << Self.hashBits)
        previous = [Int](repeating: -1, count: Self.windowSize)
        bits.write(1, count: 1)
        bits.write(1, count: 2)
    }

    /// Adds input; returns the compressed bytes completed so far.
    mutating func append(_ bytes: [UInt8]) -> [UInt8] {
        buffer.append(contentsOf: bytes)
        encode(upTo: base + buffer.count - Self.maxMatch)
        slide()
        return bits.take()
    }

    /// Encodes the rest and the end of the block; returns the last compressed bytes.
    mutating func finish() -> [UInt8] {
        encode(upTo: base + buffer.count)
        writeSymbol(256)
        bits.alignToByte()
        return bits.take()
    }

    private mutating func encode(upTo limit: Int) {
        let end = base + buffer.count
        while position < limit {
            var bestLength = 0
            var bestDistance = 0
            if end - position >= 3 {
                let hash = hashAt(position)
                var candidate = head[hash]
                var chain = 0
                let lowest = max(base, position - Self.windowSize)
                let longest = min(Self.maxMatch, end - position)
                while candidate >= lowest, candidate < position, chain < Self.maxChain {
                    let length = matchLength(candidate, position, longest)
                    if length > bestLength {
                        bestLength = length
                        bestDistance = position - candidate
                        if length == longest { break }
                    }
                    let next = previous[candidate & (Self.windowSize - 1)]
                    guard next < candidate else { break }
                    candidate = next
                    chain += 1
                }
                insert(position, hash: hash)
            }
            if bestLength >= 3 {
                writeMatch(length: bestLength, distance: bestDistance)
                for skipped in (position + 1)..<(position + bestLength) where end - skipped >= 3 {
                    insert(skipped, hash: hashAt(skipped))
                }
                position += bestLength
            } else {
                writeSymbol(Int(buffer[position - base]))
                position += 1
            }
        }
    }

    private func hashAt(_ absolute: Int) -> Int {
        let index = absolute - base
        let value = Int(buffer[index]) << 16 | Int(buffer[index + 1]) << 8 | Int(buffer[index + 2])
        return (value &* 2_654_435_761) >> 17 & ((1 << Self.hashBits) - 1)
    }

    private mutating func insert(_ absolute: Int, hash: Int) {
        previous[absolute & (Self.windowSize - 1)] = head[hash]
        head[hash] = absolute
    }

    private func matchLength(_ earlier: Int, _ current: Int, _ longest: Int) -> Int {
        var length = 0
        let first = earlier - base
        let second = current - base
        while length < longest, buffer[first + length] == buffer[second + length] { length += 1 }
        return length
    }

    /// Drops input that no future match can reach.
    private mutating func slide() {
        let keep = max(base, position - Self.windowSize)
        let drop = keep - base
        guard drop >= 65_536 else { return }
        buffer.removeFirst(drop)
        base = keep
    }

    private mutating func writeMatch(length: Int, distance: Int) {
        var code = Self.lengthBase.count - 1
        while Self.lengthBase[code] > length { code -= 1 }
        writeSymbol(257 + code)
        bits.write(UInt64(length - Self.lengthBase[code]), count: Self.lengthExtra[code])
        var distanceCode = Self.distanceBase.count - 1
        while Self.distanceBase[distanceCode] > distance { distanceCode -= 1 }
        bits.writeReversed(UInt64(distanceCode), count: 5)
        bits.write(UInt64(distance - Self.distanceBase[distanceCode]), count: Self.distanceExtra[distanceCode])
    }

    /// Writes a literal/length symbol with the fixed code (RFC 1951 §3.2.6).
    private mutating func writeSymbol(_ symbol: Int) {
        switch symbol {
        case 0...143: bits.writeReversed(UInt64(0x30 + symbol), count: 8)
        case 144...255: bits.writeReversed(UInt64(0x190 + symbol - 144), count: 9)
        case 256...279: bits.writeReversed(UInt64(symbol - 256), count: 7)
        default: bits.writeReversed(UInt64(0xC0 + symbol - 280), count: 8)
        }
    }
}

/// Collects bits least significant first, as DEFLATE packs them.
struct BitWriter {
    private var accumulator: UInt64 = 0
    private var count = 0
    private var bytes: [UInt8] = []

    mutating func write(_ value: UInt64, count bitCount: Int) {
        guard bitCount > 0 else { return }
        accumulator |= value << UInt64(count)
        count += bitCount
        while count >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: accumulator))
            accumulator >>= 8
            count -= 8
        }
    }

    /// Writes a Huffman code, whose bits go most significant first.
    mutating func writeReversed(_ code: UInt64, count bitCount: Int) {
        var reversed: UInt64 = 0
        for bit in 0..<bitCount { reversed |= (code >> UInt64(bit) & 1) << UInt64(bitCount - 1 - bit) }
        write(reversed, count: bitCount)
    }

    mutating func alignToByte() {
        if count > 0 { write(0, count: 8 - count) }
    }

    /// The completed bytes, removed from the writer.
    mutating func take() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }
}
