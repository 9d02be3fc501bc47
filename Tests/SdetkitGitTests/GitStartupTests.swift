import CGitStartup
#if canImport(Glibc)
import Glibc
#endif
import XCTest
@testable import SdetkitGit

/// libgit2 start-up skips the system CA bundle (sdetkit never uses libgit2's network) but
/// leaves mbedTLS's CA loading working for anyone who asks for it later.
final class GitStartupTests: XCTestCase {
    /// True when the libgit2 in this process uses mbedTLS (Debian's build does).
    private var mbedTLSLoaded: Bool {
        guard let handle = dlopen("libmbedx509.so.1", RTLD_NOW | RTLD_NOLOAD) else { return false }
        dlclose(handle)
        return true
    }

    func testInitialisationSkipsTheCABundleWhenLibgit2UsesMbedTLS() throws {
        LibGit2.ensureInitialized()
        XCTAssertFalse(LibGit2.version.isEmpty)
        guard mbedTLSLoaded else { throw XCTSkip("libgit2 here does not use mbedTLS; nothing to skip") }
        XCTAssertGreaterThanOrEqual(sdetkit_git_skipped_ca_loads(), 1,
                                    "git_libgit2_init parsed the CA bundle; the interposition is not active")
    }

    func testCALoadingOutsideInitialisationReachesMbedTLS() throws {
        LibGit2.ensureInitialized()
        guard mbedTLSLoaded else { throw XCTSkip("libgit2 here does not use mbedTLS") }
        let before = sdetkit_git_skipped_ca_loads()
        // After start-up the call forwards to mbedTLS: a missing file is mbedTLS's file-I/O error,
        // not the skipped "0 loaded" answer.
        let result = sdetkit_test_parse_ca_file("/nonexistent/sdetkit-ca.pem")
        XCTAssertNotEqual(result, 0)
        XCTAssertEqual(sdetkit_git_skipped_ca_loads(), before)
    }
}
