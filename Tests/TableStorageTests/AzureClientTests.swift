import Foundation
import LinkTomeCore
import LinkTomeHTTP
import Testing

@testable import TableStorage

@Suite("Azure client pieces")
struct AzureClientTests {
    @Test("HMAC-SHA256 through libcrypto matches RFC 4231 test case 2")
    func hmacVector() {
        let digest = AzureSharedKey.hmacSHA256(
            key: Array("Jefe".utf8),
            message: Array("what do ya want for nothing?".utf8)
        )
        #expect(TableFilter.hex(digest) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("the string to sign has five lines and the account twice for path-style URLs")
    func stringToSign() {
        let text = AzureSharedKey.stringToSign(
            method: "GET",
            contentType: "",
            date: "Thu, 03 Dec 2026 16:19:50 GMT",
            account: "devstoreaccount1",
            path: "/devstoreaccount1/sdktest()",
            query: "$filter=A%20eq%201&comp=list"
        )
        #expect(
            text == "GET\n\n\nThu, 03 Dec 2026 16:19:50 GMT\n/devstoreaccount1/devstoreaccount1/sdktest()?comp=list"
        )
    }

    @Test("x-ms-date is RFC 1123 with the weekday")
    func httpDate() throws {
        let instant = try #require(Timestamp(iso8601: "2026-12-03T16:19:50.999Z"))
        #expect(AzureSharedKey.httpDate(instant) == "Thu, 03 Dec 2026 16:19:50 GMT")
        #expect(AzureSharedKey.httpDate(Timestamp(seconds: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(
            AzureSharedKey.httpDate(try #require(Timestamp(iso8601: "2024-02-29T23:59:59Z")))
                == "Thu, 29 Feb 2024 23:59:59 GMT"
        )
    }

    @Test("keys in URLs double quotes and percent-encode everything but unreserved characters")
    func keyEscaping() {
        #expect(AzureEncoding.keyLiteral("r'1") == "r%27%271")
        #expect(AzureEncoding.keyLiteral("a&b 50%+ü") == "a%26b%2050%25%2B%C3%BC")
        #expect(
            AzureTableStore.entityPath("t", "O'Brien", "x")
                == "/t(PartitionKey='O%27%27Brien',RowKey='x')"
        )
    }

    @Test("connection strings: development storage, account key, endpoint suffix, table endpoint, SAS")
    func connectionStrings() throws {
        let development = try AzureConnectionString(parsing: "UseDevelopmentStorage=true")
        #expect(development.tableEndpoint == "http://127.0.0.1:10002/devstoreaccount1")
        #expect(development.accountName == "devstoreaccount1")

        let key = "a2V5PT0="
        let account = try AzureConnectionString(
            parsing:
                "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=\(key);EndpointSuffix=core.chinacloudapi.cn"
        )
        #expect(account.tableEndpoint == "https://acct.table.core.chinacloudapi.cn")
        #expect(account.accountKey == key)
        #expect(!account.description.contains(key))

        let explicit = try AzureConnectionString(
            parsing: "accountname=acct;accountkey=\(key);TableEndpoint=https://x.example/;"
        )
        #expect(explicit.tableEndpoint == "https://x.example")

        let sas = try AzureConnectionString(
            parsing: "TableEndpoint=https://acct.table.core.windows.net;SharedAccessSignature=sv=1&sig=a%3D"
        )
        #expect(sas.sharedAccessSignature == "sv=1&sig=a%3D")
        #expect(sas.accountName == "acct")

        for bad in [
            "AccountName=acct", "nonsense", "TableEndpoint=ftp://x;AccountKey=\(key)", "AccountName=a;AccountKey=%%%",
        ] {
            #expect(throws: TableStorageError.self) { try AzureConnectionString(parsing: bad) }
        }
    }

    @Test("a malformed TableEndpoint is rejected up front, and a bad port is called out of range")
    func endpointProblems() {
        let key = "a2V5PT0="
        func message(_ endpoint: String) -> String? {
            do {
                _ = try AzureConnectionString(parsing: "AccountName=a;AccountKey=\(key);TableEndpoint=\(endpoint)")
                return nil
            } catch {
                return error.message
            }
        }
        #expect(message("http://[::1/x") != nil)
        #expect(message("http://[::1]:10002/devstoreaccount1") == nil)
        #expect(message("http://127.0.0.1:99999/x")?.contains("port 99999, which is out of range") == true)
        #expect(message("http://127.0.0.1:0/x")?.contains("out of range") == true)
        #expect(message("ftp://x")?.contains("not an http(s) URL") == true)
    }

    @Test("error bodies map to kinds, codes, messages and batch indexes")
    func errorMapping() {
        let body =
            #"{"odata.error":{"code":"EntityAlreadyExists","message":{"lang":"en-US","value":"1:The specified entity already exists.\nRequestId:x\nTime:y"}}}"#
        let error = AzureTableStore.error(
            from: HTTPResponse(
                status: 409,
                headers: HTTPHeaders([("x-ms-error-code", "EntityAlreadyExists")]),
                body: Array(body.utf8)
            ),
            mayHaveBeenApplied: false
        )
        #expect(error.kind == .conflict)
        #expect(error.failedOperationIndex == 1)
        #expect(error.message == "The specified entity already exists.")
        #expect(AzureTableStore.kind(status: 400, code: "PropertyValueTooLarge") == .tooLarge)
        #expect(AzureTableStore.kind(status: 503, code: "ServerBusy") == .throttled)
        #expect(AzureTableStore.kind(status: 403, code: "AuthenticationFailed") == .unauthorized)
        #expect(AzureRetryPolicy.isRetryable(status: 408) && !AzureRetryPolicy.isRetryable(status: 409))
    }
}

