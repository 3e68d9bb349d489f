/// A field of an input document (a request body, an A/B test definition) that is missing, of
/// the wrong type or out of range, named by its path (`lead.pages_visited`, `instances[3].age`).
/// The service answers it with 422.
public struct FieldError: Error, Sendable, Equatable {
    public var field: String
    public var message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}
