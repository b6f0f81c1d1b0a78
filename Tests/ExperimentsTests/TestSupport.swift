import TestSupport

/// The shared temporary folder (TestSupport).
typealias TmpDir = TempDir
