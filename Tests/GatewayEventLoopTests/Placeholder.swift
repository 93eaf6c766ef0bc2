import Testing

@Test func placeholder_GatewayEventLoopTests() {}
