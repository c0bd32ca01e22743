import LinkTomeCore
import TableStorage

/// One run of the inactive-account job over the `Users` table, streamed page by page.
struct InactiveAccountPass {
    /// What a sub-account's parent looks like to the job, cached per parent id.
    enum Parent: Equatable {
        case unknown
        case protected(String)
        case free(lastActivity: Timestamp?)
    }

    /// Parents cached at most (the cache is dropped when full, so memory stays bounded).
    static let parentCacheLimit = 1_000

    let store: any TableStore
    let now: Timestamp
    let configuration: InactiveAccountCleanup.Configuration
    let logger: Logger
    let inactiveCutoff: Timestamp

    private(set) var counts = RetentionSummary(
        command: InactiveAccountCleanup.command,
        target: InactiveAccountCleanup.table
    )
    private var parents: [String: Parent] = [:]
    private var noticesReady = false

    init(store: any TableStore, now: Timestamp, configuration: InactiveAccountCleanup.Configuration, logger: Logger) {
        self.store = store
        self.now = now
        self.configuration = configuration
        self.logger = logger
        self.inactiveCutoff = RetentionTime.subtractingMonths(configuration.inactiveMonths, from: now)
    }

    /// Streams every user; returns whether the `Users` table was missing.
    mutating func run() async throws -> Bool {
        do {
            let table = InactiveAccountCleanup.table
            try await RetentionSweep.forEachPage(store, table, filter: nil, select: AccountFacts.columns) { page in
                try Task.checkCancellation()
                RetentionSweep.countUnreadable(page.unreadable, table: table, in: &counts, logger: logger)
                for user in page.entities {
                    counts.examined += 1
                    do {
                        try await judge(user)
                    } catch {
                        let failure = try BatchDeleter.storageError(error)
                        counts.countFailed(failure.kind.rawValue)
                        logger.warning(
                            "inactive-account check failed for one user; the next run retries it",
                            metadata: ["userId": user.rowKey, "error": failure.description]
                        )
                    }
                }
            }
        } catch let error as TableStorageError where error.kind == .notFound && error.code == "TableNotFound" {
            return true
        }
        return false
    }

    private mutating func judge(_ user: TableEntity) async throws {
        let facts = AccountFacts(user)
        if let reason = protection(of: facts) {
            counts.countKept(reason)
            return
        }
        var lastActivity = facts.lastActivity.instant
        if facts.isSubAccount {
            switch try await parent(ofSubAccount: facts.userId) {
            case .unknown:
                counts.countKept("subAccountParentUnknown")
                return
            case .protected(let reason):
                counts.countKept("subAccountOf" + reason.prefix(1).uppercased() + reason.dropFirst())
                return
            case .free(let parentActivity):
                lastActivity = [lastActivity, parentActivity].compactMap { $0 }.max()
            }
        }
        guard let lastActivity else {
            counts.countKept(facts.lastActivity.problem ?? "missingDate")
            return
        }
        guard lastActivity < inactiveCutoff else {
            counts.countKept("active")
            return
        }
        try await act(on: user, facts: facts, lastActivity: lastActivity)
    }

    /// Why the job must leave this user alone, if it must.
    private func protection(of facts: AccountFacts) -> String? {
        if !facts.isActive { return "alreadyInactive" }
        if facts.isAdmin { return "admin" }
        if facts.isPaid { return "paid" }
        return nil
    }

    /// Warns an inactive user, or deactivates one whose warning is older than the grace period.
    private mutating func act(on user: TableEntity, facts: AccountFacts, lastActivity: Timestamp) async throws {
        let noticeKey = InactivityNotice.rowKey(lastActivity: lastActivity)
        let notice = try await existingNotice(userId: facts.userId, rowKey: noticeKey)
        guard let notice else {
            try await warn(facts, lastActivity: lastActivity)
            return
        }
        let warnedAt = notice["CreatedAt"]?.dateTimeValue ?? notice.timestamp ?? now
        let due = RetentionTime.adding(Int64(configuration.graceDays) * RetentionTime.day, to: warnedAt)
        guard due <= now else {
            counts.countKept("inGracePeriod")
            return
        }
        try await deactivate(user, lastActivity: lastActivity, warnedAt: warnedAt)
    }

