import Foundation
import LinkTomeCore
import LinkTomeHTTP

/// Which table store the app uses, decided from its settings (see ``resolve(settings:workingDirectory:)``).
public enum StorageConfiguration: Sendable, Equatable {
    /// Azure Table Storage reached with a connection string (key, SAS or the development account).
    case azure(AzureConnectionString, setting: String)
    /// Azure Table Storage reached with a managed identity's bearer tokens.
    case azureIdentity(AzureIdentityConnection, setting: String)
    /// A local SQLite file.
    case sqlite(path: String, setting: String?)
    /// Process memory (tests and throwaway runs only).
    case memory(setting: String)

    /// Explicit store for this app: an Azure connection string, or `sqlite`, `sqlite:<path>`, `memory`.
    public static let storageSetting = "LINKTOME_STORAGE"
    /// Explicit SQLite database path (relative paths are under the working directory).
    public static let sqlitePathSetting = "LINKTOME_SQLITE_PATH"
    /// The Functions host's storage connection, used when no explicit setting is given.
    public static let webJobsSetting = "AzureWebJobsStorage"
    /// The default SQLite path under the working directory.
    public static let defaultSQLitePath = ".linktome/linktome.sqlite"

    /// Chooses the store. An explicit project setting wins: `LINKTOME_STORAGE`, then
    /// `LINKTOME_SQLITE_PATH` (which also gives the path when `LINKTOME_STORAGE=sqlite`). Otherwise `AzureWebJobsStorage` (a connection string), or its
    /// identity-based form `AzureWebJobsStorage__tableServiceUri` / `AzureWebJobsStorage__accountName`
    /// (with optional `__clientId`), means Azure. Otherwise SQLite at `.linktome/linktome.sqlite`
    /// under the working directory (under `/tmp` when `WEBSITE_INSTANCE_ID` says this is an Azure host).
    ///
    /// - Throws: ``TableStorageError`` of kind `configuration` naming the setting that is malformed.
    public static func resolve(
        settings: Settings,
        workingDirectory: String
    ) throws(TableStorageError)
        -> StorageConfiguration
    {
        if let explicit = settings[storageSetting] {
            return try fromExplicit(explicit, settings: settings, workingDirectory: workingDirectory)
        }
        if let path = settings[sqlitePathSetting] {
            return .sqlite(path: absolute(path, under: workingDirectory), setting: sqlitePathSetting)
        }
        if let connection = settings[webJobsSetting] {
            return .azure(
                try AzureConnectionString(parsing: connection, setting: webJobsSetting),
                setting: webJobsSetting
            )
        }
        if let identity = try AzureIdentityConnection(settings: settings, prefix: webJobsSetting) {
            return .azureIdentity(identity, setting: webJobsSetting + "__*")
        }
        return .sqlite(path: defaultSQLitePath(settings: settings, workingDirectory: workingDirectory), setting: nil)
    }

    /// The default database path: `.linktome/linktome.sqlite` under the working directory, or under
    /// `/tmp` on an Azure host (`WEBSITE_INSTANCE_ID` set), where the app directory may be a read-only package.
    private static func defaultSQLitePath(settings: Settings, workingDirectory: String) -> String {
        let base = settings["WEBSITE_INSTANCE_ID"] != nil ? "/tmp" : workingDirectory
        return absolute(defaultSQLitePath, under: base)
    }

    private static func fromExplicit(
        _ value: String,
        settings: Settings,
        workingDirectory: String
    ) throws(TableStorageError)
        -> StorageConfiguration
    {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "memory" { return .memory(setting: storageSetting) }
        if trimmed.lowercased() == "sqlite" {
            // A bare `sqlite` picks the kind; the path still comes from LINKTOME_SQLITE_PATH or the default.
            if let path = settings[sqlitePathSetting] {
                return .sqlite(path: absolute(path, under: workingDirectory), setting: sqlitePathSetting)
            }
            let path = defaultSQLitePath(settings: settings, workingDirectory: workingDirectory)
            return .sqlite(path: path, setting: storageSetting)
        }
        if trimmed.lowercased().hasPrefix("sqlite:") {
            let path = String(trimmed.dropFirst("sqlite:".count))
            guard !path.isEmpty else {
                throw TableStorageError(
                    .configuration,
                    code: "InvalidSetting",
                    message: "\(storageSetting)=sqlite: needs a path"
                )
            }
            return .sqlite(path: absolute(path, under: workingDirectory), setting: storageSetting)
        }
        return .azure(try AzureConnectionString(parsing: trimmed, setting: storageSetting), setting: storageSetting)
    }

    private static func absolute(_ path: String, under directory: String) -> String {
        if path.hasPrefix("/") { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }

    /// A log-safe one-line description: the kind, where, and which setting chose it (never a key).
    public var summary: String {
        switch self {
        case .azure(let connection, let setting):
            return "Azure Table Storage at \(connection.tableEndpoint) (from \(setting))"
        case .azureIdentity(let identity, let setting):
            return "Azure Table Storage at \(identity.tableEndpoint) with a managed identity (from \(setting))"
        case .sqlite(let path, let setting): return "SQLite at \(path) (from \(setting ?? "the default"))"
        case .memory(let setting): return "in-memory store (from \(setting))"
        }
    }
}

/// Builds the store the settings choose; every entry point (handler, CLI, dev host) goes through here.
public enum TableStoreFactory {
    /// The store chosen by `settings` (see ``StorageConfiguration/resolve(settings:workingDirectory:)``).
    ///
    /// - Parameters:
    ///   - settings: the app settings (environment).
    ///   - workingDirectory: the base of relative SQLite paths; defaults to the process's.
    ///   - transport: the HTTP client for Azure; `nil` uses LinkTomeHTTP's `HTTPClient`.
    ///   - logger: receives one `debug` line naming the chosen store, and the stores' retry notes.
    ///   - options: how to open it; read-only commands pass ``TableStoreOpenOptions/readingOnly``.
    public static func makeStore(
        settings: Settings,
        workingDirectory: String = FileManager.default.currentDirectoryPath,
        transport: (any HTTPTransport)? = nil,
        logger: Logger,
        options: TableStoreOpenOptions = TableStoreOpenOptions()
    ) throws -> any TableStore {
        let configuration = try StorageConfiguration.resolve(settings: settings, workingDirectory: workingDirectory)
        logger.debug("table store chosen", metadata: ["storage": configuration.summary])
        return try makeStore(configuration, settings: settings, transport: transport, logger: logger, options: options)
    }

    /// The store for an already resolved configuration.
    public static func makeStore(
        _ configuration: StorageConfiguration,
        settings: Settings,
        transport: (any HTTPTransport)? = nil,
        logger: Logger,
        options: TableStoreOpenOptions = TableStoreOpenOptions()
    ) throws -> any TableStore {
        switch configuration {
        case .memory:
            return InMemoryTableStore()
        case .sqlite(let path, _):
            return try SQLiteTableStore(path: path, options: options)
        case .azure(let connection, _):
            return try AzureTableStore(
                connection: connection,
                transport: transport ?? HTTPClient(settings: settings),
                logger: logger
            )
        case .azureIdentity(let identity, _):
            let http = try transport ?? HTTPClient(settings: settings)
            let tokens = try ManagedIdentityTokenProvider(
                settings: settings,
                clientId: identity.clientId,
                transport: http
            )
            return try AzureTableStore(
                endpoint: identity.tableEndpoint,
                credential: .bearer(tokens),
                transport: http,
                logger: logger
            )
        }
    }
}
