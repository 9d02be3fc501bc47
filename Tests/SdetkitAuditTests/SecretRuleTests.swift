import SdetkitCore
import XCTest

@testable import SdetkitAudit

/// One positive and one negative fixture per secret rule. `secret` is the raw value that must never appear in
/// any output.
struct SecretCase {
    let rule: String
    let positive: String
    let negative: String
    let secret: String
}

enum SecretCases {
    static let all: [SecretCase] = {
        var c: [SecretCase] = []
        func add(_ rule: String, _ pos: String, _ neg: String, _ secret: String) {
            c.append(SecretCase(rule: rule, positive: pos, negative: neg, secret: secret))
        }
        let pem = "-----BEGIN " + "RSA PRIVATE KEY-----\n" + Gen.string(64, Gen.base64, seed: 1) + "\n-----END RSA"
            + " PRIVATE KEY-----\n"
        add("secrets.private-key", "key = <<EOF\n" + pem,
            "-----BEGIN " + "PUBLIC KEY-----\nMIIBIjANBg\n-----BEGIN " + "CERTIFICATE-----\n", pem)

        let akia = "AKIA" + Gen.string(16, Gen.upperDigits, seed: 2)
        add("secrets.aws-access-key-id", "aws_access_key_id = \(akia)\n",
            "aws_access_key_id = AKIA" + "IOSFODNN7EXAMPLE\nid = AKIA" + "Z7Q3MX\n", akia)

        let awsSecret = Gen.string(40, Gen.base64, seed: 3)
        add("secrets.aws-secret-access-key", "aws_secret_access_key = " + awsSecret + "\n",
            "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}\n", awsSecret)

        let saKey = Gen.string(40, Gen.hex, seed: 4)
        add("secrets.gcp-service-account-key",
            "{\n  \"type\": \"service_" + "account\",\n  \"private_key_id\": \"" + saKey + "\",\n  \"private_key\": \""
                + "-----BEGIN " + "PRIVATE KEY-----\\nMIIEv\\n-----END " + "PRIVATE KEY-----\\n\"\n}\n",
            "{\n  \"type\": \"service_" + "account\",\n  \"project_id\": \"demo\",\n  \"private_key\": \"<see vault>\"\n}\n",
            saKey)

        let aiza = "AIza" + Gen.string(35, Gen.urlSafe, seed: 5)
        add("secrets.gcp-api-key", "const key = '" + aiza + "';\n", "const key = 'AIza" + "SyShort';\n", aiza)

        let azure = Gen.string(86, Gen.base64, seed: 6) + "=="
        add("secrets.azure-storage-key",
            "conn=DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + azure + ";EndpointSuffix=core.windows.net\n",
            "conn=DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=<your-key>\n", azure)

        let ghp = "ghp_" + Gen.string(36, Gen.alnum, seed: 7)
        add("secrets.github-token", "GH_TOKEN: " + ghp + "\n",
            "GH_TOKEN: ghp_" + String(repeating: "x", count: 36) + "\nprefix ghp_" + "short\n", ghp)

        let pat = "github_pat_" + Gen.string(22, Gen.alnum, seed: 8) + "_" + Gen.string(59, Gen.alnum, seed: 9)
        add("secrets.github-fine-grained-token", "token " + pat + "\n", "token github_pat_" + "abc\n", pat)

        let glpat = "glpat-" + Gen.string(20, Gen.urlSafe, seed: 10)
        add("secrets.gitlab-token", "GITLAB=" + glpat + "\n", "GITLAB=glpat-" + "short\n", glpat)

        let xoxb = "xoxb-" + Gen.string(12, Gen.digits, seed: 11) + "-" + Gen.string(13, Gen.digits, seed: 12) + "-"
            + Gen.string(24, Gen.alnum, seed: 13)
        add("secrets.slack-token", "slack: " + xoxb + "\n", "slack: xoxb-" + "abc\n", xoxb)

        let hook = "https://hooks.slack.com/services/" + "T" + Gen.string(8, Gen.upperDigits, seed: 14) + "/B"
            + Gen.string(8, Gen.upperDigits, seed: 15) + "/" + Gen.string(24, Gen.alnum, seed: 16)
        add("secrets.slack-webhook", "url = " + hook + "\n", "see https://hooks.slack.com/" + "services/...\n", hook)

        let stripe = "sk_live_" + Gen.string(24, Gen.alnum, seed: 17)
        add("secrets.stripe-live-key", "stripe = '" + stripe + "'\n",
            "stripe = 'pk_live_" + Gen.string(24, Gen.alnum, seed: 17) + "'\n", stripe)

        let twilio = "SK" + Gen.string(32, Gen.hex, seed: 18)
        add("secrets.twilio-api-key", "TWILIO_KEY=" + twilio + "\n", "TASK_KEY=SK" + Gen.string(20, Gen.hex, seed: 18) + "\n",
            twilio)

        let sg = "SG." + Gen.string(22, Gen.urlSafe, seed: 19) + "." + Gen.string(43, Gen.urlSafe, seed: 20)
        add("secrets.sendgrid-api-key", "SENDGRID=" + sg + "\n", "SENDGRID=SG." + "abc.def\n", sg)

        let npm = "npm_" + Gen.string(36, Gen.alnum, seed: 21)
        add("secrets.npm-token", "//registry.npmjs.org/:_authToken=" + npm + "\n",
            "export npm_" + "config_registry=https://registry.npmjs.org\n", npm)

        let pypi = "pypi-AgEI" + "cHlwaS5vcmc" + Gen.string(70, Gen.urlSafe, seed: 22)
        add("secrets.pypi-token", "password = " + pypi + "\n", "password = pypi-AgEI" + "short\n", pypi)

        let jwt = "eyJ" + Gen.string(30, Gen.urlSafe, seed: 23) + ".eyJ" + Gen.string(40, Gen.urlSafe, seed: 24) + "."
            + Gen.string(43, Gen.urlSafe, seed: 25)
        add("secrets.jwt", "Authorization: Bearer " + jwt + "\n", "header = 'eyJ" + "hbGciOiJIUzI1NiJ9'\n", jwt)

        let gocspx = "GOCSPX-" + Gen.string(28, Gen.urlSafe, seed: 26)
        add("secrets.google-oauth-client-secret", "\"client_secret\": \"" + gocspx + "\"\n",
            "\"client_secret\": \"GOCSPX-" + "short\"\n", gocspx)

        let heroku = Gen.uuid(seed: 27)
        add("secrets.heroku-api-key", "HEROKU_API_KEY=" + heroku + "\n", "HEROKU_APP_NAME=my-app\n", heroku)

        let mailgun = "key-" + Gen.string(32, Gen.hex, seed: 28)
        add("secrets.mailgun-api-key", "MAILGUN=" + mailgun + "\n", "map key-" + "value pairs\n", mailgun)

        let shopify = "shpat_" + Gen.string(32, Gen.hex, seed: 29)
        add("secrets.shopify-token", "SHOPIFY=" + shopify + "\n", "SHOPIFY=shpat_" + "short\n", shopify)

        let discord = "MT" + Gen.string(24, Gen.alnum, seed: 30) + "." + Gen.string(6, Gen.urlSafe, seed: 31) + "."
            + Gen.string(27, Gen.urlSafe, seed: 32)
        add("secrets.discord-bot-token", "DISCORD_BOT_TOKEN=" + discord + "\n", "DISCORD_BOT_TOKEN=${DISCORD_TOKEN}\n",
            discord)

        let dhook = "https://discord.com/api/webhooks/" + Gen.string(18, Gen.digits, seed: 33) + "/"
            + Gen.string(68, Gen.urlSafe, seed: 34)
        add("secrets.discord-webhook", "hook: " + dhook + "\n", "hook: https://discord.com/api/" + "webhooks/<id>/<token>\n",
            dhook)

        let telegram = "7" + Gen.string(9, Gen.digits, seed: 35) + ":AA" + Gen.string(33, Gen.urlSafe, seed: 36)
        add("secrets.telegram-bot-token", "bot = \"" + telegram + "\"\n", "ratio 16:AA" + "B\n", telegram)

        let generic = Gen.string(24, Gen.alnum, seed: 37)
        add("secrets.generic-assignment", "db_password = \"" + generic + "\"\n",
            "password = \"changeme" + "-changeme-123\"\ntoken = getTokenFromEnvironment()\n"
                + "password = \"" + String(repeating: "a", count: 20) + "\"\napi_key: ${{ secrets.API_KEY }}\n",
            generic)
        return c
    }()
}

