import SdetkitCore
import XCTest

@testable import SdetkitAudit

/// Positive and negative fixtures for the cloud, CI/CD, registry, SaaS, AI and structured secret rules. Every
/// token is generated at run time in its published format (no literal secret in the repository).
enum MoreSecretCases {
    static let lower = Array("abcdefghijklmnopqrstuvwxyz")
    static let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    static let lowerDigits = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    static let upperHex = Array("0123456789ABCDEF")
    static let bech32 = Array("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L")

    static func g(_ n: Int, _ a: [Character], _ seed: UInt64) -> String { Gen.string(n, a, seed: 1_000 + seed) }

    static let all: [SecretCase] = {
        var c: [SecretCase] = []
        /// A token rule: the token on an assignment line; the negative is the prefix with a short body.
        func tok(_ rule: String, _ token: String, negative: String) {
            c.append(SecretCase(rule: rule, positive: "value: \"" + token + "\"\n", negative: negative + "\n", secret: token))
        }
        let a = Gen.alnum, h = Gen.hex, u = Gen.urlSafe
        tok("secrets.azure-ad-client-secret", g(3, a, 1) + "8Q~" + g(34, a, 2), negative: "x = 'Q~' + abc")
        tok("secrets.alibaba-access-key-id", "LTAI" + g(20, a, 3), negative: "id = LTAI" + "short")
        tok("secrets.tencent-secret-id", "AKID" + g(32, a, 4), negative: "AKID" + "x is an id")
        tok("secrets.digitalocean-token", "dop_v1_" + g(64, h, 5), negative: "dop_v1_" + "abc")
        tok("secrets.databricks-token", "dapi" + g(32, h, 6), negative: "dapi" + "Version = 3")
        tok("secrets.cloudflare-origin-ca-key", "v1.0-" + g(24, h, 7) + "-" + g(146, h, 8), negative: "version v1.0-" + "beta")
        tok("secrets.supabase-token", "sbp_" + g(40, h, 9), negative: "sbp_" + "demo")
        tok("secrets.flyio-token", "fo1_" + g(43, u, 10), negative: "fo1_" + "x")
        tok("secrets.terraform-cloud-token", g(14, a, 11) + ".atlasv1." + g(66, u, 12), negative: "host = app.atlasv1." + "io")
        tok("secrets.vault-token", "hvs." + g(95, u, 13), negative: "hvs." + "CAESI")
        tok("secrets.doppler-token", "dp.st." + g(43, a, 14), negative: "dp.st." + "dev")
        tok("secrets.pulumi-token", "pul-" + g(40, h, 15), negative: "pul-" + "request")
        tok("secrets.age-secret-key", "AGE-SECRET-KEY-1" + g(58, bech32, 16), negative: "# AGE-SECRET-KEY-1" + "...")
        c.append(SecretCase(rule: "secrets.ibm-cloud-api-key", positive: "IBM_CLOUD_API_KEY=" + g(44, u, 17) + "\n",
                            negative: "IBM_CLOUD_API_KEY=${IBM_KEY}\n", secret: g(44, u, 17)))
        tok("secrets.gitlab-runner-token", "glrt-" + g(20, u, 18), negative: "glrt-" + "x")
        tok("secrets.gitlab-deploy-token", "gldt-" + g(20, u, 19), negative: "gldt-" + "x")
        tok("secrets.gitlab-ci-token", "glptt-" + g(40, h, 20), negative: "glptt-" + "abc")
        tok("secrets.circleci-token", "CCIPAT_" + g(22, a, 21) + "_" + g(40, h, 22), negative: "CCIPAT_" + "x")
        tok("secrets.buildkite-token", "bkua_" + g(40, h, 23), negative: "bkua_" + "x")
        tok("secrets.docker-hub-token", "dckr_pat_" + g(27, u, 24), negative: "dckr_pat_" + "x")
        tok("secrets.rubygems-api-key", "rubygems_" + g(48, h, 25), negative: "rubygems_" + "org")
        tok("secrets.nuget-api-key", "oy2" + g(43, lowerDigits, 26), negative: "oy2" + "abc")
        tok("secrets.crates-io-token", "cio" + g(32, a, 27), negative: "conscious precious cio" + "n")
        tok("secrets.jfrog-token", "cmVmdGtuOjAxOj" + g(50, a, 28), negative: "cmVmdGtuOjAxOj" + "E=")
        tok("secrets.clojars-token", "CLOJARS_" + g(60, lowerDigits, 29), negative: "CLOJARS_" + "x")
        c.append(SecretCase(rule: "secrets.npm-auth-token",
                            positive: "//npm.pkg.github.com/:_authToken=" + g(40, u, 30) + "\n",
                            negative: "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", secret: g(40, u, 30)))
        tok("secrets.slack-app-token", "xapp-1-A" + g(10, Gen.upperDigits, 31) + "-" + g(13, Gen.digits, 32) + "-" + g(64, h, 33),
            negative: "xapp-" + "abcdef-abcdef")
        tok("secrets.stripe-test-key", "sk_test_" + g(24, a, 34), negative: "key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'")
        tok("secrets.stripe-webhook-secret", "whsec_" + g(32, a, 35), negative: "whsec_" + "x")
        tok("secrets.sentry-token", "sntryu_" + g(64, h, 36), negative: "sntryu_" + "x")
        tok("secrets.linear-api-key", "lin_api_" + g(40, a, 37), negative: "lin_api_" + "x")
        tok("secrets.postman-api-key", "PMAK-" + g(24, h, 38) + "-" + g(34, h, 39), negative: "PMAK-" + "x")
        tok("secrets.atlassian-api-token", "ATATT3xFfGF0" + g(180, u, 40) + "=" + g(8, upperHex, 41), negative: "ATATT3" + "x")
        tok("secrets.grafana-token", "glsa_" + g(32, a, 42) + "_" + g(8, h, 43), negative: "glsa_" + "x")
        tok("secrets.notion-token", "ntn_" + g(11, Gen.digits, 44) + g(35, a, 45), negative: "ntn_" + "x")
        tok("secrets.new-relic-key", "NRAK-" + g(27, Gen.upperDigits, 46), negative: "NRAK-" + "X")
        tok("secrets.dynatrace-token", "dt0c01." + g(24, Gen.upperDigits, 47) + "." + g(64, Gen.upperDigits, 48),
            negative: "dt0c01." + "ABC")
        tok("secrets.square-token", "sq0atp-" + g(22, u, 49), negative: "sq0atp-" + "x")
        tok("secrets.hubspot-token", "pat-na1-" + Gen.uuid(seed: 1_050), negative: "pat-na1-" + "x")
        tok("secrets.figma-token", "figd_" + g(40, u, 51), negative: "figd_" + "x")
        tok("secrets.1password-token", "ops_eyJ" + g(260, a, 52), negative: "ops_eyJ" + "x")
        tok("secrets.tailscale-key", "tskey-auth-" + g(12, a, 53) + "-" + g(30, a, 54), negative: "tskey-" + "auth-x")
        tok("secrets.planetscale-token", "pscale_tkn_" + g(43, u, 55), negative: "pscale_tkn_" + "x")
        tok("secrets.contentful-token", "CFPAT-" + g(43, u, 56), negative: "CFPAT-" + "x")
        tok("secrets.flutterwave-key", "FLWSECK-" + g(32, h, 57) + "-X", negative: "FLWSECK-" + "x")
        tok("secrets.typeform-token", "tfp_" + g(59, a, 58), negative: "tfp_" + "x")
        tok("secrets.mapbox-secret-token", "sk.eyJ" + g(60, u, 59) + "." + g(22, u, 60), negative: "pk.eyJ" + g(60, u, 59))
        tok("secrets.braintree-token", "access_token$production$" + g(16, lowerDigits, 61) + "$" + g(32, h, 62),
            negative: "access_token$production$" + "x")
        tok("secrets.mailchimp-api-key", g(32, h, 63) + "-us12", negative: "lang = en-us")
        c.append(SecretCase(rule: "secrets.okta-api-token", positive: "OKTA_API_TOKEN=00" + g(40, u, 64) + "\n",
                            negative: "OKTA_API_TOKEN=${OKTA}\n", secret: "00" + g(40, u, 64)))
        tok("secrets.openai-api-key", "sk-proj-" + g(60, u, 65) + "T3BlbkFJ" + g(60, u, 66), negative: "sk-proj-" + "x")
        tok("secrets.anthropic-api-key", "sk-ant-api03-" + g(93, u, 67) + "AA", negative: "sk-ant-" + "api03-x")
        tok("secrets.huggingface-token", "hf_" + g(34, letters, 68), negative: "hf_" + "hub_download")
        tok("secrets.ai-provider-key", "gsk_" + g(52, a, 69), negative: "gsk_" + "x")
        let pem = "-----BEGIN " + "OPENSSH PRIVATE KEY-----\\n" + g(200, Gen.base64, 70) + "\\n-----END OPENSSH PRIVATE KEY-----"
        _ = pem
        c.append(SecretCase(rule: "secrets.putty-private-key",
                            positive: "PuTTY-User-" + "Key-File-3: ssh-ed25519\nEncryption: none\nComment: k\nPublic-Lines: 2\n"
                                + g(64, Gen.base64, 71) + "\nPrivate-Lines: 1\n" + g(44, Gen.base64, 72) + "\n",
                            negative: "if line.hasPrefix(\"PuTTY-User-Key-File-\") { parse() }\n", secret: g(44, Gen.base64, 72)))
        c.append(SecretCase(rule: "secrets.kubernetes-secret",
                            positive: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: "
                                + g(24, Gen.base64, 73) + "\n",
                            negative: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: \"\"\n---\n"
                                + "kind: Secret\nstringData:\n  token: ${TOKEN}\n", secret: g(24, Gen.base64, 73)))
        let pw = g(20, a, 74)
        c.append(SecretCase(rule: "secrets.connection-string-password",
                            positive: "DATABASE_URL=postgres://app:" + pw + "@db.internal:5432/app\n",
                            negative: "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app\nurl = mysql://user:password@localhost/db\n"
                                + "see https://example.org/a:b@c\n", secret: pw))
        let bearer = g(40, u, 75)
        c.append(SecretCase(rule: "secrets.authorization-header",
                            positive: "curl -H \"Authorization: Bearer " + bearer + "\" https://api.example.org/v1\n",
                            negative: "curl -H \"Authorization: Bearer $API_TOKEN\" https://api.example.org/v1\n", secret: bearer))
        return c
    }()
}

