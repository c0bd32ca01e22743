import LinkTomeCore
import TableStorage

/// The pure planning half of the feature cleanup: given one user's rows of a table and the tier's
/// features, which rows change. Every rule sets a flag when the tier forbids what the row uses and
/// clears it when the tier allows it again (or the row stopped using it), so running twice plans
/// nothing the second time.
enum FeatureCleanupPlan {
    static let apiKeyDisabledReason = "Subscription downgraded"

    /// Pages beyond `maxPages` (default page first, then oldest) get `ExceedsTierLimit=true`.
    static func pages(_ rows: [TableEntity], _ features: TierFeatures) -> [RowChange] {
        orderedPages(rows).enumerated().map { index, row in
            var change = RowChange(row)
            let over = features.maxPages.map { index >= $0 } ?? false
            setFlag(&change, "ExceedsTierLimit", over)
            return change
        }
    }

    /// Default page first, then by `CreatedAt`, then by key.
    static func orderedPages(_ rows: [TableEntity]) -> [TableEntity] {
        rows.sorted { lhs, rhs in
            let lhsDefault = BusinessFields.bool(lhs["IsDefault"]) ?? false
            let rhsDefault = BusinessFields.bool(rhs["IsDefault"]) ?? false
            if lhsDefault != rhsDefault { return lhsDefault }
            return createdOrder(lhs, rhs)
        }
    }

    /// Appearance rows: premium themes (`ExceedsTierLimit`) and video wallpapers (`VideoExceedsTierLimit`).
    static func appearance(_ rows: [TableEntity], _ features: TierFeatures) -> [RowChange] {
        rows.map { row in
            var change = RowChange(row)
            let theme = BusinessFields.text(row["Theme"])?.lowercased() ?? ""
            let usesTheme =
                BusinessFields.bool(row["CustomTheme"]) == true || TierFeatures.premiumThemes.contains(theme)
            setFlag(&change, "ExceedsTierLimit", usesTheme && !features.customThemes)
            let usesVideo =
                BusinessFields.text(row["WallpaperType"])?.lowercased() == "video"
                || BusinessFields.text(row["WallpaperVideoUrl"]) != nil
            setFlag(&change, "VideoExceedsTierLimit", usesVideo && !features.videoBackgrounds)
            return change
        }
    }

    /// API keys (a key without `Active` is active): the newest active keys beyond the limit are
    /// disabled with reason "Subscription downgraded"; below the limit, keys disabled for that
    /// reason are re-enabled, oldest first, while there is room.
    static func apiKeys(_ rows: [TableEntity], _ features: TierFeatures) -> [RowChange] {
        let ordered = rows.sorted(by: createdOrder)
        let active = ordered.filter { BusinessFields.bool($0["Active"]) ?? true }
        var changes: [RowChange] = []
        if let limit = features.maxApiKeys, active.count > limit {
            for row in active.dropFirst(limit) {
                var change = RowChange(row)
                change.assign("Active", .bool(false))
                change.assign("DisabledReason", .string(apiKeyDisabledReason))
                changes.append(change)
            }
            return changes
        }
        var room = features.maxApiKeys.map { $0 - active.count } ?? Int.max
        for row in ordered where room > 0 {
            guard BusinessFields.bool(row["Active"]) == false,
                BusinessFields.text(row["DisabledReason"]) == apiKeyDisabledReason
            else { continue }
            var change = RowChange(row)
            change.assign("Active", .bool(true))
            change.clear("DisabledReason")
            changes.append(change)
            room -= 1
        }
        return changes
    }

    /// Links: active links beyond `maxLinks` (ordered by page, then `Order`) are deactivated and
    /// marked `ExceedsTierLimit`; marked links are re-activated while there is room. Premium flags
    /// (`LayoutExceedsTier`, `AnimationExceedsTier`, `ScheduleExceedsTier`, `LockExceedsTier`) follow
    /// the tier's switches. `pageRank` orders pages (see ``orderedPages(_:)``).
    static func links(_ rows: [TableEntity], _ features: TierFeatures, pageRank: [String: Int]) -> [RowChange] {
        let ordered = rows.sorted { lhs, rhs in
            let lhsPage = pageRank[BusinessFields.text(lhs["PageId"]) ?? ""] ?? Int.max
            let rhsPage = pageRank[BusinessFields.text(rhs["PageId"]) ?? ""] ?? Int.max
            if lhsPage != rhsPage { return lhsPage < rhsPage }
            let lhsOrder = BusinessFields.int(lhs["Order"]) ?? Int.max
            let rhsOrder = BusinessFields.int(rhs["Order"]) ?? Int.max
            if lhsOrder != rhsOrder { return lhsOrder < rhsOrder }
            return TableKeyOrder.less(lhs.rowKey, rhs.rowKey)
        }
        var changes = ordered.map { row in
            var change = RowChange(row)
            premiumLinkFlags(&change, features)
            return change
        }
        let activeIndexes = changes.indices.filter { BusinessFields.bool(changes[$0].original["Active"]) ?? true }
        if let limit = features.maxLinks, activeIndexes.count > limit {
            for index in activeIndexes.dropFirst(limit) {
                changes[index].assign("Active", .bool(false))
                changes[index].assign("ExceedsTierLimit", .bool(true))
            }
            return changes
        }
        var room = features.maxLinks.map { $0 - activeIndexes.count } ?? Int.max
        for index in changes.indices where BusinessFields.bool(changes[index].original["ExceedsTierLimit"]) == true {
            if room > 0, BusinessFields.bool(changes[index].original["Active"]) == false {
                changes[index].assign("Active", .bool(true))
                room -= 1
                changes[index].clear("ExceedsTierLimit")
            } else if BusinessFields.bool(changes[index].original["Active"]) ?? true {
                changes[index].clear("ExceedsTierLimit")
            }
        }
        return changes
    }

