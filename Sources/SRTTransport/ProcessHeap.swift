import CSRT
import Foundation

/// The process's heap, as glibc's allocator keeps it.
///
/// glibc returns freed memory to the system only from the top of each arena; a burst of SRT
/// handshakes or connections (libsrt allocates a few hundred KB per socket: buffers, loss lists)
/// leaves hundreds of megabytes free but resident after the burst, scattered between live blocks.
/// Measured with a thousand wrong-key handshakes: 75 MB before, 500 MB after, 103 MB after one
/// `malloc_trim`. Two remedies, both applied by `fieldrelay serve` (`memory.*` in the configuration):
/// blocks from 128 KiB get pages of their own and go back when freed (glibc otherwise raises that
/// threshold after the first such block is freed, up to 32 MB), and a periodic trim gives back
/// whole free pages inside the arenas.
public enum ProcessHeap {
    /// Blocks of at least `bytes` are mapped on their own and unmapped when freed (M_MMAP_THRESHOLD,
    /// which also stops glibc's sliding adjustment). False if glibc refused the value.
    @discardableResult
    public static func mapBlocks(fromBytes bytes: Int) -> Bool {
        csrt_heap_map_threshold(Int32(clamping: bytes)) == 1
    }

    /// Gives whole free pages of every arena back to the system (malloc_trim(0)). True if any was
    /// given back.
    @discardableResult
    public static func trim() -> Bool {
        csrt_heap_trim() == 1
    }

    /// Resident set size from /proc/self/statm, nil where unreadable.
    public static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
