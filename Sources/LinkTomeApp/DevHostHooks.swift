import DevHost
import Foundation
import FunctionsHandler
import LinkTomeCore
import Timers

/// What the handler does differently when `linktome dev` started it (`LINKTOME_DEVHOST=1`, which
/// the Functions host never sets):
///
/// - `LINKTOME_DEVHOST_TIME_OFFSET` (seconds, set for `--at`) shifts the clock of the timer tick,
///   the commands and the activities, so the whole app runs at the development host's time;
/// - a timer invocation whose `Metadata.LinkTomeDevHost.RunAll` is `true` (`--once --all`) runs
///   every timer of the catalogue now, each as a manual run under the usual claim, instead of the
///   due ones.
enum DevHostHooks {
    /// Re-registers the three functions with the development host's clock and `RunAll` handling;
    /// does nothing unless the development host started this process.
    static func install(in app: FunctionsApp, functions: TimerFunctions, settings: Settings) {
        guard settings[DevHostOptions.devHostSetting] == "1" else { return }
        var adjusted = functions
        if let offset = settings[DevHostOptions.timeOffsetSetting].flatMap(Double.init) {
            adjusted.clock = OffsetTimeSource(offset: offset)
        }
        let shifted = adjusted
        shifted.register(in: app)
        app.register(TimerFunctions.timerFunction) { invocation in
            let request = invocation.metadata[HostEnvelope.devHostMetadataKey]
            guard request?["RunAll"]?.boolValue == true else { return try await shifted.timerTick(invocation) }
            return try await runAll(invocation, functions: shifted)
        }
    }

    /// Runs every catalogue timer now as a manual run; a timer that is busy or fails is reported in
    /// the log and the answer, and the others still run.
    static func runAll(_ invocation: Invocation, functions: TimerFunctions) async throws -> InvocationResult {
        var durable: (any TimerDurableClient)?
        do {
            durable = try functions.makeDurableClient?(invocation.input("starter"), functions.settings)
        } catch {
            invocation.logger.warning("durable client binding unusable", metadata: ["error": "\(error)"])
        }
        let environment = TimerEnvironment(
            store: functions.store,
            durable: durable,
            registry: functions.registry,
            settings: functions.settings,
            clock: functions.clock,
            logger: invocation.logger
        )
        let catalogue = TimerCatalogue.load(path: functions.cataloguePath, registry: functions.registry)
        let service = TimerService(environment: environment, catalogue: catalogue)
        var results: [String: JSONValue] = [:]
        for timer in catalogue.timers {
            do {
                let run = try await service.runNow(timer.id, requestedBy: "linktome dev --all")
                results[timer.command] = .string("\(run.result)")
            } catch {
                invocation.logger.warning(
                    "timer not run",
                    metadata: ["timer.command": timer.command, "error": "\(error)"]
                )
                results[timer.command] = .string("not run: \(error)")
            }
        }
        for problem in catalogue.problems {
            invocation.logger.warning("timer catalogue problem", metadata: ["problem": "\(problem)"])
        }
        return InvocationResult(returnValue: .object(results))
    }
}
