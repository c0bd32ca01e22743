import Glibc

/// Every failure of the HTTP server, parser and client, with a message written for logs.
///
/// Parse failures carry the status a server answers with (`status`); connection, TLS and timeout
/// failures are what `HTTPClient.send` throws.
public enum HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request line or status line plus header fields exceed the limit (server answers 431).
    case headTooLarge(limit: Int)
    /// The body exceeds the limit (server answers 413).
    case bodyTooLarge(limit: Int)
    /// The request line is not `METHOD target HTTP/1.x`.
    case malformedRequestLine(String)
    /// The status line of a response is not `HTTP/1.x NNN reason`.
    case malformedStatusLine(String)
    /// A header field line is not `name: value` with a valid name and value.
    case malformedHeader(String)
    /// `Content-Length` is not a number, is repeated with different values, or comes with chunking.
    case invalidContentLength(String)
    /// A chunk-size line is not hexadecimal digits with optional extensions.
    case invalidChunkSize(String)
    /// Chunk data is not followed by CRLF, or the trailer section is malformed.
    case malformedChunk(String)
    /// A transfer coding other than `chunked` (server answers 501).
    case unsupportedTransferEncoding(String)
    /// An HTTP version other than 1.0 or 1.1 (server answers 505).
    case unsupportedVersion(String)
    /// The peer closed the connection before a complete message arrived.
    case connectionClosedMidMessage
    /// Nothing arrived (or nothing could be sent) within the time allowed.
    case timedOut(String)
    /// A URL or request the client cannot send.
    case invalidRequest(String)
    /// The host name did not resolve.
    case nameResolutionFailed(host: String, reason: String)
    /// No address of the host accepted a connection.
    case connectionFailed(host: String, port: Int, reason: String)
    /// The TLS handshake or a TLS read or write failed.
    case tls(String)
    /// The server's certificate did not verify against the trusted CAs or does not match the host.
    case certificateRejected(host: String, reason: String)
    /// A socket call failed.
    case io(call: String, errno: Int32)
    /// The operation stopped because its task was cancelled.
    case cancelled

    /// The status a server answers with when a request fails to parse with this error.
    public var status: Int {
        switch self {
        case .headTooLarge: return 431
        case .bodyTooLarge: return 413
        case .unsupportedTransferEncoding: return 501
        case .unsupportedVersion: return 505
        case .timedOut: return 408
        default: return 400
        }
    }

    public var description: String {
        switch self {
        case .headTooLarge(let limit): return "request line and header fields exceed \(limit) bytes"
        case .bodyTooLarge(let limit): return "body exceeds \(limit) bytes"
        case .malformedRequestLine(let detail): return "malformed request line: \(detail)"
        case .malformedStatusLine(let detail): return "malformed status line: \(detail)"
        case .malformedHeader(let detail): return "malformed header field: \(detail)"
        case .invalidContentLength(let detail): return "invalid Content-Length: \(detail)"
        case .invalidChunkSize(let detail): return "invalid chunk size: \(detail)"
        case .malformedChunk(let detail): return "malformed chunked body: \(detail)"
        case .unsupportedTransferEncoding(let coding): return "unsupported Transfer-Encoding '\(coding)'"
        case .unsupportedVersion(let version): return "unsupported HTTP version '\(version)'"
        case .connectionClosedMidMessage: return "connection closed before the message was complete"
        case .timedOut(let what): return "timed out \(what)"
        case .invalidRequest(let detail): return "invalid request: \(detail)"
        case .nameResolutionFailed(let host, let reason): return "cannot resolve \(host): \(reason)"
        case .connectionFailed(let host, let port, let reason): return "cannot connect to \(host):\(port): \(reason)"
        case .tls(let detail): return "TLS failure: \(detail)"
        case .certificateRejected(let host, let reason): return "certificate of \(host) rejected: \(reason)"
        case .io(let call, let code): return "\(call) failed: \(Self.errnoText(code)) (errno \(code))"
        case .cancelled: return "cancelled"
        }
    }

    static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "unknown error" }
        return String(cString: text)
    }
}
