import Foundation
import Glibc

/// A local HTTPS server for client tests: a test CA and a server certificate for `localhost` made
/// with the `openssl` command in a temporary directory, served by Python's `http.server` over `ssl`.
final class TLSFixture: @unchecked Sendable {
    /// Whether `openssl` and `python3` are on this machine.
    static var toolsAvailable: Bool {
        ["openssl", "python3"].allSatisfy { tool in
            (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
                access("\($0)/\(tool)", X_OK) == 0
            }
        }
    }

    let directory: URL
    let port: Int
    private let process: Process

    var caFile: String { directory.appendingPathComponent("ca.pem").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("linktome-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try TLSFixture.run(TLSFixture.makeCertificates, in: directory)
        try TLSFixture.serverScript.write(
            to: directory.appendingPathComponent("server.py"),
            atomically: true,
            encoding: .utf8
        )

        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "server.py"]
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let line = String(decoding: TLSFixture.readLine(output.fileHandleForReading), as: UTF8.self)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "server said '\(line)'"])
        }
        self.port = port
    }

    /// Kills the server. SIGKILL, because a child started from a Swift concurrency thread inherits
    /// that thread's blocked signal mask, which includes SIGTERM.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func readLine(_ handle: FileHandle) -> [UInt8] {
        var line: [UInt8] = []
        while let byte = try? handle.read(upToCount: 1), let first = byte.first, first != 0x0A {
            line.append(first)
        }
        return line
    }

    private static func run(_ script: String, in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "certificate generation failed"])
        }
    }

    private static let makeCertificates = """
        set -e
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \
          -days 2 -subj "/CN=LinkTome Test CA" -addext "basicConstraints=critical,CA:TRUE" \
          -addext "keyUsage=critical,keyCertSign,cRLSign"
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr \
          -subj "/CN=localhost"
        printf 'subjectAltName=DNS:localhost\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > ext.cnf
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
          -extfile ext.cnf
        """

    private static let serverScript = """
        import http.server, ssl, sys

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                if self.path == "/chunked":
                    self.send_response(200)
                    self.send_header("X-Peer-Port", str(self.client_address[1]))
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for part in (b"over ", b"tls"):
                        self.wfile.write(b"%x\\r\\n%s\\r\\n" % (len(part), part))
                    self.wfile.write(b"0\\r\\n\\r\\n")
                    return
                body = ('{"path":"%s"}' % self.path).encode()
                self.send_response(200)
                self.send_header("X-Peer-Port", str(self.client_address[1]))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(201)
                self.send_header("X-Peer-Port", str(self.client_address[1]))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain("server.pem", "server.key")
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """
}
