func runCleaningBench(_ args: [String]) throws { print("not yet") }
