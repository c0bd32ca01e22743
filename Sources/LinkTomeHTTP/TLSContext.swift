import COpenSSL
import Glibc
import Synchronization

/// An OpenSSL client context: TLS 1.2 or newer, peer verification against the system CA bundle plus
/// an optional extra CA file. Contexts are shared per extra CA file, because loading the system
/// bundle takes tens of milliseconds.
final class TLSContext: @unchecked Sendable {
    /// CA bundles of common Linux distributions, tried after OpenSSL's own defaults (which follow
    /// `SSL_CERT_FILE` and `SSL_CERT_DIR`); a fully static binary may run where its build-time
    /// OpenSSL directory does not exist.
    static let systemBundles = [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem",
        "/etc/ssl/cert.pem",
    ]

    /// `SSL_OP_IGNORE_UNEXPECTED_EOF` (a macro Swift cannot import): a peer that closes without
    /// close_notify ends the stream instead of failing it; message framing tells truncation apart.
    private static let ignoreUnexpectedEOF: UInt64 = 1 << 7

    private static let cache = Mutex<[String: TLSContext]>([:])

    let context: OpaquePointer

    /// The shared context for `extraCAFile`.
    static func shared(extraCAFile: String?) throws(HTTPError) -> TLSContext {
        let key = extraCAFile ?? ""
        if let existing = cache.withLock({ $0[key] }) { return existing }
        let created = try TLSContext(extraCAFile: extraCAFile)
        return cache.withLock { cache in
            if let existing = cache[key] { return existing }
            cache[key] = created
            return created
        }
    }

    init(extraCAFile: String?) throws(HTTPError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .tls("cannot create a TLS context: \(TLSContext.errorText())")
        }
        self.context = context
        _ = SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil)
        _ = SSL_CTX_set_options(context, TLSContext.ignoreUnexpectedEOF)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        _ = SSL_CTX_set_default_verify_paths(context)
        if !TLSContext.defaultBundleExists,
            let bundle = TLSContext.systemBundles.first(where: { access($0, R_OK) == 0 })
        {
            _ = SSL_CTX_load_verify_locations(context, bundle, nil)
        }
        ERR_clear_error()
        if let extraCAFile {
            guard SSL_CTX_load_verify_locations(context, extraCAFile, nil) == 1 else {
                throw .tls("cannot load the CA file '\(extraCAFile)': \(TLSContext.errorText())")
            }
        }
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// Runs the TLS handshake on a connected socket, verifying the certificate chain and that the
    /// certificate names `host` (a DNS name or an IP literal); returns the `SSL` object.
    func connect(fd: Int32, host: String) throws(HTTPError) -> OpaquePointer {
        guard let ssl = SSL_new(context) else { throw .tls("cannot create a TLS session: \(TLSContext.errorText())") }
        _ = SSL_set_fd(ssl, fd)
        if TLSContext.isIPAddress(host) {
            _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
        } else {
            _ = linktome_ssl_set_sni(ssl, host)
            _ = SSL_set1_host(ssl, host)
        }

        let result = SSL_connect(ssl)
        guard result == 1 else {
            let failure = TLSContext.handshakeFailure(ssl, result: result, host: host)
            SSL_free(ssl)
            throw failure
        }
        return ssl
    }

    private static func handshakeFailure(_ ssl: OpaquePointer, result: Int32, host: String) -> HTTPError {
        let verification = SSL_get_verify_result(ssl)
        if verification != Int(X509_V_OK) {
            ERR_clear_error()
            let reason =
                X509_verify_cert_error_string(verification).map { String(cString: $0) } ?? "error \(verification)"
            return .certificateRejected(host: host, reason: reason)
        }
        let code = SSL_get_error(ssl, result)
        if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
            return .timedOut("during the TLS handshake with \(host)")
        }
        return .tls("handshake with \(host) failed: \(ioErrorText(code))")
    }

    /// A description of an `SSL_get_error` code together with the OpenSSL error queue.
    static func ioErrorText(_ code: Int32) -> String {
        let queue = errorText()
        switch code {
        case SSL_ERROR_SYSCALL:
            let number = errno
            return queue != "no details" ? queue : (number != 0 ? HTTPError.errnoText(number) : "connection closed")
        case SSL_ERROR_ZERO_RETURN:
            return "the peer closed the TLS session"
        default:
            return queue
        }
    }

    /// Drains OpenSSL's error queue into one line.
    static func errorText() -> String {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.isEmpty ? "no details" : messages.joined(separator: "; ")
    }

    /// Whether the bundle OpenSSL loads by default (`SSL_CERT_FILE`, else the build's OPENSSLDIR) exists.
    private static var defaultBundleExists: Bool {
        let variable = String(cString: X509_get_default_cert_file_env())
        let path = getenv(variable).map { String(cString: $0) } ?? String(cString: X509_get_default_cert_file())
        return access(path, R_OK) == 0
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
