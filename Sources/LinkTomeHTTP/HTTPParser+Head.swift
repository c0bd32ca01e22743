/// Start line, header fields and body framing (RFC 9112 §2–§6).
extension HTTPParser {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    /// The framing-relevant header fields seen while parsing a head.
    struct FramingFields {
        var contentLengths: [String] = []
        var transferEncodings: [String] = []
        var connection: [String] = []
        var expect: String?
    }

    /// Parses the head once its terminating empty line has arrived; `nil` while it has not.
    mutating func parseHead(lineStart: Int) throws(HTTPError) -> Head? {
        if lineStart == 0, kind == .request { skipLeadingEmptyLines() }
        var resumeAt = lineStart
        guard let (end, next) = try findBlankLine(from: &resumeAt) else {
            if kind == .request, lineStart == 0 { try rejectNonHTTP(completeUpTo: resumeAt) }
            state = .head(lineStart: resumeAt)
            return nil
        }
        let head = try parseHeadLines(index..<end)
        index = next
        return head
    }

    /// Finds the empty line that ends a head or trailer section starting at `index`.
    ///
    /// Returns the offset of the empty line and the offset after it; on `nil`, `lineStart` is the
    /// offset (relative to `index`) of the first unterminated line, where the next scan resumes.
    func findBlankLine(from lineStart: inout Int) throws(HTTPError) -> (Int, Int)? {
        let limit = limits.maxHeadBytes
        var start = index + lineStart
        var position = start
        while position < buffer.count {
            if buffer[position] == Self.lf {
                let length = position - start
                if length == 0 || (length == 1 && buffer[start] == Self.cr) {
                    guard position + 1 - index <= limit else { throw .headTooLarge(limit: limit) }
                    return (start, position + 1)
                }
                start = position + 1
            }
            position += 1
        }
        guard buffer.count - index <= limit else { throw .headTooLarge(limit: limit) }
        lineStart = start - index
        return nil
    }

    /// Fails at once, before the head is complete, on input that cannot become a request: a first
    /// byte that cannot start a method (a TLS ClientHello starts with 0x16), or a complete first line
    /// that is not `METHOD target HTTP/1.x`. Runs only while the first line is the one being read, so
    /// each byte is checked a bounded number of times.
    private func rejectNonHTTP(completeUpTo: Int) throws(HTTPError) {
        guard index < buffer.count else { return }
        let first = buffer[index]
        // A lone CR may be the start of an empty line before the request line.
        guard Self.isTokenByte(first) || (first == Self.cr && index + 1 == buffer.count) else {
            let hex = String(first, radix: 16, uppercase: true)
            let what = first == 0x16 ? "a TLS handshake" : "not an HTTP request"
            throw .malformedRequestLine("\(what) (first byte 0x\(hex.count == 1 ? "0" + hex : hex))")
        }
        // `completeUpTo` is where the first unterminated line starts; 0 means the first line is still open.
        guard completeUpTo > 0, var lineEnd = buffer[index..<(index + completeUpTo)].firstIndex(of: Self.lf) else {
            return
        }
        if lineEnd > index, buffer[lineEnd - 1] == Self.cr { lineEnd -= 1 }
        var head = Head()
        try parseRequestLine(index..<lineEnd, into: &head)
    }

    /// Ignores CRLFs sent before a request line, as RFC 9112 §2.2 allows.
    private mutating func skipLeadingEmptyLines() {
        while index < buffer.count {
            if buffer[index] == Self.lf {
                index += 1
            } else if buffer[index] == Self.cr, index + 1 < buffer.count, buffer[index + 1] == Self.lf {
                index += 2
            } else {
                return
            }
        }
    }

    /// Parses every line of a complete head; `range` excludes the final empty line.
    private func parseHeadLines(_ range: Range<Int>) throws(HTTPError) -> Head {
        var head = Head()
        var fields = FramingFields()
        var lineStart = range.lowerBound
        var isFirst = true
        while lineStart < range.upperBound {
            var lineEnd = lineStart
            while buffer[lineEnd] != Self.lf { lineEnd += 1 }
            let next = lineEnd + 1
            if lineEnd > lineStart, buffer[lineEnd - 1] == Self.cr { lineEnd -= 1 }

            if isFirst {
                try parseStartLine(lineStart..<lineEnd, into: &head)
                isFirst = false
            } else {
                try parseField(lineStart..<lineEnd, into: &head.headers, fields: &fields)
            }
            lineStart = next
        }
        guard !isFirst else {
            if kind == .request { throw .malformedRequestLine("empty request line") }
            throw .malformedStatusLine("empty status line")
        }
        try applyFraming(fields, to: &head)
        return head
    }

