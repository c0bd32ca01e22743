import LinkTomeCore
import TableStorage

/// What the inactive-account job reads from a `Users` row, and the rules that never let it touch a
/// paid user or an administrator.
struct AccountFacts: Equatable {
    var userId: String
    var email: String?
    var username: String?
    var isActive: Bool
    var isSubAccount: Bool
    var tier: String
    var isAdmin: Bool
    /// The last login, or the creation date for a user who never logged in.
    var lastActivity: DateReading

    /// The columns ``init(_:)`` reads.
    static let columns = [
        "LastLoginAt", "LastLogin", "CreatedAt", "SubscriptionTier", "Roles", "Role", "UserRole",
        "IsSubAccount", "IsActive", "Username", "Email",
    ]

    init(_ user: TableEntity) {
        userId = user.rowKey
        email = user["Email"]?.stringValue ?? (user.partitionKey.contains("@") ? user.partitionKey : nil)
        username = user["Username"]?.stringValue
        isActive = user["IsActive"]?.boolValue ?? true
        isSubAccount = user["IsSubAccount"]?.boolValue ?? false
        let tierText = user["SubscriptionTier"]?.stringValue?.trimmingCharacters(in: .whitespaces).lowercased()
        tier = tierText.flatMap { $0.isEmpty ? nil : $0 } ?? "free"
        isAdmin = AccountFacts.roles(of: user).contains { $0.lowercased().contains("admin") }
        let login = RetentionTime.read(user["LastLoginAt"] ?? user["LastLogin"])
        let created = RetentionTime.read(user["CreatedAt"])
        if login.instant != nil || (created.instant == nil && login == .unparsable) {
            lastActivity = login
        } else {
            lastActivity = created
        }
    }

    /// Whether the user pays (any tier but free).
    var isPaid: Bool { tier != "free" }

    /// Every role named in `Roles` (a JSON array, a JSON string or a comma list), `Role` and `UserRole`.
    static func roles(of user: TableEntity) -> [String] {
        var names: [String] = []
        if let text = user["Roles"]?.stringValue {
            switch try? JSONParser.parse(text) {
            case .array(let items): names += items.compactMap(\.stringValue)
            case .string(let single): names.append(single)
            default: names += text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
        for column in ["Role", "UserRole"] {
            if let role = user[column]?.stringValue { names.append(role) }
        }
        return names
    }
}

/// The `Notifications` table: the outbox a mail sender reads (PartitionKey = user id, `Status`
/// `Pending` until sent). The warning's row key carries the last activity it warns about, so one
/// inactivity period gets exactly one warning, and a user who logs in and lapses again gets a new one.
enum InactivityNotice {
    static let table = "Notifications"
    static let type = "InactiveAccountWarning"

    static func rowKey(lastActivity: Timestamp) -> String {
        "inactivity-warning-" + lastActivity.iso8601(fractionDigits: 0).replacingOccurrences(of: ":", with: "")
    }

    static func warning(
        for facts: AccountFacts,
        lastActivity: Timestamp,
        now: Timestamp,
        deactivateAfter: Timestamp,
        inactiveMonths: Int
    ) -> TableEntity {
        var row = TableEntity(partitionKey: facts.userId, rowKey: rowKey(lastActivity: lastActivity))
        row["Type"] = .string(type)
        row["Channel"] = "email"
        row["Status"] = "Pending"
        row["UserId"] = .string(facts.userId)
        if let email = facts.email { row["Email"] = .string(email) }
        if let username = facts.username { row["Username"] = .string(username) }
        row["Subject"] = "Your LinkTome account will be deactivated"
        let data: JSONValue = [
            "username": facts.username.map(JSONValue.string) ?? .null,
            "lastActivityAt": .string(lastActivity.iso8601Trimmed),
            "deactivateAfter": .string(deactivateAfter.iso8601Trimmed),
            "inactiveMonths": .integer(Int64(inactiveMonths)),
        ]
        row["TemplateData"] = .string(data.jsonText)
        row["LastActivityAt"] = .dateTime(lastActivity)
        row["DeactivateAfter"] = .dateTime(deactivateAfter)
        row["CreatedAt"] = .dateTime(now)
        return row
    }
}