final class MoreSecretRuleTests: XCTestCase {
    func testPositiveFixturesAreFoundAndRedacted() {
        for c in MoreSecretCases.all {
            let report = audit(["src/config.txt": c.positive])
            XCTAssertEqual(findings(report, c.rule).count, 1, "\(c.rule): \(report.findings.map(\.ruleID))")
            XCTAssertFalse(allOutputs(report).contains(c.secret), "\(c.rule) leaked its secret")
        }
    }

    func testNegativeFixturesAreNotFound() {
        for c in MoreSecretCases.all {
            let report = audit(["src/config.txt": c.negative])
            XCTAssertEqual(report.findings.filter { $0.ruleID.hasPrefix("secrets.") }.map(\.ruleID), [], c.rule)
        }
    }

    func testPrivateKeyInEveryContainer() {
        let body = Gen.string(200, Gen.base64, seed: 2_001)
        let begin = "-----BEGIN " + "OPENSSH PRIVATE KEY-----", end = "-----END " + "OPENSSH PRIVATE KEY-----"
        let forms = [
            "\(begin)\n\(body.prefix(70))\n\(body.dropFirst(70))\n\(end)\n",                      // PEM / OpenSSH
            "{\"key\": \"\(begin)\\n\(body)\\n\(end)\\n\"}\n",                                     // JSON-escaped
            "SSH_KEY=\"\(begin) \(body) \(end)\"\n",                                               // one-line env var
            "-----BEGIN " + "PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n\(body)\n-----END PGP PRIVATE KEY BLOCK-----\n",
        ]
        for form in forms {
            XCTAssertEqual(findings(audit(["k.txt": form]), "secrets.private-key").count, 1, form)
        }
        // Headers without a body: a parser's constant, a documentation line.
        for bare in ["let header = \"\(begin)\"\n", "\(begin)\n...\n\(end)\n", "\(begin)\n<your key here>\n"] {
            XCTAssertTrue(findings(audit(["k.swift": bare]), "secrets.private-key").isEmpty, bare)
        }
    }

