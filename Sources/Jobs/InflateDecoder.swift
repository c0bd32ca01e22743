/// A DEFLATE (RFC 1951) decoder for stored, fixed and dynamic Huffman blocks, so backups made by
/// this program or re-compressed with any gzip can be restored. It never traps on bad input: every
/// inconsistency is a ``BusinessJobsError`` of kind `invalidBackup`.
struct InflateDecoder {
    private let input: [UInt8]
    private var index: Int
    private var bitBuffer: UInt32 = 0
    private var bitCount = 0
    private var window: [UInt8] = []
    private let flushThreshold = 1 << 20

    /// Decodes from `start` in `input`; `byteOffset` afterwards is where the stream ended.
    init(_ input: [UInt8], start: Int) {
        self.input = input
        index = start
    }

    /// The byte offset just after the last block (the stream is byte-aligned there).
    var byteOffset: Int { index - bitCount / 8 }

    private enum Block {
        case none
        case huffman(Huffman, Huffman)
    }

    private var block = Block.none
    private var sawFinal = false
    private var finished = false

    /// Decodes every block, handing out the output in chunks.
    mutating func decode(_ output: ([UInt8]) throws -> Void) throws {
        while let chunk = try next() { try output(chunk) }
    }

    /// The next chunk of output (about 1 MiB), or `nil` after the last block.
    mutating func next() throws -> [UInt8]? {
        guard !finished else { return nil }
        while window.count <= flushThreshold + 32_768 {
            if case .huffman(let literals, let distances) = block {
                if try huffmanSymbols(literals, distances) { block = .none }
                continue
            }
            if sawFinal {
                finished = true
                bitCount -= bitCount % 8
                defer { window = [] }
                return window
            }
            sawFinal = try bits(1) == 1
            switch try bits(2) {
            case 0: try storedBlock()
            case 1: block = .huffman(Self.fixedLiterals, Self.fixedDistances)
            case 2:
                let (literals, distances) = try dynamicTables()
                block = .huffman(literals, distances)
            default: throw Self.error("reserved block type")
            }
        }
        let chunk = Array(window[0..<(window.count - 32_768)])
        window.removeFirst(window.count - 32_768)
        return chunk
    }

    private mutating func bits(_ count: Int) throws -> Int {
        while bitCount < count {
            guard index < input.count else { throw Self.error("the compressed data ends early") }
            bitBuffer |= UInt32(input[index]) << UInt32(bitCount)
            index += 1
            bitCount += 8
        }
        let value = Int(bitBuffer & ((1 << UInt32(count)) - 1))
        bitBuffer >>= UInt32(count)
        bitCount -= count
        return value
    }

    private mutating func storedBlock() throws {
        bitBuffer = 0
        index -= bitCount / 8
        bitCount = 0
        guard index + 4 <= input.count else { throw Self.error("a stored block header is cut off") }
        let length = Int(input[index]) | Int(input[index + 1]) << 8
        let complement = Int(input[index + 2]) | Int(input[index + 3]) << 8
        guard length == complement ^ 0xFFFF else { throw Self.error("a stored block length is corrupt") }
        index += 4
        guard index + length <= input.count else { throw Self.error("a stored block is cut off") }
        window.append(contentsOf: input[index..<(index + length)])
        index += length
    }

    /// Decodes symbols until the block ends (`true`) or the window holds enough to hand out (`false`).
    private mutating func huffmanSymbols(_ literals: Huffman, _ distances: Huffman) throws -> Bool {
        while window.count <= flushThreshold + 32_768 {
            let symbol = try decodeSymbol(literals)
            if symbol < 256 {
                window.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return true }
            let code = symbol - 257
            guard code < DeflateEncoder.lengthBase.count else { throw Self.error("invalid length code") }
            let length = DeflateEncoder.lengthBase[code] + (try bits(DeflateEncoder.lengthExtra[code]))
            let distanceCode = try decodeSymbol(distances)
            guard distanceCode < DeflateEncoder.distanceBase.count else { throw Self.error("invalid distance code") }
            let distance =
                DeflateEncoder.distanceBase[distanceCode] + (try bits(DeflateEncoder.distanceExtra[distanceCode]))
            guard distance <= window.count else { throw Self.error("a distance reaches before the start") }
            let start = window.count - distance
            for offset in 0..<length { window.append(window[start + offset]) }
        }
        return false
    }

    private mutating func dynamicTables() throws -> (Huffman, Huffman) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var codeLengths = [Int](repeating: 0, count: 19)
        for position in 0..<codeLengthCount { codeLengths[order[position]] = try bits(3) }
        let codeLengthCode = try Huffman(lengths: codeLengths)

        var lengths: [Int] = []
        while lengths.count < literalCount + distanceCount {
            let symbol = try decodeSymbol(codeLengthCode)
            switch symbol {
            case 0...15: lengths.append(symbol)
            case 16:
                guard let last = lengths.last else { throw Self.error("a repeat code has nothing to repeat") }
                lengths += [Int](repeating: last, count: 3 + (try bits(2)))
            case 17: lengths += [Int](repeating: 0, count: 3 + (try bits(3)))
            default: lengths += [Int](repeating: 0, count: 11 + (try bits(7)))
            }
        }
        guard lengths.count == literalCount + distanceCount, lengths[256] > 0 else {
            throw Self.error("the code lengths are inconsistent")
        }
        return (
            try Huffman(lengths: Array(lengths[0..<literalCount])),
            try Huffman(lengths: Array(lengths[literalCount...]))
        )
    }

    private mutating func decodeSymbol(_ huffman: Huffman) throws -> Int {
        var code = 0
        var first = 0
        var offset = 0
        for length in 1...15 {
            code |= try bits(1)
            let count = huffman.counts[length]
            if code - first < count { return huffman.symbols[offset + code - first] }
            offset += count
            first = (first + count) << 1
            code <<= 1
        }
        throw Self.error("an invalid Huffman code")
    }

    static func error(_ text: String) -> BusinessJobsError {
        BusinessJobsError(.invalidBackup, "compressed data is corrupt: \(text)")
    }

    static let fixedLiterals: Huffman = {
        let lengths =
            [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112)
            + [Int](repeating: 7, count: 24) + [Int](repeating: 8, count: 8)
        return (try? Huffman(lengths: lengths)) ?? Huffman()
    }()

    static let fixedDistances: Huffman = (try? Huffman(lengths: [Int](repeating: 5, count: 30))) ?? Huffman()
}

/// A canonical Huffman code as counts per length and symbols in code order.
struct Huffman: Sendable {
    var counts = [Int](repeating: 0, count: 16)
    var symbols: [Int] = []

    init() {}

    init(lengths: [Int]) throws {
        for length in lengths where length > 0 { counts[length] += 1 }
        var left = 1
        for length in 1...15 {
            left = (left << 1) - counts[length]
            guard left >= 0 else { throw InflateDecoder.error("an over-subscribed Huffman code") }
        }
        var offsets = [Int](repeating: 0, count: 16)
        for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
        symbols = [Int](repeating: 0, count: lengths.filter { $0 > 0 }.count)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            symbols[offsets[length]] = symbol
            offsets[length] += 1
        }
    }
}
