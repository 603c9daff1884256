import CHDF5

/// HDF5's error reporting, tamed. By default HDF5 prints its whole error
/// stack to stderr on every failed call, and that setting is per thread, so
/// every entry point silences the calling thread first; failures are then
/// turned into `CheckpointError`s carrying the most specific HDF5 message.
enum HDF5Diagnostics {
    /// Turns off automatic error-stack printing for the calling thread.
    /// Cheap enough to call before every HDF5 operation.
    static func silenceThisThread() {
        _ = exitTeardownDisabled
        _ = H5Eset_auto2(acdc_h5e_default(), nil, nil)
    }

    /// No library teardown at process exit (`H5dont_atexit`, which must come
    /// before any other HDF5 call; every entry point comes through here
    /// first). When a close fails — a full disk, while HDF5 flushes the file's
    /// metadata — the file stays half-open inside the library, and its
    /// exit-time teardown then crashes (SIGSEGV in `H5F__close_cb`) or gives
    /// up with "infinite loop closing library". Every file is closed
    /// explicitly on every path (`HDF5File.close`, or its deinit), so the
    /// teardown has nothing left to do for a healthy run.
    private static let exitTeardownDisabled: Void = { _ = H5dont_atexit() }()

    /// The most specific description on the calling thread's error stack
    /// (where HDF5 detected the problem), or nil when the stack is empty.
    /// Clears the stack.
    static func takeInnermostMessage() -> String? {
        final class Found { var text: String? }
        let found = Found()
        let visit: H5E_walk2_t = { _, record, context in
            guard let record, let context else { return 0 }
            let found = Unmanaged<Found>.fromOpaque(context).takeUnretainedValue()
            if found.text == nil, let desc = record.pointee.desc {
                let text = String(cString: desc)
                if !text.isEmpty { found.text = text }
            }
            return 0
        }
        withExtendedLifetime(found) {
            _ = H5Ewalk2(acdc_h5e_default(), H5E_WALK_UPWARD, visit,
                         Unmanaged.passUnretained(found).toOpaque())
        }
        _ = H5Eclear2(acdc_h5e_default())
        return found.text
    }
}
