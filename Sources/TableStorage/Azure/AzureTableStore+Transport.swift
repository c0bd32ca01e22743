import Foundation
import LinkTomeCore
import LinkTomeHTTP

/// One REST call before signing: the parts that stay the same across retries.
struct AzureCall: Sendable {
    var method: String
    /// The path after the endpoint's base path, percent-encoded as it will be sent.
    var path: String
    /// Query pairs, each already encoded as `name=value`.
    var query: [String] = []
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    var contentType: String?
}

extension AzureTableStore {
    static let apiVersion = "2019-02-02"

    /// Sends `call`, retrying on 408, 429, 5xx and transport failures with backoff, and returns the
    /// first 2xx response. Any other status throws the mapped ``TableStorageError``; if an earlier
    /// attempt got no usable answer, the error says the write may have been applied. Retries stop once
    /// the next one could not start within the policy's ``AzureRetryPolicy/totalTimeLimit``.
    func perform(_ call: AzureCall) async throws -> HTTPResponse {
        var unanswered = false
        var attempt = 0
        let started = ContinuousClock.now
        // The path names the table and entity; the query is left out because it may hold a SAS token.
        let requested = location + call.path
        while true {
            let request = try await signedRequest(call)
            let outcome: Result<HTTPResponse, any Error>
            do {
                outcome = .success(try await transport.send(request.request, to: request.url))
            } catch {
                outcome = .failure(error)
            }

            switch outcome {
            case .success(let response) where (200..<300).contains(response.status):
                return response
            case .success(let response) where !AzureRetryPolicy.isRetryable(status: response.status):
                throw AzureTableStore.error(from: response, mayHaveBeenApplied: unanswered && call.method != "GET")
            case .success(let response):
                let delay = backOffDelay(attempt: attempt, retryAfter: response.headers["Retry-After"])
                guard attempt < retry.maximumRetries, fitsBudget(delay, since: started) else {
                    throw AzureTableStore.error(from: response, mayHaveBeenApplied: unanswered && call.method != "GET")
                }
                try await backOff(delay, attempt: attempt, reason: "HTTP \(response.status)", call)
            case .failure(let error):
                let failure = TransportFailure(error)
                let maybeApplied = (unanswered || failure.mayHaveReachedService) && call.method != "GET"
                let delay = backOffDelay(attempt: attempt, retryAfter: nil)
                guard failure.isRetryable, attempt < retry.maximumRetries, fitsBudget(delay, since: started) else {
                    throw failure.error(call, requested, attempts: attempt + 1, mayHaveBeenApplied: maybeApplied)
                }
                try await backOff(delay, attempt: attempt, reason: "\(error)", call)
                unanswered = unanswered || failure.mayHaveReachedService
                attempt += 1
                continue
            }
            // A 5xx does not say whether the service applied the request.
            unanswered = true
            attempt += 1
        }
    }

    /// The wait before retry number `attempt + 1`: exponential with jitter, at least `Retry-After`.
    private func backOffDelay(attempt: Int, retryAfter: String?) -> Double {
        var delay = min(retry.initialDelay * pow(2, Double(attempt)), retry.maximumDelay)
        delay *= Double.random(in: 0.8...1.2)
        if let retryAfter, let seconds = Double(retryAfter.trimmingCharacters(in: .whitespaces)) {
            delay = min(max(delay, seconds), retry.maximumDelay)
        }
        return delay
    }

    /// Whether waiting `delay` more seconds still starts the next attempt within the total time limit.
    private func fitsBudget(_ delay: Double, since started: ContinuousClock.Instant) -> Bool {
        let elapsed = started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return seconds + delay < retry.totalTimeLimit
    }

    private func backOff(_ delay: Double, attempt: Int, reason: String, _ call: AzureCall) async throws {
        logger.debug(
            "retrying table request",
            metadata: ["table.method": call.method, "table.attempt": "\(attempt + 1)", "table.reason": reason]
        )
        try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
    }

