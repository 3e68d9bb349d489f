import Foundation
import Testing
import TestSupport
@testable import Serving

/// Every JSON body the service defines refuses keys it does not know (422 naming them), so a
/// misspelled option or feature is an answer, not a silently ignored value (issue #22).
@Suite struct UnknownFieldTests {
    @Test func predictRefusesUnknownFeaturesUnlessAskedToIgnoreThem() throws {
        let (server, _) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        let predict = "/api/v1/models/gbdt/predict"
        let misspelled = #"{"instances": [{"pagesVisited": 4, "qoute_requested": 1}]}"#
        let refused = try client.request("POST", predict, body: misspelled)
        #expect(refused.status == 422 && refused.text.contains("instances[0].pagesVisited"), "\(refused.text)")
        #expect(try client.request("POST", predict + "?extra_fields=ignore", body: misspelled).status == 200)
        let option = try client.request("POST", predict, body: #"{"instances": [{}], "contribution": true}"#)
        #expect(option.status == 422 && option.text.contains("contribution"), "\(option.text)")
        // Numeric strings read as JSON numbers: no hex, no infinity.
        for text in ["0x10", "inf", "1e39", ""] {
            let response = try client.request("POST", predict, body: #"{"instances": [{"pages_visited": "\#(text)"}]}"#)
            #expect(response.status == 422 && response.text.contains("instances[0].pages_visited"), "\(text): \(response.text)")
        }
        #expect(try client.request("POST", predict, body: #"{"instances": [{"pages_visited": "4"}]}"#).json?["predictions"]
            == client.request("POST", predict, body: #"{"instances": [{"pages_visited": 4}]}"#).json?["predictions"])
    }

    @Test func otherBodiesRefuseUnknownKeys() throws {
        let token = "t0ken"
        let (server, _) = try ServingFixture.start(adminToken: token)
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        let auth = ["Authorization": "Bearer \(token)"]
        // A test created with "variants" instead of "split" used to run 50/50.
        let create = try client.request("POST", "/api/v1/ab-testing/tests", body: #"{"name": "t", "variants": [{"name": "a"}]}"#, headers: auth)
        #expect(create.status == 422 && create.text.contains("variants"), "\(create.text)")
        let batch = try client.request("POST", "/api/v1/lead-scoring-ml/score-batch", body: #"{"leads": [], "useVerticalModels": false}"#)
        #expect(batch.status == 422 && batch.text.contains("useVerticalModels"), "\(batch.text)")
        let entry = try client.request("POST", "/api/v1/lead-scoring-ml/score-batch",
                                       body: #"{"leads": [{"lead": {"vertical": "pc"}, "agnet": {}}]}"#)
        #expect(entry.status == 422 && entry.text.contains("agnet"), "\(entry.text)")
        let bare = try client.request("POST", "/api/v1/lead-scoring-ml/score-batch",
                                      body: #"{"leads": [{"vertical": "pc", "agent_id": 2, "agent": {"rating": 4}}, {"vertical": "pc", "pages": 1}]}"#)
        #expect(bare.status == 422 && bare.text.contains("leads[1].pages"), "\(bare.text)")
        let byID = try client.request("POST", "/api/v1/lead-scoring-ml/score/5", body: #"{"useVertical": false}"#)
        #expect(byID.status == 422 && byID.text.contains("useVertical"), "\(byID.text)")
        let assign = try client.request("POST", "/api/v1/ab-testing/assign/5", body: #"{"test": "t"}"#)
        #expect(assign.status == 422 && assign.text.contains("test"), "\(assign.text)")
    }
}
