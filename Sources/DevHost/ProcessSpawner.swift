import Foundation
import Glibc
import Synchronization

/// Starts a child process with `posix_spawn`: its own process group (so a Ctrl-C in the terminal
/// reaches the development host, which then stops the handler in order), a working directory, an
/// explicit environment, and standard output and error on pipes.
enum ProcessSpawner {
    struct Child: Sendable {
        var pid: pid_t
        var stdout: Int32
        var stderr: Int32
    }

    private typealias AddChdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>)
        -> Int32

    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), which the Swift overlay does not export.
    private static let addChdir: AddChdir? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addchdir_np") else { return nil }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()

    /// Serialises spawns in this process, so that no other child inherits a pipe end between
    /// `pipe` and the close-on-exec flag.
    private static let spawnLock = Mutex(())

    static func spawn(
        _ command: [String],
        directory: String,
        environment: [String: String]
    ) throws(DevHostError) -> Child {
        let result = spawnLock.withLock { _ in
            Result { () throws(DevHostError) -> Child in
                try spawnLocked(command, directory: directory, environment: environment)
            }
        }
        return try result.get()
    }

    private static func spawnLocked(
        _ command: [String],
        directory: String,
        environment: [String: String]
    ) throws(DevHostError) -> Child {
        let display = command.joined(separator: " ")
        guard let executable = command.first else { throw .spawnFailed(command: display, reason: "no command") }
        guard access(executable, X_OK) == 0 else {
            throw .spawnFailed(command: display, reason: "\(executable) is not an executable file")
        }
        guard let addChdir else {
            throw .spawnFailed(command: display, reason: "this C library cannot set a child's working directory")
        }
        var out: [Int32] = [0, 0]
        var err: [Int32] = [0, 0]
        guard pipe(&out) == 0, pipe(&err) == 0 else {
            throw .spawnFailed(command: display, reason: "pipe: \(HostSocket.errnoText(errno))")
        }
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        _ = addChdir(&actions, directory)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, signal) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        )

        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp)
        close(out[1])
        close(err[1])
        guard result == 0 else {
            close(out[0])
            close(err[0])
            throw .spawnFailed(command: display, reason: HostSocket.errnoText(result))
        }
        return Child(pid: pid, stdout: out[0], stderr: err[0])
    }

    /// Reads `fd` line by line until end of file, on a thread of its own, then closes it.
    static func relayLines(_ fd: Int32, name: String, _ line: @escaping @Sendable (String) -> Void) {
        let thread = Thread {
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 16 * 1_024)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                pending += chunk[0..<count]
                while let newline = pending.firstIndex(of: 10) {
                    line(String(decoding: pending[0..<newline], as: UTF8.self))
                    pending.removeFirst(newline + 1)
                }
                if pending.count > 1 << 20 {
                    line(String(decoding: pending, as: UTF8.self))
                    pending.removeAll()
                }
            }
            if !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
            close(fd)
        }
        thread.name = name
        thread.stackSize = 256 * 1_024
        thread.start()
    }

    /// Waits for `pid` to exit on a thread of its own and reports how it ended.
    static func waitForExit(_ pid: pid_t, _ exited: @escaping @Sendable (String) -> Void) {
        let thread = Thread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                if errno != EINTR {
                    exited("lost track of the process (\(HostSocket.errnoText(errno)))")
                    return
                }
            }
            exited(describe(status))
        }
        thread.name = "devhost-wait-\(pid)"
        thread.stackSize = 128 * 1_024
        thread.start()
    }

    private static func describe(_ status: Int32) -> String {
        let signal = status & 0x7F
        if signal == 0 { return "exit status \((status >> 8) & 0xFF)" }
        let name = String(cString: strsignal(signal))
        return "killed by signal \(signal) (\(name))"
    }
}
