import Foundation
import LinkTomeCore

/// `linktome doctor`: runs the deployment checks against an app root and prints the findings.
enum DoctorCommand {
    static let usage = """
        usage: linktome doctor [--app-root DIR] [--probe-url URL]

        Checks a deployed (or packaged) app for the mistakes that stop a custom handler from working:
        worker runtime, host.json, function folders, trigger and durable bindings (names, types, timer
        schedule, disabled functions), extension bundle, the timer catalogue (LINKTOME_TIMERS_FILE or
        LinkTomeTimers.json, checked against the registered commands) and storage settings. Prints one
        line per finding; exits 1 if any is an error.

          --app-root DIR   the app to check (default: FUNCTIONS_APP_ROOT_PATH, AzureWebJobsScriptRoot,
                           or the current directory)
          --probe-url URL  also send GET URL with the handler's HTTP client and report the outcome; for
                           https, LINKTOME_CA_FILE names extra PEM certificates to trust
        """

    struct Options {
        var appRoot: URL?
        var probeURL: String?
    }

    static let subcommand = Subcommand(name: "doctor", summary: "check the app's deployment and say how to fix it") {
        arguments in
        await run(arguments, settings: .process)
    }

    static func run(_ arguments: [String], settings: Settings) async -> Int32 {
        if arguments.contains("-h") || arguments.contains("--help") {
            print(usage)
            return 0
        }
        let options: Options
        switch parse(arguments) {
        case .success(let parsed): options = parsed
        case .failure(let problem):
            writeError("linktome doctor: \(problem.text)\n\n\(usage)\n")
            return 2
        }

        let appRoot = options.appRoot ?? DeploymentChecks.defaultAppRoot(settings: settings)
        let findings = DeploymentChecks.run(appRoot: appRoot, settings: settings, commands: AppTimers.commandNames)
        print("linktome built with \(BuildInfo.summary)")
        print("checking \(appRoot.path)")
        for finding in findings {
            print(finding.description)
        }
        let errors = findings.filter { $0.severity == .error }.count
        print("\(errors) error(s), \(findings.count - errors) warning(s)")

        var status: Int32 = errors > 0 ? 1 : 0
        if let probe = options.probeURL {
            let ok = await DoctorProbe.run(probe, settings: settings)
            if !ok { status = 1 }
        }
        return status
    }

    static func parse(_ arguments: [String]) -> Result<Options, AppFileProblem> {
        var options = Options()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--app-root", "--probe-url":
                guard index + 1 < arguments.count else {
                    return .failure(AppFileProblem(text: "\(argument) needs a value"))
                }
                let value = arguments[index + 1]
                if argument == "--app-root" {
                    options.appRoot = URL(fileURLWithPath: value, isDirectory: true)
                } else {
                    options.probeURL = value
                }
                index += 2
            default:
                return .failure(AppFileProblem(text: "unknown argument '\(argument)'"))
            }
        }
        return .success(options)
    }

    static func writeError(_ text: String) {
        StandardStreams.write(text, to: .error)
    }
}
