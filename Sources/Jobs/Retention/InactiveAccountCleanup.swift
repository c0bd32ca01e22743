import Foundation
import LinkTomeCore
import TableStorage

/// `Start-InactiveAccountCleanup` (Sundays at 05:00; a stub in the original): warns free users who have
/// not logged in for a while and, after a grace period with still no login, marks them inactive.
///
/// A user is inactive when `LastLoginAt` (or `LastLogin`; the creation date `CreatedAt` for a user who
/// never logged in) is older than ``Configuration/inactiveMonths`` calendar months. The first run that
/// finds them records a warning in `Notifications` (see ``InactivityNotice``); a run at least
/// ``Configuration/graceDays`` later, with the same last activity, sets `IsActive` false with
/// `DeactivatedReason`, `DeactivatedAt` and `DeactivatedBy` (a merge conditional on the row read, so a
/// login in between wins). Never touched: paid users (any tier but free), administrators (any role
/// containing `admin`), sub-accounts whose parent pays, is an administrator or cannot be found, and
/// users already inactive. A sub-account cannot log in itself, so it counts as active while its parent
/// is. With ``Configuration/dryRun`` nothing is written and the summary says what would have happened.
public enum InactiveAccountCleanup {
    public static let command = "Start-InactiveAccountCleanup"
    public static let table = "Users"
    public static let subAccountsTable = "SubAccounts"
    /// Calendar months without login before a warning (default 12).
    public static let inactiveMonthsSetting = "LINKTOME_INACTIVE_ACCOUNT_MONTHS"
    /// Days between the warning and deactivation (default 30).
    public static let graceDaysSetting = "LINKTOME_INACTIVE_ACCOUNT_GRACE_DAYS"
    /// `true` to only report what would be done (default false).
    public static let dryRunSetting = "LINKTOME_INACTIVE_ACCOUNT_DRY_RUN"

    /// The job's settings.
    public struct Configuration: Sendable, Equatable {
        public var inactiveMonths: Int
        public var graceDays: Int
        public var dryRun: Bool

        public init(inactiveMonths: Int = 12, graceDays: Int = 30, dryRun: Bool = false) {
            self.inactiveMonths = inactiveMonths
            self.graceDays = graceDays
            self.dryRun = dryRun
        }

        /// Reads the three settings, rejecting a period of zero.
        public init(settings: Settings) throws(RetentionError) {
            let reader = RetentionSettingsReader(settings: settings)
            inactiveMonths = try reader.integer(inactiveMonthsSetting, default: 12, in: 1...1_200)
            graceDays = try reader.integer(graceDaysSetting, default: 30, in: 1...3_650)
            dryRun = try reader.bool(dryRunSetting, default: false)
        }
    }

    /// Runs the job once at `now`.
    public static func run(
        store: any TableStore,
        now: Date,
        configuration: Configuration = Configuration(),
        logger: Logger
    ) async throws -> RetentionSummary {
        var pass = InactiveAccountPass(store: store, now: Timestamp(now), configuration: configuration, logger: logger)
        let tableMissing = try await pass.run()

        var summary = pass.counts
        summary.message = message(summary, configuration: configuration, cutoff: pass.inactiveCutoff)
        if tableMissing { summary.message = "Nothing to do: table \(table) does not exist" }
        summary.payload = [
            "UsersExamined": .integer(Int64(summary.examined)),
            "WarnedCount": .integer(Int64(summary.changedBy["warned"] ?? summary.keptBy["wouldWarn"] ?? 0)),
            "DeactivatedCount": .integer(
                Int64(summary.changedBy["deactivated"] ?? summary.keptBy["wouldDeactivate"] ?? 0)
            ),
            "InactiveMonths": .integer(Int64(configuration.inactiveMonths)),
            "GraceDays": .integer(Int64(configuration.graceDays)),
            "DryRun": .bool(configuration.dryRun),
            "InactiveBefore": .string(RetentionTime.text(pass.inactiveCutoff)),
        ]
        RetentionMessage.log(summary, logger: logger)
        return summary
    }

    private static func message(_ summary: RetentionSummary, configuration: Configuration, cutoff: Timestamp) -> String
    {
        let scope = "free users without login since \(RetentionTime.text(cutoff))"
        if configuration.dryRun {
            let warn = summary.keptBy["wouldWarn"] ?? 0
            let deactivate = summary.keptBy["wouldDeactivate"] ?? 0
            return "Dry run over \(summary.examined) users: would warn \(warn) and deactivate \(deactivate) \(scope)"
        }
        guard !summary.nothingToDo else {
            return "Nothing to do: no \(scope) left to warn or deactivate (\(summary.examined) users examined)"
        }
        var text =
            "Warned \(summary.changedBy["warned"] ?? 0) and deactivated \(summary.changedBy["deactivated"] ?? 0) "
        text += scope
        if summary.failed > 0 {
            text += "; \(summary.failed) failed (\(RetentionSummary.describe(summary.failedBy))) and will be retried"
        }
        return text
    }
}
