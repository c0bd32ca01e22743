import LinkTomeCore
import TableStorage

extension DemoBuilder {
    static func pageId(_ user: String, _ slug: String) -> String { "page-" + DemoIds.guid("page:\(user):\(slug)") }
    static func linkId(_ user: String, _ index: Int) -> String { "link-" + DemoIds.guid("link:\(user):\(index)") }

    /// Pages, links, short links, API keys and appearance rows; several users exceed their limits.
    mutating func addContent() {
        addPages()
        addLinks()
        addShortLinks()
        addApiKeys()
        addAppearance()
    }

    private mutating func addPages() {
        let pages: [(String, [String])] = [
            ("demo", ["main", "social"]), ("test", ["main"]), ("alice", ["main", "work", "music"]),
            ("erin", ["main", "shop", "music"]), ("frank", ["main"]), ("grace", ["main", "blog", "shop", "events"]),
            ("kate", ["main", "team"]), ("mallory", ["main", "portfolio"]), ("niaj", ["main"]),
            ("grace-sub1", ["main", "extra"]), ("kate-sub1", ["main"]),
        ]
        for (user, slugs) in pages {
            for (index, slug) in slugs.enumerated() {
                var columns: [String: DemoValue] = [
                    "Slug": .text(slug), "Name": .text(slug.capitalized), "IsDefault": .flag(index == 0),
                    "CreatedAt": .daysFromNow(Double(-300 + index * 100)), "UpdatedAt": .daysFromNow(-5),
                ]
                if user == "mallory", slug == "portfolio" { columns["ExceedsTierLimit"] = .flag(true) }
                add("Pages", DemoIds.user(user), Self.pageId(user, slug), columns)
            }
        }
    }

    private mutating func addLinks() {
        let seed: [(String, String, String)] = [
            ("main", "GitHub", "https://github.com/demo"), ("main", "Twitter", "https://twitter.com/demo"),
            ("main", "LinkedIn", "https://linkedin.com/in/demo"), ("main", "Website", "https://demo.example.com"),
            ("main", "YouTube", "https://youtube.com/@demo"), ("social", "Instagram", "https://instagram.com/demo"),
            ("social", "Facebook", "https://facebook.com/demo"), ("social", "TikTok", "https://tiktok.com/@demo"),
        ]
        for (index, entry) in seed.enumerated() {
            link(
                "demo",
                index,
                page: entry.0,
                ["Title": .text(entry.1), "Url": .text(entry.2), "Order": .number(Int32(index % 5 + 1))]
            )
        }
        for index in 0..<12 {
            var columns: [String: DemoValue] = [
                "Title": .text("Erin link \(index + 1)"), "Url": .text("https://erin.example.com/\(index + 1)"),
                "Order": .number(Int32(index + 1)),
            ]
            if index == 0 { columns["Layout"] = .text("card") }
            if index == 1 { columns["Animation"] = .text("bounce") }
            if index == 2 { columns["LockEnabled"] = .flag(true) }
            if index == 3 { columns["Layout"] = .text("classic") }
            if index == 4 { columns["ScheduleEnabled"] = .flag(true) }
            link("erin", index, page: "main", columns)
        }
        for index in 0..<4 {
            link(
                "alice",
                index,
                page: "main",
                [
                    "Title": .text("Alice \(index)"), "Url": .text("https://alice.example.com/\(index)"),
                    "Order": .number(Int32(index + 1)), "Layout": .text("card"),
                ]
            )
        }
        link(
            "mallory",
            0,
            page: "main",
            ["Title": .text("Shop"), "Url": .text("https://m.example.com"), "Order": .number(1)]
        )
        link(
            "mallory",
            1,
            page: "main",
            [
                "Title": .text("Old"), "Url": .text("https://m.example.com/old"), "Order": .number(2),
                "Active": .flag(false), "ExceedsTierLimit": .flag(true),
            ]
        )
        addScheduledLinks()
    }