    /// The request with a fresh date and its authorisation.
    private func signedRequest(_ call: AzureCall) async throws -> (request: HTTPRequest, url: HTTPURL) {
        let path = endpoint.target + call.path
        var query = call.query
        if case .sharedAccessSignature(let token) = credential { query.append(token) }
        let target = query.isEmpty ? path : path + "?" + query.joined(separator: "&")
        let date = AzureSharedKey.httpDate(Timestamp(clock.now()))

        // The HTTP client adds Host and Content-Length.
        var headers = HTTPHeaders()
        headers.add("x-ms-date", date)
        headers.add("x-ms-version", Self.apiVersion)
        headers.add("DataServiceVersion", "3.0")
        headers.add("MaxDataServiceVersion", "3.0;NetFx")
        headers.add("Accept", "application/json;odata=minimalmetadata")
        headers.add("x-ms-client-request-id", UUID().uuidString.lowercased())
        if let contentType = call.contentType { headers.add("Content-Type", contentType) }
        for (name, value) in call.headers { headers.add(name, value) }

        switch credential {
        case .sharedKey(let account, let key):
            let text = AzureSharedKey.stringToSign(
                method: call.method,
                contentType: call.contentType ?? "",
                date: date,
                account: account,
                path: path,
                query: Substring(query.joined(separator: "&"))
            )
            headers.add("Authorization", AzureSharedKey.authorization(account: account, key: key, stringToSign: text))
        case .bearer(let provider):
            headers.add("Authorization", "Bearer " + (try await provider.token()))
        case .sharedAccessSignature:
            break
        }

        var url = endpoint
        url.target = target
        return (HTTPRequest(method: call.method, target: target, headers: headers, body: call.body), url)
    }

    /// Maps an error response to the module's error, with the service's code and message.
    static func error(from response: HTTPResponse, mayHaveBeenApplied: Bool) -> TableStorageError {
        let parsed = AzureTableStore.parseError(body: response.body)
        let code = response.headers["x-ms-error-code"] ?? parsed.code ?? "HTTP\(response.status)"
        var message =
            parsed.message ?? (response.text.isEmpty ? "HTTP \(response.status)" : String(response.text.prefix(300)))
        var index: Int?
        if let colon = message.firstIndex(of: ":"), let number = Int(message[..<colon]) {
            index = number
            message = String(message[message.index(after: colon)...])
        }
        return TableStorageError(
            kind(status: response.status, code: code),
            code: code,
            message: message,
            status: response.status,
            failedOperationIndex: index,
            mayHaveBeenApplied: mayHaveBeenApplied
        )
    }

    /// The code and the first line of the message of an `odata.error` body.
    static func parseError(body: [UInt8]) -> (code: String?, message: String?) {
        guard let json = try? JSONParser.parse(body), let error = json["odata.error"] else { return (nil, nil) }
        let message = error["message"]?["value"]?.stringValue ?? error["message"]?.stringValue
        let firstLine = message?.split(separator: "\n", maxSplits: 1).first.map(String.init)
        return (error["code"]?.stringValue, firstLine)
    }

    static func kind(status: Int, code: String) -> TableStorageError.Kind {
        switch status {
        case 400:
            return ["PropertyValueTooLarge", "EntityTooLarge", "RequestBodyTooLarge"].contains(code)
                ? .tooLarge : .badRequest
        case 401, 403: return .unauthorized
        case 404: return .notFound
        case 409: return .conflict
        case 412: return .preconditionFailed
        case 413: return .tooLarge
        case 429: return .throttled
        case 500 where code == "OperationTimedOut": return .throttled
        case 503: return .throttled
        case 500...: return .unavailable
        default: return .badRequest
        }
    }
}

/// A transport failure, classified for the retry loop.
struct TransportFailure {
    let underlying: any Error

    init(_ error: any Error) {
        underlying = error
    }

    /// Failures that happen before a connection exists cannot have reached the service.
    var mayHaveReachedService: Bool {
        switch underlying as? HTTPError {
        case .connectionFailed?, .nameResolutionFailed?, .invalidRequest?, .certificateRejected?: return false
        default: return true
        }
    }

    /// A malformed request, a rejected certificate or cancellation will not improve by retrying.
    var isRetryable: Bool {
        switch underlying as? HTTPError {
        case .invalidRequest?, .certificateRejected?, .cancelled?: return false
        default: return !(underlying is CancellationError)
        }
    }

    func error(_ call: AzureCall, _ location: String, attempts: Int, mayHaveBeenApplied: Bool) -> TableStorageError {
        let kind: TableStorageError.Kind
        switch underlying as? HTTPError {
        case .invalidRequest?: kind = .badRequest
        case .certificateRejected?: kind = .configuration
        default: kind = .unavailable
        }
        return TableStorageError(
            kind,
            code: "TransportFailed",
            message:
                "\(call.method) \(location) failed after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(underlying)",
            mayHaveBeenApplied: mayHaveBeenApplied
        )
    }
}
