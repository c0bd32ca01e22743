import LinkTomeCore
import TableStorage

/// Merges deltas into `AnalyticsAggregated` rows exactly once.
///
/// Each row remembers, per source partition (user), the RowKey of the last raw event whose journal
/// it has absorbed (`AppliedThroughJson`). Journals of one partition are applied in key order, so a
/// journal ending at key `k` is already in a row exactly when the row's mark is `>= k`: re-applying
/// after a crash skips the rows that got it and completes the others. The read-merge-write is
/// conditional on the row's ETag, so concurrent writers never lose each other's counts.
enum AnalyticsAggregateRow {
    static let table = "AnalyticsAggregated"
    static let appliedProperty = "AppliedThroughJson"

    /// Applies `delta` to the row of `key` unless the journal ending at `through` is already in it.
    ///
    /// - Returns: `true` when the row was written, `false` when it already held the journal.
    static func apply(
        _ store: any TableStore,
        key: AggregateKey,
        delta: AnalyticsDelta,
        through: String,
        now: Timestamp,
        hasher: SipHasher
    ) async throws -> Bool {
        // Most rows of a nightly run are new (a new day): try to insert first, and read only when
        // the row exists.
        if let fresh = merged(nil, key: key, delta: delta, through: through, now: now, hasher: hasher) {
            do {
                try await store.insert(fresh, into: table)
                return true
            } catch let error as TableStorageError where error.kind == .conflict && error.code == "EntityAlreadyExists"
            {
            }
        }
        for _ in 0..<8 {
            let existing = try await store.get(from: table, partitionKey: key.partitionKey, rowKey: key.day)
            guard let merged = merged(existing, key: key, delta: delta, through: through, now: now, hasher: hasher)
            else { return false }
            do {
                if let etag = existing?.etag {
                    try await store.replace(merged, in: table, ifMatch: .matching(etag))
                } else {
                    try await store.insert(merged, into: table)
                }
                return true
            } catch let error as TableStorageError
                where [.preconditionFailed, .conflict, .notFound].contains(error.kind) && error.code != "TableNotFound"
            {
                continue
            }
        }
        throw BusinessJobsError(
            .invalidRow,
            "aggregate \(key.partitionKey)/\(key.day) kept changing; left for the next run"
        )
    }

    /// The row with `delta` merged in, or `nil` when it already holds the journal ending at `through`.
    static func merged(
        _ existing: TableEntity?,
        key: AggregateKey,
        delta: AnalyticsDelta,
        through: String,
        now: Timestamp,
        hasher: SipHasher
    ) -> TableEntity? {
        var applied =
            (BusinessFields.text(existing?[appliedProperty]).flatMap { try? JSONParser.parse($0) })?
            .objectValue ?? [:]
        if let mark = applied[delta.userId]?.stringValue, !TableKeyOrder.less(mark, through) { return nil }
        applied[delta.userId] = .string(through)

        let row = existing ?? TableEntity(partitionKey: key.partitionKey, rowKey: key.day)
        var result = TableEntity(partitionKey: key.partitionKey, rowKey: key.day, properties: row.properties)
        result["RecordType"] = .string(key.level.rawValue)
        result["UserId"] = .string(BusinessFields.text(row["UserId"]) ?? delta.userId)
        result["Date"] = .string(key.day)
        result["LastUpdated"] = .dateTime(now)
        result[appliedProperty] = .string(JSONValue.object(applied).jsonText)

        var visitors = storedVisitors(row, hasher: hasher)
        visitors.merge(delta.visitors)
        writeVisitors(visitors, into: &result)
        var referrers = CountMap(entity: row, name: "ReferrerCountsJson", legacy: "TopReferrersJson", label: "referrer")
        referrers.merge(delta.referrers)
        writeCounts(referrers, name: "ReferrerCountsJson", top: ("TopReferrersJson", 10, "referrer"), into: &result)

        switch key.level {
        case .user, .page:
            if key.level == .page { result["PageId"] = .string(delta.pageId ?? key.id) }
            addCount("PageViewCount", delta.pageViews, into: &result)
            addCount("LinkClickCount", delta.linkClicks, into: &result)
            if key.level == .user, delta.shortLinkRedirects > 0 || result["ShortLinkRedirectCount"] != nil {
                addCount("ShortLinkRedirectCount", delta.shortLinkRedirects, into: &result)
            }
            var agents = CountMap(
                entity: row,
                name: "UserAgentCountsJson",
                legacy: "TopUserAgentsJson",
                label: "userAgent"
            )
            agents.merge(delta.agents)
            writeCounts(agents, name: "UserAgentCountsJson", top: ("TopUserAgentsJson", 5, "userAgent"), into: &result)
        case .link:
            result["LinkId"] = .string(delta.linkId ?? key.id)
            result["LinkTitle"] = .string(BusinessFields.text(row["LinkTitle"]) ?? delta.linkTitle ?? "")
            result["LinkUrl"] = .string(BusinessFields.text(row["LinkUrl"]) ?? delta.linkUrl ?? "")
            addCount("ClickCount", delta.clicks, into: &result)
        }
        return result
    }

    /// The stored visitors: hashes or sketch, else the legacy raw IP list (array or one bare string).
    private static func storedVisitors(_ row: TableEntity, hasher: SipHasher) -> VisitorSet {
        let hashes = BusinessFields.text(row["UniqueVisitorHashes"])
        let sketch = BusinessFields.text(row["UniqueVisitorSketch"])
        var visitors = VisitorSet(hashes: hashes, sketch: sketch)
        if hashes == nil, sketch == nil, let legacy = BusinessFields.text(row["UniqueVisitorsJson"]),
            let parsed = try? JSONParser.parse(legacy)
        {
            for address in (parsed.arrayValue ?? [parsed]).compactMap(\.stringValue) {
                visitors.insert(hasher.hash(address))
            }
        }
        return visitors
    }

    private static func writeVisitors(_ visitors: VisitorSet, into row: inout TableEntity) {
        row["UniqueVisitorsJson"] = nil
        row["UniqueVisitorCount"] = count(visitors.count)
        row["UniqueVisitorHashes"] = visitors.storedHashes.flatMap { $0.isEmpty ? nil : TableValue.string($0) }
        row["UniqueVisitorSketch"] = visitors.storedSketch.map(TableValue.string)
        row["UniqueVisitorsApproximate"] = visitors.isApproximate ? .bool(true) : nil
    }

    private static func writeCounts(
        _ map: CountMap,
        name: String,
        top: (property: String, limit: Int, label: String),
        into row: inout TableEntity
    ) {
        for stale in CountMap.propertyNames(name, in: row) { row[stale] = nil }
        for (property, value) in map.properties(name) { row[property] = value }
        row[top.property] = map.counts.isEmpty ? nil : .string(map.top(top.limit, label: top.label).jsonText)
    }

    private static func addCount(_ name: String, _ amount: Int, into row: inout TableEntity) {
        row[name] = count((BusinessFields.int(row[name]) ?? 0) + amount)
    }

    /// Int32 when it fits, as the original wrote counts; Int64 beyond.
    private static func count(_ value: Int) -> TableValue {
        Int32(exactly: value).map(TableValue.int32) ?? .int64(Int64(value))
    }
}
