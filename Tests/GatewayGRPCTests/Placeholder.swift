import Testing

@Test func placeholder_GatewayGRPCTests() {}
