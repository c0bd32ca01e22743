import Glibc

/// Starts a detached POSIX thread running `body`.
///
/// Server connections and blocking client I/O run on their own threads rather than on the Swift
/// concurrency pool, which has one thread per core and must never block.
func startThread(
    name: String,
    stackSize: Int = 4 << 20,
    _ body: @escaping @Sendable () -> Void
) throws(HTTPError) {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setstacksize(&attributes, stackSize)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))

    let context = Unmanaged.passRetained(ThreadContext(name: name, body: body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
        &thread,
        &attributes,
        { raw in
            guard let raw else { return nil }
            let context = Unmanaged<ThreadContext>.fromOpaque(raw).takeRetainedValue()
            context.body()
            return nil
        },
        context
    )
    guard result == 0 else {
        Unmanaged<ThreadContext>.fromOpaque(context).release()
        throw .io(call: "pthread_create", errno: result)
    }
}

private final class ThreadContext {
    let name: String
    let body: @Sendable () -> Void

    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }
}
