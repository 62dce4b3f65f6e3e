import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary files `SecretFile` writes beside the files it replaces (`<name>.tmp-<pid>` and
/// `<name>.tmp-<pid>-<random>`) are renamed or unlinked when their write ends; a process killed in
/// between leaves one behind. Harmless (the real file is whole either way), but they pile up: 33
/// after the crash harness's 100 kills.
public enum StaleTemporaryFiles {
    /// Removes the leftovers of `names` in `directory` whose writer is gone: no process with that
    /// pid, or this very process (run this before writing anything: in a container every start may
    /// get the same pid). A live other process (a CLI command on the same data directory) keeps its
    /// file. Returns the names removed.
    @discardableResult
    public static func remove(in directory: URL, names: [String]) -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for entry in entries {
            guard let pid = writer(of: entry, names: names) else { continue }
            if pid == getpid() || (kill(pid, 0) != 0 && errno == ESRCH) {
                if unlink(directory.appendingPathComponent(entry).path) == 0 { removed.append(entry) }
            }
        }
        return removed.sorted()
    }

    /// The writer's pid if `entry` is `<name>.tmp-<pid>` or `<name>.tmp-<pid>-<digits>` for one of `names`.
    static func writer(of entry: String, names: [String]) -> pid_t? {
        for name in names where entry.hasPrefix(name + ".tmp-") {
            let parts = entry.dropFirst(name.count + 5).split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                  let pid = pid_t(parts[0]), pid > 0 else { return nil }
            return pid
        }
        return nil
    }
}
