import Testing

@Test func placeholder_GatewayIntegrationTests() {}
