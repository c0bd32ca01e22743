import LinkTomeCore

/// The length of the rate-limit window each `RateLimits` partition counts in, in seconds.
///
/// A partition is an endpoint (`/` turned into `-`); the API's limiter writes one row per caller and
/// endpoint with the window's start. The windows are those the LinkTome API uses: the API key's
/// `v1-minute` (60 s) and `v1-daily` (86,400 s), login and refresh (60 s), signup (3,600 s, the
/// longest it has used), failed refreshes (300 s), other public endpoints (60 s), admin and siteadmin
/// endpoints (30 s). A partition nobody configured gets ``fallback`` (a day by default), so an
/// unknown counter is never reset early.
public struct RateLimitWindows: Sendable, Equatable {
    /// Windows by exact partition name.
    public var exact: [String: Int]
    /// Windows by partition prefix (`admin-` matches `admin-getLinks`); the longest prefix wins.
    public var prefixes: [String: Int]
    /// The window of a partition no entry matches.
    public var fallback: Int

    public init(exact: [String: Int], prefixes: [String: Int], fallback: Int) {
        self.exact = exact
        self.prefixes = prefixes
        self.fallback = fallback
    }

    /// The windows of the LinkTome API.
    public static let linkTome = RateLimitWindows(
        exact: [
            "v1-minute": 60, "v1-daily": 86_400, "public-login": 60, "public-signup": 3_600,
            "public-refreshToken": 60, "public-refreshToken-failed": 300,
        ],
        prefixes: ["public-": 60, "admin-": 30, "siteadmin-": 30, "v1-": 86_400],
        fallback: 86_400
    )

    /// Extra windows, `name=seconds` separated by commas; a name ending in `*` is a prefix
    /// (`v1-daily=86400, partner-*=600`).
    public static let windowsSetting = "LINKTOME_RATE_LIMIT_WINDOWS"
    /// The window of partitions nothing else matches (default 86400).
    public static let fallbackSetting = "LINKTOME_RATE_LIMIT_DEFAULT_WINDOW_SECONDS"

    /// The LinkTome windows with the settings' additions and overrides.
    public init(settings: Settings) throws(RetentionError) {
        self = .linkTome
        let reader = RetentionSettingsReader(settings: settings)
        fallback = try reader.integer(Self.fallbackSetting, default: Self.linkTome.fallback, in: 1...31_622_400)
        guard let text = reader.text(Self.windowsSetting) else { return }
        for entry in text.split(separator: ",") {
            try apply(String(entry))
        }
    }

    private mutating func apply(_ entry: String) throws(RetentionError) {
        let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, let seconds = Int(parts[1]), (1...31_622_400).contains(seconds)
        else {
            throw .invalidSetting(
                name: Self.windowsSetting,
                value: entry,
                expected: "entries like 'v1-daily=86400' or 'partner-*=600' (seconds from 1 to 31622400)"
            )
        }
        if parts[0].hasSuffix("*") {
            prefixes[String(parts[0].dropLast())] = seconds
        } else {
            exact[parts[0]] = seconds
        }
    }

    /// The window of `partition`, in seconds.
    public func window(forPartition partition: String) -> Int {
        if let seconds = exact[partition] { return seconds }
        let matching = prefixes.filter { partition.hasPrefix($0.key) }
        guard let longest = matching.max(by: { $0.key.count < $1.key.count }) else { return fallback }
        return longest.value
    }

    /// The shortest window of all; rows whose window started within it are never candidates.
    public var shortest: Int {
        ([fallback] + Array(exact.values) + Array(prefixes.values)).min() ?? fallback
    }
}
