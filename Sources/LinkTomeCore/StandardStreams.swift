#if canImport(Glibc)
    import Glibc
#endif

/// Writes text to standard output or standard error with the `write` system call.
///
/// Unlike `FileHandle.write`, which traps when the reader has gone away (`linktome timers tick | head -1`
/// with SIGPIPE ignored, as the HTTP client ignores it), a closed pipe (`EPIPE`) or any other write
/// error only ends the write: output nobody reads is dropped, and the process goes on.
public enum StandardStreams {
    /// One of the process's standard streams.
    public enum Stream: Sendable {
        /// File descriptor 1.
        case output
        /// File descriptor 2.
        case error

        var descriptor: Int32 {
            switch self {
            case .output: return 1
            case .error: return 2
            }
        }
    }

    /// Writes `text` in full to `stream`, first flushing what `print` buffered (all C streams) so
    /// that lines keep their order. Returns `false` when the stream refused the bytes (closed pipe,
    /// full disk); nothing is retried then.
    @discardableResult
    public static func write(_ text: String, to stream: Stream) -> Bool {
        fflush(nil)
        return write(text, descriptor: stream.descriptor)
    }

    /// Writes `text` in full to the open file descriptor `descriptor`, retrying interrupted and
    /// partial writes. Returns `false` when the descriptor refused the bytes (`EPIPE`, `EBADF`, …).
    @discardableResult
    public static func write(_ text: String, descriptor: Int32) -> Bool {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { buffer -> Bool in
            guard let base = buffer.baseAddress else { return true }
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
    }
}
