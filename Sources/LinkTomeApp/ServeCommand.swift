import Foundation
import FunctionsHandler
import LinkTomeCore

/// `linktome serve` (also what `linktome` runs with no arguments, as the Functions host starts it).
enum ServeCommand {
    static let subcommand = Subcommand(name: "serve", summary: "serve the Azure Functions custom handler (default)") {
        await run($0)
    }

    static let usage = """
        usage: linktome serve [--port N] [--echo]

        Serves the custom handler on 127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT (else FUNCTIONS_HTTPWORKER_PORT,
        else 8080) until SIGTERM or SIGINT.

          --port N   listen on port N (0 picks a free port; the log line names it)
          --echo     also serve LinkTomeEcho, which answers an activity-style invocation with its input
                     (used by scripts/bench-http.sh)
        """

    static func run(_ arguments: [String]) async -> Int32 {
        var settings = Settings.process
        var withEcho = false
        var index = 0
        while index < arguments.count {
            switch arguments[index] {
            case "--port" where index + 1 < arguments.count:
                settings.values["FUNCTIONS_CUSTOMHANDLER_PORT"] = arguments[index + 1]
                index += 1
            case "--echo":
                withEcho = true
            case "--help", "-h":
                print(usage)
                return 0
            default:
                StandardStreams.write("linktome serve: unexpected '\(arguments[index])'\n\n\(usage)\n", to: .error)
                return 2
            }
            index += 1
        }

        let logger = Logger(label: "linktome", level: LogLevel(name: settings["LINKTOME_LOG_LEVEL"] ?? "") ?? .info)
        if let level = settings["LINKTOME_LOG_LEVEL"], LogLevel(name: level) == nil {
            logger.warning(
                "unknown log level, using info",
                metadata: [
                    "setting": "LINKTOME_LOG_LEVEL", "value": level, "expected": "trace, debug, info, warning or error",
                ]
            )
        }
        let app = FunctionsApp(logger: logger)
        Entrypoints.register(in: app)
        if withEcho { app.register(EchoEntrypoint.name, EchoEntrypoint()) }
        do {
            // Deployment checks run after the port is bound, so they never delay the host's readiness probe.
            let finalSettings = settings
            try await app.serve(settings: finalSettings, logger: logger) {
                DeploymentChecks.logAtStartup(settings: finalSettings, logger: logger)
            }
            return 0
        } catch {
            logger.error("serve failed", metadata: ["error": "\(error)"])
            return 1
        }
    }
}

/// The `--echo` function: decodes an activity input (`Data.Item`, quoted twice by the host), logs one
/// line and returns the input. The benchmark's Node.js server does exactly the same.
struct EchoEntrypoint: FunctionEntrypoint {
    static let name = "LinkTomeEcho"

    func invoke(_ invocation: Invocation) async throws -> InvocationResult {
        let input = invocation.decodedInput("Item", times: 2) ?? .null
        invocation.logger.info("echo")
        return InvocationResult(returnValue: input)
    }
}
