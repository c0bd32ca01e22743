import LinkTomeCore
import TableStorage

/// A business timer command split into work items, so that it runs either inline (one process
/// works through every item) or as an orchestration with one activity per item; both give the same
/// result because each item carries everything it needs and the run's instant is fixed up front.
public protocol BusinessJob: Sendable {
    /// The catalogue command name, e.g. `Start-SubscriptionCleanup`.
    static var command: String { get }

    /// Lists the work of a run at `now`: small JSON items (a page of user keys, a partition, a table).
    /// An empty list means there is nothing to do but ``finish(_:now:)``.
    func workItems(now: Timestamp) async throws -> [JSONValue]

    /// Does one item; per-row failures are counted in the returned counters (`ErrorCount`), a
    /// thrown error fails the whole item (and lets an activity retry it).
    func process(_ item: JSONValue, now: Timestamp) async throws -> BusinessCounters

    /// Runs the steps that follow all items (retention, manifests) and builds the result.
    func finish(_ counters: BusinessCounters, now: Timestamp) async throws -> BusinessJobResult
}

extension BusinessJob {
    /// Runs every item in this process, at most `concurrency` at a time, then ``finish(_:now:)``.
    /// A failing item is logged and counted (`FailedItems`, `ErrorCount`); the others continue.
    public func runInline(now: Timestamp, concurrency: Int = 2, logger: Logger) async throws -> BusinessJobResult {
        let items = try await workItems(now: now)
        var counters = BusinessCounters()
        var next = 0
        try await withThrowingTaskGroup(of: BusinessCounters.self) { group in
            func start(_ index: Int) {
                let item = items[index]
                group.addTask {
                    do {
                        return try await self.process(item, now: now)
                    } catch {
                        logger.error(
                            "work item failed",
                            metadata: ["command": Self.command, "item": item.jsonText, "error": "\(error)"]
                        )
                        return BusinessCounters(["FailedItems": 1, "ErrorCount": 1])
                    }
                }
            }
            while next < min(max(1, concurrency), items.count) {
                start(next)
                next += 1
            }
            while let done = try await group.next() {
                counters.merge(done)
                if next < items.count {
                    start(next)
                    next += 1
                }
            }
        }
        return try await finish(counters, now: now)
    }
}

/// Helpers to put table keys into work items and read them back.
enum WorkItemKeys {
    /// `[[pk, rk], …]`.
    static func encode(_ keys: [TableEntityKey]) -> JSONValue {
        .array(keys.map { .array([.string($0.partitionKey), .string($0.rowKey)]) })
    }

    static func decode(_ value: JSONValue?, field: String) throws(BusinessJobsError) -> [TableEntityKey] {
        guard let list = value?.arrayValue else {
            throw BusinessJobsError(.invalidWorkItem, "the work item has no '\(field)' list")
        }
        var keys: [TableEntityKey] = []
        for entry in list {
            guard let pair = entry.arrayValue, pair.count == 2, let partitionKey = pair[0].stringValue,
                let rowKey = pair[1].stringValue
            else { throw BusinessJobsError(.invalidWorkItem, "'\(field)' holds \(entry.jsonText), not [pk, rk]") }
            keys.append(TableEntityKey(partitionKey: partitionKey, rowKey: rowKey))
        }
        return keys
    }

    /// Splits `keys` into items of at most `size`, each `{field: [[pk, rk], …]}`.
    static func chunked(_ keys: [TableEntityKey], size: Int, field: String) -> [JSONValue] {
        stride(from: 0, to: keys.count, by: max(1, size)).map { start in
            .object([field: encode(Array(keys[start..<min(start + max(1, size), keys.count)]))])
        }
    }

    /// The string list `field` of an item.
    static func strings(_ item: JSONValue, _ field: String) throws(BusinessJobsError) -> [String] {
        guard let list = item[field]?.arrayValue else {
            throw BusinessJobsError(.invalidWorkItem, "the work item has no '\(field)' list")
        }
        var values: [String] = []
        for entry in list {
            guard let text = entry.stringValue else {
                throw BusinessJobsError(.invalidWorkItem, "'\(field)' holds \(entry.jsonText), not a string")
            }
            values.append(text)
        }
        return values
    }
}
