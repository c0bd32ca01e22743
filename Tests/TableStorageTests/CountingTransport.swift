import LinkTomeHTTP

/// The project's `HTTPClient`, counting the requests it is given.
struct CountingTransport: HTTPTransport {
    static let shared = HTTPClient()

    let counter: RequestCounter?
    var client: HTTPClient = CountingTransport.shared

    func send(_ request: HTTPRequest, to url: HTTPURL) async throws -> HTTPResponse {
        counter?.increment()
        return try await client.send(request, to: url)
    }
}

/// A failure of the test harness itself.
struct HarnessFailure: Error, CustomStringConvertible {
    var description: String
}
