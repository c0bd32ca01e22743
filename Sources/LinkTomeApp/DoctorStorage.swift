import Foundation
import LinkTomeCore
import TableStorage

/// The storage settings as the handler reads them (``StorageConfiguration``): in Azure there must be
/// a storage account, reachable with a usable connection string or identity, and the timer status
/// rows must not live in process memory or a file of one instance.
enum StorageChecks {
    static func run(_ settings: Settings, appRoot: URL, inAzure: Bool) -> [DeploymentFinding] {
        guard inAzure else { return [] }
        let configured = DeploymentChecks.storageSettings.compactMap { name in settings[name].map { (name, $0) } }
        guard !configured.isEmpty else {
            return [
                DeploymentFinding(
                    .error,
                    .storage,
                    "no storage account is configured, but this runs in Azure: timers, their status rows and "
                        + "Durable Functions all need one. Set the app setting AzureWebJobsStorage to the "
                        + "account's connection string, or AzureWebJobsStorage__accountName to use the app's "
                        + "managed identity."
                )
            ]
        }
        if let (name, value) = configured.first, name == "AzureWebJobsStorage",
            value.lowercased().contains("usedevelopmentstorage=true")
        {
            return [
                DeploymentFinding(
                    .error,
                    .storage,
                    "AzureWebJobsStorage is UseDevelopmentStorage=true, which points at a local Azurite that does "
                        + "not exist in Azure. Set it to the storage account's connection string (local.settings.json "
                        + "values are not deployed)."
                )
            ]
        }

        let configuration: StorageConfiguration
        do {
            configuration = try StorageConfiguration.resolve(settings: settings, workingDirectory: appRoot.path)
        } catch {
            return [
                DeploymentFinding(
                    .error,
                    .storage,
                    "\(error.message), so the timers cannot read or write their status rows. Copy the connection "
                        + "string again from the storage account's Access keys page (it is "
                        + "DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;EndpointSuffix=core.windows.net)."
                )
            ]
        }
        return check(configuration)
    }

    private static func check(_ configuration: StorageConfiguration) -> [DeploymentFinding] {
        switch configuration {
        case .memory(let setting):
            return [
                DeploymentFinding(
                    .error,
                    .storage,
                    "\(setting)=memory keeps the timer status rows in process memory: every restart forgets them and "
                        + "every instance has its own, so timers run twice or at the wrong time. Remove the setting "
                        + "to use the storage account of AzureWebJobsStorage."
                )
            ]
        case .sqlite(let path, let setting?):
            return [
                DeploymentFinding(
                    .warning,
                    .storage,
                    "\(setting) keeps the timer status rows in the SQLite file \(path): instances do not share it, "
                        + "and on the shared /home drive SQLite's locking is unreliable. Remove the setting to use "
                        + "the storage account of AzureWebJobsStorage."
                )
            ]
        default:
            return []
        }
    }
}