    private static func premiumLinkFlags(_ change: inout RowChange, _ features: TierFeatures) {
        let row = change.original
        let layout = BusinessFields.text(row["Layout"])?.lowercased()
        setFlag(&change, "LayoutExceedsTier", layout != nil && layout != "classic" && !features.customLayouts)
        let animation = BusinessFields.text(row["Animation"])?.lowercased()
        setFlag(&change, "AnimationExceedsTier", animation != nil && animation != "none" && !features.linkAnimations)
        let scheduled = BusinessFields.bool(row["ScheduleEnabled"]) == true
        setFlag(&change, "ScheduleExceedsTier", scheduled && !features.linkScheduling)
        let locked = BusinessFields.bool(row["LockEnabled"]) == true
        setFlag(&change, "LockExceedsTier", locked && !features.linkLocking)
    }

    /// Short links beyond `maxShortLinks` (oldest first) get `ExceedsTierLimit=true`.
    static func shortLinks(_ rows: [TableEntity], _ features: TierFeatures) -> [RowChange] {
        rows.sorted(by: createdOrder).enumerated().map { index, row in
            var change = RowChange(row)
            setFlag(&change, "ExceedsTierLimit", features.maxShortLinks.map { index >= $0 } ?? false)
            return change
        }
    }

    /// Sets a flag to `true`, or clears a `true` flag to `false`; an absent flag that should be off
    /// stays absent.
    static func setFlag(_ change: inout RowChange, _ name: String, _ on: Bool) {
        if on {
            change.assign(name, .bool(true))
        } else if BusinessFields.bool(change.original[name]) == true {
            change.assign(name, .bool(false))
        }
    }

    /// Oldest `CreatedAt` first (rows without one last), then by RowKey. The store's `Timestamp` is
    /// not used: it changes with every write, and the order must not change because of this job's writes.
    static func createdOrder(_ lhs: TableEntity, _ rhs: TableEntity) -> Bool {
        let lhsCreated = BusinessFields.instant(lhs["CreatedAt"])
        let rhsCreated = BusinessFields.instant(rhs["CreatedAt"])
        switch (lhsCreated, rhsCreated) {
        case (let left?, let right?) where left != right: return left < right
        case (.some, nil): return true
        case (nil, .some): return false
        default: return TableKeyOrder.less(lhs.rowKey, rhs.rowKey)
        }
    }
}

extension FeatureCleanupPlan {
    static let noSubAccountsReason = "Parent subscription no longer includes sub-accounts"
    static let quantityReducedReason = "Parent subscription quantity reduced"

    /// Sub-account users of one parent: `limit = max(0, quantity − 1)`, and 0 on the free tier.
    /// Relationships beyond the limit (oldest kept) disable their user; allowed ones re-enable a
    /// user this rule disabled; every sub-account that stores a tier gets the parent's.
    ///
    /// - Parameters:
    ///   - relationships: the parent's `SubAccounts` rows (RowKey = sub-account id).
    ///   - users: the sub-account `Users` rows by sub-account id.
    static func subAccounts(
        relationships: [TableEntity],
        users: [String: TableEntity],
        tier: SubscriptionTier,
        quantity: Int
    ) -> [RowChange] {
        let limit = tier == .free ? 0 : max(0, quantity - 1)
        let ours: Set<String> = [noSubAccountsReason, quantityReducedReason]
        var changes: [RowChange] = []
        for (index, relationship) in relationships.sorted(by: createdOrder).enumerated() {
            guard let user = users[relationship.rowKey] else { continue }
            var change = RowChange(user)
            let disabled = BusinessFields.bool(user["Disabled"]) == true
            let reason = BusinessFields.text(user["DisabledReason"]) ?? ""
            if index >= limit {
                if !disabled || ours.contains(reason) {
                    change.assign("Disabled", .bool(true))
                    change.assign("DisabledReason", .string(limit == 0 ? noSubAccountsReason : quantityReducedReason))
                }
            } else if disabled, ours.contains(reason) {
                change.assign("Disabled", .bool(false))
                change.clear("DisabledReason")
            }
            if let stored = BusinessFields.text(user["SubscriptionTier"]), stored != tier.rawValue {
                change.assign("SubscriptionTier", .string(tier.rawValue))
            }
            changes.append(change)
        }
        return changes
    }
}
