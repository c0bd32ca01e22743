import Foundation
import LinkTomeApp

// Everything lives in LinkTomeApp: code in main.swift is MainActor-isolated, and the server's
// threads must not call back into it.
let status = await LinkTomeCommandLine.run(Array(CommandLine.arguments.dropFirst()))
exit(status)
