import Core
import Foundation
import Testing
import TestSupport
@testable import Serving

/// `GET /openapi.json` describes every route the router answers (issue #26), from the same
/// route table: a route missing from the document fails here.
@Suite struct OpenAPITests {
    @Test func everyRouteIsDescribedWithItsMethodAndAnswers() throws {
        for admin in [false, true] {
            let (server, _) = try ServingFixture.start(adminToken: admin ? "a-token-for-the-openapi-test" : nil)
            defer { server.stop(); server.wait() }
            let client = try TestHTTPClient(port: server.port)
            let response = try client.request("GET", "/openapi.json")
            #expect(response.status == 200 && response.headers["content-type"]?.hasPrefix("application/json") == true)
            let document = try #require(response.json)
            #expect(document["openapi"] == .string("3.1.0"))
            guard case .object(let paths)? = document["paths"] else { Issue.record("no paths"); return }
            for route in ServiceRoute.allCases {
                let operation = paths.first { $0.key == route.openAPIPath }?.value[route.method.lowercased()]
                if route.isAdmin && !admin {
                    #expect(operation == nil, "\(route): an admin route is listed without a token")
                    continue
                }
                #expect(operation?["summary"] != nil, "\(route.method) \(route.openAPIPath) is not described")
                guard case .object(let answers)? = operation?["responses"] else { Issue.record("\(route): no responses"); continue }
                #expect(answers.contains { $0.key.hasPrefix("2") }, "\(route)")
                // Every {parameter} of the path is declared.
                for part in route.openAPIPath.split(separator: "/") where part.hasPrefix("{") {
                    guard case .array(let parameters)? = operation?["parameters"] else { Issue.record("\(route): no parameters"); continue }
                    #expect(parameters.contains { $0["name"] == .string(String(part.dropFirst().dropLast())) && $0["in"] == "path" }, "\(route)")
                }
            }
            // The lead schema lists the columns the parser accepts.
            let lead = document["components"]?["schemas"]?["Lead"]?["properties"]
            #expect(lead?["pages_visited"] != nil && lead?["agent"] != nil && lead?["created_at"] != nil)
        }
    }
}
