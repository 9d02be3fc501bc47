import XCTest
@testable import SdetkitServe

/// Published test vectors of the three signing schemes, and the refusals that would pass if a check were removed.
final class SignatureVectorTests: XCTestCase {
    // Slack's example in "Verifying requests from Slack" (api.slack.com/authentication/verifying-requests-from-slack).
    let slackSecret = Array("8f742231b10e8888abcd99yyyzzz85a5".utf8)
    let slackTimestamp = "1531420618"
    let slackBody = Array(("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        + "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c").utf8)
    let slackExpected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

    func testSlackPublishedExample() {
        XCTAssertEqual(Signatures.slackSignature(secret: slackSecret, timestamp: slackTimestamp, body: slackBody), slackExpected)
        XCTAssertTrue(Signatures.slackValid(secret: slackSecret, timestamp: slackTimestamp, body: slackBody, signature: slackExpected))
    }

    func testSlackRefusesTamperedBodyTimestampAndSecret() {
        var tampered = slackBody
        tampered[tampered.count - 1] ^= 1
        XCTAssertFalse(Signatures.slackValid(secret: slackSecret, timestamp: slackTimestamp, body: tampered, signature: slackExpected))
        XCTAssertFalse(Signatures.slackValid(secret: slackSecret, timestamp: "1531420619", body: slackBody, signature: slackExpected))
        XCTAssertFalse(Signatures.slackValid(secret: Array("other".utf8), timestamp: slackTimestamp, body: slackBody, signature: slackExpected))
        XCTAssertFalse(Signatures.slackValid(secret: slackSecret, timestamp: slackTimestamp, body: slackBody, signature: ""))
    }

    // GitHub's example in "Validating webhook deliveries" (docs.github.com).
    func testGitHubPublishedExample() {
        let sig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        XCTAssertEqual(Signatures.githubSignature(secret: "It's a Secret to Everybody", body: Array("Hello, World!".utf8)), sig)
        XCTAssertTrue(Signatures.githubValid(secret: "It's a Secret to Everybody", body: Array("Hello, World!".utf8), signature: sig))
        XCTAssertFalse(Signatures.githubValid(secret: "It's a Secret to Everybody", body: Array("Hello, World?".utf8), signature: sig))
        XCTAssertFalse(Signatures.githubValid(secret: "another secret", body: Array("Hello, World!".utf8), signature: sig))
    }

    // The Standard Webhooks example (standardwebhooks.com, the reference libraries' tests).
    func testStandardWebhooksExample() {
        let key = Signatures.standardWebhooksKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let sig = Signatures.standardWebhooksSignature(key: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330", body: body)
        XCTAssertEqual(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        // Several signatures in the header (rotation): any v1 one that matches is enough; v2 ones are skipped.
        XCTAssertTrue(Signatures.standardWebhooksValid(key: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
                                                       body: body, header: "v1,Zm9v v2,\(sig.dropFirst(3)) \(sig)"))
        XCTAssertFalse(Signatures.standardWebhooksValid(key: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265331",
                                                        body: body, header: sig))
        XCTAssertFalse(Signatures.standardWebhooksValid(key: key, id: "msg_other", timestamp: "1614265330", body: body, header: sig))
        XCTAssertFalse(Signatures.standardWebhooksValid(key: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
                                                        body: body, header: "v2," + sig.dropFirst(3)))
    }

    func testTimestampWindow() {
        XCTAssertTrue(Signatures.timestampFresh("1000", now: 1000 + 299))
        XCTAssertTrue(Signatures.timestampFresh("1000", now: 1000 - 299))
        XCTAssertFalse(Signatures.timestampFresh("1000", now: 1000 + 301))
        XCTAssertFalse(Signatures.timestampFresh("1000", now: 1000 - 301))
        XCTAssertFalse(Signatures.timestampFresh("1e3", now: 1000))
        XCTAssertFalse(Signatures.timestampFresh("", now: 1000))
        XCTAssertFalse(Signatures.timestampFresh("-1000", now: -1000))
    }

    func testConstantTimeEqualAndBearer() {
        XCTAssertTrue(Signatures.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        XCTAssertFalse(Signatures.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        XCTAssertFalse(Signatures.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        XCTAssertFalse(Signatures.constantTimeEqual(Array("".utf8), Array("a".utf8)))
        XCTAssertTrue(Signatures.bearerMatches("Bearer tok", token: Array("tok".utf8)))
        XCTAssertTrue(Signatures.bearerMatches("bearer tok", token: Array("tok".utf8)))
        XCTAssertFalse(Signatures.bearerMatches("Bearer tok2", token: Array("tok".utf8)))
        XCTAssertFalse(Signatures.bearerMatches("Basic tok", token: Array("tok".utf8)))
        XCTAssertFalse(Signatures.bearerMatches(nil, token: Array("tok".utf8)))
    }
}