@Suite("Azure transport failures")
struct AzureTransportTests {
    @Test("a refused connection is retried, then reported as unavailable and not applied")
    func refusedConnection() async throws {
        let counter = RequestCounter()
        let store = try AzureTableStore(
            endpoint: "http://127.0.0.1:1/devstoreaccount1",
            credential: .sharedKey(accountName: "devstoreaccount1", accountKey: Array("key".utf8)),
            transport: CountingTransport(counter: counter),
            retry: AzureRetryPolicy(maximumRetries: 2, initialDelay: 0.01, maximumDelay: 0.02)
        )
        let error = await capture { try await store.insert(TableEntity(partitionKey: "p", rowKey: "r"), into: "Tbl") }
        #expect(error?.kind == .unavailable)
        #expect(error?.mayHaveBeenApplied == false)
        #expect(counter.value == 3)
        #expect(error?.message.contains("http://127.0.0.1:1/devstoreaccount1/Tbl") == true)
    }

    @Test("retries stop once the total time limit is spent, however many the policy allows")
    func retryBudget() async throws {
        let counter = RequestCounter()
        let store = try AzureTableStore(
            endpoint: "http://127.0.0.1:1/devstoreaccount1",
            credential: .sharedKey(accountName: "devstoreaccount1", accountKey: Array("key".utf8)),
            transport: CountingTransport(counter: counter),
            retry: AzureRetryPolicy(maximumRetries: 1_000, initialDelay: 0.05, maximumDelay: 0.05, totalTimeLimit: 0.4)
        )
        let started = ContinuousClock.now
        let error = await capture { try await store.listTables() }
        #expect(error?.kind == .unavailable)
        // Timing decides how many fit in the budget; far fewer than the policy's 1,000 retries.
        #expect(counter.value < 100)
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}

@Suite("Azure credentials against the stand-in", .enabled(if: AzureStandIn.isAvailable))
struct AzureCredentialTests {
    @Test("a wrong account key is refused as unauthorized")
    func wrongKey() async throws {
        let standIn = try await AzureStandIn.shared()
        let store = try AzureTableStore(
            endpoint: standIn.base + "/devstoreaccount1",
            credential: .sharedKey(accountName: "devstoreaccount1", accountKey: Array("wrong".utf8)),
            transport: CountingTransport(counter: nil)
        )
        let error = await capture { try await store.listTables() }
        #expect(error?.kind == .unauthorized)
        #expect(error?.code == "AuthenticationFailed")
    }

    @Test("a SAS connection string works without a key")
    func sharedAccessSignature() async throws {
        let standIn = try await AzureStandIn.shared()
        let sas = "sv=2019-02-02&ss=t&srt=sco&sp=rwdlacu&se=2099-01-01T00%3A00%3A00Z&sig=standin-test-signature"
        let connection = try AzureConnectionString(
            parsing: "TableEndpoint=\(standIn.base)/devstoreaccount1;SharedAccessSignature=\(sas)"
        )
        let store = try AzureTableStore(connection: connection, transport: CountingTransport(counter: nil))
        let table = uniqueTableName()
        try await store.createTable(table)
        try await store.insert(TableEntity(partitionKey: "p", rowKey: "r"), into: table)
        #expect(try await store.queryAll(table).count == 1)
    }

    @Test("a managed identity token from IDENTITY_ENDPOINT is used as the bearer token")
    func managedIdentity() async throws {
        let standIn = try await AzureStandIn.shared()
        let settings = Settings([
            "IDENTITY_ENDPOINT": standIn.base + "/_standin/identity",
            "IDENTITY_HEADER": "standin-identity-secret",
            "AzureWebJobsStorage__tableServiceUri": standIn.base + "/devstoreaccount1",
        ])
        let store = try TableStoreFactory.makeStore(
            settings: settings,
            workingDirectory: "/tmp",
            transport: CountingTransport(counter: nil),
            logger: .silent
        )
        let table = uniqueTableName()
        try await store.createTable(table)
        #expect(try await store.listTables().contains(table))

        let wrongSecret = Settings(settings.values.merging(["IDENTITY_HEADER": "nope"]) { $1 })
        let refused = try TableStoreFactory.makeStore(
            settings: wrongSecret,
            workingDirectory: "/tmp",
            transport: CountingTransport(counter: nil),
            logger: .silent
        )
        #expect(await capture { try await refused.listTables() }?.kind == .unauthorized)
    }
}

@Suite("Choosing the store from settings")
struct StorageConfigurationTests {
    let key = "a2V5PT0="

