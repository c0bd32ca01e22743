import LinkTomeCore
import TableStorage

/// Which aggregate row a delta belongs to: a user, page or link on one UTC day.
struct AggregateKey: Sendable, Hashable, Comparable {
    enum Level: String, Sendable, Hashable {
        case user = "User"
        case page = "Page"
        case link = "Link"
    }

    var level: Level
    /// The user, page or link id.
    var id: String
    /// `yyyy-MM-dd`.
    var day: String

    /// `user-<userId>`, `page-<pageId>`, `link-<linkId>` as the original job wrote them.
    var partitionKey: String { level.rawValue.lowercased() + "-" + id }

    static func < (lhs: AggregateKey, rhs: AggregateKey) -> Bool {
        (lhs.partitionKey, lhs.day) < (rhs.partitionKey, rhs.day)
    }
}

/// What a set of raw events adds to one aggregate row.
struct AnalyticsDelta: Sendable, Equatable {
    var userId: String
    var pageId: String?
    var linkId: String?
    var linkTitle: String?
    var linkUrl: String?
    var pageViews = 0
    var linkClicks = 0
    var shortLinkRedirects = 0
    var clicks = 0
    var visitors = VisitorSet()
    var referrers = CountMap()
    var agents = CountMap()
}

/// Folds raw `Analytics` events into deltas (`Write-AnalyticsEvent` shapes, §5.2 rules):
/// every event counts at user level; events with `PageId` also at page level; `LinkClick` events
/// with `LinkId` at link level. Visitors, referrers and user agents come from `PageView` events
/// (user and page) and `LinkClick` events (link). `ShortLinkRedirect` events count in
/// `ShortLinkRedirectCount`; other types only create the user's row for the day.
struct AnalyticsFold {
    let hasher: SipHasher
    private(set) var deltas: [AggregateKey: AnalyticsDelta] = [:]
    private(set) var events = 0
    /// `yyyy-MM-dd` by day number since 1970, so each day is formatted once.
    private var dayNames: [Int64: String] = [:]

    init(hasher: SipHasher) {
        self.hasher = hasher
    }

    /// The day of an event (`EventTimestamp`, else the ticks of its RowKey), or `nil` if it has neither.
    static func instant(of event: TableEntity) -> Timestamp? {
        if let instant = BusinessFields.instant(event["EventTimestamp"]) { return instant }
        guard let dash = event.rowKey.firstIndex(of: "-"), let ticks = Int64(event.rowKey[..<dash]) else { return nil }
        let since1970 = ticks - 621_355_968_000_000_000
        let seconds = since1970 >= 0 ? since1970 / 10_000_000 : (since1970 - 9_999_999) / 10_000_000
        return Timestamp(seconds: seconds, nanoseconds: Int32((since1970 - seconds * 10_000_000) * 100))
    }

    mutating func add(_ event: TableEntity, at instant: Timestamp) {
        events += 1
        let userId = event.partitionKey
        let dayNumber = instant.seconds >= 0 ? instant.seconds / 86_400 : (instant.seconds - 86_399) / 86_400
        let day = dayNames[dayNumber] ?? BusinessFields.day(instant)
        dayNames[dayNumber] = day
        let type = BusinessFields.text(event["EventType"]) ?? ""
        let pageId = BusinessFields.text(event["PageId"])
        let linkId = BusinessFields.text(event["LinkId"])
        let visitor = BusinessFields.text(event["IpAddress"]).map(hasher.hash)
        let referrer = BusinessFields.text(event["Referrer"])
        let agent = BusinessFields.text(event["UserAgent"])

        update(AggregateKey(level: .user, id: userId, day: day), userId: userId) { delta in
            Self.count(&delta, type: type, visitor: visitor, referrer: referrer, agent: agent)
        }
        if let pageId, type == "PageView" || type == "LinkClick" {
            update(AggregateKey(level: .page, id: pageId, day: day), userId: userId) { delta in
                delta.pageId = pageId
                Self.count(&delta, type: type, visitor: visitor, referrer: referrer, agent: agent)
            }
        }
        if let linkId, type == "LinkClick" {
            update(AggregateKey(level: .link, id: linkId, day: day), userId: userId) { delta in
                delta.linkId = linkId
                if delta.linkTitle == nil { delta.linkTitle = BusinessFields.text(event["LinkTitle"]) }
                if delta.linkUrl == nil { delta.linkUrl = BusinessFields.text(event["LinkUrl"]) }
                delta.clicks += 1
                if let visitor { delta.visitors.insert(visitor) }
                if let referrer { delta.referrers.add(referrer) }
            }
        }
    }

    private static func count(
        _ delta: inout AnalyticsDelta,
        type: String,
        visitor: UInt64?,
        referrer: String?,
        agent: String?
    ) {
        switch type {
        case "PageView":
            delta.pageViews += 1
            if let visitor { delta.visitors.insert(visitor) }
            if let referrer { delta.referrers.add(referrer) }
            if let agent { delta.agents.add(agent) }
        case "LinkClick":
            delta.linkClicks += 1
        case "ShortLinkRedirect":
            delta.shortLinkRedirects += 1
        default:
            break
        }
    }

    private mutating func update(_ key: AggregateKey, userId: String, _ body: (inout AnalyticsDelta) -> Void) {
        // Mutating in place: copying the delta out and back would copy its sets on every event.
        body(&deltas[key, default: AnalyticsDelta(userId: userId)])
    }
}