    /// niaj (New York) has links whose schedule window has started, ended, or not begun yet.
    private mutating func addScheduledLinks() {
        let windows: [(String, DemoValue?, DemoValue?, Bool)] = [
            ("Spring sale", .daysFromNow(-1), .daysFromNow(3), false),
            ("Winter sale", .daysFromNow(-20), .daysFromNow(-2), true),
            ("Summer sale", .daysFromNow(30), nil, true),
        ]
        for (index, window) in windows.enumerated() {
            var columns: [String: DemoValue] = [
                "Title": .text(window.0), "Url": .text("https://niaj.example.com/\(index)"),
                "Order": .number(Int32(index + 1)), "ScheduleEnabled": .flag(true), "Active": .flag(window.3),
            ]
            if let start = window.1 { columns["ScheduleStart"] = localTime(start) }
            if let end = window.2 { columns["ScheduleEnd"] = localTime(end) }
            link("niaj", index, page: "main", columns)
        }
    }

    /// A wall-clock time without offset (the owner's zone applies), as the web app stores schedules.
    private func localTime(_ value: DemoValue) -> DemoValue {
        guard case .string(let text) = self.value(value) else { return value }
        return .text(String(text.dropLast()))
    }

    private mutating func link(_ user: String, _ index: Int, page: String, _ columns: [String: DemoValue]) {
        var all = columns
        all["PageId"] = .text(Self.pageId(user, page))
        if all["Active"] == nil { all["Active"] = .flag(true) }
        all["CreatedAt"] = .daysFromNow(Double(-200 + index))
        add("Links", DemoIds.user(user), Self.linkId(user, index), all)
    }

    private mutating func addShortLinks() {
        let counts: [(String, Int)] = [("erin", 2), ("alice", 3), ("grace", 6), ("mallory", 1)]
        for (user, count) in counts {
            for index in 0..<count {
                var columns: [String: DemoValue] = [
                    "TargetUrl": .text("https://\(user).example.com/go/\(index)"), "Username": .text(user),
                    "Title": .text("Go \(index)"), "Active": .flag(true), "Clicks": .number(Int32(index * 7)),
                    "CreatedAt": .daysFromNow(Double(-90 + index)), "LastClickedAt": .daysFromNow(-1),
                ]
                if user == "mallory" { columns["ExceedsTierLimit"] = .flag(true) }
                add("ShortLinks", DemoIds.user(user), "\(user)\(index)", columns)
            }
        }
    }

    private mutating func addApiKeys() {
        // (user, name, Active column, DisabledReason, days ago created)
        let keys: [(String, String, Bool?, String?, Double)] = [
            ("erin", "ci", true, nil, -60), ("erin", "zapier", nil, nil, -30),
            ("alice", "deploy", nil, nil, -40), ("alice", "stats", true, nil, -20),
            ("ivan", "k1", nil, nil, -50), ("ivan", "k2", nil, nil, -40), ("ivan", "k3", nil, nil, -30),
            ("ivan", "k4", nil, nil, -20), ("mallory", "main", true, nil, -90),
            ("mallory", "old1", false, FeatureCleanupPlan.apiKeyDisabledReason, -80),
            ("mallory", "old2", false, FeatureCleanupPlan.apiKeyDisabledReason, -70),
            ("mallory", "revoked", false, "Revoked by user", -60),
        ]
        for key in keys {
            var columns: [String: DemoValue] = [
                "Name": .text(key.1), "SecretHash": .text(DemoIds.guid("secret:\(key.0):\(key.1)")),
                "Permissions": .text("[\"read:links\",\"read:analytics\"]"), "CreatedAt": .daysFromNow(key.4),
            ]
            if let active = key.2 { columns["Active"] = .flag(active) }
            if let reason = key.3 { columns["DisabledReason"] = .text(reason) }
            add("ApiKeys", DemoIds.user(key.0), "key-" + DemoIds.guid("key:\(key.0):\(key.1)"), columns)
        }
    }

    private mutating func addAppearance() {
        let rows: [(String, [String: DemoValue])] = [
            ("demo", ["Theme": .text("default")]),
            ("alice", ["Theme": .text("aura")]),
            ("erin", ["Theme": .text("bloom"), "WallpaperType": .text("video")]),
            ("grace", ["CustomTheme": .flag(true), "WallpaperVideoUrl": .text("https://cdn.example.com/bg.mp4")]),
            ("mallory", ["Theme": .text("classic"), "ExceedsTierLimit": .flag(true)]),
        ]
        for (user, columns) in rows {
            var all = columns
            all["PageId"] = .text(Self.pageId(user, "main"))
            add("Appearance", DemoIds.user(user), "appearance-" + DemoIds.guid("appearance:" + user), all)
        }
    }
}
