/// A store with Azure Table Storage semantics: tables of entities keyed by PartitionKey and RowKey,
/// typed properties, ETags for optimistic concurrency, filtered queries in key order with
/// continuation, and atomic batches on one partition.
///
/// Three implementations behave the same (one behaviour test suite runs against each):
/// ``AzureTableStore`` (the REST API), ``SQLiteTableStore`` (one local file, safe for several
/// processes) and ``InMemoryTableStore`` (tests). ``TableStoreFactory`` picks one from the settings.
///
/// Every write validates its input first (keys, names, the 64 KiB, 1 MiB and 252-property limits) and
/// throws ``TableStorageError`` with kind `validation` or `tooLarge` before anything is sent. Writes
/// return the entity's new ETag.
public protocol TableStore: Sendable {
    /// Where the data lives, for logs and the CLI: a file path or a service URL (never a secret).
    var location: String { get }

    /// Creates a table; throws `conflict` (`TableAlreadyExists`) if it exists.
    func createTable(_ name: String) async throws

    /// Deletes a table and its entities; throws `notFound` (`TableNotFound`) if it does not exist.
    func deleteTable(_ name: String) async throws

    /// The names of all tables, sorted.
    func listTables() async throws -> [String]

    /// Inserts a new entity; throws `conflict` (`EntityAlreadyExists`) if the keys are taken.
    @discardableResult
    func insert(_ entity: TableEntity, into table: String) async throws -> String

    /// Replaces an existing entity's properties with `entity`'s; throws `notFound` if it does not
    /// exist and `preconditionFailed` if `ifMatch` names another version.
    @discardableResult
    func replace(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String

    /// Merges `entity`'s properties into an existing entity (others stay); errors as for `replace`.
    @discardableResult
    func merge(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String

    /// Inserts, or replaces or merges (`mode`) an existing entity, unconditionally.
    @discardableResult
    func upsert(_ entity: TableEntity, in table: String, mode: TableUpdateMode) async throws -> String

    /// Deletes one entity; throws `notFound` if it does not exist, `preconditionFailed` on an ETag mismatch.
    func delete(from table: String, partitionKey: String, rowKey: String, ifMatch: ETagCondition) async throws

    /// Reads one entity; `nil` when it does not exist (a missing table throws `notFound`).
    func get(from table: String, partitionKey: String, rowKey: String) async throws -> TableEntity?

    /// Reads one page of a query, in (PartitionKey, RowKey) order: at most `maxCount` (1...1000)
    /// entities, starting at `continuation`. A page may be empty and still have a continuation;
    /// keep going until the continuation is `nil`. Most callers use ``query(_:filter:select:top:)``.
    ///
    /// An entity that is found but cannot be decoded (a damaged local row, a value of an unknown
    /// type) does not fail the page: it is listed in ``TableQueryPage/unreadable`` with its keys
    /// and the reason, and the other entities come as usual. (``query(_:filter:select:top:)`` and
    /// ``queryAll(_:filter:select:top:)`` throw that reason instead.)
    func queryPage(
        _ table: String,
        filter: TableFilter?,
        select: [String]?,
        maxCount: Int,
        continuation: TableContinuation?
    ) async throws -> TableQueryPage

    /// Applies up to 100 operations on one partition of one table atomically, in order, and returns
    /// each operation's new ETag (`nil` for deletes). If any operation fails nothing is applied and
    /// the error's `failedOperationIndex` names it.
    @discardableResult
    func submitBatch(_ operations: [TableBatchOperation], in table: String) async throws -> [String?]
}

/// Which version of an entity a write or delete applies to.
public enum ETagCondition: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// Whatever version exists (`If-Match: *`); the entity must still exist.
    case any
    /// Only the version with this ETag, exactly as the store returned it.
    case matching(String)

    /// `"*"` means ``any``; anything else is an ETag.
    public init(stringLiteral value: String) {
        self = value == "*" ? .any : .matching(value)
    }

    /// The `If-Match` header value.
    public var headerValue: String {
        switch self {
        case .any: return "*"
        case .matching(let etag): return etag
        }
    }

    public var description: String { headerValue }

    /// Whether an entity whose ETag is `etag` satisfies this condition.
    func isSatisfied(by etag: String) -> Bool {
        switch self {
        case .any: return true
        case .matching(let expected): return expected == etag
        }
    }
}

/// How a write combines with an existing entity.
public enum TableUpdateMode: String, Sendable, Hashable {
    /// The written properties become the entity's only properties (Insert Or Replace / Update).
    case replace
    /// The written properties are added to or overwrite the existing ones; others stay (Insert Or Merge / Merge).
    case merge
}

/// One operation of a batch (an entity group transaction).
public enum TableBatchOperation: Sendable {
    case insert(TableEntity)
    case replace(TableEntity, ifMatch: ETagCondition)
    case merge(TableEntity, ifMatch: ETagCondition)
    case upsert(TableEntity, mode: TableUpdateMode)
    case delete(partitionKey: String, rowKey: String, ifMatch: ETagCondition)

