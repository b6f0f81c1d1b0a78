#!/usr/bin/env python3
"""Reference ids from mistral-common's Tekkenizer for the tekken tests (pip install mistral-common).
  path                          prints the path of the tekken.json shipped in the mistral-common package
  encode TEKKEN IN.jsonl OUT    ids (no BOS/EOS) of each {"text": ...} line, one JSON list a line
  fixture TEKKEN OUT            writes tekken-ids.jsonl: {"text", "ids"} for the small checked-in subset below"""
import json, os, sys

SUBSET = ["Hello, world! This is a test.", "The patient received 500 mg of metformin twice daily.",
    "中文分词是自然语言处理的基础任务。", "日本語のテキストとカタカナ、ひらがな。", "한국어 문장입니다.",
    "Привет, мир! Это тест.", "مرحبا بالعالم", "नमस्ते दुनिया", "def f(x):\n    return x ** 2  # square\n",
    "CamelCaseIdentifier and snake_case_name and HTTPServer", "1234567890 3.14159 1e-9", "emoji \U0001F600\U0001F44D\U0001F3FD mixed",
    "   leading spaces\tand\ttabs\r\nwindows newlines\n\n\nblank", "[INST] not special here [/INST] <s> </s>",
    "\u00dcn\u00efc\u00f6d\u00e9 \u00c4\u00d6\u00dc \u00df \ufb01 e\u0301", "ALLCAPS WORDS, MixedCase, iPhone, McDonald's",
    "path/to/file.txt and C:\\dir\\x", "Hypertrophic cardiomyopathy and levothyroxine", "手册页计划提供中文翻译",
    "\u00c7a va? Tr\u00e8s bien, merci.", "x = [1, 2, 3]; y = {'a': 1}", "\U00031350\U0002EBF0 ideographs"]

def main():
    if sys.argv[1] == "path":
        import mistral_common
        print(os.path.join(os.path.dirname(mistral_common.__file__), "data", "tekken_240911.json"))
        return
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer
    tok = Tekkenizer.from_file(sys.argv[2])
    if sys.argv[1] == "fixture":
        with open(sys.argv[3], "w", encoding="utf-8") as out:
            for t in SUBSET:
                out.write(json.dumps({"text": t, "ids": tok.encode(t, bos=False, eos=False)}, ensure_ascii=False) + "\n")
        return
    with open(sys.argv[3], encoding="utf-8") as inp, open(sys.argv[4], "w", encoding="utf-8") as out:
        for line in inp:
            out.write(json.dumps(tok.encode(json.loads(line)["text"], bos=False, eos=False)) + "\n")

if __name__ == "__main__":
    main()
