import LinkTomeCore
import LinkTomeHTTP

// TODO: the REST operations land in the next commits; until then every call reports it.
extension AzureTableStore {
    private func pending() -> TableStorageError {
        TableStorageError(.unavailable, code: "NotImplemented", message: "the Azure backend is not implemented yet")
    }

    public func createTable(_ name: String) async throws { throw pending() }
    public func deleteTable(_ name: String) async throws { throw pending() }
    public func listTables() async throws -> [String] { throw pending() }
    @discardableResult
    public func insert(_ entity: TableEntity, into table: String) async throws -> String { throw pending() }
    @discardableResult
    public func replace(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        throw pending()
    }
    @discardableResult
    public func merge(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        throw pending()
    }
    @discardableResult
    public func upsert(_ entity: TableEntity, in table: String, mode: TableUpdateMode) async throws -> String {
        throw pending()
    }
    public func delete(from table: String, partitionKey: String, rowKey: String, ifMatch: ETagCondition) async throws {
        throw pending()
    }
    public func get(from table: String, partitionKey: String, rowKey: String) async throws -> TableEntity? {
        throw pending()
    }
    public func queryPage(
        _ table: String,
        filter: TableFilter?,
        select: [String]?,
        maxCount: Int,
        continuation: TableContinuation?
    ) async throws -> TableQueryPage { throw pending() }
    @discardableResult
    public func submitBatch(_ operations: [TableBatchOperation], in table: String) async throws -> [String?] {
        throw pending()
    }
}

/// The HTTP client the factory uses for Azure when none is given.
func defaultTransport() throws(TableStorageError) -> any HTTPTransport {
    throw TableStorageError(
        .configuration,
        code: "NoHTTPClient",
        message: "no HTTP transport was given for the Azure table store"
    )
}
