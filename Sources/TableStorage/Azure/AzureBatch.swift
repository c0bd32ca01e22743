import Foundation
import LinkTomeCore
import LinkTomeHTTP

/// The multipart/mixed body of an entity group transaction, and the reading of its answer.
struct AzureBatch {
    let contentType: String
    let body: [UInt8]

    /// Encodes `operations` on `table` as one change set; `base` is the endpoint URL the embedded
    /// request lines address.
    init(operations: [TableBatchOperation], table: String, base: String) {
        let batchBoundary = "batch_" + UUID().uuidString.lowercased()
        let changeset = "changeset_" + UUID().uuidString.lowercased()
        contentType = "multipart/mixed; boundary=" + batchBoundary
        var text: [UInt8] = []
        func line(_ value: String = "") { text.append(contentsOf: Array((value + "\r\n").utf8)) }

        line("--" + batchBoundary)
        line("Content-Type: multipart/mixed; boundary=" + changeset)
        line()
        for (index, operation) in operations.enumerated() {
            let request = Self.request(for: operation, table: table, base: base)
            line("--" + changeset)
            line("Content-Type: application/http")
            line("Content-Transfer-Encoding: binary")
            line("Content-ID: \(index + 1)")
            line()
            line("\(request.method) \(request.url) HTTP/1.1")
            line("Accept: application/json;odata=minimalmetadata")
            line("DataServiceVersion: 3.0")
            for (name, value) in request.headers { line("\(name): \(value)") }
            if let entity = operation.entity {
                let json = EntityJSON.encode(entity)
                line("Content-Type: application/json")
                line("Content-Length: \(json.count)")
                line()
                text.append(contentsOf: json)
                line()
            } else {
                line()
            }
        }
        line("--" + changeset + "--")
        line("--" + batchBoundary + "--")
        body = text
    }

    private static func request(
        for operation: TableBatchOperation,
        table: String,
        base: String
    )
        -> (method: String, url: String, headers: [(String, String)])
    {
        let key = operation.key
        let entityURL = base + AzureTableStore.entityPath(table, key.partitionKey, key.rowKey)
        switch operation {
        case .insert:
            return ("POST", base + "/" + table, [("Prefer", "return-no-content")])
        case .replace(_, let condition):
            return ("PUT", entityURL, [("If-Match", condition.headerValue)])
        case .merge(_, let condition):
            return ("MERGE", entityURL, [("If-Match", condition.headerValue)])
        case .upsert(_, let mode):
            return (mode == .replace ? "PUT" : "MERGE", entityURL, [])
        case .delete(_, _, let condition):
            return ("DELETE", entityURL, [("If-Match", condition.headerValue)])
        }
    }

    /// The ETag of each operation from a `202` batch answer, or the error of the failing operation.
    static func results(of response: HTTPResponse, count: Int) throws -> [String?] {
        let parts = embeddedResponses(in: response.body)
        for part in parts where !(200..<300).contains(part.status) {
            var error = AzureTableStore.error(from: part, mayHaveBeenApplied: false)
            if error.failedOperationIndex == nil, count == 1 { error.failedOperationIndex = 0 }
            throw error
        }
        guard parts.count == count else {
            throw TableStorageError(
                .invalidResponse,
                code: "InvalidBatchResponse",
                message: "the batch answer holds \(parts.count) responses for \(count) operations"
            )
        }
        return parts.map { $0.headers["ETag"] }
    }

    /// Every `HTTP/1.1 …` response embedded in a multipart body, in order.
    static func embeddedResponses(in body: [UInt8]) -> [HTTPResponse] {
        // "\r\n" is one Character in Swift, so normalise line ends before splitting.
        let text = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        var responses: [HTTPResponse] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let start = lines.firstIndex(where: { $0.hasPrefix("HTTP/1.1 ") }) {
            let status = Int(lines[start].split(separator: " ").dropFirst().first ?? "") ?? 0
            var headers = HTTPHeaders()
            var index = lines.index(after: start)
            while index < lines.endIndex, !lines[index].isEmpty {
                if let colon = lines[index].firstIndex(of: ":") {
                    headers.add(
                        String(lines[index][..<colon]),
                        String(lines[index][lines[index].index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                    )
                }
                index += 1
            }
            var bodyLines: [Substring] = []
            index += 1
            while index < lines.endIndex, !lines[index].hasPrefix("--") {
                bodyLines.append(lines[index])
                index += 1
            }
            let body = bodyLines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            responses.append(HTTPResponse(status: status, headers: headers, body: Array(body.utf8)))
            lines = lines[index...]
        }
        return responses
    }
}
