func runExtractionBench(_ args: [String]) throws { print("not yet") }
