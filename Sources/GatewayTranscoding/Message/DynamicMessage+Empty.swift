extension DynamicMessage {
  /// An empty message of `type` (an index into `pool.messages`), every field unset.
  ///
  /// Cheaper than `init(type:fieldCount:)`: it copies the type's prebuilt all-nil values
  /// (copy-on-write) instead of calling `Array(repeating:count:)`, which looks up generic
  /// metadata at run time on every call. A type outside the pool gives a message with no
  /// values (the codecs reject such a type before building messages of it).
  public init(type: Int, pool: SchemaPool) {
    if pool.messages.indices.contains(type) {
      self = pool.messages[type].binaryLayout.newMessage(type: type)
    } else {
      self.init(type: type, fieldCount: 0)
    }
  }
}
