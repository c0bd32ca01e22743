import LinkTomeCore
import LinkTomeHTTP

/// An Azure Storage connection string, reduced to what the Table client needs.
///
/// Accepts `UseDevelopmentStorage=true`; `AccountName` + `AccountKey` (SharedKey);
/// `SharedAccessSignature` (SAS); with `TableEndpoint`, or `DefaultEndpointsProtocol` and
/// `EndpointSuffix` to build `https://<account>.table.<suffix>`. Keys are matched ignoring case and
/// each pair is split at its first `=`, since keys and signatures contain `=`.
public struct AzureConnectionString: Sendable, Equatable, CustomStringConvertible {
    /// The well-known key of the storage emulator's account, public by design.
    public static let developmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

    /// The account name (derived from the endpoint host when the string has none).
    public var accountName: String
    /// The table service base URL, e.g. `https://acct.table.core.windows.net` or
    /// `http://127.0.0.1:10002/devstoreaccount1`; no trailing slash.
    public var tableEndpoint: String
    /// The base64 account key for SharedKey signing.
    public var accountKey: String?
    /// The SAS token (without a leading `?`).
    public var sharedAccessSignature: String?

    /// Parses a connection string; `setting` names where it came from, for the error message.
    public init(parsing text: String, setting: String = "connection string") throws(TableStorageError) {
        var pairs: [String: String] = [:]
        for part in text.split(separator: ";", omittingEmptySubsequences: true) {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw Self.invalid(setting, "'\(trimmed.prefix(40))' is not a key=value pair")
            }
            pairs[trimmed[..<equals].lowercased()] = String(trimmed[trimmed.index(after: equals)...])
        }

        if pairs["usedevelopmentstorage"]?.lowercased() == "true" {
            let proxy = pairs["developmentstorageproxyuri"].map { Self.trimSlash($0) } ?? "http://127.0.0.1"
            accountName = "devstoreaccount1"
            accountKey = Self.developmentAccountKey
            tableEndpoint = proxy + ":10002/devstoreaccount1"
            sharedAccessSignature = nil
            return
        }

        accountKey = pairs["accountkey"].flatMap { $0.isEmpty ? nil : $0 }
        sharedAccessSignature = pairs["sharedaccesssignature"].map { $0.hasPrefix("?") ? String($0.dropFirst()) : $0 }
        if let endpoint = pairs["tableendpoint"] {
            tableEndpoint = Self.trimSlash(endpoint)
        } else if let account = pairs["accountname"] {
            let scheme = pairs["defaultendpointsprotocol"]?.lowercased() ?? "https"
            let suffix = pairs["endpointsuffix"] ?? "core.windows.net"
            tableEndpoint = "\(scheme)://\(account).table.\(suffix)"
        } else {
            throw Self.invalid(setting, "it has neither TableEndpoint nor AccountName")
        }
        guard let url = HTTPURL(tableEndpoint) else {
            throw Self.invalid(setting, Self.endpointProblem(tableEndpoint))
        }
        accountName = pairs["accountname"] ?? url.host.split(separator: ".").first.map(String.init) ?? url.host

        guard accountKey != nil || sharedAccessSignature != nil else {
            throw Self.invalid(setting, "it has no AccountKey and no SharedAccessSignature")
        }
        if let key = accountKey, [UInt8](base64: key) == nil {
            throw Self.invalid(setting, "AccountKey is not valid base64")
        }
    }

    /// Why `endpoint` is not a usable URL, for the error message.
    static func endpointProblem(_ endpoint: String) -> String {
        let lowered = endpoint.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            return "TableEndpoint '\(endpoint)' is not an http(s) URL"
        }
        let rest = endpoint.drop(while: { $0 != "/" }).drop(while: { $0 == "/" })
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" })
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let digits = authority[authority.index(after: colon)...]
            if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), !authority.contains("[") {
                return "TableEndpoint '\(endpoint)' has port \(digits), which is out of range (1 to 65535)"
            }
        }
        return "TableEndpoint '\(endpoint)' is not an http(s) URL with a valid host and port"
    }

    /// The endpoint and credential kind, never the secret.
    public var description: String {
        let credential = accountKey != nil ? "SharedKey" : "SAS"
        return "\(tableEndpoint) (account \(accountName), \(credential))"
    }

    private static func trimSlash(_ text: String) -> String {
        var result = text.trimmingCharacters(in: .whitespaces)
        while result.hasSuffix("/") { result.removeLast() }
        return result
    }

    private static func invalid(_ setting: String, _ reason: String) -> TableStorageError {
        TableStorageError(
            .configuration,
            code: "InvalidConnectionString",
            message: "\(setting) is not a usable storage connection string: \(reason)"
        )
    }
}

/// The identity-based form of a storage connection (`<prefix>__tableServiceUri` or
/// `<prefix>__accountName`, optional `<prefix>__clientId`), used with managed identity tokens.
public struct AzureIdentityConnection: Sendable, Equatable {
    /// The table service base URL.
    public var tableEndpoint: String
    /// A user-assigned identity's client id, or `nil` for the system-assigned identity.
    public var clientId: String?

    public init(tableEndpoint: String, clientId: String?) {
        self.tableEndpoint = tableEndpoint
        self.clientId = clientId
    }

    /// Reads the identity form of `prefix`; `nil` when neither `__tableServiceUri` nor `__accountName` is set.
    public init?(settings: Settings, prefix: String) throws(TableStorageError) {
        if let uri = settings[prefix + "__tableServiceUri"] {
            var endpoint = uri.trimmingCharacters(in: .whitespaces)
            while endpoint.hasSuffix("/") { endpoint.removeLast() }
            guard HTTPURL(endpoint) != nil else {
                throw TableStorageError(
                    .configuration,
                    code: "InvalidSetting",
                    message: "\(prefix)__tableServiceUri '\(uri)' is not an http(s) URL"
                )
            }
            tableEndpoint = endpoint
        } else if let account = settings[prefix + "__accountName"] {
            tableEndpoint = "https://\(account).table.core.windows.net"
        } else {
            return nil
        }
        clientId = settings[prefix + "__clientId"]
    }
}
