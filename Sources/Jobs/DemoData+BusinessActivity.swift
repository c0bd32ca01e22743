import LinkTomeCore
import TableStorage

extension DemoBuilder {
    static let ipPool = (1...12).map { "203.0.113.\($0)" }
    static let referrerPool = ["https://google.com", "https://twitter.com", "https://news.ycombinator.com", ""]
    static let agentPool = [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
        "Mozilla/5.0 (X11; Linux x86_64)", "",
    ]

    /// Raw events of all three types over three days (one inside the settle margin, one older
    /// than the aggregate retention), and legacy aggregate rows to merge into and to expire.
    mutating func addAnalytics() {
        var random = DemoRandom(seed: 2024)
        let plans: [(String, [String], Int, Int)] = [
            ("demo", ["main", "social"], 8, 0), ("alice", ["main", "work"], 4, 3), ("erin", ["main"], 12, 2),
            ("kate", ["main", "team"], 0, 0),
        ]
        for (user, pages, links, shortLinks) in plans {
            for day in 0..<3 {
                for index in 0..<(12 + day * 3) {
                    let time = instant(days: Double(day - 2) - 0.4 + Double(index) * 0.01)
                    var columns: [String: TableValue] = [
                        "Username": .string(user), "IpAddress": .string(random.pick(Self.ipPool)),
                    ]
                    let kind = random.next(10)
                    if kind < 6 || links == 0 {
                        columns["EventType"] = .string("PageView")
                        if random.next(5) > 0 { columns["PageId"] = .string(Self.pageId(user, random.pick(pages))) }
                    } else if kind < 9 || shortLinks == 0 {
                        let link = random.next(links)
                        columns["EventType"] = .string("LinkClick")
                        columns["LinkId"] = .string(Self.linkId(user, link))
                        columns["LinkTitle"] = .string("\(user) link \(link)")
                        columns["LinkUrl"] = .string("https://\(user).example.com/\(link)")
                        columns["PageId"] = .string(Self.pageId(user, pages[0]))
                    } else {
                        columns["EventType"] = .string("ShortLinkRedirect")
                        columns["LinkId"] = .string("\(user)\(random.next(shortLinks))")
                    }
                    let referrer = random.pick(Self.referrerPool)
                    if !referrer.isEmpty { columns["Referrer"] = .string(referrer) }
                    let agent = random.pick(Self.agentPool)
                    if !agent.isEmpty { columns["UserAgent"] = .string(agent) }
                    addEvent(user, at: time, index: day * 100 + index, columns)
                }
            }
        }
        let recent: [String: TableValue] = ["EventType": .string("PageView"), "IpAddress": .string("198.51.100.7")]
        addEvent("demo", at: instant(days: -2.0 / 1_440), index: 999, recent)
        addEvent("alice", at: instant(days: -200), index: 998, recent)
        addLegacyAggregates()
    }

    private mutating func addEvent(_ user: String, at time: Timestamp, index: Int, _ columns: [String: TableValue]) {
        var properties = columns
        properties["EventTimestamp"] = .dateTime(time)
        let rowKey = "\(BusinessFields.dotNetTicks(time))-\(BusinessHash.hex8("\(user)|\(index)"))"
        tables["Analytics", default: []].append(
            TableEntity(partitionKey: DemoIds.user(user), rowKey: rowKey, properties: properties)
        )
    }