    @Test("no settings: SQLite under .linktome in the working directory")
    func defaultIsSQLite() throws {
        let configuration = try StorageConfiguration.resolve(settings: Settings([:]), workingDirectory: "/srv/app")
        #expect(configuration == .sqlite(path: "/srv/app/.linktome/linktome.sqlite", setting: nil))

        let onAzure = try StorageConfiguration.resolve(
            settings: Settings(["WEBSITE_INSTANCE_ID": "x"]),
            workingDirectory: "/home/site/wwwroot"
        )
        #expect(onAzure == .sqlite(path: "/tmp/.linktome/linktome.sqlite", setting: nil))
    }

    @Test("AzureWebJobsStorage means Azure; its identity form too")
    func webJobs() throws {
        let connection = "AccountName=acct;AccountKey=\(key)"
        let azure = try StorageConfiguration.resolve(
            settings: Settings(["AzureWebJobsStorage": connection]),
            workingDirectory: "/"
        )
        guard case .azure(let parsed, "AzureWebJobsStorage") = azure else {
            Issue.record("expected Azure, got \(azure)")
            return
        }
        #expect(parsed.tableEndpoint == "https://acct.table.core.windows.net")

        let identity = try StorageConfiguration.resolve(
            settings: Settings(["AzureWebJobsStorage__accountName": "acct", "AzureWebJobsStorage__clientId": "c1"]),
            workingDirectory: "/"
        )
        #expect(
            identity
                == .azureIdentity(
                    AzureIdentityConnection(tableEndpoint: "https://acct.table.core.windows.net", clientId: "c1"),
                    setting: "AzureWebJobsStorage__*"
                )
        )
    }

    @Test("explicit project settings win over AzureWebJobsStorage")
    func explicitWins() throws {
        let webJobs = "UseDevelopmentStorage=true"
        let sqlite = try StorageConfiguration.resolve(
            settings: Settings(["AzureWebJobsStorage": webJobs, "LINKTOME_SQLITE_PATH": "data/x.sqlite"]),
            workingDirectory: "/srv"
        )
        #expect(sqlite == .sqlite(path: "/srv/data/x.sqlite", setting: "LINKTOME_SQLITE_PATH"))

        let memory = try StorageConfiguration.resolve(
            settings: Settings([
                "AzureWebJobsStorage": webJobs, "LINKTOME_STORAGE": "memory", "LINKTOME_SQLITE_PATH": "x",
            ]),
            workingDirectory: "/srv"
        )
        #expect(memory == .memory(setting: "LINKTOME_STORAGE"))

        let explicitSQLite = try StorageConfiguration.resolve(
            settings: Settings(["LINKTOME_STORAGE": "sqlite:/var/x.db"]),
            workingDirectory: "/srv"
        )
        #expect(explicitSQLite == .sqlite(path: "/var/x.db", setting: "LINKTOME_STORAGE"))
    }

    @Test("LINKTOME_STORAGE=sqlite takes its path from LINKTOME_SQLITE_PATH or the Azure-aware default")
    func bareSQLite() throws {
        let withPath = try StorageConfiguration.resolve(
            settings: Settings(["LINKTOME_STORAGE": "sqlite", "LINKTOME_SQLITE_PATH": "data/x.sqlite"]),
            workingDirectory: "/srv"
        )
        #expect(withPath == .sqlite(path: "/srv/data/x.sqlite", setting: "LINKTOME_SQLITE_PATH"))

        let onAzure = try StorageConfiguration.resolve(
            settings: Settings(["LINKTOME_STORAGE": "sqlite", "WEBSITE_INSTANCE_ID": "x"]),
            workingDirectory: "/home/site/wwwroot"
        )
        #expect(onAzure == .sqlite(path: "/tmp/.linktome/linktome.sqlite", setting: "LINKTOME_STORAGE"))

        let local = try StorageConfiguration.resolve(
            settings: Settings(["LINKTOME_STORAGE": "sqlite"]),
            workingDirectory: "/srv"
        )
        #expect(local == .sqlite(path: "/srv/.linktome/linktome.sqlite", setting: "LINKTOME_STORAGE"))
    }

    @Test("a malformed connection string names its setting and hides the key")
    func malformed() {
        do {
            _ = try StorageConfiguration.resolve(
                settings: Settings(["LINKTOME_STORAGE": "AccountName=a"]),
                workingDirectory: "/"
            )
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .configuration)
            #expect(error.message.contains("LINKTOME_STORAGE"))
        }
    }

    @Test("the factory opens a SQLite store at the chosen path")
    func factoryOpensSQLite() async throws {
        let path = temporaryDatabasePath()
        let store = try TableStoreFactory.makeStore(settings: Settings(["LINKTOME_SQLITE_PATH": path]), logger: .silent)
        #expect(store.location == path)
        try await store.createTable("Made")
        #expect(FileManager.default.fileExists(atPath: path))
    }
}
