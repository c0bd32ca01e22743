import LinkTomeCore
import LinkTomeHTTP

/// What the billing reconciliation needs of a Stripe subscription.
public struct StripeSubscription: Sendable, Equatable {
    public var id: String
    /// `active`, `trialing`, `past_due`, `unpaid`, `canceled`, `incomplete`, `incomplete_expired`, `paused`.
    public var status: String
    /// End of the paid period (top-level `current_period_end`, or the first item's in newer API versions).
    public var currentPeriodEnd: Timestamp?
    public var cancelAtPeriodEnd: Bool
    /// The tier named by the first item's price (`metadata.tier`, else `lookup_key`), if any.
    public var tier: SubscriptionTier?
    /// The first item's quantity.
    public var quantity: Int?

    /// Reads the subscription object of `GET /v1/subscriptions/{id}`.
    init(json: JSONValue) throws(BusinessJobsError) {
        guard let id = json["id"]?.stringValue, let status = json["status"]?.stringValue else {
            throw BusinessJobsError(.paymentProvider, "Stripe's subscription has no id or status")
        }
        self.id = id
        self.status = status
        let item = json["items"]?["data"]?.arrayValue?.first
        let end = json["current_period_end"]?.int64Value ?? item?["current_period_end"]?.int64Value
        currentPeriodEnd = end.map { Timestamp(seconds: $0) }
        cancelAtPeriodEnd = json["cancel_at_period_end"]?.boolValue ?? false
        let price = item?["price"]
        let tierText = price?["metadata"]?["tier"]?.stringValue ?? price?["lookup_key"]?.stringValue
        tier = tierText.flatMap(SubscriptionTier.init(stored:))
        quantity = item?["quantity"]?.intValue
    }
}

/// A minimal Stripe API client over the project's HTTP client: one call, the subscription lookup.
public struct StripeClient: Sendable {
    public let apiKey: String
    public let base: HTTPURL
    public let transport: any HTTPTransport

    /// - Parameters:
    ///   - baseURL: `https://api.stripe.com` (plain `http` is accepted only for a local stand-in on
    ///     `127.0.0.1` or `localhost`, so the key never crosses a network in clear text).
    public init(apiKey: String, baseURL: String = "https://api.stripe.com", transport: any HTTPTransport) throws {
        guard let base = HTTPURL(baseURL) else {
            throw BusinessJobsError(.invalidSetting, "STRIPE_API_BASE '\(baseURL)' is not a URL")
        }
        guard base.isSecure || ["127.0.0.1", "localhost", "::1"].contains(base.host) else {
            throw BusinessJobsError(.invalidSetting, "STRIPE_API_BASE must use https (plain http only for localhost)")
        }
        self.apiKey = apiKey
        self.base = base
        self.transport = transport
    }

    /// `GET /v1/subscriptions/{id}`.
    public func subscription(_ id: String) async throws -> StripeSubscription {
        guard !id.isEmpty, id.utf8.allSatisfy({ Self.idCharacters.contains($0) }) else {
            throw BusinessJobsError(.invalidRow, "StripeSubscriptionId '\(id)' has characters a Stripe id never has")
        }
        var url = base
        url.target = (base.target == "/" ? "" : base.target) + "/v1/subscriptions/" + id
        var headers = HTTPHeaders()
        headers.set("Authorization", "Bearer " + apiKey)
        headers.set("Accept", "application/json")
        let response = try await transport.send(
            HTTPRequest(method: "GET", target: url.target, headers: headers),
            to: url
        )
        let json = try? JSONParser.parse(response.body)
        guard (200..<300).contains(response.status) else {
            let message = json?["error"]?["message"]?.stringValue ?? "no error message"
            throw BusinessJobsError(.paymentProvider, "Stripe answered \(response.status) for \(id): \(message)")
        }
        guard let json else { throw BusinessJobsError(.paymentProvider, "Stripe's answer for \(id) is not JSON") }
        return try StripeSubscription(json: json)
    }

    private static let idCharacters = Set(Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_".utf8))
}