final class SecretRuleTests: XCTestCase {
    /// A vendor-prefixed token is reported even when its body contains runs like 12345678 or AbCdEfGh;
    /// those runs only mark placeholders for the generic assignment rule.
    func testPrefixedTokenWithSequentialRunsIsStillASecret() {
        let slack = "xox" + "b-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
        XCTAssertEqual(findings(audit(["a.py": "slack = \"\(slack)\"\n"]), "secrets.slack-token").count, 1)
        XCTAssertTrue(findings(audit(["b.py": "password = \"abcdefgh12345678\"\n"]), "secrets.generic-assignment").isEmpty)
        // Identifier-like values are names, not secrets.
        for value in ["django-insecure-", "set-password-flow", "HTTP_X_CSRFTOKEN_HEADER"] {
            XCTAssertTrue(findings(audit(["c.py": "SECRET_KEY_PREFIX = \"\(value)\"\n"]), "secrets.generic-assignment").isEmpty, value)
        }
    }

    func testEverySecretRuleHasFixtures() {
        let covered = Set((SecretCases.all + MoreSecretCases.all).map(\.rule))
        let ruleIDs = Set(SecretRule.all.map(\.rule.id))
        XCTAssertEqual(covered, ruleIDs)
        XCTAssertGreaterThanOrEqual(ruleIDs.count, 80)
    }

