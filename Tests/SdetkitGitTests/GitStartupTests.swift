import CGitStartup
import XCTest
@testable import SdetkitGit

/// libgit2 start-up skips the system CA bundle (sdetkit never uses libgit2's network) but
/// leaves mbedTLS's CA loading working for anyone who asks for it later; GSSAPI is loaded only
/// when libgit2 calls it, and then works.
final class GitStartupTests: XCTestCase {
    func testInitialisationSkipsTheCABundle() {
        LibGit2.ensureInitialized()
        XCTAssertFalse(LibGit2.version.isEmpty)
        XCTAssertGreaterThanOrEqual(sdetkit_git_skipped_ca_loads(), 1,
                                    "git_libgit2_init parsed the CA bundle; the link-time wrap is not active")
    }

    func testCALoadingOutsideInitialisationReachesMbedTLS() {
        LibGit2.ensureInitialized()
        let before = sdetkit_git_skipped_ca_loads()
        // After start-up the call forwards to mbedTLS: a missing file is mbedTLS's file-I/O error
        // (MBEDTLS_ERR_PK_FILE_IO_ERROR), not the skipped "0 loaded" answer.
        let result = sdetkit_test_parse_ca_file("/nonexistent/sdetkit-ca.pem")
        XCTAssertEqual(result, -0x3E00)
        XCTAssertEqual(sdetkit_git_skipped_ca_loads(), before)
    }

    func testCALoadingOfARealCertificateReachesMbedTLS() throws {
        LibGit2.ensureInitialized()
        let bundle = "/etc/ssl/certs/ca-certificates.crt"
        guard FileManager.default.fileExists(atPath: bundle) else { throw XCTSkip("no system CA bundle here") }
        // mbedTLS returns the number of certificates it could not parse (0 = all parsed).
        XCTAssertGreaterThanOrEqual(sdetkit_test_parse_ca_file(bundle), 0)
    }

    func testGSSAPIIsLoadedOnlyOnFirstUseAndThenForwards() throws {
        LibGit2.ensureInitialized()
        XCTAssertEqual(sdetkit_gss_library_loaded(), 0, "Kerberos was loaded at start-up")
        let count = sdetkit_test_gss_mechanism_count()
        guard count >= 0 else { throw XCTSkip("libgssapi_krb5.so.2 is not installed here") }
        XCTAssertGreaterThan(count, 0)
        XCTAssertEqual(sdetkit_gss_library_loaded(), 1)
    }
}
