import Foundation
import LinkTomeCore
import TableStorage
import Timers

/// Registers the seven housekeeping commands with the timer registry.
///
/// Each command reads its settings from the context (a malformed setting fails the run with a
/// message naming it), applies the catalogue entry's `Parameters`, runs at the context's clock, and
/// completes with the job's ``RetentionSummary`` JSON. A run whose rows partly failed completes with
/// `Status: CompletedWithErrors` and the failure counts; the failed rows are retried by the next run.
public enum RetentionJobs {
    /// The command names this registers.
    public static let commandNames = [
        SecurityEventCleanup.command, RateLimitCleanup.command, TwoFactorSessionCleanup.command,
        RefreshTokenCleanup.command, FeatureUsageCleanup.command, InactiveAccountCleanup.command,
        DurableCleanup.command,
    ]

    /// Registers the commands.
    ///
    /// - Parameter durableClient: the task-hub client for `Start-DurableCleanup`; by default the
    ///   webhook client behind the context's durable client (or the context's client itself when it
    ///   offers the maintenance operations). Without one the durable cleanup fails saying so.
    public static func register(
        into registry: inout TimerRegistry,
        durableClient: (@Sendable (TimerCommandContext) -> (any DurableMaintenanceClient)?)? = nil
    ) {
        registry.register(SecurityEventCleanup.command, parameters: RetentionParameters.self) { parameters, context in
            var configuration = try SecurityEventCleanup.Configuration(settings: context.settings)
            if let days = try parameters.retentionDays() { configuration.retentionDays = days }
            let summary = try await SecurityEventCleanup.run(
                store: context.store,
                now: context.now,
                configuration: configuration,
                logger: context.logger
            )
            return .completed(summary.json)
        }
        registry.register(RateLimitCleanup.command) { context in
            let windows = try RateLimitWindows(settings: context.settings)
            let summary = try await RateLimitCleanup.run(
                store: context.store,
                now: context.now,
                windows: windows,
                logger: context.logger
            )
            return .completed(summary.json)
        }
        registry.register(TwoFactorSessionCleanup.command) { context in
            .completed(
                try await TwoFactorSessionCleanup.run(store: context.store, now: context.now, logger: context.logger)
                    .json
            )
        }
        registry.register(RefreshTokenCleanup.command) { context in
            .completed(
                try await RefreshTokenCleanup.run(store: context.store, now: context.now, logger: context.logger).json
            )
        }
        registerFeatureUsage(into: &registry)
        registerInactiveAccounts(into: &registry)
        registerDurable(into: &registry, durableClient: durableClient)
    }

    private static func registerFeatureUsage(into registry: inout TimerRegistry) {
        registry.register(FeatureUsageCleanup.command, parameters: RetentionParameters.self) { parameters, context in
            var configuration = try FeatureUsageCleanup.Configuration(settings: context.settings)
            if let days = try parameters.retentionDays() { configuration.retentionDays = days }
            let summary = try await FeatureUsageCleanup.run(
                store: context.store,
                now: context.now,
                configuration: configuration,
                logger: context.logger
            )
            return .completed(summary.json)
        }
    }

    private static func registerInactiveAccounts(into registry: inout TimerRegistry) {
        registry.register(InactiveAccountCleanup.command, parameters: InactiveAccountParameters.self) {
            parameters,
            context in
            var configuration = try InactiveAccountCleanup.Configuration(settings: context.settings)
            try parameters.apply(to: &configuration)
            let summary = try await InactiveAccountCleanup.run(
                store: context.store,
                now: context.now,
                configuration: configuration,
                logger: context.logger
            )
            return .completed(summary.json)
        }
    }

    private static func registerDurable(
        into registry: inout TimerRegistry,
        durableClient: (@Sendable (TimerCommandContext) -> (any DurableMaintenanceClient)?)?
    ) {
        registry.register(DurableCleanup.command, parameters: DurableCleanupParameters.self) { parameters, context in
            let configuration = try DurableCleanup.Configuration(settings: context.settings).applying(parameters)
            let client =
                durableClient?(context) ?? (context.durable as? any DurableMaintenanceClient)
                ?? context.durable?.webhookClient.map { DurableWebhookMaintenance($0) }
            guard let client else {
                throw RetentionError.durableClientUnavailable(
                    "no durable client with list, purge and terminate is available to this run"
                )
            }
            let summary = try await DurableCleanup.run(
                client: client,
                store: context.store,
                now: context.now,
                configuration: configuration,
                timerPolicy: TimerPolicy(settings: context.settings),
                logger: context.logger
            )
            return .completed(summary.json)
        }
    }
}

/// `RetentionDays` from a catalogue entry's `Parameters`.
struct RetentionParameters: Decodable, Sendable {
    var days: Int?

    enum CodingKeys: String, CodingKey {
        case days = "RetentionDays"
    }

    /// The days, checked to be 1...36500.
    func retentionDays() throws(RetentionError) -> Int? {
        guard let days else { return nil }
        guard (1...36_500).contains(days) else {
            throw .invalidSetting(name: "RetentionDays", value: String(days), expected: "an integer from 1 to 36500")
        }
        return days
    }
}

/// `InactiveMonths`, `GraceDays` and `DryRun` from a catalogue entry's `Parameters`.
struct InactiveAccountParameters: Decodable, Sendable {
    var inactiveMonths: Int?
    var graceDays: Int?
    var dryRun: Bool?

    enum CodingKeys: String, CodingKey {
        case inactiveMonths = "InactiveMonths"
        case graceDays = "GraceDays"
        case dryRun = "DryRun"
    }

    func apply(to configuration: inout InactiveAccountCleanup.Configuration) throws(RetentionError) {
        if let inactiveMonths {
            guard (1...1_200).contains(inactiveMonths) else {
                throw .invalidSetting(name: "InactiveMonths", value: String(inactiveMonths), expected: "1 to 1200")
            }
            configuration.inactiveMonths = inactiveMonths
        }
        if let graceDays {
            guard (1...3_650).contains(graceDays) else {
                throw .invalidSetting(name: "GraceDays", value: String(graceDays), expected: "1 to 3650")
            }
            configuration.graceDays = graceDays
        }
        if let dryRun { configuration.dryRun = dryRun }
    }
}