    private func parseStartLine(_ line: Range<Int>, into head: inout Head) throws(HTTPError) {
        switch kind {
        case .request: try parseRequestLine(line, into: &head)
        case .response: try parseStatusLine(line, into: &head)
        }
    }

    private func parseRequestLine(_ line: Range<Int>, into head: inout Head) throws(HTTPError) {
        guard let firstSpace = buffer[line].firstIndex(of: Self.space),
            let lastSpace = buffer[line].lastIndex(of: Self.space), firstSpace < lastSpace
        else { throw .malformedRequestLine("expected 'METHOD target HTTP/1.1', got '\(printable(line))'") }

        let method = line.lowerBound..<firstSpace
        let target = (firstSpace + 1)..<lastSpace
        guard !method.isEmpty, buffer[method].allSatisfy(Self.isTokenByte) else {
            throw .malformedRequestLine("invalid method in '\(printable(line))'")
        }
        guard !target.isEmpty, buffer[target].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .malformedRequestLine("invalid target in '\(printable(line))'")
        }
        head.minorVersion = try parseVersion((lastSpace + 1)..<line.upperBound, line: line)
        head.method = String(decoding: buffer[method], as: UTF8.self)
        head.target = String(decoding: buffer[target], as: UTF8.self)
    }

    private func parseStatusLine(_ line: Range<Int>, into head: inout Head) throws(HTTPError) {
        let space = buffer[line].firstIndex(of: Self.space) ?? line.upperBound
        head.minorVersion = try parseVersion(line.lowerBound..<space, line: line)
        let codeStart = min(space + 1, line.upperBound)
        let codeEnd = min(codeStart + 3, line.upperBound)
        guard codeEnd - codeStart == 3, buffer[codeStart..<codeEnd].allSatisfy(Self.isDigit),
            codeEnd == line.upperBound || buffer[codeEnd] == Self.space
        else { throw .malformedStatusLine("expected 'HTTP/1.1 NNN reason', got '\(printable(line))'") }
        head.status = buffer[codeStart..<codeEnd].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// Parses `HTTP/1.x` and returns the minor version (1 for any 1.x above 1).
    private func parseVersion(_ range: Range<Int>, line: Range<Int>) throws(HTTPError) -> Int {
        let bytes = buffer[range]
        let prefix = Array("HTTP/".utf8)
        guard bytes.count == 8, bytes.starts(with: prefix), Self.isDigit(buffer[range.lowerBound + 5]),
            buffer[range.lowerBound + 6] == UInt8(ascii: "."), Self.isDigit(buffer[range.lowerBound + 7])
        else {
            if kind == .request { throw .malformedRequestLine("invalid HTTP version in '\(printable(line))'") }
            throw .malformedStatusLine("invalid HTTP version in '\(printable(line))'")
        }
        guard buffer[range.lowerBound + 5] == UInt8(ascii: "1") else {
            throw .unsupportedVersion(String(decoding: bytes, as: UTF8.self))
        }
        return min(Int(buffer[range.lowerBound + 7] - UInt8(ascii: "0")), 1)
    }

    /// Parses one `name: value` line, adds it, and notes the fields that decide framing.
    func parseField(
        _ line: Range<Int>,
        into headers: inout HTTPHeaders,
        fields: inout FramingFields
    ) throws(HTTPError) {
        guard let first = line.first.map({ buffer[$0] }), first != Self.space, first != Self.tab else {
            throw .malformedHeader("line folding is not allowed: '\(printable(line))'")
        }
        guard let colon = buffer[line].firstIndex(of: Self.colon) else {
            throw .malformedHeader("no ':' in '\(printable(line))'")
        }
        let name = line.lowerBound..<colon
        guard !name.isEmpty, buffer[name].allSatisfy(Self.isTokenByte) else {
            throw .malformedHeader("invalid field name in '\(printable(line))'")
        }
        var valueStart = colon + 1
        var valueEnd = line.upperBound
        while valueStart < valueEnd, Self.isBlank(buffer[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart, Self.isBlank(buffer[valueEnd - 1]) { valueEnd -= 1 }
        guard buffer[valueStart..<valueEnd].allSatisfy({ $0 == Self.tab || ($0 >= 0x20 && $0 != 0x7F) }) else {
            throw .malformedHeader("control character in the value of '\(printable(name))'")
        }

        let nameText = String(decoding: buffer[name], as: UTF8.self)
        let value = String(decoding: buffer[valueStart..<valueEnd], as: UTF8.self)
        headers.add(nameText, value)
        noteFramingField(name, value, into: &fields)
    }

    private func noteFramingField(_ name: Range<Int>, _ value: String, into fields: inout FramingFields) {
        if matches(name, "content-length") {
            fields.contentLengths.append(value)
        } else if matches(name, "transfer-encoding") {
            fields.transferEncodings.append(value)
        } else if matches(name, "connection") {
            fields.connection.append(value)
        } else if matches(name, "expect") {
            fields.expect = value
        }
    }

    /// Decides how the body is delimited and whether the connection stays open (RFC 9112 §6.3, §9.3).
    private func applyFraming(_ fields: FramingFields, to head: inout Head) throws(HTTPError) {
        let tokens = fields.connection.flatMap(Self.tokens)
        head.keepAlive = !tokens.contains("close") && (head.minorVersion >= 1 || tokens.contains("keep-alive"))

        if kind == .response {
            let noBody = (100..<200).contains(head.status) || head.status == 204 || head.status == 304
            if noBody || requestMethod == "HEAD" {
                head.framing = .none
                return
            }
        }
        head.framing = try framing(fields)
        if head.framing == .untilClose { head.keepAlive = false }
        if kind == .request, head.framing != .none, head.minorVersion >= 1,
            fields.expect?.lowercased() == "100-continue"
        {
            head.expectsContinue = true
        }
    }

    private func framing(_ fields: FramingFields) throws(HTTPError) -> Framing {
        if !fields.transferEncodings.isEmpty {
            guard fields.contentLengths.isEmpty else {
                throw .invalidContentLength("sent together with Transfer-Encoding")
            }
            let codings = fields.transferEncodings.flatMap(Self.tokens)
            if codings == ["chunked"] { return .chunked }
            let text = fields.transferEncodings.joined(separator: ", ")
            if codings.last == "chunked" || kind == .response { throw .unsupportedTransferEncoding(text) }
            throw .malformedHeader("Transfer-Encoding '\(text)' does not end with chunked")
        }
        guard !fields.contentLengths.isEmpty else { return kind == .request ? .none : .untilClose }
        let length = try contentLength(fields.contentLengths)
        guard length <= limits.maxBodyBytes else { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
        return length == 0 ? .none : .length(length)
    }

    /// The one length that every `Content-Length` value (including comma-separated repeats) states.
    private func contentLength(_ values: [String]) throws(HTTPError) -> Int {
        var length: Int?
        for part in values.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
            let digits = part.trimmingBlanks()
            guard !digits.isEmpty, digits.utf8.count <= 18, digits.utf8.allSatisfy(Self.isDigit),
                let value = Int(digits)
            else { throw .invalidContentLength("'\(values.joined(separator: ", "))' is not a byte count") }
            guard length == nil || length == value else {
                throw .invalidContentLength("conflicting values '\(values.joined(separator: ", "))'")
            }
            length = value
        }
        return length ?? 0
    }

    /// Whether the bytes in `range` equal the lower-case ASCII `name`, ignoring case.
    func matches(_ range: Range<Int>, _ name: StaticString) -> Bool {
        guard range.count == name.utf8CodeUnitCount else { return false }
        return name.withUTF8Buffer { expected in
            var offset = 0
            for byte in buffer[range] {
                let lowered = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                if lowered != expected[offset] { return false }
                offset += 1
            }
            return true
        }
    }

    /// A short, printable rendering of part of the buffer for error messages.
    func printable(_ range: Range<Int>) -> String {
        let bytes = buffer[range].prefix(80).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }
        return String(decoding: bytes, as: UTF8.self) + (range.count > 80 ? "…" : "")
    }

    static func tokens(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingBlanks().lowercased() }.filter { !$0.isEmpty }
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == space || byte == tab
    }

    /// `tchar` of RFC 9110 §5.6.2.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingBlanks() -> String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
