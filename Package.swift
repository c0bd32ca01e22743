// swift-tools-version:6.0
import PackageDescription

/// Static archives keep the shipped executable free of the host's SQLite and OpenSSL.
let staticSQLite: [LinkerSetting] = [.linkedLibrary(":libsqlite3.a"), .linkedLibrary("m"), .linkedLibrary("dl")]
let staticOpenSSL: [LinkerSetting] = [
    .linkedLibrary(":libssl.a"), .linkedLibrary(":libcrypto.a"), .linkedLibrary("dl"),
]

let package = Package(
    name: "LinkTomeTimers",
    products: [
        .executable(name: "linktome", targets: ["linktome"])
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", providers: [.apt(["libssl-dev"])]),

        .target(name: "LinkTomeCore"),
        .target(name: "LinkTomeHTTP", dependencies: ["LinkTomeCore", "COpenSSL"], linkerSettings: staticOpenSSL),
        .target(name: "FunctionsHandler", dependencies: ["LinkTomeCore", "LinkTomeHTTP"]),
        .target(name: "Cron", dependencies: ["LinkTomeCore"]),
        .target(
            name: "TableStorage",
            dependencies: ["LinkTomeCore", "LinkTomeHTTP", "CSQLite", "COpenSSL"],
            linkerSettings: staticSQLite
        ),
        .target(name: "Durable", dependencies: ["LinkTomeCore", "LinkTomeHTTP"]),
        .target(
            name: "Timers",
            dependencies: ["LinkTomeCore", "FunctionsHandler", "Cron", "TableStorage", "Durable"]
        ),
        .target(name: "Jobs", dependencies: ["LinkTomeCore", "TableStorage", "Durable", "Timers", "LinkTomeHTTP"]),
        .target(
            name: "DevHost",
            dependencies: ["LinkTomeCore", "LinkTomeHTTP", "FunctionsHandler", "Cron", "TableStorage", "Durable"]
        ),
        .target(
            name: "LinkTomeApp",
            dependencies: [
                "LinkTomeCore", "LinkTomeHTTP", "FunctionsHandler", "Cron", "TableStorage", "Durable", "Timers",
                "Jobs", "DevHost",
            ]
        ),
        .executableTarget(name: "linktome", dependencies: ["LinkTomeApp"]),

        .testTarget(name: "LinkTomeCoreTests", dependencies: ["LinkTomeCore"]),
        .testTarget(name: "LinkTomeHTTPTests", dependencies: ["LinkTomeHTTP"]),
        .testTarget(name: "FunctionsHandlerTests", dependencies: ["FunctionsHandler", "LinkTomeHTTP"]),
        .testTarget(name: "CronTests", dependencies: ["Cron"]),
        .testTarget(name: "TableStorageTests", dependencies: ["TableStorage"]),
        .testTarget(name: "DurableTests", dependencies: ["Durable", "LinkTomeHTTP"]),
        .testTarget(name: "TimersTests", dependencies: ["Timers", "TableStorage", "Durable", "Cron"]),
        .testTarget(name: "JobsTests", dependencies: ["Jobs", "Timers", "TableStorage", "Durable"]),
        .testTarget(name: "DevHostTests", dependencies: ["DevHost", "LinkTomeApp", "TableStorage", "Durable"]),
    ]
)