    func testSlackLookAlikesAndPublicExamplesAreNotSecrets() {
        let text = "a = xoxb-" + "abcdef-abcdef\nb = AKIA" + "IOSFODNN7EXAMPLE\nc = 'sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc'\n"
        XCTAssertEqual(audit(["n.txt": text]).findings.filter { $0.ruleID.hasPrefix("secrets.") }.map(\.ruleID), [])
    }

    func testGenericRuleNamesTheWholeVariableAndCredentials() {
        let v = Gen.string(24, Gen.alnum, seed: 2_002)
        let hits = findings(audit(["app.env": "DB_PASSWORD=\"" + v + "\"\ncredentials = \"" + v + "\"\n"]),
                            "secrets.generic-assignment")
        XCTAssertEqual(hits.count, 2)
        XCTAssertTrue(hits[0].message.contains("'DB_PASSWORD'"), hits[0].message)
        XCTAssertTrue(hits[1].message.contains("'credentials'"), hits[1].message)
    }

    func testGitleaksAllowMarkerIsHonoured() {
        let ghp = "ghp_" + Gen.string(36, Gen.alnum, seed: 2_003)
        let r = audit(["a.env": "T=\(ghp) # gitleaks:allow\nU=\(ghp)\n"])
        XCTAssertEqual(findings(r, "secrets.github-token").map(\.line), [2])
    }

    func testBearerHeaderAroundASpecificTokenIsReportedOnce() {
        let ghp = "ghp_" + Gen.string(36, Gen.alnum, seed: 2_004)
        let r = audit(["run.sh": "curl -H 'Authorization: Bearer \(ghp)' https://api.github.com\n"])
        XCTAssertEqual(r.findings.map(\.ruleID), ["secrets.github-token"])
    }
}
