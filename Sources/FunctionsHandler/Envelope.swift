import LinkTomeCore
import LinkTomeHTTP

/// The custom-handler envelope: `{"Data": {…}, "Metadata": {…}}` in, `{"Outputs", "Logs",
/// "ReturnValue"}` out.
enum Envelope {
    static let contentType = "application/json; charset=utf-8"

    /// The `Data` and `Metadata` members of a request body.
    ///
    /// - Throws: ``FunctionsHandlerError/malformedEnvelope(_:)`` naming what is wrong.
    static func decode(
        _ body: [UInt8]
    ) throws(FunctionsHandlerError) -> (
        data: [String: JSONValue], metadata: [String: JSONValue]
    ) {
        guard !body.isEmpty else {
            throw .malformedEnvelope("the body is empty; expected a JSON object with Data and Metadata")
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            throw .malformedEnvelope("the body is not valid JSON (\(error))")
        }
        guard document.objectValue != nil else {
            throw .malformedEnvelope(
                "the body must be a JSON object with Data and Metadata, found \(document.kindName)"
            )
        }

        guard let data = document.member(caseInsensitive: "Data") else {
            throw .malformedEnvelope("the body has no 'Data' member")
        }
        guard let dataMembers = data.objectValue else {
            throw .malformedEnvelope("'Data' must be an object, found \(data.kindName)")
        }
        switch document.member(caseInsensitive: "Metadata") {
        case nil, .null?:
            return (dataMembers, [:])
        case .object(let metadata)?:
            return (dataMembers, metadata)
        case let other?:
            throw .malformedEnvelope("'Metadata' must be an object, found \(other.kindName)")
        }
    }

    /// The 200 answer for a finished invocation.
    static func success(_ result: InvocationResult, logs: [String]) -> HTTPResponse {
        response(
            status: 200,
            [
                "Outputs": .object(result.outputs),
                "Logs": .array(logs.map(JSONValue.string)),
                "ReturnValue": result.returnValue,
            ]
        )
    }

    /// An error answer; it keeps the envelope's shape (the host ignores the body of a non-2xx answer,
    /// but people reading it with curl do not).
    static func failure(status: Int, code: String, message: String, logs: [String] = []) -> HTTPResponse {
        response(
            status: status,
            [
                "Outputs": .object([:]),
                "Logs": .array(logs.map(JSONValue.string)),
                "ReturnValue": .null,
                "Error": .object(["Code": .string(code), "Message": .string(message)]),
            ]
        )
    }

    /// A JSON answer with `members` as its body.
    static func response(status: Int, _ members: [String: JSONValue]) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: HTTPHeaders([("Content-Type", contentType)]),
            body: JSONValue.object(members).jsonBytes
        )
    }
}
