import Durable
import Foundation
import LinkTomeCore
import TableStorage

extension DurableStore {
    // MARK: - Messages

    /// Stores a message; a message with the same key already waiting is left as it is.
    func enqueue(_ message: DurableMessage) async throws(DevHostError) {
        try await storage("enqueue \(message.key) for \(message.instanceId)") {
            do {
                try await store.insert(message.entity, into: messagesTable)
            } catch let error as TableStorageError where error.kind == .conflict {
                return
            }
        }
    }

    /// Whether a message with `key` waits for `instanceId`.
    func hasMessage(_ instanceId: String, key: String) async throws(DevHostError) -> Bool {
        try await storage("read message \(key)") {
            try await store.get(from: messagesTable, partitionKey: instanceId, rowKey: key) != nil
        }
    }

    /// Instances with at least one message visible at `now`, earliest first, at most `limit`.
    func instancesWithMessages(now: Timestamp, limit: Int) async throws(DevHostError) -> [String] {
        try await storage("find ready messages") {
            let rows = try await store.queryAll(
                messagesTable,
                filter: .lessThanOrEqual("VisibleAt", .dateTime(now)),
                select: ["VisibleAt"],
                top: 2_000
            )
            var earliest: [String: Timestamp] = [:]
            for row in rows {
                guard case .dateTime(let visible)? = row["VisibleAt"] else { continue }
                earliest[row.partitionKey] = min(earliest[row.partitionKey] ?? visible, visible)
            }
            return earliest.sorted { $0.value < $1.value }.prefix(limit).map(\.key)
        }
    }

    /// The messages of `instanceId` visible at `now`, in delivery order (an execution start first).
    func messages(for instanceId: String, now: Timestamp) async throws(DevHostError) -> [DurableMessage] {
        let rows = try await storage("read messages of \(instanceId)") {
            try await store.queryAll(
                messagesTable,
                filter: .partitionKey(instanceId) && .lessThanOrEqual("VisibleAt", .dateTime(now))
            )
        }
        var messages: [DurableMessage] = []
        for row in rows { messages.append(try DurableMessage(entity: row)) }
        return messages.sorted { lhs, rhs in
            let left = lhs.key.hasPrefix("start-") ? 0 : 1
            let right = rhs.key.hasPrefix("start-") ? 0 : 1
            return (left, lhs.visibleAt, lhs.sequence, lhs.key) < (right, rhs.visibleAt, rhs.sequence, rhs.key)
        }
    }

    /// Deletes the messages `keys` of `instanceId` (missing ones are fine).
    func deleteMessages(_ instanceId: String, keys: [String]) async throws(DevHostError) {
        guard !keys.isEmpty else { return }
        try await storage("delete messages of \(instanceId)") {
            try await deleteIfPresent(
                keys.map { TableEntityKey(partitionKey: instanceId, rowKey: $0) },
                from: messagesTable
            )
        }
    }

    /// The earliest instant a message of any instance becomes visible after `now`, if any.
    func nextMessageTime(after now: Timestamp) async throws(DevHostError) -> Timestamp? {
        try await storage("find future messages") {
            let rows = try await store.queryAll(
                messagesTable,
                filter: .greaterThan("VisibleAt", .dateTime(now)),
                select: ["VisibleAt"],
                top: 2_000
            )
            return rows.compactMap { row -> Timestamp? in
                if case .dateTime(let date)? = row["VisibleAt"] { return date }
                return nil
            }.min()
        }
    }

    // MARK: - Work items

    func addWorkItem(_ item: ActivityWorkItem) async throws(DevHostError) {
        try await storage("add work item \(item.key) of \(item.instanceId)") {
            _ = try await store.upsert(item.entity, in: workItemsTable, mode: .replace)
        }
    }

    /// Work items available at `now`, oldest first, at most `limit`.
    func availableWorkItems(now: Timestamp, limit: Int) async throws(DevHostError) -> [ActivityWorkItem] {
        try await storage("find work items") {
            try await store.queryAll(
                workItemsTable,
                filter: .lessThanOrEqual("AvailableAt", .dateTime(now)),
                top: 2_000
            )
            .map(ActivityWorkItem.init(entity:))
            .sorted { $0.availableAt < $1.availableAt }
            .prefix(limit)
            .map { $0 }
        }
    }

    /// Claims `item` for `owner` until `until`; `nil` when another host changed it first.
    func claim(
        _ item: ActivityWorkItem,
        owner: String,
        until: Timestamp
    ) async throws(DevHostError) -> ActivityWorkItem? {
        var claimed = item
        claimed.owner = owner
        claimed.availableAt = until
        claimed.dispatches += 1
        return try await storage("claim work item \(item.key)") {
            let outcome = try await store.updateIfUnchanged(claimed.entity, in: workItemsTable)
            guard let etag = outcome.etag else { return nil }
            claimed.etag = etag
            return claimed
        }
    }

    /// Makes a claimed item available again at `at` (its run was abandoned).
    func release(_ item: ActivityWorkItem, at: Timestamp) async throws(DevHostError) {
        var released = item
        released.owner = ""
        released.availableAt = at
        try await storage("release work item \(item.key)") {
            _ = try await store.updateIfUnchanged(released.entity, in: workItemsTable)
        }
    }

    func deleteWorkItem(_ item: ActivityWorkItem) async throws(DevHostError) {
        try await storage("delete work item \(item.key)") {
            _ = try await store.deleteIfExists(from: workItemsTable, partitionKey: item.instanceId, rowKey: item.key)
        }
    }
}
