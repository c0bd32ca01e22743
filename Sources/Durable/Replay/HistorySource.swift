/// The history an episode replays: decoded events, or the request's wire bytes with the position
/// of each event, decoded one at a time as replay reaches it.
///
/// Reading from the wire keeps only the request bytes and a small index in memory instead of
/// every decoded event, which keeps long histories fast.
struct HistorySource {
    private enum Storage {
        case decoded(past: [HistoryEvent], new: [HistoryEvent])
        case wire(bytes: [UInt8], past: [Range<Int>], new: [Range<Int>])
    }

    private let storage: Storage
    let instanceId: String
    let pastCount: Int
    let newCount: Int

    init(request: OrchestratorRequest) {
        storage = .decoded(past: request.pastEvents, new: request.newEvents)
        instanceId = request.instanceId
        pastCount = request.pastEvents.count
        newCount = request.newEvents.count
    }

    /// Indexes the events of an encoded `OrchestratorRequest`, checking its top level.
    ///
    /// - Throws: ``DurableError/malformedProtobuf(message:offset:)`` when the top level is
    ///   malformed; the events themselves are checked as they are decoded.
    init(wire bytes: [UInt8]) throws(DurableError) {
        let index = try bytes.withUnsafeBufferPointer { (buffer) throws(DurableError) in
            try ProtoReader.read(buffer, messageName: OrchestratorRequest.protoName) {
                (reader) throws(DurableError) -> (String, [Range<Int>], [Range<Int>]) in
                var (instanceId, past, new) = ("", [Range<Int>](), [Range<Int>]())
                while let field = try reader.nextField() {
                    switch field.number {
                    case 1: instanceId = try reader.string(field)
                    case 3: past.append(try reader.payload(field))
                    case 4: new.append(try reader.payload(field))
                    default: try reader.skip(field)
                    }
                }
                return (instanceId, past, new)
            }
        }
        storage = .wire(bytes: bytes, past: index.1, new: index.2)
        instanceId = index.0
        pastCount = index.1.count
        newCount = index.2.count
    }

    /// Event `index` of the past events followed by the new ones.
    func event(at index: Int) throws(DurableError) -> HistoryEvent {
        switch storage {
        case .decoded(let past, let new):
            return index < past.count ? past[index] : new[index - past.count]
        case .wire(let bytes, let past, let new):
            let range = index < past.count ? past[index] : new[index - past.count]
            return try bytes.withUnsafeBufferPointer { (buffer) throws(DurableError) in
                try ProtoReader.read(UnsafeBufferPointer(rebasing: buffer[range]), messageName: HistoryEvent.protoName)
                {
                    (reader) throws(DurableError) in try HistoryEvent(reading: &reader)
                }
            }
        }
    }

    /// The request bytes, when the history was read from the wire (to recycle the buffer).
    var wireBytes: [UInt8]? {
        if case .wire(let bytes, _, _) = storage { return bytes }
        return nil
    }
}
