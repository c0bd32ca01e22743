import Foundation
import LinkTomeCore
import LinkTomeHTTP
import Synchronization

@testable import Jobs

/// A local stand-in for Stripe's `GET /v1/subscriptions/{id}`, on the project's HTTP server: it
/// checks the bearer key, answers subscriptions from a table in Stripe's JSON shape, and Stripe's
/// error shape (401, 404) otherwise.
final class StripeStandIn: Sendable {
    static let key = "sk_test_standin"

    struct Subscription: Sendable {
        var status: String
        var periodEnd: Int64
        var tier: String
        var quantity = 1
        var cancelAtPeriodEnd = false
    }

    /// The paths requested, shared with the server's handler.
    private final class RequestLog: Sendable {
        let paths = Mutex<[String]>([])
    }

    private let server: HTTPServer
    private let log = RequestLog()
    let baseURL: String

    init(_ subscriptions: [String: Subscription]) throws {
        let log = self.log
        server = HTTPServer(logger: .silent) { request in
            log.paths.withLock { $0.append(String(request.path)) }
            return StripeStandIn.answer(request, subscriptions)
        }
        baseURL = "http://127.0.0.1:\(try server.start())"
    }

    /// The paths requested so far.
    var requested: [String] { log.paths.withLock { $0 } }

    func stop() async { await server.stop() }

    private static func answer(_ request: HTTPRequest, _ table: [String: Subscription]) -> HTTPResponse {
        guard request.headers["Authorization"] == "Bearer \(key)" else {
            return error(401, "invalid_request_error", "Invalid API Key provided")
        }
        let prefix = "/v1/subscriptions/"
        guard request.method == "GET", request.path.hasPrefix(prefix) else {
            return error(404, "invalid_request_error", "Unrecognized request URL")
        }
        let id = String(request.path.dropFirst(prefix.count))
        guard let subscription = table[id] else {
            return error(404, "invalid_request_error", "No such subscription: '\(id)'")
        }
        let body: JSONValue = [
            "id": .string(id), "object": "subscription", "status": .string(subscription.status),
            "customer": "cus_standin", "cancel_at_period_end": .bool(subscription.cancelAtPeriodEnd),
            "current_period_end": .integer(subscription.periodEnd),
            "items": [
                "object": "list",
                "data": [
                    [
                        "id": "si_standin", "quantity": .integer(Int64(subscription.quantity)),
                        "price": [
                            "id": .string("price_\(subscription.tier)"), "lookup_key": .string(subscription.tier),
                        ],
                    ]
                ],
            ],
        ]
        return HTTPResponse(
            status: 200,
            headers: HTTPHeaders([("Content-Type", "application/json")]),
            body: body.jsonBytes
        )
    }

    private static func error(_ status: Int, _ type: String, _ message: String) -> HTTPResponse {
        let body: JSONValue = ["error": ["type": .string(type), "message": .string(message)]]
        return HTTPResponse(
            status: status,
            headers: HTTPHeaders([("Content-Type", "application/json")]),
            body: body.jsonBytes
        )
    }
}
