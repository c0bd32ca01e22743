import LinkTomeCore
import TableStorage

/// The daily counts of one user's use of one feature, as folded from raw `FeatureUsage` rows.
struct FeatureUsageDelta: Equatable {
    var day: String
    var feature: String
    var allowed = 0
    var denied = 0
    /// Every folded row, including those whose `Allowed` was missing.
    var total = 0
    var first: Timestamp
    var last: Timestamp

    mutating func add(allowed flag: Bool?, at instant: Timestamp) {
        total += 1
        if flag == true { allowed += 1 }
        if flag == false { denied += 1 }
        first = min(first, instant)
        last = max(last, instant)
    }
}

/// The layout of table `FeatureUsageSummary`: one row per user, day and feature (PartitionKey =
/// user id, RowKey = `yyyy-MM-dd_<feature>`) with `AllowedCount`, `DeniedCount`, `TotalCount`,
/// `FirstEventAt`, `LastEventAt`, and one marker row per user (RowKey `~folded`) whose
/// `LastFoldedRowKey` says up to which raw row key that user's history has been folded. Counts and
/// marker move together in one batch, so a fold is counted exactly once even if the raw rows'
/// deletion fails or the run stops halfway.
enum FeatureUsageSummaryRows {
    static let table = "FeatureUsageSummary"
    static let markerRowKey = "~folded"
    static let markerColumn = "LastFoldedRowKey"

    /// The row key of a day's counts for `feature`; characters keys may not hold become `-`.
    static func rowKey(day: String, feature: String) -> String {
        day + "_" + keySafe(feature)
    }

    /// `text` with `/ \ # ?` and control characters replaced by `-`; `unknown` when empty.
    static func keySafe(_ text: String) -> String {
        let cleaned = String(
            text.unicodeScalars.map { scalar -> Character in
                let forbidden =
                    "/\\#?".unicodeScalars.contains(scalar) || scalar.value < 0x20
                    || (0x7F...0x9F).contains(scalar.value)
                return forbidden ? "-" : Character(scalar)
            }
        )
        return cleaned.isEmpty ? "unknown" : String(cleaned.prefix(200))
    }

    /// The `yyyy-MM-dd` (UTC) of an instant.
    static func day(of instant: Timestamp) -> String {
        String(instant.iso8601(fractionDigits: 0).prefix(10))
    }

    /// The summary row with `delta` added to `existing` (or a new row).
    static func merged(
        _ delta: FeatureUsageDelta,
        userId: String,
        into existing: TableEntity?,
        now: Timestamp
    ) -> TableEntity {
        var row = existing ?? TableEntity(partitionKey: userId, rowKey: rowKey(day: delta.day, feature: delta.feature))
        row.etag = nil
        row.timestamp = nil
        let count = { (name: String) in row[name]?.int64Value ?? 0 }
        row["RecordType"] = "Daily"
        row["UserId"] = .string(userId)
        row["Date"] = .string(delta.day)
        row["Feature"] = .string(delta.feature)
        row["AllowedCount"] = .int64(count("AllowedCount") + Int64(delta.allowed))
        row["DeniedCount"] = .int64(count("DeniedCount") + Int64(delta.denied))
        row["TotalCount"] = .int64(count("TotalCount") + Int64(delta.total))
        let first = row["FirstEventAt"]?.dateTimeValue.map { min($0, delta.first) } ?? delta.first
        let last = row["LastEventAt"]?.dateTimeValue.map { max($0, delta.last) } ?? delta.last
        row["FirstEventAt"] = .dateTime(first)
        row["LastEventAt"] = .dateTime(last)
        row["LastUpdated"] = .dateTime(now)
        return row
    }

    /// The marker row saying the user's raw rows up to `rowKey` are folded.
    static func marker(userId: String, foldedThrough rowKey: String, now: Timestamp) -> TableEntity {
        TableEntity(
            partitionKey: userId,
            rowKey: markerRowKey,
            properties: [
                "RecordType": "FoldMarker", markerColumn: .string(rowKey), "LastFoldedAt": .dateTime(now),
            ]
        )
    }
}
