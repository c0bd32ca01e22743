import LinkTomeCore
import TableStorage

/// The task types a `ScheduledTasks` row may name, and what each does to the owner's rows.
///
/// - `SetLinkActive` `{linkId, active}`: shows or hides one of the owner's links.
/// - `SetShortLinkActive` `{slug, active}`: enables or disables one of the owner's short links.
///
/// Activating a row the tier cleanup marked `ExceedsTierLimit` is refused: a schedule cannot lift
/// a tier limit.
enum ScheduledTaskActions {
    /// Why a task failed: `permanent` failures (unknown type, bad parameters) are not retried.
    struct Failure: Error, Sendable {
        var message: String
        var permanent: Bool
    }

    static let knownTypes = ["SetLinkActive", "SetShortLinkActive"]

    /// Runs the task of `type` for `owner`; returns a small result for `LastResult`.
    static func run(
        type: String,
        parameters: JSONValue,
        owner: String,
        store: any TableStore
    ) async throws(Failure)
        -> JSONValue
    {
        switch type {
        case "SetLinkActive":
            let linkId = try string(parameters, "linkId")
            let active = try flag(parameters, "active")
            try await setActive(store, table: "Links", owner: owner, rowKey: linkId, active: active)
            return ["linkId": .string(linkId), "active": .bool(active)]
        case "SetShortLinkActive":
            let slug = try string(parameters, "slug")
            let active = try flag(parameters, "active")
            try await setActive(store, table: "ShortLinks", owner: owner, rowKey: slug, active: active)
            return ["slug": .string(slug), "active": .bool(active)]
        default:
            throw Failure(
                message: "unknown task type '\(type)'; known types: \(knownTypes.joined(separator: ", "))",
                permanent: true
            )
        }
    }

    private static func setActive(
        _ store: any TableStore,
        table: String,
        owner: String,
        rowKey: String,
        active: Bool
    )
        async throws(Failure)
    {
        do {
            guard let row = try await BusinessTables.get(store, table, owner, rowKey) else {
                throw Failure(message: "\(table) row \(owner)/\(rowKey) does not exist", permanent: false)
            }
            if active, BusinessFields.bool(row["ExceedsTierLimit"]) == true {
                throw Failure(message: "\(table) row \(rowKey) exceeds the owner's tier limit", permanent: true)
            }
            guard BusinessFields.bool(row["Active"]) != active else { return }
            let applied = try await BusinessTables.mergeIfUnchanged(
                store,
                table,
                original: row,
                changes: ["Active": .bool(active)]
            )
            guard applied else { throw Failure(message: "\(table) row \(rowKey) changed meanwhile", permanent: false) }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(message: "\(table) row \(rowKey): \(error)", permanent: false)
        }
    }

    private static func string(_ parameters: JSONValue, _ name: String) throws(Failure) -> String {
        guard let value = parameters.member(caseInsensitive: name)?.stringValue, !value.isEmpty else {
            throw Failure(message: "parameter '\(name)' is missing or not a string", permanent: true)
        }
        return value
    }

    private static func flag(_ parameters: JSONValue, _ name: String) throws(Failure) -> Bool {
        guard let value = parameters.member(caseInsensitive: name)?.boolValue else {
            throw Failure(message: "parameter '\(name)' is missing or not true/false", permanent: true)
        }
        return value
    }
}