    /// The keys the operation acts on.
    public var key: TableEntityKey {
        switch self {
        case .insert(let entity), .replace(let entity, _), .merge(let entity, _), .upsert(let entity, _):
            return entity.key
        case .delete(let partitionKey, let rowKey, _):
            return TableEntityKey(partitionKey: partitionKey, rowKey: rowKey)
        }
    }

    /// The entity written, or `nil` for a delete.
    public var entity: TableEntity? {
        switch self {
        case .insert(let entity), .replace(let entity, _), .merge(let entity, _), .upsert(let entity, _):
            return entity
        case .delete: return nil
        }
    }
}

/// Where the next page of a query starts: the service's `NextPartitionKey` and `NextRowKey`.
public struct TableContinuation: Sendable, Hashable, CustomStringConvertible {
    public var nextPartitionKey: String
    public var nextRowKey: String?

    public init(nextPartitionKey: String, nextRowKey: String?) {
        self.nextPartitionKey = nextPartitionKey
        self.nextRowKey = nextRowKey
    }

    public var description: String { "\(nextPartitionKey)/\(nextRowKey ?? "")" }
}

/// One page of query results.
public struct TableQueryPage: Sendable {
    /// The entities of this page, in key order; may be empty even when more pages follow.
    public var entities: [TableEntity]
    /// Where the next page starts, or `nil` when this is the last page.
    public var continuation: TableContinuation?
    /// Entities in this page's range that could not be decoded, in key order. The query's filter
    /// could not be applied to them.
    public var unreadable: [TableUnreadableEntity]

    public init(
        entities: [TableEntity],
        continuation: TableContinuation?,
        unreadable: [TableUnreadableEntity] = []
    ) {
        self.entities = entities
        self.continuation = continuation
        self.unreadable = unreadable
    }
}

/// An entity a query found but could not decode.
public struct TableUnreadableEntity: Sendable {
    /// The entity's keys.
    public var key: TableEntityKey
    /// Why it cannot be read.
    public var error: TableStorageError

    public init(key: TableEntityKey, error: TableStorageError) {
        self.key = key
        self.error = error
    }
}

/// The result of a write that checks for its own lost response (see ``TableStore/insert(_:into:verifying:)``).
public enum TableWriteOutcome: Sendable, Equatable {
    /// The write was applied by this call; the new ETag.
    case applied(etag: String)
    /// The final attempt was refused, but an earlier attempt of this same call, whose response was
    /// lost, had applied the write: the store holds what this caller wrote. The current ETag.
    case appliedByEarlierAttempt(etag: String)
    /// Someone else wrote (or deleted) the entity first; what the store holds now (`nil` if nothing).
    case lostRace(current: TableEntity?)

    /// The ETag of this caller's write, or `nil` when it lost.
    public var etag: String? {
        switch self {
        case .applied(let etag), .appliedByEarlierAttempt(let etag): return etag
        case .lostRace: return nil
        }
    }

    /// Whether the store now holds this caller's write.
    public var succeeded: Bool { etag != nil }
}
