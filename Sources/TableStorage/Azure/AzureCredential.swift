import Foundation
import LinkTomeCore
import LinkTomeHTTP
import Synchronization

/// How requests to the table service are authorised.
public enum AzureCredential: Sendable {
    /// SharedKey signing with the account's base64 key.
    case sharedKey(accountName: String, accountKey: [UInt8])
    /// A SAS token appended to every request's query string.
    case sharedAccessSignature(String)
    /// `Authorization: Bearer` tokens from a provider (managed identity).
    case bearer(any BearerTokenProvider)
}

/// Supplies OAuth bearer tokens for `https://storage.azure.com/`, cached until shortly before expiry.
public protocol BearerTokenProvider: Sendable {
    /// A valid access token.
    func token() async throws -> String
}

/// Tokens from the App Service / Functions managed identity endpoint (`IDENTITY_ENDPOINT` with the
/// `X-IDENTITY-HEADER: IDENTITY_HEADER` secret), cached and refreshed 5 minutes before expiry.
public final class ManagedIdentityTokenProvider: BearerTokenProvider {
    /// The resource whose tokens the table service accepts.
    public static let resource = "https://storage.azure.com/"

    private let endpoint: HTTPURL
    private let secret: String
    private let clientId: String?
    private let transport: any HTTPTransport
    private let clock: any TimeSource
    private let cached = Mutex<(token: String, expires: Date)?>(nil)

    /// - Throws: `configuration` when `IDENTITY_ENDPOINT` or `IDENTITY_HEADER` is missing or malformed.
    public init(
        settings: Settings,
        clientId: String?,
        transport: any HTTPTransport,
        clock: any TimeSource = SystemTimeSource()
    ) throws(TableStorageError) {
        guard let endpointText = settings["IDENTITY_ENDPOINT"], let endpoint = HTTPURL(endpointText),
            let secret = settings["IDENTITY_HEADER"]
        else {
            throw TableStorageError(
                .configuration,
                code: "NoManagedIdentity",
                message: "the storage connection names an identity but IDENTITY_ENDPOINT and IDENTITY_HEADER are not "
                    + "both set (is a managed identity enabled for this app?)"
            )
        }
        self.endpoint = endpoint
        self.secret = secret
        self.clientId = clientId
        self.transport = transport
        self.clock = clock
    }

    public func token() async throws -> String {
        let now = clock.now()
        if let entry = cached.withLock({ $0 }), entry.expires.timeIntervalSince(now) > 300 {
            return entry.token
        }
        let fresh = try await fetch()
        cached.withLock { $0 = fresh }
        return fresh.token
    }

    private func fetch() async throws -> (token: String, expires: Date) {
        var query = "resource=" + AzureEncoding.queryValue(Self.resource) + "&api-version=2019-08-01"
        if let clientId { query += "&client_id=" + AzureEncoding.queryValue(clientId) }
        var url = endpoint
        url.target += (url.target.contains("?") ? "&" : "?") + query
        let request = HTTPRequest(
            method: "GET",
            target: url.target,
            headers: HTTPHeaders([("Host", url.host), ("X-IDENTITY-HEADER", secret), ("Accept", "application/json")])
        )
        let response = try await transport.send(request, to: url)
        guard response.status == 200 else {
            throw TableStorageError(
                .unauthorized,
                code: "ManagedIdentityFailed",
                message: "the managed identity endpoint answered \(response.status): \(response.text.prefix(300))",
                status: response.status
            )
        }
        guard let json = try? JSONParser.parse(response.body), let token = json["access_token"]?.stringValue else {
            throw TableStorageError(
                .invalidResponse,
                code: "ManagedIdentityFailed",
                message: "the managed identity endpoint's answer has no access_token"
            )
        }
        let expiresOn = json["expires_on"]?.stringValue.flatMap(Double.init) ?? json["expires_on"]?.doubleValue
        let expires = expiresOn.map { Date(timeIntervalSince1970: $0) } ?? clock.now().addingTimeInterval(600)
        return (token, expires)
    }
}
