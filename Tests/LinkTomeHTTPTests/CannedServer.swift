import Glibc
import Synchronization

@testable import LinkTomeHTTP

/// A scripted server for client tests: for each request it answers with raw bytes chosen by the
/// test, so that responses a real server would rarely send (chunked, unframed, truncated, stalled)
/// can be produced on demand.
final class CannedServer: Sendable {
    enum Reply: Sendable {
        /// Send these bytes; close the connection afterwards when `close` is set.
        case bytes(String, close: Bool)
        /// Close the connection without answering.
        case closeWithoutAnswer
        /// Never answer (until the server stops).
        case stall
        /// Send these bytes one at a time, `interval` seconds apart, then close.
        case trickle(String, interval: Double)
    }

    /// Picks the reply from the connection number (from 1) and the request number on it (from 1).
    typealias Script = @Sendable (_ connection: Int, _ request: Int, _ received: HTTPRequest) -> Reply

    let port: Int
    private let listenFD: Int32
    private let script: Script
    private let open = Mutex<(fds: [Int32], connections: Int, stopped: Bool)>(([], 0, false))

    init(_ script: @escaping Script) throws {
        (listenFD, port) = try Socket.listen(host: "127.0.0.1", port: 0, backlog: 16)
        self.script = script
        let listenFD = listenFD
        try startThread(name: "canned-accept") { [self] in
            while true {
                let fd = accept(listenFD, nil, nil)
                guard fd >= 0 else { return }
                let number = open.withLock { state -> Int in
                    state.fds.append(fd)
                    state.connections += 1
                    return state.connections
                }
                try? startThread(name: "canned") { [self] in serve(fd, number) }
            }
        }
    }

    /// The number of connections accepted so far.
    var connections: Int { open.withLock { $0.connections } }

    private func serve(_ fd: Int32, _ number: Int) {
        var parser = HTTPParser(kind: .request)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var requests = 0
        while true {
            guard let message = try? parser.next() else {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { return finish(fd) }
                buffer.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                continue
            }
            requests += 1
            switch script(number, requests, message.request) {
            case .bytes(let text, let close):
                try? Socket.sendAll(fd, Array(text.utf8))
                if close { return finish(fd) }
            case .closeWithoutAnswer:
                return finish(fd)
            case .stall:
                while recv(fd, &buffer, buffer.count, 0) > 0 {}
                return finish(fd)
            case .trickle(let text, let interval):
                for byte in text.utf8 {
                    guard (try? Socket.sendAll(fd, [byte])) != nil else { break }
                    usleep(useconds_t(interval * 1_000_000))
                }
                return finish(fd)
            }
        }
    }

    private func finish(_ fd: Int32) {
        let owned = open.withLock { state -> Bool in
            guard let index = state.fds.firstIndex(of: fd) else { return false }
            state.fds.remove(at: index)
            return true
        }
        if owned { close(fd) }
    }

    /// Stops accepting and closes every connection.
    func stop() {
        let fds = open.withLock { state -> [Int32] in
            state.stopped = true
            defer { state.fds = [] }
            return state.fds
        }
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
        for fd in fds {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
    }

    /// An answer with a `Content-Length` body.
    static func ok(_ body: String, extraHeaders: String = "") -> String {
        "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\(extraHeaders)\r\n\(body)"
    }
}
