/// The chunked transfer coding (RFC 9112 §7.1): size lines, data, CRLF, and the trailer section.
extension HTTPParser {
    /// Parses a chunk-size line; `false` while it has not fully arrived.
    mutating func parseChunkSize() throws(HTTPError) -> Bool {
        guard let lineEnd = buffer[index...].firstIndex(of: Self.lf) else {
            guard buffer.count - index <= Self.maxChunkLineBytes else {
                throw .invalidChunkSize("size line longer than \(Self.maxChunkLineBytes) bytes")
            }
            return false
        }
        guard lineEnd - index <= Self.maxChunkLineBytes else {
            throw .invalidChunkSize("size line longer than \(Self.maxChunkLineBytes) bytes")
        }
        var end = lineEnd
        if end > index, buffer[end - 1] == Self.cr { end -= 1 }

        let size = try chunkSize(index..<end)
        index = lineEnd + 1
        if size == 0 {
            state = .trailers(lineStart: 0)
            return true
        }
        guard body.count + size <= limits.maxBodyBytes else { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
        state = .chunkData(remaining: size)
        return true
    }

    /// The hexadecimal size at the start of `line`, which may be followed by `;extensions`.
    private func chunkSize(_ line: Range<Int>) throws(HTTPError) -> Int {
        var position = line.lowerBound
        var size = 0
        var digits = 0
        while position < line.upperBound, let digit = Self.hexValue(buffer[position]) {
            guard digits < 15 else { throw .invalidChunkSize("'\(printable(line))' is too large") }
            size = size * 16 + digit
            digits += 1
            position += 1
        }
        guard digits > 0 else { throw .invalidChunkSize("'\(printable(line))' is not hexadecimal") }
        while position < line.upperBound, Self.isBlank(buffer[position]) { position += 1 }
        guard position == line.upperBound || buffer[position] == UInt8(ascii: ";") else {
            throw .invalidChunkSize("'\(printable(line))' is not hexadecimal")
        }
        guard buffer[position..<line.upperBound].allSatisfy({ $0 == Self.tab || ($0 >= 0x20 && $0 != 0x7F) }) else {
            throw .invalidChunkSize("control character in '\(printable(line))'")
        }
        return size
    }

    /// Consumes the CRLF after chunk data; `false` while it has not arrived.
    mutating func parseChunkEnd() throws(HTTPError) -> Bool {
        guard index < buffer.count else { return false }
        if buffer[index] == Self.lf {
            index += 1
        } else if buffer[index] == Self.cr {
            guard index + 1 < buffer.count else { return false }
            guard buffer[index + 1] == Self.lf else { throw .malformedChunk("chunk data not followed by CRLF") }
            index += 2
        } else {
            throw .malformedChunk("chunk data longer than its declared size")
        }
        state = .chunkSize
        return true
    }

    /// Validates and skips the trailer fields after the last chunk; `false` while they have not arrived.
    mutating func parseTrailers(lineStart: Int) throws(HTTPError) -> Bool {
        var resumeAt = lineStart
        guard let (end, next) = try findBlankLine(from: &resumeAt) else {
            state = .trailers(lineStart: resumeAt)
            return false
        }
        var trailers = HTTPHeaders()
        var fields = FramingFields()
        var start = index
        while start < end {
            var lineEnd = start
            while buffer[lineEnd] != Self.lf { lineEnd += 1 }
            let contentEnd = lineEnd > start && buffer[lineEnd - 1] == Self.cr ? lineEnd - 1 : lineEnd
            try parseField(start..<contentEnd, into: &trailers, fields: &fields)
            start = lineEnd + 1
        }
        index = next
        return true
    }

    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
