/// The limits a descriptor set must stay within. Descriptor sets come from a file or from the
/// agent's reflection service, so they are peer input: every size that drives memory or
/// recursion has a bound here, checked before the work it guards.
///
/// The binary codec's own bounds, fixed by the wire format and listed here so all limits are
/// in one place: a varint has at most 10 bytes; a length-delimited value is checked against
/// the bytes that remain before it is read; messages nest at most
/// `DynamicMessage.maxBinaryDepth` (100) deep and skipped unknown groups
/// `WireReader.maxGroupDepth` (100) deep, protobuf's default recursion limit. JSON's limits
/// are in `JSONDecodingOptions`.
public struct SchemaLimits: Sendable {
  /// Files in one pool. Default 10 000: far beyond any real service's import graph.
  public var maxFiles = 10_000
  /// Bytes of one serialized `FileDescriptorProto` or `FileDescriptorSet`. Default 64 MiB;
  /// protoc's largest outputs (descriptor.proto with source info) are well under 1 MiB.
  public var maxDescriptorBytes = 64 << 20
  /// Messages nested in messages (`Outer.Inner.Deeper`). Default 64; protobuf's own parser
  /// would stop a deeper descriptor at its recursion limit of 100.
  public var maxNestingDepth = 64
  /// Fields in one message. Default 65 536; protoc allows up to field number 2^29-1 but the
  /// biggest real messages have a few thousand.
  public var maxFieldsPerMessage = 65_536

  public init() {}

  public static let `default` = SchemaLimits()
}
