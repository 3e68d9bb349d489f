import Core
import Foundation
@testable import Training

/// A model bundle copied to a scratch directory whose `model.json` and `manifest.json` a test
/// edits as JSON: each write recomputes `model.json`'s checksum in the manifest, as someone
/// editing a bundle by hand would, so that the edit reaches the decoder and the validation
/// instead of stopping at the checksum.
struct EditedBundle {
    let directory: URL
    /// The files as written by ``ModelBundle/write(_:manifest:to:extraFiles:)``, parsed.
    let model: JSONValue
    let manifest: JSONValue

    var modelURL: URL { directory.appendingPathComponent(ModelBundle.modelFile) }
    var manifestURL: URL { directory.appendingPathComponent(ModelBundle.manifestFile) }

    /// Writes `model` with `manifest` to `directory` and parses the files back.
    init(_ model: TrainedModel, manifest: BundleManifest, in directory: URL) throws {
        try ModelBundle.write(model, manifest: manifest, to: directory)
        try self.init(copying: directory, to: directory)
    }

    /// Copies the bundle at `source` to `directory` (the same directory: uses it as it is).
    init(copying source: URL, to directory: URL) throws {
        if source != directory {
            try? FileManager.default.removeItem(at: directory)
            try FileManager.default.copyItem(at: source, to: directory)
        }
        self.directory = directory
        model = try JSONParser.parse(Array(try Data(contentsOf: directory.appendingPathComponent(ModelBundle.modelFile))), maxDepth: 256)
        manifest = try JSONParser.parse(Array(try Data(contentsOf: directory.appendingPathComponent(ModelBundle.manifestFile))), maxDepth: 256)
    }

    /// Writes `modelBytes` as `model.json` and `manifest` (the original by default) with the
    /// checksum of those bytes.
    func write(modelBytes: [UInt8], manifest: JSONValue? = nil) throws {
        var manifest = manifest ?? self.manifest
        manifest.update(at: [.key("files"), .key(ModelBundle.modelFile)]) { $0 = .string(SHA256.hex(modelBytes)) }
        for (url, bytes) in [(modelURL, modelBytes), (manifestURL, manifest.bytes)] {
            // A new file rather than the old one truncated: ext4 flushes a truncated file to
            // disk on close, which made thousands of rewrites wait on the disk.
            try? FileManager.default.removeItem(at: url)
            try Data(bytes).write(to: url)
        }
    }

    /// Writes `model` and `manifest` (the originals by default).
    func write(model: JSONValue? = nil, manifest: JSONValue? = nil) throws {
        try write(modelBytes: (model ?? self.model).bytes, manifest: manifest)
    }

    /// The original model with the value at `path` replaced by `value`.
    func model(setting path: [JSONValue.Step], to value: JSONValue) -> JSONValue {
        var edited = model
        edited.update(at: path) { $0 = value }
        return edited
    }
}

extension JSONValue {
    /// One step of a path into a document: an object's member or an array's element.
    enum Step: Equatable, CustomStringConvertible {
        case key(String)
        case index(Int)

        var description: String {
            switch self {
            case .key(let key): key
            case .index(let index): "[\(index)]"
            }
        }
    }

    /// The document as compact JSON.
    var bytes: [UInt8] {
        var writer = JSONWriter()
        writer.value(self)
        return writer.bytes
    }

    /// The value at `path`, if there is one.
    subscript(path: [Step]) -> JSONValue? {
        var value = self
        for step in path {
            switch (step, value) {
            case (.key(let key), .object): guard let member = value[key] else { return nil }; value = member
            case (.index(let index), .array(let elements)) where elements.indices.contains(index): value = elements[index]
            default: return nil
            }
        }
        return value
    }

    /// Runs `body` on the value at `path` (absent object members are created as null; a path
    /// that leads nowhere else is ignored). `body` may set the value to ``removed`` to delete
    /// an object member or an array element.
    mutating func update(at path: some Collection<Step>, _ body: (inout JSONValue) -> Void) {
        guard let step = path.first else { body(&self); return }
        let rest = path.dropFirst()
        switch (step, self) {
        case (.key(let key), .object(var members)):
            if let index = members.lastIndex(where: { $0.key == key }) {
                members[index].value.update(at: rest, body)
                if members[index].value == Self.removed { members.remove(at: index) }
            } else if rest.isEmpty {
                var value = JSONValue.null
                body(&value)
                if value != Self.removed { members.append((key, value)) }
            }
            self = .object(members)
        case (.index(let index), .array(var elements)) where elements.indices.contains(index):
            elements[index].update(at: rest, body)
            if elements[index] == Self.removed { elements.remove(at: index) }
            self = .array(elements)
        default:
            break
        }
    }

    /// A marker that ``update(at:_:)`` reads as "delete this value".
    static let removed = JSONValue.string("\u{0}removed")
}