    func testEveryPatternCompiles() {
        for rule in SecretRule.all {
            XCTAssertFalse(rule.regexes.isEmpty, rule.rule.id)
            XCTAssertEqual(rule.regexes.count, rule.compiled.patterns.count, "every pattern of \(rule.rule.id) compiles")
            XCTAssertFalse(rule.keywords.isEmpty, rule.rule.id)
        }
    }

    func testPositiveFixturesAreFound() {
        for c in SecretCases.all {
            let report = audit(["src/config.txt": c.positive])
            let hits = findings(report, c.rule)
            XCTAssertEqual(hits.count, 1, "\(c.rule): \(report.findings.map(\.ruleID))")
            XCTAssertEqual(hits.first?.path, "src/config.txt", c.rule)
            XCTAssertNotNil(hits.first?.line, c.rule)
        }
    }

    func testNegativeFixturesAreNotFound() {
        for c in SecretCases.all {
            let report = audit(["src/config.txt": c.negative])
            let secretFindings = report.findings.filter { $0.ruleID.hasPrefix("secrets.") }
            XCTAssertEqual(secretFindings.map(\.ruleID), [], "\(c.rule) negative fixture")
        }
    }

    func testSecretsAreRedactedInEveryOutput() {
        let files = Dictionary(uniqueKeysWithValues: SecretCases.all.enumerated().map { ("f\($0.offset).txt", $0.element.positive) })
        let report = audit(files)
        let text = allOutputs(report)
        for c in SecretCases.all where c.rule != "secrets.private-key" {
            XCTAssertFalse(text.contains(c.secret), "\(c.rule) secret leaked")
            // Never more than the first four characters: no part of the rest of the secret appears.
            let rest = Array(c.secret.dropFirst(4))
            for start in stride(from: 0, to: max(rest.count - 8, 1), by: 4) {
                let window = String(rest[start..<min(rest.count, start + 8)])
                XCTAssertFalse(text.contains(window), "\(c.rule) shows more than 4 characters: \(window)")
            }
        }
        XCTAssertTrue(text.contains("AKIA…[REDACTED]"))
        // The private key body never appears; the BEGIN line is reported.
        let body = Gen.string(64, Gen.base64, seed: 1)
        XCTAssertFalse(text.contains(body))
        XCTAssertTrue(text.contains("-----BEGIN " + "RSA PRIVATE KEY-----"))
    }

    func testLineWithAllowMarkerIsSuppressed() {
        let akia = "AKIA" + Gen.string(16, Gen.upperDigits, seed: 40)
        let report = audit(["a.env": "KEY=\(akia) # sdetkit:allow test fixture\nOTHER=\(akia)\n"])
        let hits = findings(report, "secrets.aws-access-key-id")
        XCTAssertEqual(hits.map(\.line), [2])
    }

    func testSpecificRuleWinsOverGenericAssignment() {
        let ghp = "ghp_" + Gen.string(36, Gen.alnum, seed: 41)
        let report = audit(["ci.env": "token = \"\(ghp)\"\n"])
        XCTAssertEqual(report.findings.map(\.ruleID), ["secrets.github-token"])
    }

    func testGenericAssignmentNeedsEntropyAndUnquotedNeedsDigit() {
        let quotedNoDigit = "password = \"" + Gen.string(20, Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"), seed: 42) + "\"\n"
        XCTAssertEqual(findings(audit(["a.py": quotedNoDigit]), "secrets.generic-assignment").count, 1)
        let unquotedNoDigit = "accessToken: AccessTokenProviderImplementation\n"
        XCTAssertEqual(findings(audit(["a.swift": unquotedNoDigit]), "secrets.generic-assignment").count, 0)
        let lowEntropy = "secret = \"abababababababababab12\"\n"
        XCTAssertEqual(findings(audit(["a.py": lowEntropy]), "secrets.generic-assignment").count, 0)
    }

    func testSecretInVeryLongLineIsFound() {
        let ghp = "ghp_" + Gen.string(36, Gen.alnum, seed: 43)
        let filler = String(repeating: "var a=function(b){return b};", count: 2_000)
        let report = audit(["dist/app.min.js": filler + "x=\"" + ghp + "\";" + filler + "\n"])
        XCTAssertEqual(findings(report, "secrets.github-token").map(\.line), [1])
        XCTAssertFalse(allOutputs(report).contains(ghp))
    }

    func testRedactHelper() {
        XCTAssertEqual(SecretFilters.redact("AKIAZZZZZZZZZZZZZZZZ"), "AKIA…[REDACTED]")
        XCTAssertEqual(SecretFilters.redact("short"), "…[REDACTED]")
        XCTAssertEqual(SecretFilters.entropy("aaaa"), 0)
        XCTAssertEqual(SecretFilters.entropy("abcd"), 2, accuracy: 1e-9)
    }
}
