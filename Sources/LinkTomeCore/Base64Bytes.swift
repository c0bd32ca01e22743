import Synchronization

/// Standard base64 (RFC 4648 §4) decoding straight from UTF-8, used for every base64 value the app reads.
///
/// Orchestrator requests carry the whole history, often hundreds of kilobytes; this table-driven
/// decoder works on the string's UTF-8 bytes without building `Character`s, and
/// ``decodeReusingBuffer(_:)`` reuses one buffer across requests so that each long history does
/// not cost fresh pages from the allocator.
public enum Base64Bytes {
    private static let invalid: UInt8 = 0xFF
    private static let skip: UInt8 = 0xFE

    private static let table: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(index)
        }
        for byte in [UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")] {
            table[Int(byte)] = skip
        }
        return table
    }()

    /// The bytes of `text`, or `nil` if it holds anything but the base64 alphabet, whitespace and
    /// up to two trailing `=` (padding may be omitted).
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(utf8: $0) }
    }

    /// The largest buffer kept for reuse (bigger requests use a buffer of their own).
    private static let pooledLimit = 8 << 20
    private static let pool = Mutex<[UInt8]?>(nil)

    /// Like ``decode(_:)``, but writes into the buffer a previous request gave back with
    /// ``recycle(_:)`` when there is one, so that long histories do not cost fresh pages each time.
    public static func decodeReusingBuffer(_ text: String) -> [UInt8]? {
        var text = text
        let needed = text.utf8.count / 4 * 3 + 3
        var buffer = pool.withLock { $0.take() } ?? []
        if buffer.count < needed { buffer.append(contentsOf: repeatElement(0, count: needed - buffer.count)) }

        let count = table.withUnsafeBufferPointer { table in
            text.withUTF8 { utf8 in
                buffer.withUnsafeMutableBufferPointer { output -> Int? in
                    var count = 0
                    return decode(utf8, table: table, into: output, count: &count) ? count : nil
                }
            }
        }
        guard let count else {
            recycle(buffer)
            return nil
        }
        buffer.removeLast(buffer.count - count)
        return buffer
    }

    /// Gives a buffer back for the next ``decodeReusingBuffer(_:)``.
    public static func recycle(_ buffer: [UInt8]) {
        guard buffer.capacity <= pooledLimit else { return }
        pool.withLock { $0 = buffer }
    }

    private static func decode(utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        table.withUnsafeBufferPointer { table in
            var failed = false
            let output = [UInt8](unsafeUninitializedCapacity: utf8.count / 4 * 3 + 3) { buffer, count in
                count = 0
                failed = !decode(utf8, table: table, into: buffer, count: &count)
            }
            return failed ? nil : output
        }
    }

    /// Decodes into `output` (large enough for the result); false when `utf8` is not base64.
    private static func decode(
        _ utf8: UnsafeBufferPointer<UInt8>,
        table: UnsafeBufferPointer<UInt8>,
        into output: UnsafeMutableBufferPointer<UInt8>,
        count: inout Int
    ) -> Bool {
        var accumulator: UInt32 = 0
        var pending = 0
        var padding = 0
        for byte in utf8 {
            let value = table[Int(byte)]
            if value < 64 {
                guard padding == 0 else { return false }
                accumulator = accumulator << 6 | UInt32(value)
                pending += 1
                if pending == 4 {
                    output[count] = UInt8(truncatingIfNeeded: accumulator >> 16)
                    output[count + 1] = UInt8(truncatingIfNeeded: accumulator >> 8)
                    output[count + 2] = UInt8(truncatingIfNeeded: accumulator)
                    count += 3
                    accumulator = 0
                    pending = 0
                }
            } else if value == skip {
                continue
            } else if byte == UInt8(ascii: "=") {
                padding += 1
                guard padding <= 2 else { return false }
            } else {
                return false
            }
        }

        switch (pending, padding) {
        case (0, 0):
            return true
        case (2, 0), (2, 2):
            output[count] = UInt8(truncatingIfNeeded: accumulator >> 4)
            count += 1
            return true
        case (3, 0), (3, 1):
            output[count] = UInt8(truncatingIfNeeded: accumulator >> 10)
            output[count + 1] = UInt8(truncatingIfNeeded: accumulator >> 2)
            count += 2
            return true
        default:
            return false
        }
    }
}
