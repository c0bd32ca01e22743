import Foundation
import LinkTomeCore
import LinkTomeHTTP

/// Why the host considers an invocation failed, as .NET names the exception it would record.
public struct InvocationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The .NET exception type the Functions host would report, e.g. `System.Net.Http.HttpRequestException`.
    public var exceptionType: String
    public var message: String

    public init(_ exceptionType: String, _ message: String) {
        self.exceptionType = exceptionType
        self.message = message
    }

    public var description: String { "\(exceptionType): \(message)" }
}

/// What came of one invocation.
public enum InvocationOutcome: Sendable {
    /// A 2xx answer with a readable envelope: its `ReturnValue` (`nil` when absent) and `Logs`.
    case succeeded(returnValue: JSONValue?, logs: [String])
    /// The invocation failed as the host sees failures (§1.6).
    case failed(InvocationFailure)
    /// No answer within the function timeout: the host aborts the invocation.
    case timedOut
    /// No answer because the handler process died; `delivered` is false when the connection was
    /// refused, so the handler never saw the request.
    case handlerDied(InvocationFailure, delivered: Bool)
}

/// Sends invocations to the handler the way the Functions host does, and logs each one with its
/// invocation id, status and duration.
public struct FunctionInvoker: Sendable {
    let handler: HandlerProcess
    let client: HostClient
    let logger: Logger
    /// The function timeout from `host.json`, in seconds.
    let timeout: Double

    /// Invokes `function` with `body`; `context` adds log metadata (instance, task).
    public func invoke(_ function: String, body: JSONValue, context: [String: String] = [:]) async -> InvocationOutcome
    {
        let invocationId = UUID().uuidString.lowercased()
        var metadata = context
        metadata["function.name"] = function
        metadata["invocation.id"] = invocationId
        let started = ContinuousClock.now

        let port: Int
        do {
            port = try await handler.readyPort()
        } catch {
            let failure = InvocationFailure(
                "Microsoft.Azure.WebJobs.Script.Workers.WorkerProcessExitException",
                error.description
            )
            logger.error("invocation not sent", metadata: metadata.merging(["error": failure.description]) { $1 })
            return .failed(failure)
        }
        let request = HostEnvelope.request(functionName: function, invocationId: invocationId, body: body)
        let generation = handler.starts
        var outcome: InvocationOutcome
        var status = "-"
        do {
            let response = try await client.send(request, port: port, chunked: true, timeout: timeout)
            status = String(response.status)
            outcome = Self.outcome(of: response)
        } catch .timedOut {
            outcome = .timedOut
        } catch {
            let failure = InvocationFailure(
                "System.Net.Http.HttpRequestException",
                "An error occurred while sending the request: \(error)"
            )
            outcome = .failed(failure)
            if await handler.hasExited(generation, within: 1) {
                var delivered = true
                if case .notListening = error { delivered = false }
                outcome = .handlerDied(failure, delivered: delivered)
            }
        }

        metadata["http.status"] = status
        metadata["duration"] = HandlerProcess.milliseconds(since: started)
        switch outcome {
        case .succeeded(_, let logs):
            logger.info("invocation succeeded", metadata: metadata)
            for line in logs {
                logger.log(
                    Self.level(ofLogLine: line),
                    "function log: \(line)",
                    metadata: ["function.name": function, "invocation.id": invocationId]
                )
            }
        case .failed(let failure):
            logger.warning("invocation failed", metadata: metadata.merging(["error": failure.description]) { $1 })
        case .timedOut:
            logger.warning("invocation timed out", metadata: metadata.merging(["timeout": "\(Int(timeout))s"]) { $1 })
        case .handlerDied(let failure, let delivered):
            metadata["delivered"] = "\(delivered)"
            logger.warning(
                "invocation cut off: the handler died",
                metadata: metadata.merging(["error": failure.description]) { $1 }
            )
        }
        return outcome
    }

    /// Reads a response as `DefaultHttpWorkerService` does (§1.5).
    static func outcome(of response: HTTPResponse) -> InvocationOutcome {
        guard (200..<300).contains(response.status) else {
            let reason = reasonPhrase(response.status)
            return .failed(
                InvocationFailure(
                    "System.Net.Http.HttpRequestException",
                    "Response status code does not indicate success: \(response.status) (\(reason))."
                )
            )
        }
        let contentType = (response.headers["Content-Type"] ?? "").lowercased()
        guard contentType.hasPrefix("application/json") || contentType.hasPrefix("text/json") else {
            return .failed(invalid(response, "unsupported Content-Type '\(contentType)'"))
        }
        guard !response.body.isEmpty else {
            return .failed(
                InvocationFailure(
                    "System.InvalidOperationException",
                    "a 2xx answer with an empty body: the Functions host never completes such an invocation "
                        + "(it waits until the function timeout); answer at least {}"
                )
            )
        }
        guard let document = try? JSONParser.parse(response.body), document.objectValue != nil else {
            return .failed(invalid(response, "the body is not a JSON object"))
        }
        let logs = document.member(caseInsensitive: "Logs")?.arrayValue?.compactMap(\.stringValue) ?? []
        let returnValue = document.member(caseInsensitive: "ReturnValue")
        return .succeeded(returnValue: returnValue, logs: logs)
    }

    private static func invalid(_ response: HTTPResponse, _ reason: String) -> InvocationFailure {
        let preview = String(response.text.prefix(200))
        return InvocationFailure(
            "System.InvalidOperationException",
            "Invalid HttpResponseMessage (\(reason)): \(preview)"
        )
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Request Entity Too Large"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Status \(status)"
        }
    }
}

extension FunctionInvoker {
    /// The level of a `Logs` line (`warning …`, `error …`): the handler's warnings and errors show at
    /// the host's default level, everything else at `debug`.
    static func level(ofLogLine line: String) -> LogLevel {
        if line.hasPrefix("error ") { return .error }
        if line.hasPrefix("warning ") { return .warning }
        return .debug
    }
}
