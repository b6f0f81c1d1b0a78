func runTokenizerBench(_ args: [String]) throws { print("not yet") }
