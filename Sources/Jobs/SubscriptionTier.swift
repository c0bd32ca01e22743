/// LinkTome's subscription tiers and what each allows (`Get-TierFeatures`); `nil` limits are unlimited.
public enum SubscriptionTier: String, Sendable, Hashable, CaseIterable, Comparable {
    case free, pro, premium, enterprise

    /// Reads a stored tier, ignoring case and surrounding spaces; `nil` for anything else.
    public init?(stored: String) {
        self.init(rawValue: stored.trimmingCharacters(in: .whitespaces).lowercased())
    }

    public static func < (lhs: SubscriptionTier, rhs: SubscriptionTier) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The limits and feature switches of this tier.
    public var features: TierFeatures {
        switch self {
        case .free:
            return TierFeatures(maxPages: 1, maxLinks: 10, maxShortLinks: 0, maxApiKeys: 0, paidFeatures: false)
        case .pro:
            return TierFeatures(maxPages: 3, maxLinks: 50, maxShortLinks: 5, maxApiKeys: 3, paidFeatures: true)
        case .premium:
            return TierFeatures(
                maxPages: 10,
                maxLinks: 100,
                maxShortLinks: 20,
                maxApiKeys: 10,
                paidFeatures: true,
                videoBackgrounds: true
            )
        case .enterprise:
            return TierFeatures(
                maxPages: nil,
                maxLinks: nil,
                maxShortLinks: nil,
                maxApiKeys: nil,
                paidFeatures: true,
                videoBackgrounds: true
            )
        }
    }
}

/// The part of a tier's feature table that the subscription cleanup enforces.
public struct TierFeatures: Sendable, Hashable {
    public var maxPages: Int?
    public var maxLinks: Int?
    public var maxShortLinks: Int?
    public var maxApiKeys: Int?
    public var customThemes: Bool
    public var customLayouts: Bool
    public var linkAnimations: Bool
    public var linkScheduling: Bool
    public var linkLocking: Bool
    public var videoBackgrounds: Bool

    init(
        maxPages: Int?,
        maxLinks: Int?,
        maxShortLinks: Int?,
        maxApiKeys: Int?,
        paidFeatures: Bool,
        videoBackgrounds: Bool = false
    ) {
        self.maxPages = maxPages
        self.maxLinks = maxLinks
        self.maxShortLinks = maxShortLinks
        self.maxApiKeys = maxApiKeys
        customThemes = paidFeatures
        customLayouts = paidFeatures
        linkAnimations = paidFeatures
        linkScheduling = paidFeatures
        linkLocking = paidFeatures
        self.videoBackgrounds = videoBackgrounds
    }

    /// The themes only paid tiers may use.
    public static let premiumThemes: Set<String> = ["agate", "astrid", "aura", "bloom", "breeze"]
}
