import LinkTomeCore

/// Builds the one-line messages of the housekeeping jobs, so every job says the same things the same
/// way: what it deleted, what it kept and why, what failed, or that there was nothing to do.
enum RetentionMessage {
    /// `subject` describes the rule, e.g. `SecurityEvents rows older than 90 days (before …)`.
    static func compose(_ counts: RetentionSummary, subject: String, tableMissing: Bool = false) -> String {
        if tableMissing {
            return "Nothing to delete: table \(counts.target) does not exist"
        }
        var text: String
        if counts.nothingToDo {
            text = "Nothing to delete: no \(subject)"
            if counts.examined > 0 {
                text += "; \(counts.examined) examined and kept (\(RetentionSummary.describe(counts.keptBy)))"
            }
            return text
        }
        text = "Deleted \(counts.deleted) \(subject)"
        if counts.deletedBy.count > 1 { text += " (\(RetentionSummary.describe(counts.deletedBy)))" }
        if counts.kept > 0 { text += "; kept \(counts.kept) (\(RetentionSummary.describe(counts.keptBy)))" }
        if counts.vanished > 0 { text += "; \(counts.vanished) were already gone" }
        if counts.failed > 0 {
            text += "; \(counts.failed) failed (\(RetentionSummary.describe(counts.failedBy))) and will be retried"
        }
        return text
    }

    /// Logs the summary at `info`, or `warning` when rows failed.
    static func log(_ summary: RetentionSummary, logger: Logger) {
        let metadata = [
            "command": summary.command, "deleted": String(summary.deleted), "kept": String(summary.kept),
            "failed": String(summary.failed), "examined": String(summary.examined),
        ]
        if summary.failed > 0 {
            logger.warning(summary.message, metadata: metadata)
        } else {
            logger.info(summary.message, metadata: metadata)
        }
    }
}
