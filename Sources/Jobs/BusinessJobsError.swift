/// Why a business timer command (subscriptions, analytics, billing, scheduled tasks, backups, health)
/// could not do its work. Per-row problems are counted in the command's result instead; these errors
/// stop a whole run or one work item.
public struct BusinessJobsError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, to switch on.
    public enum Kind: String, Sendable, Hashable {
        /// A setting has a value the command cannot use.
        case invalidSetting
        /// A work item (activity input) is malformed.
        case invalidWorkItem
        /// A stored row cannot be read as the command needs it.
        case invalidRow
        /// A backup file or manifest is missing, unreadable or fails its checksum.
        case invalidBackup
        /// A restore target is not empty.
        case restoreTargetNotEmpty
        /// The payment provider refused a request or answered something unreadable.
        case paymentProvider
        /// A file could not be read or written.
        case fileSystem
        /// An injected fault (tests only) stopped the run at a named stage.
        case injectedFault
    }

    public var kind: Kind
    /// A log-ready sentence naming the setting, row, file or stage.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
