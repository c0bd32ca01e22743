import Foundation
import LinkTomeCore

/// A `linktome` subcommand.
public struct Subcommand: Sendable {
    /// The word after `linktome`.
    public var name: String
    /// One line for the usage text.
    public var summary: String
    /// Runs with the remaining arguments and returns the process exit status.
    public var run: @Sendable ([String]) async -> Int32

    public init(name: String, summary: String, run: @escaping @Sendable ([String]) async -> Int32) {
        self.name = name
        self.summary = summary
        self.run = run
    }
}

/// The `linktome` command line: with no arguments (as the Functions host starts it) it serves the
/// custom handler; otherwise the first argument names an operator command.
public enum LinkTomeCommandLine {
    /// Every subcommand, in the order the usage text lists them.
    static let subcommands: [Subcommand] = [
        Subcommand(name: "help", summary: "show this text, or a command's usage: help <command>") { arguments in
            await help(arguments)
        },
        Subcommand(
            name: "cron",
            summary:
                "check a schedule: cron next \"<expr>\" [--from] [--until] [--count] [--time-zone] | describe | bench"
        ) {
            CronCommand.run($0)
        },
        DurableCommand.subcommand,
        Subcommand(name: "analytics", summary: "measure the analytics aggregation: analytics bench [--events N]") {
            await AnalyticsCommand.run($0)
        },
        Subcommand(
            name: "backup",
            summary: "back up or restore the critical tables: backup run|list|restore <manifest>"
        ) {
            await BackupCommand.run($0)
        },
        Subcommand(name: "health", summary: "print the latest health check, or run one: health [run]") {
            await HealthCommand.run($0)
        },
        Subcommand(name: "retention", summary: "measure the housekeeping jobs: retention bench [--rows N]") {
            await RetentionCommand.run($0)
        },
        ServeCommand.subcommand,
        DoctorCommand.subcommand,
        TimersCommand.subcommand,
        TableCommand.subcommand,
        DevCommand.subcommand,
    ]

    static var usage: String {
        var text = "usage: linktome [command] [arguments]\n\nWith no command, serves the Azure Functions custom "
        text += "handler on FUNCTIONS_CUSTOMHANDLER_PORT.\n\ncommands:\n"
        for command in subcommands {
            text += "  " + command.name.padding(toLength: 10, withPad: " ", startingAt: 0) + command.summary + "\n"
        }
        return text
    }

    /// Runs the command named by `arguments` and returns the exit status.
    public static func run(_ arguments: [String]) async -> Int32 {
        guard let name = arguments.first else {
            return await runDefault()
        }
        if name == "--help" || name == "-h" {
            print(usage)
            return 0
        }
        guard let command = subcommands.first(where: { $0.name == name }) else {
            StandardStreams.write("linktome: unknown command '\(name)'\n\n\(usage)\n", to: .error)
            return 2
        }
        return await command.run(Array(arguments.dropFirst()))
    }

    /// `linktome help`: this usage; `linktome help <command>`: that command's, through `<command> --help`.
    static func help(_ arguments: [String]) async -> Int32 {
        guard let name = arguments.first, name != "help" else {
            print(usage)
            return 0
        }
        guard let command = subcommands.first(where: { $0.name == name }) else {
            let shown = name.escapingControlCharacters
            StandardStreams.write("linktome help: unknown command '\(shown)'\n\n\(usage)\n", to: .error)
            return 2
        }
        return await command.run(["--help"])
    }

    static func runDefault() async -> Int32 {
        if let serve = subcommands.first(where: { $0.name == "serve" }) {
            return await serve.run([])
        }
        print(usage)
        return 0
    }
}
