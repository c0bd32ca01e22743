import Foundation
import LinkTomeCore
import LinkTomeHTTP

/// A ``TableStore`` on Azure Table Storage's REST API (or anything that speaks it, such as the
/// storage emulator), over any ``HTTPTransport``.
public final class AzureTableStore: TableStore {
    let endpoint: HTTPURL
    let credential: AzureCredential
    let transport: any HTTPTransport
    let retry: AzureRetryPolicy
    let logger: Logger
    let clock: any TimeSource

    /// A store for a parsed connection string.
    ///
    /// - Parameters:
    ///   - transport: the HTTP client (LinkTomeHTTP's `HTTPClient` in production).
    ///   - retry: when to retry; the default follows azure-core (4 retries from 0.8 s).
    ///   - logger: receives `debug` lines for retries.
    ///   - clock: the source of `x-ms-date`.
    public convenience init(
        connection: AzureConnectionString,
        transport: any HTTPTransport,
        retry: AzureRetryPolicy = AzureRetryPolicy(),
        logger: Logger = .silent,
        clock: any TimeSource = SystemTimeSource()
    ) throws(TableStorageError) {
        let credential: AzureCredential
        if let key = connection.accountKey, let bytes = [UInt8](base64: key) {
            credential = .sharedKey(accountName: connection.accountName, accountKey: bytes)
        } else if let sas = connection.sharedAccessSignature {
            credential = .sharedAccessSignature(sas)
        } else {
            throw TableStorageError(.configuration, code: "InvalidConnectionString", message: "no usable credential")
        }
        try self.init(
            endpoint: connection.tableEndpoint,
            credential: credential,
            transport: transport,
            retry: retry,
            logger: logger,
            clock: clock
        )
    }

    /// A store for a table endpoint such as `https://acct.table.core.windows.net`.
    public init(
        endpoint: String,
        credential: AzureCredential,
        transport: any HTTPTransport,
        retry: AzureRetryPolicy = AzureRetryPolicy(),
        logger: Logger = .silent,
        clock: any TimeSource = SystemTimeSource()
    ) throws(TableStorageError) {
        guard var url = HTTPURL(endpoint) else {
            throw TableStorageError(
                .configuration,
                code: "InvalidEndpoint",
                message: "'\(endpoint)' is not an http(s) URL"
            )
        }
        while url.target.hasSuffix("/") { url.target.removeLast() }
        self.endpoint = url
        self.credential = credential
        self.transport = transport
        self.retry = retry
        self.logger = logger
        self.clock = clock
    }

    public var location: String { endpoint.origin + endpoint.target }
}

/// When and how often the Azure store retries: on 408, 429, 500, 502, 503, 504 and transport
/// failures (never on other 4xx), with exponential backoff and jitter, honouring `Retry-After`.
public struct AzureRetryPolicy: Sendable {
    /// Retries after the first attempt.
    public var maximumRetries: Int
    /// The first backoff, doubled on each retry.
    public var initialDelay: Double
    /// The longest backoff.
    public var maximumDelay: Double
    /// Seconds after the first attempt started past which no retry begins, so one call gives up within
    /// about this time plus one request's own timeout (the HTTP client's per-request deadline).
    public var totalTimeLimit: Double

    public init(
        maximumRetries: Int = 4,
        initialDelay: Double = 0.8,
        maximumDelay: Double = 30,
        totalTimeLimit: Double = 120
    ) {
        self.maximumRetries = maximumRetries
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.totalTimeLimit = totalTimeLimit
    }

    /// Whether a response status is worth retrying.
    public static func isRetryable(status: Int) -> Bool {
        [408, 429, 500, 502, 503, 504].contains(status)
    }
}
