import Foundation
import LinkTomeCore
import TableStorage

/// `linktome table`: inspects the tables of whichever store the app's settings choose, the way
/// Azure Storage Explorer would, and measures the SQLite store.
enum TableCommand {
    static let usage = """
        usage: linktome table list
               linktome table query <table> [--filter <OData>] [--select a,b] [--top N] [--json]
               linktome table bench [--rows N] [--stream-rows N] [--processes N] [--path <file>]

        list   prints the table names, one per line
        query  prints the entities in (PartitionKey, RowKey) order, streamed page by page.
               --filter  an OData $filter, e.g. "PartitionKey eq 'user1' and Count ge 5L"
               --select  custom properties to show (keys and Timestamp always come)
               --top     at most N entities
               --json    one JSON object per line, with @odata.type annotations (the service's form)
               Text output shows each property with its Edm type; strings are JSON-quoted.
        bench  measures SQLite batch upserts and a streamed query (build with -c release), then
               checks that N processes (default 4) incrementing one row conditionally lose nothing

        The store is chosen as the handler chooses it: LINKTOME_STORAGE, LINKTOME_SQLITE_PATH,
        AzureWebJobsStorage (or AzureWebJobsStorage__accountName / __tableServiceUri), else SQLite at
        .linktome/linktome.sqlite. Exit status 1 when the store fails, 2 for a usage error.
        """

    static var subcommand: Subcommand {
        Subcommand(name: "table", summary: "inspect tables: table list | table query <table> [--filter] [--json]") {
            await run($0)
        }
    }

    /// Runs `linktome table <arguments>` and returns the exit status.
    static func run(_ arguments: [String]) async -> Int32 {
        let rest = Array(arguments.dropFirst())
        switch arguments.first {
        case "list": return await list(rest)
        case "query": return await query(rest)
        case "bench": return await TableBenchmark.run(rest)
        case "help", "--help", "-h":
            print(usage)
            return 0
        default:
            return usageError("expected 'list', 'query' or 'bench'")
        }
    }

    private static func list(_ arguments: [String]) async -> Int32 {
        guard arguments.isEmpty else { return usageError("list takes no arguments") }
        return await withStore { store in
            for name in try await store.listTables() { print(name) }
        }
    }

    private static func query(_ arguments: [String]) async -> Int32 {
        let options: QueryOptions
        do {
            options = try QueryOptions(arguments)
        } catch {
            return usageError("\(error)")
        }
        return await withStore { store in
            var count = 0
            let entities = store.query(options.table, filter: options.filter, select: options.select, top: options.top)
            for try await entity in entities.entities {
                if options.json {
                    writeLine(String(decoding: entity.jsonBytes, as: UTF8.self))
                } else {
                    writeLine(describe(entity))
                }
                count += 1
            }
            if !options.json { StandardStreams.write("\(count) entities\n", to: .error) }
        }
    }

    /// The text form of an entity: a header line, then one line per property with its Edm type.
    static func describe(_ entity: TableEntity) -> String {
        var text = "PartitionKey: " + JSONValue.string(entity.partitionKey).jsonText
        text += "  RowKey: " + JSONValue.string(entity.rowKey).jsonText
        if let timestamp = entity.timestamp { text += "  Timestamp: " + timestamp.iso8601(fractionDigits: 7) }
        if let etag = entity.etag { text += "  ETag: " + etag }
        let width = entity.properties.keys.map(\.count).max() ?? 0
        for name in entity.properties.keys.sorted() {
            guard let value = entity.properties[name] else { continue }
            let shown = value.stringValue.map { JSONValue.string($0).jsonText } ?? value.displayText
            text += "\n  " + name.padding(toLength: width, withPad: " ", startingAt: 0)
            text += "  " + value.edmType.padding(toLength: 12, withPad: " ", startingAt: 0) + "  " + shown
        }
        return text
    }

    /// Opens the store the settings choose and runs `body`, mapping failures to exit statuses.
    static func withStore(_ body: (any TableStore) async throws -> Void) async -> Int32 {
        do {
            let store = try TableStoreFactory.makeStore(
                settings: Settings.process,
                logger: .silent,
                options: .existingOnly
            )
            try await body(store)
            return 0
        } catch {
            StandardStreams.write("linktome table: \(error)\n", to: .error)
            return 1
        }
    }

    private static func writeLine(_ text: String) {
        StandardStreams.write(text + "\n", to: .output)
    }

    private static func usageError(_ message: String) -> Int32 {
        StandardStreams.write("linktome table: \(message)\n\n\(usage)\n", to: .error)
        return 2
    }
}

/// The arguments of `linktome table query`.
struct QueryOptions {
    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    var table = ""
    var filter: TableFilter?
    var select: [String]?
    var top: Int?
    var json = false

    init(_ arguments: [String]) throws {
        var index = 0
        func value(_ option: String) throws -> String {
            index += 1
            guard index < arguments.count else { throw Invalid(description: "\(option) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--filter":
                do {
                    filter = try TableFilter(parsing: try value(argument))
                } catch let error as TableStorageError {
                    throw Invalid(description: error.message)
                }
            case "--select":
                select = try value(argument).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            case "--top":
                guard let number = Int(try value(argument)), number > 0 else {
                    throw Invalid(description: "--top needs a positive number")
                }
                top = number
            case "--json":
                json = true
            default:
                guard !argument.hasPrefix("--"), table.isEmpty else {
                    throw Invalid(description: "unexpected argument '\(argument)'")
                }
                table = argument
            }
            index += 1
        }
        guard !table.isEmpty else { throw Invalid(description: "query needs a table name") }
    }
}
