import Foundation

/// Progress lines of long runs (lab, sweep), written straight to standard output so that they appear at once
/// when the output is piped to a file or `tee` (where `print` buffers).
public enum ProgressOutput {
    /// Writes `s` and a newline to standard output, unbuffered.
    public static func line(_ s: String) {
        FileHandle.standardOutput.write(Data((s + "\n").utf8))
    }
}
