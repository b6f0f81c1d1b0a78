func runDedupBench(_ args: [String]) throws { print("not yet") }
