extension TableStore {
    /// Inserts `entity` unless the keys are taken, and tells a lost race from a lost response.
    ///
    /// A refusal (`EntityAlreadyExists`) on the first attempt means someone else won
    /// (``TableWriteOutcome/lostRace(current:)``). A refusal of a retry whose earlier attempt got no
    /// answer is ambiguous: the entity is re-read, and if it holds exactly the properties written
    /// here, that attempt applied it (``TableWriteOutcome/appliedByEarlierAttempt(etag:)``).
    ///
    /// Put something unique to the writer in the entity (an owner or invocation id) so that another
    /// writer's entity never looks like this one.
    public func insertIfAbsent(_ entity: TableEntity, into table: String) async throws -> TableWriteOutcome {
        do {
            return .applied(etag: try await insert(entity, into: table))
        } catch let error as TableStorageError where error.kind == .conflict && error.code != "TableNotFound" {
            return try await resolve(error, wrote: entity, in: table, mode: .replace)
        }
    }

    /// Writes `entity` only if the stored entity still has `entity.etag` (the version it was read
    /// at), and tells a lost race from a lost response.
    ///
    /// A refusal (`412`, or `404` because the entity was deleted) on the first attempt means another
    /// writer won. A refusal of a retry whose earlier attempt got no answer
    /// (``TableStorageError/mayHaveBeenApplied``) is ambiguous: the entity is re-read and compared
    /// with what was written (exactly, for `replace`; every written property, for `merge`), and if
    /// it holds this write the outcome is ``TableWriteOutcome/appliedByEarlierAttempt(etag:)``.
    /// Include a writer-unique value (owner, invocation id) so another writer's content never looks
    /// like this one.
    ///
    /// - Throws: `validation` when `entity.etag` is `nil`; any other store error as is.
    public func updateIfUnchanged(
        _ entity: TableEntity,
        in table: String,
        mode: TableUpdateMode = .replace
    ) async throws -> TableWriteOutcome {
        guard let etag = entity.etag else {
            throw TableStorageError.validation(
                "MissingETag",
                "updateIfUnchanged needs the ETag the entity was read with; entity.etag is nil"
            )
        }
        do {
            switch mode {
            case .replace: return .applied(etag: try await replace(entity, in: table, ifMatch: .matching(etag)))
            case .merge: return .applied(etag: try await merge(entity, in: table, ifMatch: .matching(etag)))
            }
        } catch let error as TableStorageError
            where error.kind == .preconditionFailed || (error.kind == .notFound && error.code != "TableNotFound")
        {
            return try await resolve(error, wrote: entity, in: table, mode: mode)
        }
    }

    private func resolve(
        _ error: TableStorageError,
        wrote entity: TableEntity,
        in table: String,
        mode: TableUpdateMode
    ) async throws -> TableWriteOutcome {
        let current = try await get(from: table, partitionKey: entity.partitionKey, rowKey: entity.rowKey)
        guard error.mayHaveBeenApplied, let current, let currentETag = current.etag, currentETag != entity.etag else {
            return .lostRace(current: current)
        }
        let holdsOurWrite = mode == .replace ? current.properties == entity.properties : current.contains(entity)
        return holdsOurWrite ? .appliedByEarlierAttempt(etag: currentETag) : .lostRace(current: current)
    }
}

extension TableStore {
    /// Submits any number of operations as batches of at most 100 operations on one partition each.
    /// Operations keep their order within a partition. Each batch is atomic; the whole is not (an
    /// error stops at the failing batch, earlier batches stay applied).
    ///
    /// - Returns: the number of batches sent.
    @discardableResult
    public func submitInBatches(_ operations: [TableBatchOperation], in table: String) async throws -> Int {
        var order: [String] = []
        var byPartition: [[UInt8]: [TableBatchOperation]] = [:]
        for operation in operations {
            let partition = Array(operation.key.partitionKey.utf8)
            if byPartition[partition] == nil { order.append(operation.key.partitionKey) }
            byPartition[partition, default: []].append(operation)
        }

        var batches = 0
        for partition in order {
            let group = byPartition[Array(partition.utf8)] ?? []
            var start = 0
            while start < group.count {
                let end = min(start + TableValidation.maximumBatchOperations, group.count)
                try await submitBatch(Array(group[start..<end]), in: table)
                batches += 1
                start = end
            }
        }
        return batches
    }

    /// Deletes the given entities (unconditionally) in batches of at most 100 per partition.
    ///
    /// - Returns: the number of batches sent.
    @discardableResult
    public func deleteEntities(_ keys: [TableEntityKey], from table: String) async throws -> Int {
        let operations = keys.map {
            TableBatchOperation.delete(partitionKey: $0.partitionKey, rowKey: $0.rowKey, ifMatch: .any)
        }
        return try await submitInBatches(operations, in: table)
    }

    /// Deletes every entity `filter` matches (all when `nil`), page by page, in batches of at most
    /// 100 per partition; an entity someone else deleted meanwhile is skipped. Entities written
    /// while it runs may or may not be deleted.
    ///
    /// - Returns: the number of matching entities that are now gone.
    @discardableResult
    public func deleteMatching(_ table: String, filter: TableFilter?) async throws -> Int {
        var deleted = 0
        for try await page in query(table, filter: filter, select: []) {
            let keys = page.entities.map(\.key)
            do {
                try await deleteEntities(keys, from: table)
            } catch let error as TableStorageError where error.kind == .notFound && error.code != "TableNotFound" {
                // A batch failed as a whole on an entity that is already gone: delete one by one.
                for key in keys {
                    try await deleteIfExists(from: table, partitionKey: key.partitionKey, rowKey: key.rowKey)
                }
            }
            deleted += keys.count
        }
        return deleted
    }
}