    /// Rows as the PowerShell job wrote them: one-element JSON lists unrolled to bare values.
    private mutating func addLegacyAggregates() {
        let demo = DemoIds.user("demo")
        let yesterday = BusinessFields.day(instant(days: -1))
        var legacy: [String: DemoValue] = [
            "RecordType": .text("User"), "UserId": .text(demo), "Date": .text(yesterday),
            "PageViewCount": .number(5), "LinkClickCount": .number(2), "UniqueVisitorCount": .number(1),
            "UniqueVisitorsJson": .text("\"203.0.113.1\""),
            "TopReferrersJson": .text("{\"referrer\":\"https://google.com\",\"count\":3}"),
            "TopUserAgentsJson": .text("{\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64)\",\"count\":5}"),
            "LastUpdated": .dateTimeDaysFromNow(-0.9),
        ]
        add("AnalyticsAggregated", "user-" + demo, yesterday, legacy)
        let old = BusinessFields.day(instant(days: -200))
        legacy["Date"] = .text(old)
        add("AnalyticsAggregated", "user-" + demo, old, legacy)
        let page = Self.pageId("demo", "main")
        add(
            "AnalyticsAggregated",
            "page-" + page,
            yesterday,
            [
                "RecordType": .text("Page"), "UserId": .text(demo), "PageId": .text(page), "Date": .text(yesterday),
                "PageViewCount": .number(4), "LinkClickCount": .number(0), "UniqueVisitorCount": .number(2),
                "UniqueVisitorsJson": .text("[\"203.0.113.1\",\"203.0.113.2\"]"),
            ]
        )
    }

    /// Scheduled tasks in every state, owned by alice and erin.
    mutating func addScheduledWork() {
        let alice = DemoIds.user("alice")
        let tasks: [(String, String, String, [String: DemoValue])] = [
            ("hide-link", "Planned", "SetLinkActive", ["ScheduledTime": .daysFromNow(-1.0 / 24)]),
            (
                "done-once", "Completed", "SetLinkActive",
                ["ScheduledTime": .daysFromNow(-2), "CompletedAt": .daysFromNow(-2)]
            ),
            (
                "daily-short", "Planned", "SetShortLinkActive",
                ["ScheduledTime": .daysFromNow(-3.0 / 24), "Recurrence": .text("1d")]
            ),
            (
                "retry-due", "Retrying", "SetShortLinkActive",
                ["ScheduledTime": .daysFromNow(-1), "NextRunAt": .daysFromNow(-10.0 / 1_440), "Attempts": .number(1)]
            ),
            (
                "retry-later", "Retrying", "SetShortLinkActive",
                ["ScheduledTime": .daysFromNow(-1), "NextRunAt": .daysFromNow(1.0 / 24), "Attempts": .number(2)]
            ),
            ("unknown-type", "Planned", "SendNewsletter", ["ScheduledTime": .daysFromNow(-0.5)]),
            (
                "stale-lease", "Running", "SetShortLinkActive",
                ["ScheduledTime": .daysFromNow(-1), "LeaseUntil": .daysFromNow(-1.0 / 24), "Attempts": .number(1)]
            ),
            (
                "held-lease", "Running", "SetShortLinkActive",
                ["ScheduledTime": .daysFromNow(-1), "LeaseUntil": .daysFromNow(10.0 / 1_440), "Attempts": .number(1)]
            ),
            ("future", "Planned", "SetLinkActive", ["ScheduledTime": .daysFromNow(1)]),
            ("missing-link", "Planned", "SetLinkActive", ["ScheduledTime": .daysFromNow(-0.2)]),
        ]
        for (name, state, type, extra) in tasks {
            var columns = extra
            columns["Name"] = .text(name)
            columns["TaskState"] = .text(state)
            columns["TaskType"] = .text(type)
            columns["Parameters"] = .text(taskParameters(name))
            add("ScheduledTasks", alice, "task-" + DemoIds.guid("task:" + name), columns)
        }
    }

    private func taskParameters(_ name: String) -> String {
        switch name {
        case "hide-link", "done-once", "future": return "{\"linkId\":\"\(Self.linkId("alice", 3))\",\"active\":false}"
        case "missing-link": return "{\"linkId\":\"link-does-not-exist\",\"active\":true}"
        case "daily-short": return "{\"slug\":\"alice0\",\"active\":true}"
        default: return "{\"slug\":\"alice1\",\"active\":false}"
        }
    }
}

/// A small deterministic generator (64-bit LCG) so the data set never depends on system randomness.
struct DemoRandom {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(max(1, bound)))
    }

    mutating func pick<T>(_ values: [T]) -> T { values[next(values.count)] }
}
