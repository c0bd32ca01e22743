import LinkTomeCore
import LinkTomeHTTP

extension AzureTableStore {
    // MARK: - Tables

    public func createTable(_ name: String) async throws {
        try TableValidation.checkTableName(name)
        var body: [UInt8] = Array("{\"TableName\":".utf8)
        JSONValue.writeString(name, into: &body)
        body.append(UInt8(ascii: "}"))
        _ = try await perform(
            AzureCall(
                method: "POST",
                path: "/Tables",
                headers: [("Prefer", "return-no-content")],
                body: body,
                contentType: "application/json"
            )
        )
    }

    public func deleteTable(_ name: String) async throws {
        try TableValidation.checkTableName(name)
        do {
            _ = try await perform(AzureCall(method: "DELETE", path: "/Tables('\(AzureEncoding.keyLiteral(name))')"))
        } catch let error as TableStorageError where error.kind == .notFound {
            throw TableStorageError.tableNotFound(name)
        }
    }

    public func listTables() async throws -> [String] {
        var names: [String] = []
        var next: String?
        repeat {
            var query: [String] = []
            if let next { query.append("NextTableName=" + AzureEncoding.queryValue(next)) }
            let response = try await perform(AzureCall(method: "GET", path: "/Tables", query: query))
            let values = try Self.json(response)["value"]?.arrayValue ?? []
            names += values.compactMap { $0["TableName"]?.stringValue }
            next = response.headers["x-ms-continuation-NextTableName"]
        } while next != nil
        return names.sorted { TableKeyOrder.less($0, $1) }
    }

    // MARK: - Entities

    @discardableResult
    public func insert(_ entity: TableEntity, into table: String) async throws -> String {
        try check(table, entity)
        let response = try await perform(
            AzureCall(
                method: "POST",
                path: "/" + table,
                headers: [("Prefer", "return-no-content")],
                body: EntityJSON.encode(entity),
                contentType: "application/json"
            )
        )
        return try Self.etag(response)
    }

    @discardableResult
    public func replace(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        try await update(entity, table, method: "PUT", ifMatch: ifMatch)
    }

    @discardableResult
    public func merge(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        try await update(entity, table, method: "MERGE", ifMatch: ifMatch)
    }

    @discardableResult
    public func upsert(_ entity: TableEntity, in table: String, mode: TableUpdateMode) async throws -> String {
        try await update(entity, table, method: mode == .replace ? "PUT" : "MERGE", ifMatch: nil)
    }

    public func delete(from table: String, partitionKey: String, rowKey: String, ifMatch: ETagCondition) async throws {
        try TableValidation.checkTableName(table)
        try TableValidation.checkKey(partitionKey, name: "PartitionKey")
        try TableValidation.checkKey(rowKey, name: "RowKey")
        _ = try await perform(
            AzureCall(
                method: "DELETE",
                path: Self.entityPath(table, partitionKey, rowKey),
                headers: [("If-Match", ifMatch.headerValue)]
            )
        )
    }

    public func get(from table: String, partitionKey: String, rowKey: String) async throws -> TableEntity? {
        try TableValidation.checkTableName(table)
        try TableValidation.checkKey(partitionKey, name: "PartitionKey")
        try TableValidation.checkKey(rowKey, name: "RowKey")
        do {
            let response = try await perform(
                AzureCall(method: "GET", path: Self.entityPath(table, partitionKey, rowKey))
            )
            return try Self.entity(from: Self.json(response), etag: response.headers["ETag"])
        } catch let error as TableStorageError where error.kind == .notFound && error.code != "TableNotFound" {
            return nil
        }
    }

