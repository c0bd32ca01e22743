import Foundation

/// Why a table operation failed: a kind to switch on, the service's error code and message, and
/// where it applies, the HTTP status and the failing batch operation.
public struct TableStorageError: Error, Sendable, CustomStringConvertible {
    /// The broad reason, mapped from the service's status and code (or the SQLite result).
    public enum Kind: String, Sendable, Hashable {
        /// 404: `TableNotFound`, `ResourceNotFound`, `EntityNotFound`.
        case notFound
        /// 409: `EntityAlreadyExists`, `TableAlreadyExists`, `TableBeingDeleted`.
        case conflict
        /// 412: the entity's ETag no longer matches (`UpdateConditionNotSatisfied`, `ConditionNotMet`).
        case preconditionFailed
        /// 429, or 503 `ServerBusy` / 500 `OperationTimedOut` still failing after the retries.
        case throttled
        /// A value, entity, batch or request body over a service limit (`PropertyValueTooLarge`,
        /// `EntityTooLarge`, 413 `RequestBodyTooLarge`), whether caught before sending or by the service.
        case tooLarge
        /// A request the service rejects as malformed (400 `InvalidInput`, a bad filter, mixed partitions).
        case badRequest
        /// Invalid input caught before anything was sent: a forbidden key character, a bad table or
        /// property name, too many properties, a malformed filter.
        case validation
        /// 401/403: the key, SAS or token was refused.
        case unauthorized
        /// The service or network failed (5xx, timeouts, refused connections) after the retries.
        case unavailable
        /// The store could not be opened or configured (bad connection string, unwritable SQLite path).
        case configuration
        /// The service answered something this client cannot read.
        case invalidResponse
        /// The local database failed (I/O error, corruption, lock timeout).
        case storage
    }

    public var kind: Kind
    /// The service's error code (`x-ms-error-code`), e.g. `EntityAlreadyExists`; our own code for local checks.
    public var code: String
    /// The service's message, or ours; written for a log line.
    public var message: String
    /// The HTTP status, when the error came from the service.
    public var status: Int?
    /// The 0-based index of the batch operation that failed; the whole batch was rolled back.
    public var failedOperationIndex: Int?
    /// `true` when the failing response came to a retry of a request whose earlier attempt got no
    /// answer: that attempt may have been applied, so a 409 after an insert, a 404 after a delete or a
    /// 412 after a conditional update may be caused by this caller's own write. Re-read and compare
    /// (``TableStore/replace(_:in:ifMatch:verifying:)`` does it).
    public var mayHaveBeenApplied: Bool

    public init(
        _ kind: Kind,
        code: String,
        message: String,
        status: Int? = nil,
        failedOperationIndex: Int? = nil,
        mayHaveBeenApplied: Bool = false
    ) {
        self.kind = kind
        self.code = code
        self.message = message
        self.status = status
        self.failedOperationIndex = failedOperationIndex
        self.mayHaveBeenApplied = mayHaveBeenApplied
    }

    /// `table storage: <what kind of failure> (<code>[, HTTP n])[ at batch operation i]: <message>`.
    public var description: String {
        var text = "table storage: \(kind.summary) (\(code)"
        if let status { text += ", HTTP \(status)" }
        text += ")"
        if let failedOperationIndex { text += " at batch operation \(failedOperationIndex)" }
        text += ": " + message
        if mayHaveBeenApplied { text += " [after a retry: an earlier attempt may have been applied]" }
        return text
    }
}

extension TableStorageError.Kind {
    /// The kind as words for a message.
    public var summary: String {
        switch self {
        case .notFound: return "not found"
        case .conflict: return "conflict"
        case .preconditionFailed: return "the entity changed since it was read"
        case .throttled: return "throttled"
        case .tooLarge: return "over a size limit"
        case .badRequest: return "request refused as malformed"
        case .validation: return "invalid input"
        case .unauthorized: return "access refused"
        case .unavailable: return "unavailable"
        case .configuration: return "configuration error"
        case .invalidResponse: return "unreadable answer"
        case .storage: return "local database error"
        }
    }
}

extension TableStorageError {
    /// An error's text without Foundation's `Error Domain=… UserInfo={…}` dump: the POSIX reason
    /// (`No such file or directory`) when there is one, else the localized description.
    static func plainText(_ error: any Error) -> String {
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? any Error {
            let posix = underlying as NSError
            if posix.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(posix.code))) }
        }
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        return error.localizedDescription
    }

    static func validation(_ code: String, _ message: String) -> TableStorageError {
        TableStorageError(.validation, code: code, message: message)
    }

    static func tooLarge(_ code: String, _ message: String) -> TableStorageError {
        TableStorageError(.tooLarge, code: code, message: message)
    }

    static func entityNotFound(_ key: TableEntityKey) -> TableStorageError {
        TableStorageError(
            .notFound,
            code: "ResourceNotFound",
            message: "The specified resource does not exist (PartitionKey '\(key.partitionKey)', "
                + "RowKey '\(key.rowKey)').",
            status: 404
        )
    }

    static func entityExists(_ key: TableEntityKey) -> TableStorageError {
        TableStorageError(
            .conflict,
            code: "EntityAlreadyExists",
            message: "The specified entity already exists (PartitionKey '\(key.partitionKey)', "
                + "RowKey '\(key.rowKey)').",
            status: 409
        )
    }

    static func conditionNotMet(_ key: TableEntityKey) -> TableStorageError {
        TableStorageError(
            .preconditionFailed,
            code: "UpdateConditionNotSatisfied",
            message: "The update condition specified in the request was not satisfied (PartitionKey "
                + "'\(key.partitionKey)', RowKey '\(key.rowKey)').",
            status: 412
        )
    }

    static func tableNotFound(_ table: String) -> TableStorageError {
        TableStorageError(
            .notFound,
            code: "TableNotFound",
            message: "The table specified does not exist: \(table).",
            status: 404
        )
    }

    static func tableExists(_ table: String) -> TableStorageError {
        TableStorageError(
            .conflict,
            code: "TableAlreadyExists",
            message: "The table specified already exists: \(table).",
            status: 409
        )
    }

    /// This error with the index of the batch operation that caused it.
    func at(operation index: Int) -> TableStorageError {
        var copy = self
        copy.failedOperationIndex = index
        return copy
    }
}
