/// Size limits a parser enforces on each message.
public struct HTTPLimits: Sendable, Equatable {
    /// The default head limit: 64 KiB, four times Node's default; real requests from the Functions
    /// host carry well under 1 KiB of header fields.
    public static let defaultMaxHeadBytes = 64 * 1024

    /// The default body limit: 256 MiB.
    ///
    /// An orchestrator invocation carries the whole history: protobuf, base64 (4/3) and JSON-quoted
    /// twice. A 100,000-event history of small activity results is roughly 20–60 MB on the wire;
    /// 256 MiB leaves room for about 2 KiB per event while still bounding what one request can make
    /// the process hold.
    public static let defaultMaxBodyBytes = 256 * 1024 * 1024

    /// Maximum bytes of the request or status line plus header fields; also bounds chunked trailers.
    public var maxHeadBytes: Int
    /// Maximum bytes of a decoded body.
    public var maxBodyBytes: Int

    public init(maxHeadBytes: Int = defaultMaxHeadBytes, maxBodyBytes: Int = defaultMaxBodyBytes) {
        self.maxHeadBytes = maxHeadBytes
        self.maxBodyBytes = maxBodyBytes
    }
}

/// An incremental HTTP/1.1 parser for requests (server side) or responses (client side).
///
/// Feed it bytes as they arrive with `append`, then call `next()` until it returns `nil` (more bytes
/// needed). It parses one message per `next()` call, so pipelined requests wait in its buffer, and it
/// never holds more than one read plus one head beyond the body it is building. Malformed input
/// throws an ``HTTPError`` whose `status` is the answer a server should send.
struct HTTPParser {
    enum Kind {
        case request
        case response
    }

    /// How the body of the message being parsed is delimited.
    enum Framing: Equatable {
        /// No body.
        case none
        /// Exactly this many bytes.
        case length(Int)
        /// `Transfer-Encoding: chunked`.
        case chunked
        /// Everything until the peer closes (responses only).
        case untilClose
    }

    /// The start line and header fields of a message.
    struct Head {
        var method = ""
        var target = ""
        var status = 0
        var minorVersion = 1
        var headers = HTTPHeaders()
        var framing = Framing.none
        var keepAlive = true
        var expectsContinue = false
    }

    /// One complete message.
    struct Message {
        var head: Head
        var body: [UInt8]

        var request: HTTPRequest {
            HTTPRequest(method: head.method, target: head.target, headers: head.headers, body: body)
        }

        var response: HTTPResponse {
            HTTPResponse(status: head.status, headers: head.headers, body: body)
        }
    }

    enum State {
        /// Looking for the end of the head; `lineStart` is the offset from `index` of the first line
        /// not yet terminated.
        case head(lineStart: Int)
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers(lineStart: Int)
        case untilClose
    }

    static let maxChunkLineBytes = 4_096

    let kind: Kind
    let limits: HTTPLimits
    /// The method of the request a response answers; `HEAD` responses have no body.
    var requestMethod = "GET"

    var buffer: [UInt8] = []
    var index = 0
    var state = State.head(lineStart: 0)
    /// The head of the message in progress, once parsed.
    private(set) var head: Head?
    var body: [UInt8] = []

    init(kind: Kind, limits: HTTPLimits = HTTPLimits()) {
        self.kind = kind
        self.limits = limits
    }

    /// Whether no part of a message has arrived since the last complete one.
    var isIdle: Bool {
        if case .head(let lineStart) = state, lineStart == 0, index == buffer.count { return true }
        return false
    }

    /// Whether the head of the current message is parsed and its body is still arriving.
    var isReadingBody: Bool { head != nil }

    /// Adds received bytes.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        if index == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            index = 0
            offset = appendDirectly(bytes)
        } else if index > 4_096, index * 2 >= buffer.count {
            buffer.removeFirst(index)
            index = 0
        }
        if offset < bytes.count {
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
        }
    }

    /// Adds received bytes from an array.
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Body bytes that arrive while nothing is buffered skip the buffer.
    private mutating func appendDirectly(_ bytes: UnsafeRawBufferPointer) -> Int {
        switch state {
        case .body(let remaining):
            let count = min(remaining, bytes.count)
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
            state = .body(remaining: remaining - count)
            return count
        case .chunkData(let remaining):
            let count = min(remaining, bytes.count)
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
            state = .chunkData(remaining: remaining - count)
            return count
        case .untilClose:
            guard body.count + bytes.count <= limits.maxBodyBytes else { return 0 }
            body.append(contentsOf: bytes)
            return bytes.count
        default:
            return 0
        }
    }

    /// Parses the next complete message from the buffered bytes, or returns `nil` when more are needed.
    mutating func next() throws(HTTPError) -> Message? {
        while true {
            switch state {
            case .head(let lineStart):
                guard let newHead = try parseHead(lineStart: lineStart) else { return nil }
                if let message = startBody(newHead) { return message }
            case .body(let remaining):
                let count = min(remaining, buffer.count - index)
                body.append(contentsOf: buffer[index..<(index + count)])
                index += count
                guard remaining == count else {
                    state = .body(remaining: remaining - count)
                    return nil
                }
                return complete()
            case .chunkSize:
                guard try parseChunkSize() else { return nil }
            case .chunkData(let remaining):
                let count = min(remaining, buffer.count - index)
                body.append(contentsOf: buffer[index..<(index + count)])
                index += count
                guard remaining == count else {
                    state = .chunkData(remaining: remaining - count)
                    return nil
                }
                state = .chunkEnd
            case .chunkEnd:
                guard try parseChunkEnd() else { return nil }
            case .trailers(let lineStart):
                guard try parseTrailers(lineStart: lineStart) else { return nil }
                return complete()
            case .untilClose:
                try moveUntilCloseBytes()
                return nil
            }
        }
    }

    /// Called when the peer closed: completes a response delimited by the close, returns `nil` when
    /// no message had started, and throws when one was cut short.
    mutating func finishAtEndOfInput() throws(HTTPError) -> Message? {
        if case .untilClose = state {
            try moveUntilCloseBytes()
            return complete()
        }
        if isIdle { return nil }
        throw .connectionClosedMidMessage
    }

    private mutating func moveUntilCloseBytes() throws(HTTPError) {
        let count = buffer.count - index
        guard body.count + count <= limits.maxBodyBytes else { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
        body.append(contentsOf: buffer[index...])
        index = buffer.count
    }

    /// Moves to the body state for `newHead`; returns the message at once when it has no body.
    private mutating func startBody(_ newHead: Head) -> Message? {
        head = newHead
        switch newHead.framing {
        case .none:
            return complete()
        case .length(let length):
            body.reserveCapacity(min(length, 1 << 20))
            state = .body(remaining: length)
            return nil
        case .chunked:
            state = .chunkSize
            return nil
        case .untilClose:
            state = .untilClose
            return nil
        }
    }

    private mutating func complete() -> Message {
        let message = Message(head: head ?? Head(), body: body)
        head = nil
        body = []
        state = .head(lineStart: 0)
        return message
    }
}
