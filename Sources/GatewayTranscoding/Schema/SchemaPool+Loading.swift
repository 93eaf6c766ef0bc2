extension SchemaPool {
  /// Loads serialized `google.protobuf.FileDescriptorSet`s (`protoc --include_imports
  /// --descriptor_set_out`), all sets together forming one pool.
  ///
  /// - Parameter names: what to call each set in errors (its file path), else "descriptor set
  ///   1", "descriptor set 2", ….
  /// - Throws: `SchemaError` naming the file and symbol: malformed bytes, a missing import,
  ///   a symbol defined twice, a type name that resolves to nothing, a definition protoc
  ///   would refuse, or a limit exceeded.
  public init(
    fileDescriptorSets: [[UInt8]], names: [String] = [], limits: SchemaLimits = .default
  ) throws(SchemaError) {
    var files: [[UInt8]] = []
    let decoder = DescriptorDecoder(limits: limits)
    for (index, set) in fileDescriptorSets.enumerated() {
      let setName = index < names.count ? names[index] : "descriptor set \(index + 1)"
      guard set.count <= limits.maxDescriptorBytes else {
        throw SchemaError(
          .limitExceeded, file: "",
          "\(setName) is larger than \(limits.maxDescriptorBytes) bytes")
      }
      let result: Result<[[UInt8]], DescriptorDecodingError> = set.withUnsafeBytes { raw in
        Result { () throws(DescriptorDecodingError) in try decoder.fileSet(raw).map { Array($0) } }
      }
      switch result {
      case .success(let slices): files += slices
      case .failure(let error):
        throw SchemaError(
          .malformedDescriptor, file: "",
          "\(setName) is not a valid FileDescriptorSet: \(error.message)")
      }
    }
    try self.init(fileDescriptorProtos: files, limits: limits)
  }

  /// Loads individual serialized `google.protobuf.FileDescriptorProto`s (what reflection
  /// returns). The same file twice with identical bytes is loaded once; with different bytes
  /// it is an error.
  public init(
    fileDescriptorProtos: [[UInt8]], limits: SchemaLimits = .default
  ) throws(SchemaError) {
    guard fileDescriptorProtos.count <= limits.maxFiles else {
      throw SchemaError(.limitExceeded, file: "", "more than \(limits.maxFiles) files")
    }
    let decoder = DescriptorDecoder(limits: limits)
    var bytesByName: [String: [UInt8]] = [:]
    var files: [FileProto] = []
    for (index, bytes) in fileDescriptorProtos.enumerated() {
      guard bytes.count <= limits.maxDescriptorBytes else {
        throw SchemaError(
          .limitExceeded, file: "",
          "file \(index + 1) is larger than \(limits.maxDescriptorBytes) bytes")
      }
      let result: Result<FileProto, DescriptorDecodingError> = bytes.withUnsafeBytes { raw in
        Result { () throws(DescriptorDecodingError) in try decoder.file(raw) }
      }
      let file: FileProto
      switch result {
      case .success(let decoded): file = decoded
      case .failure(let error):
        // Name the file when its name (field 1, usually first) could be read.
        let name = decoder.fileName(bytes)
        throw SchemaError(
          .malformedDescriptor, file: name,
          "\(name.isEmpty ? "file \(index + 1)" : name) is not a valid FileDescriptorProto: \(error.message)"
        )
      }
      guard !file.name.isEmpty else {
        throw SchemaError(.invalidDefinition, file: "", "file \(index + 1) has no name")
      }
      if let previous = bytesByName[file.name] {
        guard previous == bytes else {
          throw SchemaError(
            .conflictingFile, file: file.name,
            "\(file.name) appears twice in the descriptor set with different content")
        }
        continue
      }
      bytesByName[file.name] = bytes
      files.append(file)
    }
    var builder = SchemaBuilder(files: files)
    let built = try builder.build()
    self.init(messages: built.messages, enums: built.enums, services: built.services)
    var syntax: [String: String] = [:]
    for file in files { syntax[file.name] = file.syntax.isEmpty ? "proto2" : file.syntax }
    syntaxByFile = syntax
  }
}

extension SchemaPool {
  /// The names of the sets among `fileDescriptorSets` (the ones this pool was loaded from) that
  /// define no service. Such a set loads (an empty file is a valid, empty FileDescriptorSet) but
  /// gives JSON calls nothing to call, which is worth a warning: usually the wrong file, or
  /// `protoc` run on the message files only.
  ///
  /// - Parameter names: each set's name (its file path), as given when loading.
  public func setsWithoutServices(_ fileDescriptorSets: [[UInt8]], names: [String]) -> [String] {
    let serviceFiles = Set(services.map(\.fileName))
    let decoder = DescriptorDecoder(limits: .default)
    var result: [String] = []
    for (index, set) in fileDescriptorSets.enumerated() {
      let files = set.withUnsafeBytes { raw in (try? decoder.fileSet(raw).map { Array($0) }) ?? [] }
      if !files.contains(where: { serviceFiles.contains(decoder.fileName($0)) }) {
        result.append(index < names.count ? names[index] : "descriptor set \(index + 1)")
      }
    }
    return result
  }
}
