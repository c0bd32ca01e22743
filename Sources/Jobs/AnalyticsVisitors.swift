import Foundation
import LinkTomeCore

/// The distinct visitors of one aggregate row, bounded: an exact set of keyed 64-bit hashes of the
/// visitors' IP addresses up to ``exactLimit`` entries, then a HyperLogLog sketch of 4,096 one-byte
/// registers (standard error about 1.6 %). Raw IP addresses are never stored: the hash is SipHash-2-4
/// under a key from the settings, so without the key the stored values do not reveal addresses.
///
/// Merging is a set union (exact) or a register-wise maximum (sketch), so merging the same visitors
/// twice never changes the count.
struct VisitorSet: Sendable, Equatable {
    /// The most hashes kept exactly (16 hex digits each: 16,000 characters, a quarter of the
    /// 64 KiB property limit).
    static let exactLimit = 1_000
    static let registerBits = 12
    static var registerCount: Int { 1 << registerBits }

    private(set) var exact: Set<UInt64>? = []
    private(set) var registers: [UInt8]?

    /// Adds one visitor hash.
    mutating func insert(_ hash: UInt64) {
        if var set = exact {
            set.insert(hash)
            if set.count > Self.exactLimit {
                exact = nil
                registers = Self.sketch(of: set)
            } else {
                exact = set
            }
        } else if registers != nil {
            Self.add(hash, to: &registers!)
        }
    }

    /// Adds every visitor of `other`.
    mutating func merge(_ other: VisitorSet) {
        if let set = other.exact {
            for hash in set { insert(hash) }
            return
        }
        guard let theirs = other.registers else { return }
        var mine = registers ?? Self.sketch(of: exact ?? [])
        for index in mine.indices { mine[index] = max(mine[index], theirs[index]) }
        exact = nil
        registers = mine
    }

    /// Whether the count is an estimate.
    var isApproximate: Bool { exact == nil }

    /// The number of distinct visitors (exact, or the sketch's estimate).
    var count: Int {
        if let exact { return exact.count }
        guard let registers else { return 0 }
        let m = Double(registers.count)
        var sum = 0.0
        var zeros = 0
        for register in registers {
            sum += 1 / Double(UInt64(1) << UInt64(register))
            if register == 0 { zeros += 1 }
        }
        let raw = 0.7213 / (1 + 1.079 / m) * m * m / sum
        if raw <= 2.5 * m, zeros > 0 { return Int((m * log(m / Double(zeros))).rounded()) }
        return Int(raw.rounded())
    }

    private static func sketch(of hashes: Set<UInt64>) -> [UInt8] {
        var registers = [UInt8](repeating: 0, count: registerCount)
        for hash in hashes { add(hash, to: &registers) }
        return registers
    }

    private static func add(_ hash: UInt64, to registers: inout [UInt8]) {
        let index = Int(hash >> UInt64(64 - registerBits))
        let rest = hash << UInt64(registerBits)
        let rank = UInt8(min(rest.leadingZeroBitCount, 64 - registerBits) + 1)
        registers[index] = max(registers[index], rank)
    }
}

extension VisitorSet {
    /// The stored form: `UniqueVisitorHashes` (concatenated 16-digit hex) or `UniqueVisitorSketch` (base64).
    var storedHashes: String? {
        guard let exact else { return nil }
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: 0, count: exact.count * 16)
        var offset = 0
        for hash in exact.sorted() {
            for nibble in 0..<16 {
                bytes[offset + nibble] = digits[Int(hash >> UInt64(60 - 4 * nibble) & 0xF)]
            }
            offset += 16
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    var storedSketch: String? { registers?.base64 }

    /// Reads the stored form; malformed text gives an empty set rather than an error.
    init(hashes: String?, sketch: String?) {
        if let sketch, let bytes = [UInt8](base64: sketch), bytes.count == Self.registerCount {
            exact = nil
            registers = bytes
            return
        }
        var set: Set<UInt64> = []
        if let hashes {
            let bytes = Array(hashes.utf8)
            var start = 0
            while start + 16 <= bytes.count {
                if let value = Self.parseHex16(bytes, at: start) { set.insert(value) }
                start += 16
            }
        }
        exact = []
        for hash in set { insert(hash) }
    }

    /// Sixteen hex digits at `start`, or `nil` when one is not a hex digit.
    private static func parseHex16(_ bytes: [UInt8], at start: Int) -> UInt64? {
        var value: UInt64 = 0
        for byte in bytes[start..<(start + 16)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }
}

/// SipHash-2-4: a keyed pseudo-random function, so visitor hashes cannot be reversed by hashing
/// every IPv4 address without the key.
struct SipHasher: Sendable {
    let k0: UInt64
    let k1: UInt64

    /// A hasher keyed by `secret` (any text; it is condensed to 128 bits).
    init(secret: String) {
        k0 = BusinessHash.fnv1a("k0|" + secret)
        k1 = BusinessHash.fnv1a("k1|" + secret)
    }

    /// A hasher with an explicit 128-bit key (little-endian halves, as in the SipHash paper).
    init(k0: UInt64, k1: UInt64) {
        self.k0 = k0
        self.k1 = k1
    }

    func hash(_ text: String) -> UInt64 {
        var v0: UInt64 = 0x736f_6d65_7073_6575 ^ k0
        var v1: UInt64 = 0x646f_7261_6e64_6f6d ^ k1
        var v2: UInt64 = 0x6c79_6765_6e65_7261 ^ k0
        var v3: UInt64 = 0x7465_6462_7974_6573 ^ k1
        func round() {
            v0 = v0 &+ v1
            v1 = (v1 << 13 | v1 >> 51) ^ v0
            v0 = v0 << 32 | v0 >> 32
            v2 = v2 &+ v3
            v3 = (v3 << 16 | v3 >> 48) ^ v2
            v0 = v0 &+ v3
            v3 = (v3 << 21 | v3 >> 43) ^ v0
            v2 = v2 &+ v1
            v1 = (v1 << 17 | v1 >> 47) ^ v2
            v2 = v2 << 32 | v2 >> 32
        }
        let bytes = Array(text.utf8)
        var index = 0
        while index + 8 <= bytes.count {
            var word: UInt64 = 0
            for offset in 0..<8 { word |= UInt64(bytes[index + offset]) << UInt64(8 * offset) }
            v3 ^= word
            round()
            round()
            v0 ^= word
            index += 8
        }
        var last = UInt64(bytes.count & 0xff) << 56
        for offset in 0..<(bytes.count - index) { last |= UInt64(bytes[index + offset]) << UInt64(8 * offset) }
        v3 ^= last
        round()
        round()
        v0 ^= last
        v2 ^= 0xff
        for _ in 0..<4 { round() }
        return v0 ^ v1 ^ v2 ^ v3
    }
}
