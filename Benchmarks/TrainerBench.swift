func runTrainerBench(_ args: [String]) throws { print("not yet") }