    private mutating func warn(_ facts: AccountFacts, lastActivity: Timestamp) async throws {
        guard !configuration.dryRun else {
            counts.countKept("wouldWarn")
            return
        }
        let deactivateAfter = RetentionTime.adding(Int64(configuration.graceDays) * RetentionTime.day, to: now)
        let row = InactivityNotice.warning(
            for: facts,
            lastActivity: lastActivity,
            now: now,
            deactivateAfter: deactivateAfter,
            inactiveMonths: configuration.inactiveMonths
        )
        if !noticesReady {
            try await store.createTableIfNotExists(InactivityNotice.table)
            noticesReady = true
        }
        do {
            try await store.insert(row, into: InactivityNotice.table)
            counts.countChanged("warned")
            logger.info("inactive account warned", metadata: ["userId": facts.userId])
        } catch let error as TableStorageError where error.kind == .conflict {
            counts.countKept("alreadyWarned")
        }
    }

    private mutating func deactivate(_ user: TableEntity, lastActivity: Timestamp, warnedAt: Timestamp) async throws {
        guard !configuration.dryRun else {
            counts.countKept("wouldDeactivate")
            return
        }
        var update = TableEntity(partitionKey: user.partitionKey, rowKey: user.rowKey)
        update["IsActive"] = false
        update["DeactivatedReason"] = .string(
            "No login for \(configuration.inactiveMonths) months (last activity \(lastActivity.iso8601Trimmed)); "
                + "warned \(warnedAt.iso8601Trimmed)"
        )
        update["DeactivatedAt"] = .dateTime(now)
        update["DeactivatedBy"] = .string(InactiveAccountCleanup.command)
        do {
            try await store.merge(
                update,
                in: InactiveAccountCleanup.table,
                ifMatch: user.etag.map { .matching($0) } ?? .any
            )
            counts.countChanged("deactivated")
            logger.info("inactive account deactivated", metadata: ["userId": user.rowKey])
        } catch let error as TableStorageError where error.kind == .preconditionFailed || error.kind == .notFound {
            counts.countKept("changedSinceRead")
        }
    }

    private func existingNotice(userId: String, rowKey: String) async throws -> TableEntity? {
        do {
            return try await store.get(from: InactivityNotice.table, partitionKey: userId, rowKey: rowKey)
        } catch let error as TableStorageError where error.kind == .notFound {
            return nil
        }
    }
}

extension InactiveAccountPass {
    /// The parent of a sub-account (`SubAccounts`: PartitionKey = parent id, RowKey = sub id), cached.
    private mutating func parent(ofSubAccount subId: String) async throws -> Parent {
        let links = try await rows(InactiveAccountCleanup.subAccountsTable, where: .equal("RowKey", .string(subId)))
        guard let parentId = links.first?.partitionKey else { return .unknown }
        if let cached = parents[parentId] { return cached }

        let found = try await rows(InactiveAccountCleanup.table, where: .equal("RowKey", .string(parentId)))
        var parent = Parent.unknown
        if let row = found.first {
            let facts = AccountFacts(row)
            if facts.isPaid {
                parent = .protected("paidParent")
            } else if facts.isAdmin {
                parent = .protected("adminParent")
            } else {
                parent = .free(lastActivity: facts.lastActivity.instant)
            }
        }
        if parents.count >= Self.parentCacheLimit { parents.removeAll() }
        parents[parentId] = parent
        return parent
    }

    /// The first few rows matching `filter`; a missing table has none.
    private func rows(_ table: String, where filter: TableFilter) async throws -> [TableEntity] {
        do {
            return try await store.queryAll(table, filter: filter, top: 2)
        } catch let error as TableStorageError where error.kind == .notFound && error.code == "TableNotFound" {
            return []
        }
    }
}
