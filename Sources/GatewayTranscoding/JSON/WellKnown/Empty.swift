/// `google.protobuf.Empty` is `{}`. It has no special form: the ordinary object path reads and
/// writes it (an Empty with any member is an unknown field), and inside an Any it is written
/// `{"@type": "type.googleapis.com/google.protobuf.Empty"}`, with no `value` member, as
/// Python's `json_format` does.
extension WellKnownType {
  /// Whether the type has a JSON form of its own (so an Any holding it writes `"value"`).
  var hasSpecialJSONForm: Bool { self != .empty }
}