    public func queryPage(
        _ table: String,
        filter: TableFilter?,
        select: [String]?,
        maxCount: Int,
        continuation: TableContinuation?
    ) async throws -> TableQueryPage {
        try TableValidation.checkTableName(table)
        if let filter { try TableValidation.checkFilter(filter) }
        var query: [String] = []
        if let filter { query.append("$filter=" + AzureEncoding.queryValue(filter.text)) }
        if let select {
            let names =
                ["PartitionKey", "RowKey", "Timestamp"]
                + select.filter { !["PartitionKey", "RowKey", "Timestamp"].contains($0) }
            query.append("$select=" + AzureEncoding.queryValue(names.joined(separator: ",")))
        }
        query.append("$top=\(min(max(maxCount, 1), TableValidation.maximumPageSize))")
        if let continuation {
            query.append("NextPartitionKey=" + AzureEncoding.queryValue(continuation.nextPartitionKey))
            if let row = continuation.nextRowKey { query.append("NextRowKey=" + AzureEncoding.queryValue(row)) }
        }

        let response = try await perform(AzureCall(method: "GET", path: "/\(table)()", query: query))
        let values = try Self.json(response)["value"]?.arrayValue ?? []
        var entities: [TableEntity] = []
        var unreadable: [TableUnreadableEntity] = []
        entities.reserveCapacity(values.count)
        for value in values {
            do {
                entities.append(try Self.entity(from: value, etag: nil))
            } catch {
                // An entity with its keys but a value this client cannot read is skipped, named;
                // one without keys means the answer itself is broken.
                guard let partitionKey = value["PartitionKey"]?.stringValue, let rowKey = value["RowKey"]?.stringValue
                else { throw error }
                let key = TableEntityKey(partitionKey: partitionKey, rowKey: rowKey)
                unreadable.append(TableUnreadableEntity(key: key, error: error))
            }
        }
        let next = response.headers["x-ms-continuation-NextPartitionKey"].map {
            TableContinuation(nextPartitionKey: $0, nextRowKey: response.headers["x-ms-continuation-NextRowKey"])
        }
        return TableQueryPage(entities: entities, continuation: next, unreadable: unreadable)
    }

    @discardableResult
    public func submitBatch(_ operations: [TableBatchOperation], in table: String) async throws -> [String?] {
        try TableValidation.checkTableName(table)
        try LocalWriteRules.checkBatch(operations)
        let batch = AzureBatch(operations: operations, table: table, base: location)
        let response = try await perform(
            AzureCall(method: "POST", path: "/$batch", body: batch.body, contentType: batch.contentType)
        )
        return try AzureBatch.results(of: response, count: operations.count)
    }

    // MARK: - Helpers

    private func update(
        _ entity: TableEntity,
        _ table: String,
        method: String,
        ifMatch: ETagCondition?
    ) async throws
        -> String
    {
        try check(table, entity)
        var headers: [(String, String)] = []
        if let ifMatch { headers.append(("If-Match", ifMatch.headerValue)) }
        let response = try await perform(
            AzureCall(
                method: method,
                path: Self.entityPath(table, entity.partitionKey, entity.rowKey),
                headers: headers,
                body: EntityJSON.encode(entity),
                contentType: "application/json"
            )
        )
        return try Self.etag(response)
    }

    private func check(_ table: String, _ entity: TableEntity) throws(TableStorageError) {
        try TableValidation.checkTableName(table)
        try TableValidation.checkEntity(entity)
    }

    /// `/table(PartitionKey='…',RowKey='…')` with quotes doubled and everything else percent-encoded.
    static func entityPath(_ table: String, _ partitionKey: String, _ rowKey: String) -> String {
        "/\(table)(PartitionKey='\(AzureEncoding.keyLiteral(partitionKey))',RowKey='\(AzureEncoding.keyLiteral(rowKey))')"
    }

    static func etag(_ response: HTTPResponse) throws(TableStorageError) -> String {
        guard let etag = response.headers["ETag"] else {
            throw TableStorageError(.invalidResponse, code: "MissingETag", message: "the service's answer has no ETag")
        }
        return etag
    }

    static func json(_ response: HTTPResponse) throws(TableStorageError) -> JSONValue {
        do {
            return try JSONParser.parse(response.body)
        } catch {
            throw TableStorageError(
                .invalidResponse,
                code: "InvalidJSON",
                message: "the service's answer is not JSON: \(error)"
            )
        }
    }

    /// An entity from its `minimalmetadata` JSON.
    static func entity(from json: JSONValue, etag: String?) throws(TableStorageError) -> TableEntity {
        guard let object = json.objectValue, let partitionKey = object["PartitionKey"]?.stringValue,
            let rowKey = object["RowKey"]?.stringValue
        else {
            throw TableStorageError(
                .invalidResponse,
                code: "InvalidEntity",
                message: "an entity in the answer has no keys"
            )
        }
        return TableEntity(
            partitionKey: partitionKey,
            rowKey: rowKey,
            properties: try EntityJSON.decodeProperties(object),
            etag: object["odata.etag"]?.stringValue ?? etag,
            timestamp: object["Timestamp"]?.stringValue.flatMap { Timestamp(iso8601: $0) }
        )
    }
}
