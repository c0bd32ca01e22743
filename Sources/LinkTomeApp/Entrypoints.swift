import FunctionsHandler
import LinkTomeCore

/// The Swift entrypoints of the app's three functions, in the roles of the PowerShell app's
/// `Receive-LinkTomeTimerTrigger`, `Receive-LinkTomeOrchestrationTrigger` and
/// `Receive-LinkTomeActivityTrigger`.
///
/// These are placeholders that decode their trigger input and answer a JSON placeholder; the timer,
/// durable and job code replace them.
enum Entrypoints {
    static func register(in app: FunctionsApp) {
        app.register("LinkTomeTimer") { invocation in
            let timer = try invocation.input("Timer").map(TimerInfo.init)
            invocation.logger.info(
                "timer fired",
                metadata: [
                    "timer.past_due": "\(timer?.isPastDue ?? false)",
                    "timer.next": timer?.scheduleStatus?.next.map(\.description) ?? "unknown",
                ]
            )
            return placeholder(invocation)
        }
        app.register("LinkTomeOrchestrator") { invocation in
            invocation.logger.info("orchestration episode received")
            return placeholder(invocation)
        }
        app.register("LinkTomeActivity") { invocation in
            invocation.logger.info("activity received")
            return placeholder(invocation)
        }
    }

    private static func placeholder(_ invocation: Invocation) -> InvocationResult {
        InvocationResult(returnValue: ["placeholder": true, "function": .string(invocation.functionName)])
    }
}
